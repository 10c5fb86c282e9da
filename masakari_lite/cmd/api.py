"""masakari-lite-api: serve the REST API with uvicorn.

``masakari-lite-api --config-file F`` listens on
``masakari_api_listen:masakari_api_listen_port`` with ``masakari_api_workers``
worker processes. Each worker builds the app through ``app_factory``, which
re-reads the same command line from the environment (uvicorn starts workers
as fresh interpreters).
"""

from __future__ import annotations

import json
import os
import sys

ARGV_ENV = "MASAKARI_LITE_API_ARGV"


def _setup_logging(debug: bool = False) -> None:
    from masakari_lite import logcontext

    logcontext.setup_logging(debug)


def app_factory():
    """uvicorn's ``--factory`` callable, run in every worker."""
    from masakari_lite import conf
    from masakari_lite.api.app import create_app

    conf.parse_args(json.loads(os.environ.get(ARGV_ENV, "[]")))
    _setup_logging()
    return create_app(conf.CONF)


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from masakari_lite import conf

    argv = sys.argv[1:] if argv is None else argv
    conf.parse_args(argv)
    os.environ[ARGV_ENV] = json.dumps(argv)
    _setup_logging()
    workers = conf.CONF.masakari_api_workers or os.cpu_count() or 1
    uvicorn.run(
        "masakari_lite.cmd.api:app_factory",
        factory=True,
        host=conf.CONF.masakari_api_listen,
        port=conf.CONF.masakari_api_listen_port,
        workers=workers,
        access_log=False,  # the app writes its own line, with the request id
        log_config=None,
        proxy_headers=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
