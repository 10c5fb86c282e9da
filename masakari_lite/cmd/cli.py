"""masakari-lite: the umbrella command (serve, demo, cloudsim...)."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from masakari_lite import __version__

# oslo.messaging imports eventlet, which warns on import; no subcommand uses it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

SUBCOMMAND_MODULES: list[str] = ["cloudsim", "serve", "demo"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="masakari-lite", description="Instance HA for OpenStack.")
    parser.add_argument("--version", action="version", version=f"masakari-lite {__version__}")
    parser.add_argument(
        "--config-file",
        action="append",
        default=[],
        metavar="F",
        help="oslo.config file; may be given more than once",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        # Each subcommand lives in its own module with register(subparsers),
        # which adds its parser and sets func=callable(args) -> exit code.
        importlib.import_module(f"masakari_lite.cmd.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
