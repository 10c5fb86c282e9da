"""[DEFAULT] options that shape the REST API's behaviour, with upstream's names."""

from oslo_config import cfg

opts = [
    cfg.IntOpt(
        "osapi_max_limit",
        default=1000,
        min=1,
        help="Largest number of items a list call returns, and the default page size.",
    ),
    cfg.IntOpt(
        "duplicate_notification_detection_interval",
        default=180,
        min=0,
        help="A notification with the same type, host and payload generated within this many "
        "seconds of a stored one is rejected as a duplicate (409).",
    ),
    cfg.StrOpt(
        "osapi_masakari_link_prefix",
        help="Base URL that replaces the scheme, host and port in version-document links, "
        "for an API behind a proxy or load balancer.",
    ),
    cfg.IntOpt(
        "nova_compute_host_cache_seconds",
        default=60,
        min=0,
        help="How long a listing of Nova's nova-compute services answers host create and "
        "rename without asking Nova again. A name missing from the listing is always asked "
        "of Nova before a 400. 0 asks Nova on every create and rename, as upstream does.",
    ),
    cfg.StrOpt(
        "healthcheck_disable_file",
        help="While this file exists, /healthcheck answers 503 so that a load balancer "
        "drains this API node.",
    ),
]

middleware_opts = [
    cfg.IntOpt(
        "max_request_body_size",
        default=114688,
        help="Largest request body, in bytes, the API accepts; larger ones get a 413.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)
    conf.register_opts(middleware_opts, group="oslo_middleware")


def list_opts() -> dict:
    return {"DEFAULT": opts, "oslo_middleware": middleware_opts}
