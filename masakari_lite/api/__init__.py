"""The Masakari v1 REST API on FastAPI (see app.create_app).

Reads are ``async def`` routes whose few SQL statements run through
``ApiState.read``: inline on SQLite (local and microseconds long, cheaper than a
thread hop), in the threadpool on PostgreSQL/MySQL (so round trips overlap).
Writes are plain ``def`` routes run in the threadpool, because they may wait
on a row lock, on Nova (host names) or on the message broker (the doorbell).
"""
