"""``masakari-lite demo`` (being written)."""


def register(subparsers):
    p = subparsers.add_parser("demo", help="a live demo (not ready yet)")
    p.set_defaults(func=lambda args: 1)
