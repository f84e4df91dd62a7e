"""FastAPI adapter, one package per audience (contact/, officer/, api/) over the shared pieces
here: the app, the request's transaction, security headers and CSRF, languages, the status of
each error. Calls services; builds no queries."""
