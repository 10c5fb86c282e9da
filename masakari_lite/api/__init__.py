"""The Masakari v1 REST API on FastAPI (see app.create_app).

Reads are ``async def`` routes that run their few short SQL statements inline:
on one worker that is markedly cheaper than a hop to the threadpool. Writes
are plain ``def`` routes run in the threadpool, because they may wait on a
row lock, on Nova (host names) or on the message broker (the doorbell).
"""
