"""``masakari-lite serve``: the API and the engine in one process (the embedded default)."""

from __future__ import annotations

import argparse
import sys

from masakari_lite import logcontext


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the API and the engine in one process (SQLite, no broker)",
        description="API and engine in one process over an in-process transport. The "
        "SQLite database under state_path is created or upgraded on start. With no "
        "config: 127.0.0.1:15868, auth_strategy noauth2.",
    )
    # Its own dest: a subparser default would overwrite the umbrella's --config-file.
    p.add_argument(
        "--config-file",
        dest="serve_config_files",
        action="append",
        default=[],
        metavar="F",
        help="oslo.config file; may be given more than once",
    )
    p.add_argument("--host", help="address to listen on (overrides masakari_api_listen)")
    p.add_argument(
        "--port", type=int, help="port to listen on (overrides masakari_api_listen_port)"
    )
    p.add_argument(
        "--with-cloudsim",
        action="store_true",
        help="also run the cloud simulator and point [nova] at it",
    )
    p.add_argument(
        "--cloudsim-port", type=int, default=0, help="simulator port (default: a free one)"
    )
    p.add_argument("--debug", action="store_true", help="debug logging")
    p.set_defaults(func=run)


def _config_argv(args: argparse.Namespace) -> list[str]:
    files = list(getattr(args, "config_file", None) or []) + args.serve_config_files
    argv: list[str] = []
    for f in files:
        argv += ["--config-file", f]
    return argv


def _register_in_catalog(sim, service) -> None:
    # What devstack's plugin registers, so that clients and monitors that find
    # instance-ha through Keystone's catalog reach this API. Without Keystone
    # auth the caller's project is unknown to the API, so the URL names none
    # (the API accepts /v1 with and without it).
    url = service.endpoint
    if service.conf.auth_strategy == "keystone":
        url += "/$(project_id)s"
    sim.register_service("instance-ha", "masakari", url)


def run(args: argparse.Namespace) -> int:
    import logging

    from masakari_lite import allinone, conf

    logcontext.setup_logging(args.debug, stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    allinone.set_defaults(conf.CONF)
    try:
        conf.parse_args(_config_argv(args))
    except Exception as exc:  # oslo.config's errors name the file and the option
        print(f"masakari-lite serve: {exc}", file=sys.stderr)
        return 2
    sim = None
    if args.with_cloudsim:
        from masakari_lite.cloudsim import CloudSim, build_cloud

        sim = CloudSim(
            build_cloud(3, 4, ha_fraction=0.5, seed=1, evacuation_time=2.0),
            port=args.cloudsim_port,
        ).start()
        allinone.point_nova_at(conf.CONF, sim.compute_url)

    def announce(service) -> None:
        lines = [
            f"masakari-lite {service.conf.auth_strategy} API and engine at {service.url}",
            f"database: {service.conf.database.connection}",
        ]
        if sim is not None:
            _register_in_catalog(sim, service)
            hosts = ", ".join(sorted(sim.cloud.hosts))
            lines.append(
                f"cloudsim: Nova at {sim.compute_url} (hosts {hosts}); "
                f"fail a host: curl -X POST {sim.url}/_sim/hosts/host1/fail"
            )
            lines.append(
                f"cloudsim: Keystone at {sim.identity_url} (admin/admin, demo/demo), "
                "its catalog lists this API as instance-ha"
            )
        if service.conf.auth_strategy == "noauth2":
            lines.append(allinone.client_hints(service.endpoint))
        lines.append(f"metrics: {service.url}/metrics   Ctrl-C stops.")
        print("\n".join(lines), flush=True)

    service = allinone.AllInOne(conf.CONF, host=args.host, port=args.port)
    try:
        service.serve_forever(announce)
    except (OSError, RuntimeError) as exc:
        print(f"masakari-lite serve: {exc}", file=sys.stderr)
        return 1
    finally:
        if sim is not None:
            sim.stop()
    return 0
