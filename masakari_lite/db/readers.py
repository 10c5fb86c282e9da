"""Read-only connections for the API's GET routes.

Reads run Core statements on a plain Connection (no ORM session to set up),
which the query modules accept wherever they only read. Every statement a
GET makes is its own implicit transaction (autocommit): a GET needs no
snapshot across its one or two SELECTs, and upstream, which opens a session
per query, gives none either. What that saves is round trips and work:

* SQLite: the shared engine starts every transaction with BEGIN IMMEDIATE,
  which would queue each reader for the one write lock. In WAL mode a reader
  needs no lock at all, so reads get their own engine on query-only
  connections that never BEGIN: a SELECT sees the last commit and never
  waits for a writer.
* PostgreSQL and MySQL: a pool of autocommit connections without the
  per-checkout ping. A GET is then one round trip instead of four (ping,
  BEGIN, SELECT, ROLLBACK); a connection the server dropped is replaced and
  the read, which changes nothing, is tried once more (``retry_on_disconnect``).
  On PostgreSQL the API runs the same queries through asyncpg on its event
  loop (``make_async_engines``): a thread per waiting query cost more CPU in
  GIL hand-offs than the query itself.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from masakari_lite.db import session as db_session

T = TypeVar("T")

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def _sqlite_reader(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        # No implicit BEGIN from pysqlite, and none from us: autocommit reads.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA query_only=ON")
        cur.close()

    return engine


def is_sqlite(url: str | None) -> bool:
    return db_session.get_engine(url).dialect.name == "sqlite"


def sqlite_file(url: str | None) -> str | None:
    """The full URL when ``url`` (default: ``[database] connection``) is an SQLite file."""
    engine = db_session.get_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "sqlite" or make_url(key).database in (None, "", ":memory:"):
        return None
    return key


def get_read_engine(url: str | None = None) -> Engine:
    """The engine for reads (default URL: ``[database] connection``)."""
    engine = db_session.get_engine(url)
    key = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "sqlite" and sqlite_file(url) is None:
        return engine  # one in-memory database per connection: share the writer's
    with _lock:
        if key not in _engines:
            if engine.dialect.name == "sqlite":
                _engines[key] = _sqlite_reader(key)
            else:
                pool = db_session.pool_settings(url)
                _engines[key] = db_session.make_engine(key, reader=True, **pool)
        return _engines[key]


def make_async_engines(url: str | None = None) -> tuple[AsyncEngine, AsyncEngine] | None:
    """PostgreSQL: new asyncpg engines for one API app, (reads, writes); None elsewhere.

    Not shared through a registry: asyncpg connections belong to the event loop
    that opened them, and each app (each uvicorn worker, each test server) has
    its own loop.

    The reads autocommit and skip the ping, as the sync reader; the writes
    ping on checkout, as every other writer. Queries stay the same sync
    functions: ``run_sync`` runs them on the event loop, and each round trip
    yields to other requests instead of parking a thread.
    """
    engine = db_session.get_engine(url)
    if engine.dialect.name != "postgresql" or not all(
        importlib.util.find_spec(module) for module in ("asyncpg", "greenlet")
    ):
        return None  # the threadpool serves (the postgresql extra installs both)
    if engine.url.query:
        # libpq's URL options (sslmode, connect_timeout, ...) are not asyncpg's:
        # such a URL keeps the driver it was written for, in the threadpool.
        return None
    key = engine.url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    options = db_session.pool_options(db_session.pool_settings(url))
    return (
        create_async_engine(key, isolation_level="AUTOCOMMIT", **options),
        create_async_engine(key, pool_pre_ping=True, **options),
    )


def retry_on_disconnect(read: Callable[..., T], *args) -> T:
    """``read(*args)``, once more if the server had dropped the pooled connection.

    Only for reads: they change nothing, so running one twice is harmless.
    """
    try:
        return read(*args)
    except exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return read(*args)


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
