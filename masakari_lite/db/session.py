"""Engine and session setup.

One owner per transaction: the request (API) or the step (engine) opens a
``session_scope()``; query functions in ``db/<resource>.py`` take the session
and never commit.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

_lock = threading.Lock()
# url -> (engine, its sessionmaker): one registry, so both are found the same way.
_registry: dict[str, tuple[Engine, sessionmaker, dict[str, int]]] = {}


def _on_sqlite_connect(dbapi_conn, _record) -> None:
    # We issue BEGIN ourselves (see _sqlite_begin), so pysqlite must not.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside the one writer; busy_timeout makes a second
    # writer wait instead of failing; foreign keys are off by default in SQLite.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Take the write lock at BEGIN, so a read-then-write transaction (duplicate
    # check, claim) cannot be overtaken between its read and its write.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, reader: bool = False, **pool: int) -> Engine:
    """An engine for ``url``; ``reader``: autocommit, unpinged (see ``db.readers``)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs = {"pool_pre_ping": not reader, **pool_options(pool)}
    if reader:
        kwargs["isolation_level"] = "AUTOCOMMIT"
    elif parsed.get_backend_name() == "mysql":
        kwargs["isolation_level"] = "READ COMMITTED"
    return create_engine(with_installed_driver(parsed), **kwargs)


def pool_options(pool: dict[str, int]) -> dict[str, int]:
    """``[database]`` pool settings as create_engine's keyword arguments."""
    return {
        "pool_size": pool.get("max_pool_size", 10),
        "max_overflow": pool.get("max_overflow", 20),
        "pool_timeout": pool.get("pool_timeout", 30),
        "pool_recycle": pool.get("connection_recycle_time", 3600),
    }


# A URL without a driver (``postgresql://``, ``mysql://``, as many masakari.conf
# files have) means SQLAlchemy's default driver, which our extras do not install.
_EXTRA_DRIVERS = {"postgresql": ("psycopg", "psycopg2"), "mysql": ("MySQLdb", "pymysql")}


def with_installed_driver(url: URL) -> URL:
    """``url`` with the driver our extra installs when it names none and the default is absent."""
    if "+" in url.drivername or url.drivername not in _EXTRA_DRIVERS:
        return url
    default, ours = _EXTRA_DRIVERS[url.drivername]
    if importlib.util.find_spec(default) is None and importlib.util.find_spec(ours):
        return url.set(drivername=f"{url.drivername}+{ours}")
    return url


def _registered(url: str | None) -> tuple[Engine, sessionmaker, dict[str, int]]:
    """The process-wide engine and sessionmaker for ``url`` (default: ``[database]``)."""
    pool: dict[str, int] = {}
    if url is None:
        from masakari_lite.conf import CONF

        url = CONF.database.connection
        pool = {
            "max_pool_size": CONF.database.max_pool_size,
            "max_overflow": CONF.database.max_overflow,
            "pool_timeout": CONF.database.pool_timeout,
            "connection_recycle_time": CONF.database.connection_recycle_time,
        }
    with _lock:
        if url not in _registry:
            engine = make_engine(url, **pool)
            _registry[url] = (engine, sessionmaker(engine, expire_on_commit=False), pool)
        return _registry[url]


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: ``[database] connection``)."""
    return _registered(url)[0]


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    return _registered(url)[1]


def pool_settings(url: str | None = None) -> dict[str, int]:
    """The pool options the engine for ``url`` was made with (empty: the defaults)."""
    return _registered(url)[2]


@contextlib.contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    session = get_sessionmaker(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose_all() -> None:
    with _lock:
        for engine, _maker, _pool in _registry.values():
            engine.dispose()
        _registry.clear()
