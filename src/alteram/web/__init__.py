"""The web adapter: FastAPI app, JSON API under /api/v1."""
