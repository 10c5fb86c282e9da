"""``masakari-lite cloudsim``: serve a simulated OpenStack cloud in the foreground."""

from __future__ import annotations

import argparse
import time

from masakari_lite.cloudsim import CloudSim, build_cloud


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "cloudsim",
        help="run a simulated OpenStack cloud (Keystone v3 + Nova compute API)",
        description="Serve a simulated cloud: Nova at / and /v2.1, Keystone at "
        "/identity/v3, scenario control at /_sim.",
    )
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8774)
    p.add_argument("--hosts", type=int, default=3, help="compute hosts host1..hostN")
    p.add_argument("--instances-per-host", type=int, default=10)
    p.add_argument(
        "--ha-fraction", type=float, default=0.5, help="share of instances tagged HA_Enabled=True"
    )
    p.add_argument(
        "--service-down-time",
        type=float,
        default=60.0,
        help="seconds without heartbeat before a compute service is down",
    )
    p.add_argument("--evacuation-time", type=float, default=2.0)
    p.add_argument(
        "--evacuation-concurrency",
        type=int,
        default=0,
        help="evacuations rebuilding at once, the rest queue (0 = no limit)",
    )
    p.add_argument("--boot-time", type=float, default=1.0)
    p.add_argument("--host-vcpus", type=int, default=64)
    p.add_argument("--host-ram-mb", type=int, default=262144)
    p.add_argument(
        "--shared-storage",
        action="store_true",
        help="instance files on shared storage (what onSharedStorage must say)",
    )
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--quiet", action="store_true", help="no access log")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other SimConfig field, e.g. --set guests_survive_failure=true "
        "--set evacuation_failure_rate=0.1 (see GET /_sim/config)",
    )
    p.set_defaults(func=run)


def _overrides(pairs: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set wants KEY=VALUE, got {pair!r}")
        low = value.strip().lower()
        out[key.strip()] = low == "true" if low in ("true", "false") else value
    return out


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        cloud = _build(args)
    except ValueError as exc:
        print(f"masakari-lite cloudsim: {exc}")
        return 2
    sim = CloudSim(cloud, host=args.bind, port=args.port)
    built = time.monotonic() - started
    sim.serve_forever(
        access_log=not args.quiet, on_bound=lambda port: _announce(args, cloud, port, built)
    )
    return 0


def _build(args: argparse.Namespace):
    config: dict[str, object] = {
        "service_down_time": args.service_down_time,
        "evacuation_time": args.evacuation_time,
        "evacuation_concurrency": args.evacuation_concurrency,
        "boot_time": args.boot_time,
        "shared_storage": args.shared_storage,
    }
    config.update(_overrides(args.set))
    return build_cloud(
        args.hosts,
        args.instances_per_host,
        ha_fraction=args.ha_fraction,
        seed=args.seed,
        host_vcpus=args.host_vcpus,
        host_ram_mb=args.host_ram_mb,
        **config,
    )


def _announce(args: argparse.Namespace, cloud, port: int, elapsed: float) -> None:
    base = f"http://{args.bind}:{port}"
    print(
        f"cloudsim: {args.hosts} hosts, {len(cloud.instances)} instances, built in "
        f"{elapsed:.2f}s\n"
        f"  compute  {base}/v2.1   (Nova API 2.1-2.95)\n"
        f"  identity {base}/identity/v3   (users admin/admin, demo/demo; domain 'default')\n"
        f"  control  {base}/_sim/state\n"
        "openstacksdk without Keystone:\n"
        f"  openstack.connect(auth_type='none', compute_endpoint_override='{base}/v2.1')\n"
        "openstacksdk with password auth:\n"
        f"  openstack.connect(auth_url='{base}/identity/v3', username='admin', "
        "password='admin', project_name='admin', user_domain_id='default', "
        "project_domain_id='default')\n"
        "fail a host:  curl -X POST " + base + "/_sim/hosts/host1/fail",
        flush=True,
    )
