"""[nova] options: how masakari-lite reaches Nova.

Registered through keystoneauth1's loaders, as Nova and Neutron do for their
service-to-service clients: any auth plugin (password, v3applicationcredential,
none + endpoint_override for the simulator), the session options (TLS, timeout)
and the adapter options (region, interface, endpoint_override).
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = "nova"

nova_group = cfg.OptGroup(GROUP, title="Nova client options")

opts = [
    cfg.StrOpt(
        "api_microversion",
        default="2.95",
        help="Highest compute API microversion to ask for; lowered to what the server supports.",
    ),
    cfg.IntOpt(
        "token_cache_seconds",
        default=3000,
        min=0,
        help="How long a Keystone token for Nova calls is reused before re-authenticating.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    # A fresh OptGroup per ConfigOpts: oslo.config keeps overrides on the group
    # object, so sharing nova_group would leak set_override() between configs.
    conf.register_group(cfg.OptGroup(GROUP, title=nova_group.title))
    conf.register_opts(opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_adapter_conf_options(conf, GROUP, include_deprecated=False)


def list_opts() -> dict:
    return {
        GROUP: (
            opts
            + ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options("password")
            + ks_loading.get_adapter_conf_options(include_deprecated=False)
        )
    }
