"""openstacksdk's instance_ha proxy, unmodified, against masakari-lite on a real port."""

from __future__ import annotations

import datetime as dt
import uuid

import openstack
import pytest
from openstack import exceptions


def _conn(endpoint: str, **kwargs):
    return openstack.connect(auth_type="none", auth={"endpoint": endpoint}, **kwargs)


def test_full_lifecycle(real_api):
    ha = _conn(real_api.v1).instance_ha
    seg = ha.create_segment(
        name=f"sdk-{uuid.uuid4().hex[:8]}",
        recovery_method="auto",
        service_type="COMPUTE",
        description="via sdk",
    )
    assert isinstance(seg.id, int) and seg.uuid and seg.is_enabled is True
    seg = ha.update_segment(seg.uuid, is_enabled=False, description="changed")
    assert seg.is_enabled is False and seg.description == "changed"
    assert ha.get_segment(seg.uuid).name == seg.name

    host = ha.create_host(
        seg.uuid,
        name="host1",
        type="COMPUTE",
        control_attributes="SSH",
        reserved="False",
        on_maintenance=False,
    )
    assert host.failover_segment_id == seg.uuid and host.reserved is False
    assert [h.uuid for h in ha.hosts(seg.uuid, on_maintenance=False)] == [host.uuid]
    host = ha.update_host(host.uuid, seg.uuid, reserved=True)
    assert host.reserved is True
    with pytest.raises(exceptions.BadRequestException, match="could not be found"):
        ha.create_host(seg.uuid, name="not-a-nova-host", type="COMPUTE", control_attributes="x")

    n = ha.create_notification(
        type="COMPUTE_HOST",
        hostname="host1",
        generated_time=dt.datetime.utcnow().isoformat(),
        payload={"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"},
    )
    assert n.status == "new" and n.source_host_uuid == host.uuid
    assert real_api.rung(1) == [n.notification_uuid]
    assert ha.get_notification(n.notification_uuid).status == "new"
    assert n.notification_uuid in {x.notification_uuid for x in ha.notifications(status="new")}
    assert list(ha.vmoves(n.notification_uuid)) == []
    with pytest.raises(exceptions.ConflictException):
        ha.delete_segment(seg.uuid, ignore_missing=False)


def test_pinned_microversion_shows_progress(real_api):
    ha = _conn(real_api.v1, instance_ha_api_version="1.3").instance_ha
    seg = ha.create_segment(
        name=f"mv-{uuid.uuid4().hex[:8]}",
        recovery_method="rh_priority",
        service_type="COMPUTE",
        is_enabled=False,
    )
    assert seg.is_enabled is False
    ha.create_host(seg.uuid, name="host2", type="COMPUTE", control_attributes="SSH")
    n = ha.create_notification(
        type="PROCESS",
        hostname="host2",
        generated_time=dt.datetime.utcnow().isoformat(),
        payload={"event": "STOPPED", "process_name": "nova-compute"},
    )
    assert ha.get_notification(n.notification_uuid).recovery_workflow_details == []


def test_pagination_and_deletes(real_api):
    ha = _conn(real_api.v1).instance_ha
    tag = uuid.uuid4().hex[:8]
    made = {
        ha.create_segment(name=f"p{i}-{tag}", recovery_method="auto", service_type=tag).uuid
        for i in range(5)
    }
    # limit makes the sdk page with the integer id as marker until an empty page.
    assert {s.uuid for s in ha.segments(service_type=tag, limit=2)} == made
    for seg_uuid in made:
        ha.delete_segment(seg_uuid)
    assert list(ha.segments(service_type=tag)) == []
    ha.delete_segment(str(uuid.uuid4()))  # 404 swallowed with ignore_missing
    with pytest.raises(exceptions.NotFoundException):
        ha.get_segment(str(uuid.uuid4()))


def test_discovery_from_the_root_url(real_api):
    ha = _conn(real_api.url).instance_ha
    assert isinstance(list(ha.segments()), list)
