"""FastAPI adapter: contact pages, officer pages, /api/v1. Calls services; builds no queries."""
