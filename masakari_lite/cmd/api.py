"""masakari-lite-api: serve the REST API with uvicorn."""

from __future__ import annotations

import sys

from masakari_lite import conf


def main(argv: list[str] | None = None) -> int:
    conf.parse_args(sys.argv[1:] if argv is None else argv)
    print("masakari-lite-api: the API server is not built yet", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
