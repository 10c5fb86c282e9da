"""[DEFAULT] options: service identity, listener, state directory, auth strategy."""

import os
import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "validate tokens with keystonemiddleware auth_token"),
            ("noauth2", "no token validation; every caller is admin (development and tests only)"),
        ],
        help="How API callers are authenticated.",
    ),
    cfg.HostAddressOpt(
        "masakari_api_listen", default="0.0.0.0", help="Address the API listens on."
    ),
    cfg.PortOpt("masakari_api_listen_port", default=15868, help="Port the API listens on."),
    cfg.IntOpt(
        "masakari_api_workers",
        min=1,
        help="Number of API worker processes. Defaults to the number of CPUs.",
    ),
    cfg.StrOpt(
        "state_path",
        default=os.path.join(os.path.expanduser("~"), ".local", "state", "masakari-lite"),
        sample_default="$HOME/.local/state/masakari-lite",
        help="Directory for masakari-lite's local state (the embedded SQLite database).",
    ),
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this node: the RPC server name and the owner recorded on claims.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)


def list_opts() -> dict:
    return {"DEFAULT": opts}
