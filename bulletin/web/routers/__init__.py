"""The app's routers, one module per part of the API (FastAPI's "bigger applications" layout)."""
