"""A segment in SQL whose hosts are the simulator's hosts, and servers on them."""

from __future__ import annotations

import json

from sqlalchemy import select

from masakari_lite.db.models import Host, RecoveryStep, VMove
from masakari_lite.db.session import session_scope
from tests.unit.engine import rows


class World:
    def __init__(self, url: str, sim, recovery_method: str = "auto", reserved=(), hosts=None):
        self.url = url
        self.sim = sim
        self.segment = rows.segment(url, recovery_method)
        names = hosts or sorted(sim.cloud.hosts)
        self.hosts = {
            name: rows.host(url, self.segment, name, reserved=name in reserved) for name in names
        }

    def server(self, host: str, ha: bool = True, vm_state: str = "active", **metadata) -> str:
        if ha:
            metadata.setdefault("HA_Enabled", "True")
        return self.sim.cloud.add_server(host, metadata=metadata, vm_state=vm_state).id

    def host_down(self, host: str, **payload) -> str:
        self.sim.fail_host(host)
        body = dict(rows.HOST_DOWN)
        body.update(payload)
        return rows.notification(self.url, self.hosts[host], "COMPUTE_HOST", body)

    def vmoves(self, n_uuid: str) -> dict[str, VMove]:
        with session_scope(self.url) as s:
            return {
                v.instance_uuid: v
                for v in s.scalars(select(VMove).where(VMove.notification_uuid == n_uuid))
            }

    def steps(self, n_uuid: str) -> list[tuple[str, str, list[str]]]:
        with session_scope(self.url) as s:
            found = s.scalars(
                select(RecoveryStep)
                .where(RecoveryStep.notification_uuid == n_uuid)
                .order_by(RecoveryStep.position)
            )
            return [(r.name, r.state, [d["message"] for d in json.loads(r.details)]) for r in found]

    def host_row(self, name: str) -> Host:
        with session_scope(self.url) as s:
            return s.scalars(select(Host).where(Host.name == name)).one()
