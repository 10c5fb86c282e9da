"""Follow every instance through a failure: what the API says and what Nova shows.

The API (notifications with their recovery steps, and vmoves) is read with
openstacksdk, as an operator's tooling would; the simulated Nova is read
in-process. Each poll turns both into one phase per instance and a list of
events (phase changes) with their times.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from masakari_lite.cloudsim import Cloud
from masakari_lite.demo.world import HA_KEY, Spec

# Nova's task states while an evacuation rebuilds a server elsewhere.
REBUILDING = frozenset({"rebuilding", "rebuild_block_device_mapping", "rebuild_spawning"})

# What the engine is doing, by the step it is in, in an operator's words.
STEP_WORDS = {
    "FenceComputeHostTask": "fencing host",
    "DisableComputeServiceTask": "disabling nova-compute",
    "PrepareHAEnabledInstancesTask": "choosing instances",
    "EvacuateInstancesTask": "evacuating",
    "StopInstanceTask": "stopping",
    "StartInstanceTask": "starting",
    "ConfirmInstanceActiveTask": "confirming active",
}

DONE = frozenset({"active", "left alone", "failed"})

# A notification's statuses after which the engine does nothing more with it.
FINAL = frozenset({"finished", "ignored", "failed"})


@dataclass
class Row:
    id: str
    spec: Spec
    image: str | None
    failure: str | None = None  # "guest crash" | "host power loss"
    failed_at: float | None = None
    notification: str | None = None
    phase: str = "running"
    host: str = ""
    dest: str | None = None
    done_at: float | None = None
    outcome: str | None = None  # restarted | evacuated | left alone | failed
    reason: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    def elapsed(self, now: float) -> float | None:
        if self.failed_at is None:
            return None
        return (self.done_at or now) - self.failed_at


@dataclass
class Event:
    at: float
    name: str
    text: str


@dataclass
class Tracker:
    cloud: Cloud
    ha: object  # openstacksdk's instance_ha proxy
    specs: dict[str, Spec]
    started: float = field(default_factory=time.monotonic)
    rows: dict[str, Row] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notifications: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with self.cloud.session():
            for sid, spec in self.specs.items():
                inst = self.cloud.get_instance(sid)
                image = self.cloud.images.get(inst.image_id) if inst.image_id else None
                self.rows[sid] = Row(sid, spec, image.name if image else None, host=inst.host)

    # --- the story's inputs

    def failed(self, ids: list[str], failure: str, notification: str) -> None:
        now = time.monotonic()
        for sid in ids:
            row = self.rows[sid]
            row.failure, row.failed_at, row.notification = failure, now, notification
            self._phase(row, "crashed" if failure == "guest crash" else "host down", now)
        self.notifications.setdefault(notification, {"status": "new", "step": None})

    def note(self, text: str, name: str = "") -> None:
        self.events.append(Event(time.monotonic() - self.started, name, text))

    # --- polling

    def poll(self) -> None:
        now = time.monotonic()
        vmoves: dict[str, object] = {}
        for uuid, info in self.notifications.items():
            if info.get("final"):
                continue
            n = self.ha.get_notification(uuid)
            info["status"] = str(n.status)
            info["type"] = n.type
            steps = n.recovery_workflow_details or []
            running = [s["name"] for s in steps if str(s.get("state")).upper() == "RUNNING"]
            info["step"] = running[-1] if running else None
            info["steps_done"] = {
                s["name"] for s in steps if str(s.get("state")).upper() == "SUCCESS"
            }
            info["final"] = info["status"] in FINAL
            if n.type == "COMPUTE_HOST":
                for v in self.ha.vmoves(uuid):
                    vmoves[v.server_id] = v
        with self.cloud.session():
            servers = {sid: self.cloud.get_instance(sid) for sid in self.rows}
            for sid, row in self.rows.items():
                if row.failure is None or row.phase in DONE:
                    continue
                inst = servers[sid]
                info = self.notifications.get(row.notification or "", {})
                if row.failure == "guest crash":
                    self._follow_restart(row, inst, info, now)
                else:
                    self._follow_evacuation(row, inst, info, vmoves.get(sid), now)

    def _follow_restart(self, row: Row, inst, info: dict, now: float) -> None:
        status = info.get("status")
        if status == "finished" and inst.vm_state == "active" and inst.task_state is None:
            row.dest = inst.host
            self._end(row, "active", "restarted", now)
        elif status in FINAL:
            self._end(row, "failed", "failed", now, f"notification {status}")
        elif status == "error":
            self._phase(row, "error, will retry", now)
        elif status == "running" and info.get("step") in STEP_WORDS:
            self._phase(row, STEP_WORDS[info["step"]], now)
        elif inst.vm_state == "stopped" and row.phase == "crashed":
            self._phase(row, "SHUTOFF, reported", now)

    def _follow_evacuation(self, row: Row, inst, info: dict, vmove, now: float) -> None:
        status = info.get("status")
        final = status in FINAL
        prepared = "PrepareHAEnabledInstancesTask" in info.get("steps_done", set())
        if vmove is None:
            if prepared or final:
                if row.spec.ha:
                    self._end(row, "failed", "failed", now, "no vmove was recorded for it")
                else:
                    self._end(row, "left alone", "left alone", now, f"not tagged {HA_KEY}=True")
            elif status == "running" and info.get("step") in STEP_WORDS:
                self._phase(row, STEP_WORDS[info["step"]], now)
            return
        v_status = str(vmove.status)
        if inst.host and inst.host != row.host:
            row.dest = inst.host
        if v_status == "succeeded" and inst.vm_state == "active" and inst.task_state is None:
            row.dest = vmove.dest_host or inst.host
            self._end(row, "active", "evacuated", now)
        elif final:
            self._end(row, "failed", "failed", now, vmove.message or f"notification {status}")
        elif v_status == "failed":
            self._phase(row, "failed, will retry", now)
        elif inst.task_state in REBUILDING or (v_status == "ongoing" and not row.dest):
            self._phase(row, "evacuating", now)
        elif row.dest and inst.vm_state == "stopped":
            self._phase(row, "starting", now)  # Nova ≥ 2.95 rebuilds it SHUTOFF
        elif v_status == "pending":
            self._phase(row, "pending", now)

    # --- bookkeeping

    def _phase(self, row: Row, phase: str, now: float) -> None:
        if row.phase == phase:
            return
        row.phase = phase
        where = row.host if not row.dest or row.dest == row.host else f"{row.host} → {row.dest}"
        self.events.append(Event(now - self.started, row.name, f"{phase} ({where})"))

    def _end(self, row: Row, phase: str, outcome: str, now: float, reason: str = "") -> None:
        row.done_at = now
        row.outcome = outcome
        row.reason = reason
        self._phase(row, phase, now)

    def settled(self, notification: str) -> bool:
        """The notification reached a final status and every instance it hit is done."""
        info = self.notifications.get(notification, {})
        if info.get("status") not in FINAL:
            return False
        return all(r.phase in DONE for r in self.rows.values() if r.notification == notification)
