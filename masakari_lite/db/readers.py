"""Read-only sessions for the API's GET routes.

On PostgreSQL and MySQL a read session is an ordinary session. On SQLite the
shared engine starts every transaction with BEGIN IMMEDIATE, which makes each
reader queue for the one write lock (and, when it is taken, sleep in SQLite's
busy handler). In WAL mode a reader needs no lock at all, so reads get their
own engine whose transactions start with a deferred BEGIN on query-only
connections: they see a consistent snapshot and never wait for a writer.
"""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from masakari_lite.db import session as db_session

_lock = threading.Lock()
_makers: dict[str, sessionmaker] = {}


def _sqlite_reader(url: str) -> sessionmaker:
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

    return sessionmaker(engine, expire_on_commit=False)


def is_sqlite(url: str | None) -> bool:
    return db_session.get_engine(url).dialect.name == "sqlite"


def get_read_sessionmaker(url: str | None = None) -> sessionmaker:
    """Sessions that only read (default URL: ``[database] connection``)."""
    engine = db_session.get_engine(url)
    if engine.dialect.name != "sqlite" or make_url(str(engine.url)).database in (
        None,
        "",
        ":memory:",
    ):
        return db_session.get_sessionmaker(url)
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key not in _makers:
            _makers[key] = _sqlite_reader(key)
        return _makers[key]


def dispose_all() -> None:
    with _lock:
        for maker in _makers.values():
            maker.kw["bind"].dispose()
        _makers.clear()
