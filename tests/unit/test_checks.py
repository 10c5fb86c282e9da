"""`masakari-lite-manage check`'s broker line, for URLs that leave the port out."""

from __future__ import annotations

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

from masakari_lite.checks import check_broker


def _conf(transport_url: str) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)
    conf([], project="masakari-lite-test")
    conf.set_override("transport_url", transport_url)
    return conf


def test_an_unreachable_broker_without_a_port_is_named_with_amqps_port():
    result = check_broker(_conf("rabbit://guest:guest@broker.invalid/"))
    assert not result.ok
    assert "cannot reach broker.invalid:5672:" in result.detail
    assert "None" not in result.detail
