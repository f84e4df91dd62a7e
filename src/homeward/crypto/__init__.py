"""Keys, envelopes and codenames. The only package that touches PyNaCl (libsodium)."""
