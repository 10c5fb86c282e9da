"""The Masakari v1 REST API on FastAPI (see app.create_app)."""
