"""Read-only connections for the API's GET routes.

Reads run Core statements on a plain Connection (no ORM session to set up),
which the query modules accept wherever they only read.

On PostgreSQL and MySQL the read engine is the shared engine. On SQLite the
shared engine starts every transaction with BEGIN IMMEDIATE, which makes each
reader queue for the one write lock (and, when it is taken, sleep in SQLite's
busy handler). In WAL mode a reader needs no lock at all, so reads get their
own engine whose transactions start with a deferred BEGIN on query-only
connections: they see a consistent snapshot and never wait for a writer.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from masakari_lite.db import session as db_session

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def _sqlite_reader(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine


def is_sqlite(url: str | None) -> bool:
    return db_session.get_engine(url).dialect.name == "sqlite"


def get_read_engine(url: str | None = None) -> Engine:
    """The engine for reads (default URL: ``[database] connection``)."""
    engine = db_session.get_engine(url)
    if engine.dialect.name != "sqlite" or make_url(str(engine.url)).database in (
        None,
        "",
        ":memory:",
    ):
        return engine
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key not in _engines:
            _engines[key] = _sqlite_reader(key)
        return _engines[key]


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
