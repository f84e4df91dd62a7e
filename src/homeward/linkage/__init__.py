"""The offline linkage engine: reading registry files, normalising names, comparing and
scoring pairs, training a model and linking a batch. No database and no other capability:
identity and cases build on it, and it runs as well on a laptop with a file as in the server."""
