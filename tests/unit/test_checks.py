"""`masakari-lite-manage check`'s broker line, for URLs that leave the port out."""

from __future__ import annotations

from masakari_lite.checks import check_broker
from tests.unit.engine.support import make_conf


def test_an_unreachable_broker_without_a_port_is_named_with_amqps_port():
    result = check_broker(make_conf(transport_url="rabbit://guest:guest@broker.invalid/"))
    assert not result.ok
    assert "cannot reach broker.invalid:5672:" in result.detail
    assert "None" not in result.detail
