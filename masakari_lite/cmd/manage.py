"""masakari-lite-manage: database administration.

masakari-lite-manage --config-file F db sync [--revision R]
masakari-lite-manage --config-file F db version
masakari-lite-manage --config-file F db purge --age-in-days N
masakari-lite-manage --config-file F check
"""

from __future__ import annotations

import sys

from oslo_config import cfg

from masakari_lite import conf
from masakari_lite.conf import CONF


def _db_sync() -> int:
    from masakari_lite.db import migration

    migration.upgrade(CONF.database.connection, CONF.category.revision)
    print(f"database at revision {CONF.category.revision}")
    return 0


def _db_version() -> int:
    from masakari_lite.db import migration
    from masakari_lite.db.session import get_engine

    print(migration.current(get_engine()) or "None")
    return 0


def _db_purge() -> int:
    from masakari_lite.db.purge import purge
    from masakari_lite.db.session import session_scope

    if CONF.category.age_in_days < 0:
        print("--age-in-days must be 0 or more", file=sys.stderr)
        return 2
    with session_scope() as session:
        counts = purge(session, CONF.category.age_in_days)
    for table, count in counts.items():
        print(f"{table}: {count} row(s) deleted")
    return 0


def _check() -> int:
    from masakari_lite.checks import run_all

    results = run_all(CONF)
    for result in results:
        mark = "OK  " if result.ok else "FAIL"
        print(f"[{mark}] {result.name}: {result.detail}")
    return 0 if all(r.ok for r in results) else 1


_DB_ACTIONS = {"sync": _db_sync, "version": _db_version, "purge": _db_purge}


def _add_parsers(subparsers) -> None:
    db = subparsers.add_parser("db", help="database schema and housekeeping")
    actions = db.add_subparsers(dest="action", required=True)
    sync = actions.add_parser("sync", help="upgrade the schema (default: to the newest revision)")
    sync.add_argument("--revision", default="head", help="alembic revision to upgrade to")
    actions.add_parser("version", help="print the schema revision the database is at")
    purge = actions.add_parser(
        "purge",
        help="hard-delete soft-deleted rows and finished, ignored and failed notifications "
        "(with their progress and vmoves) older than N days",
    )
    purge.add_argument("--age-in-days", type=int, required=True, metavar="N")
    subparsers.add_parser(
        "check",
        help="verify the database (reachable, at head), the broker, Nova and the policy file",
    )


category_opt = cfg.SubCommandOpt(
    "category", title="Commands", help="Available commands", handler=_add_parsers
)


def main(argv: list[str] | None = None) -> int:
    CONF.register_cli_opt(category_opt)
    try:
        conf.parse_args(sys.argv[1:] if argv is None else argv)
    except cfg.Error as exc:
        print(f"masakari-lite-manage: {exc}", file=sys.stderr)
        return 2
    try:
        if CONF.category.name == "db":
            return _DB_ACTIONS[CONF.category.action]()
        if CONF.category.name == "check":
            return _check()
    except Exception as exc:  # an operator tool: a clear message, not a traceback
        print(f"masakari-lite-manage: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        CONF.reset()
        CONF.unregister_opt(category_opt)
    return 2


if __name__ == "__main__":
    sys.exit(main())
