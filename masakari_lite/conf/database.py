"""[database] options."""

from oslo_config import cfg

GROUP = "database"

opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        default="sqlite:///$state_path/masakari-lite.sqlite",
        help="SQLAlchemy URL of the database: sqlite:///PATH, "
        "postgresql+psycopg2://USER:PASS@HOST/DB or mysql+pymysql://USER:PASS@HOST/DB.",
    ),
    cfg.IntOpt("max_pool_size", default=10, min=1, help="Connections kept in the pool."),
    cfg.IntOpt("max_overflow", default=20, min=0, help="Connections allowed above the pool size."),
    cfg.IntOpt(
        "pool_timeout", default=30, min=1, help="Seconds to wait for a connection from the pool."
    ),
    cfg.IntOpt(
        "connection_recycle_time",
        default=3600,
        help="Seconds after which a pooled connection is replaced; keep it under the "
        "server's idle timeout (MySQL wait_timeout).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> dict:
    return {GROUP: opts}
