"""Evacuation: Nova's rebuild of a server from a dead host onto another one.

Accepted requests queue; at most ``evacuation_concurrency`` rebuild at once,
each for ``evacuation_time`` (plus any per-server slowdown). The destination
claims resources when its rebuild starts; the server changes host only when
the rebuild is done, ``evacuation_host_switch_lag`` after its task_state
clears, as Nova's finish_evacuation does.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass

from masakari_lite.cloudsim import errors
from masakari_lite.cloudsim import model as m


@dataclass
class EvacJob:
    inst: m.Instance
    migration: m.Migration
    host: str | None
    forced: bool
    on_shared_storage: bool | None
    target_state: str | None
    token: int
    dest: str | None = None


class EvacuationMixin:
    """Part of Cloud (uses its lock, clock, indices and scheduler)."""

    def evacuate(
        self,
        inst: m.Instance,
        *,
        host: str | None,
        forced: bool,
        on_shared_storage: bool | None,
        target_state: str | None,
    ) -> m.Migration:
        with self.session():
            self._check_state(inst, "evacuate", (m.ACTIVE, m.STOPPED, m.ERROR))
            source = self.hosts.get(inst.host or "")
            if source is None:
                raise errors.NotFound(f"Compute host {inst.host} could not be found.")
            if self.service_is_up(source.service):
                raise errors.BadRequest(f"Compute service of {source.name} is still in use.")
            self._set_state(inst, inst.vm_state, m.REBUILDING)
            mig = m.Migration(
                id=next(self._ids["mig"]),
                uuid=str(uuidlib.uuid4()),
                instance_uuid=inst.id,
                source_compute=source.name,
                source_node=source.name,
                dest_compute=host,
                dest_node=None,
                status="accepted",
                created=self._now,
                flavor_id=int(inst.flavor.id) if inst.flavor.id.isdigit() else 0,
                user_id=inst.user_id,
                project_id=inst.project_id,
            )
            self.migrations[mig.id] = mig
            self._evacuating.add(inst.id)
            self._evac_queue.append(
                EvacJob(inst, mig, host, forced, on_shared_storage, target_state, inst.op_seq)
            )
            self._pump_evacuations()
            return mig

    def _pump_evacuations(self) -> None:
        limit = self.config.evacuation_concurrency
        while self._evac_queue and (limit <= 0 or self._evac_running < limit):
            self._start_evacuation(self._evac_queue.popleft())

    def _start_evacuation(self, job: EvacJob) -> None:
        inst, mig = job.inst, job.migration
        if self.instances.get(inst.id) is not inst or inst.op_seq != job.token:
            mig.status, mig.updated = "error", self._now
            self._evacuating.discard(inst.id)
            return
        if job.forced and job.host:
            dest: m.Host | None = self.hosts.get(job.host)
        else:
            only = [job.host] if job.host else None
            dest = self._select_host(inst, exclude=inst.host, only=only)
        if dest is None:
            mig.status, mig.updated = "error", self._now
            self._evacuating.discard(inst.id)
            self._no_valid_host(inst)
            return
        # the destination claims resources now; the instance changes host only
        # once the rebuild is done (Nova's finish_evacuation)
        self._claim(dest, inst, +1)
        job.dest = dest.name
        # task_state stays `rebuilding` while the destination works, as observed on Nova
        self._touch(inst)
        job.token = inst.op_seq
        mig.dest_compute, mig.dest_node, mig.updated = dest.name, dest.name, self._now
        mig.status = "pre-migrating"
        self._evac_running += 1
        delay = self.config.evacuation_time + self.slow_evacuations.get(inst.id, 0.0)
        self._at(delay, lambda t: self._finish_evacuation(job))

    def _finish_evacuation(self, job: EvacJob) -> None:
        self._evac_running -= 1
        inst, mig = job.inst, job.migration
        dest = self.hosts[job.dest]  # type: ignore[index]
        mig.updated = self._now
        try:
            if self.instances.get(inst.id) is not inst or inst.op_seq != job.token:
                self._claim(dest, inst, -1)
                mig.status = "failed"
                self._evacuating.discard(inst.id)
                return
            failure = None
            if not dest.alive:
                # the destination died mid-rebuild: nobody finishes it and nobody
                # fails it; the server stays `rebuilding` on its source until an
                # operator resets its state, as with Nova
                self._claim(dest, inst, -1)
                self._evacuating.discard(inst.id)
                return
            if job.on_shared_storage is not None and (
                job.on_shared_storage != self.config.shared_storage
            ):
                failure = "Invalid state of instance files on shared storage"
            elif self.config.evacuation_failure_rate and (
                self.rng.random() < self.config.evacuation_failure_rate
            ):
                failure = "Rebuild failed on the destination (injected fault)."
            if failure:
                # the destination gives its claim back; the instance stays on the source
                self._claim(dest, inst, -1)
                mig.status = "failed"
                self._evacuating.discard(inst.id)
                inst.fault = m.Fault(500, failure, self._now)
                self._set_state(inst, m.ERROR, None)
                return
            # the rebuild is done: the state first, then (finish_evacuation) the host
            dest.guests.add(inst.id)
            stop = inst.vm_state == m.STOPPED or (
                job.target_state == m.STOPPED and inst.vm_state != m.ERROR
            )
            if stop:
                self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)
            else:
                inst.launched_at = self._now
                self._set_state(inst, m.ACTIVE, None, m.RUNNING)

            def switch_host(_t: float) -> None:
                self._claim(dest, inst, -1)
                if self.instances.get(inst.id) is inst:
                    self._place(inst, dest)
                    inst.updated = self._now
                mig.status, mig.updated = "done", self._now
                self._evacuating.discard(inst.id)

            if self.config.evacuation_host_switch_lag > 0:
                self._at(self.config.evacuation_host_switch_lag, switch_host)
            else:
                switch_host(self._now)
        finally:
            self._pump_evacuations()

    def evacuating(self, server_id: str) -> bool:
        """True from an accepted evacuate until the server has moved or the move failed."""
        with self.lock:
            self.advance()
            return server_id in self._evacuating

    @property
    def evacuations_running(self) -> int:
        return self._evac_running

    @property
    def evacuations_queued(self) -> int:
        return len(self._evac_queue)
