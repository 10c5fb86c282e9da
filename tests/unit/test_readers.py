"""Which driver and which path (asyncpg, threadpool) the API uses for each database URL."""

from __future__ import annotations

import asyncio
import importlib.util

from masakari_lite.db import readers
from masakari_lite.db import session as db_session


def test_postgresql_gets_its_own_asyncpg_engines_for_reads_and_writes():
    engines = readers.make_async_engines("postgresql+psycopg2://u@127.0.0.1:5432/ml")
    assert engines is not None
    reads, writes = engines
    assert reads.url.drivername == writes.url.drivername == "postgresql+asyncpg"
    assert reads is not writes
    again = readers.make_async_engines("postgresql+psycopg2://u@127.0.0.1:5432/ml")
    assert again[0] is not reads  # one pair per app: asyncpg connections belong to a loop
    for engine in (reads, writes, *again):
        asyncio.run(engine.dispose())


def test_libpq_url_options_keep_the_threadpool():
    assert (
        readers.make_async_engines("postgresql+psycopg2://u@127.0.0.1/ml?sslmode=require") is None
    )


def test_sqlite_and_mysql_keep_their_own_paths(tmp_path):
    assert readers.make_async_engines(f"sqlite:///{tmp_path}/x.sqlite") is None
    assert readers.make_async_engines("mysql+pymysql://u@127.0.0.1/ml") is None


def test_a_url_without_driver_uses_the_one_our_extras_install(monkeypatch):
    real = importlib.util.find_spec
    absent = {"psycopg", "MySQLdb"}  # SQLAlchemy's defaults, which no extra installs
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in absent else real(name, *a)
    )
    engine = db_session.make_engine("postgresql://u@127.0.0.1:5432/ml")
    assert engine.url.drivername == "postgresql+psycopg2"
    engine = db_session.make_engine("mysql://u@127.0.0.1/ml")
    assert engine.url.drivername == "mysql+pymysql"
    named = db_session.make_engine("postgresql+psycopg2://u@127.0.0.1:5432/ml")
    assert named.url.drivername == "postgresql+psycopg2"
