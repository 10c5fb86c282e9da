"""[metrics] options: where a standalone engine serves its Prometheus metrics.

The API serves /metrics on its own port. An engine started on its own
(masakari-lite-engine) has no HTTP server, so its counters (claims, sweeper
runs, recovery durations, evacuations in flight) get a small listener of
their own when ``engine_listen_port`` is set. ``masakari-lite serve`` needs
none: its API and engine share one process and one /metrics.
"""

from oslo_config import cfg

GROUP = "metrics"

group = cfg.OptGroup(GROUP, title="Prometheus metrics")

opts = [
    cfg.PortOpt(
        "engine_listen_port",
        default=0,
        help="Port on which masakari-lite-engine serves /metrics in Prometheus text format; "
        "0 disables it. Not authenticated: bind it to a management network.",
    ),
    cfg.HostAddressOpt(
        "engine_listen",
        default="0.0.0.0",
        help="Address for the engine's metrics listener.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
