"""``masakari-lite demo``: watch instances recover from a crashed guest and a dead host."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="a live demo on a simulated cloud (about 30 seconds)",
        description="Start a simulated cloud (3 hosts, 13 instances) and the all-in-one "
        "service, set up a segment as an admin would, crash a guest and fail a host, "
        "and show each instance's recovery live, then a summary.",
    )
    p.add_argument(
        "--state-dir",
        help="keep the database and the service log here (default: a temporary "
        "directory, removed at the end)",
    )
    p.add_argument("--timeout", type=float, default=90.0, help="seconds each recovery may take")
    p.add_argument(
        "--shared-storage",
        action="store_true",
        help="instance disks on shared storage (local disks are then kept, not rebuilt)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from masakari_lite.demo import scenario

    console = Console()
    if not console.is_terminal:
        # Plain output for logs and pipes: no colours, no wrapping of the summary.
        console = Console(width=200, no_color=True, highlight=False)
    options = scenario.Options(
        state_dir=args.state_dir, timeout=args.timeout, shared_storage=args.shared_storage
    )
    return scenario.run(options, console)
