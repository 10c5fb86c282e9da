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
    source: str = ""
    dest: str | None = None
    duration: float = 0.0


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
            self._evacuating[inst.id] += 1
            self._evac_queue.append(
                EvacJob(
                    inst,
                    mig,
                    host,
                    forced,
                    on_shared_storage,
                    target_state,
                    inst.op_seq,
                    source=source.name,
                )
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
            self._evac_done(inst.id)
            return
        if job.forced and job.host:
            dest: m.Host | None = self.hosts.get(job.host)
        else:
            only = [job.host] if job.host else None
            dest = self._select_host(inst, exclude=job.source, only=only)
        if dest is None:
            mig.status, mig.updated = "error", self._now
            self._evac_done(inst.id)
            self._no_valid_host(inst)
            return
        # the destination claims resources now; the instance changes host only
        # once the rebuild is done (Nova's finish_evacuation)
        self._claim(dest, inst, +1)
        job.dest = dest.name
        mig.dest_compute, mig.dest_node, mig.updated = dest.name, dest.name, self._now
        mig.status = "pre-migrating"
        self._evac_running += 1
        job.duration = self.config.evacuation_time + self.slow_evacuations.get(inst.id, 0.0)
        # the task_states Nova shows on the way: rebuilding most of the time, then
        # rebuild_block_device_mapping and rebuild_spawning (power state NOSTATE)
        self._job_step(job, 0.7 * job.duration, m.REBUILD_BLOCK_DEVICE_MAPPING)

    def _job_step(self, job: EvacJob, delay: float, task: str | None) -> None:
        def fire(_t: float) -> None:
            inst = job.inst
            if self.instances.get(inst.id) is not inst or inst.op_seq != job.token:
                # reset or deleted meanwhile: the compute's save fails, so does the rebuild
                self._end_run(job, "failed")
                return
            if not self.hosts[job.dest].alive:  # type: ignore[index]
                # the destination died mid-rebuild: nobody finishes it and nobody
                # fails it; the server stays in its task_state on its source until
                # an operator resets its state, as with Nova
                self._end_run(job, None)
                return
            if task is None:
                self._rebuilt(job)
                return
            self._set_state(inst, inst.vm_state, task, m.NOSTATE)
            job.token = inst.op_seq
            follow = m.REBUILD_SPAWNING if task == m.REBUILD_BLOCK_DEVICE_MAPPING else None
            self._job_step(job, 0.15 * job.duration, follow)

        self._at(delay, fire)

    def _end_run(self, job: EvacJob, status: str | None) -> None:
        """The rebuild stops holding a slot and the destination's claim."""
        self._evac_running -= 1
        self._claim(self.hosts[job.dest], job.inst, -1)  # type: ignore[index]
        if status:
            job.migration.status, job.migration.updated = status, self._now
        self._evac_done(job.inst.id)
        self._pump_evacuations()

    def _rebuilt(self, job: EvacJob) -> None:
        inst, mig = job.inst, job.migration
        dest = self.hosts[job.dest]  # type: ignore[index]
        failure = None
        if inst.id in dest.guests:
            # another evacuation already rebuilt it here: the hypervisor has the guest
            failure = f"Instance instance-{inst.numeric_id:08x} already exists."
        elif job.on_shared_storage is not None and (
            job.on_shared_storage != self.config.shared_storage
        ):
            failure = "Invalid state of instance files on shared storage"
        elif self.config.evacuation_failure_rate and (
            self.rng.random() < self.config.evacuation_failure_rate
        ):
            failure = "Rebuild failed on the destination (injected fault)."
        if failure:
            # the destination gives its claim back; the instance stays where it is
            inst.fault = m.Fault(500, failure, self._now)
            self._set_state(inst, m.ERROR, None)
            self._end_run(job, "failed")
            return
        self._evac_running -= 1
        self._pump_evacuations()
        dest.guests.add(inst.id)
        # the rebuild is done on the destination; for a moment the server still
        # names its source host (Nova saves the state before finish_evacuation)
        stop = inst.vm_state == m.STOPPED or (
            job.target_state == m.STOPPED and inst.vm_state != m.ERROR
        )
        inst.launched_at = self._now
        self._set_state(inst, m.ACTIVE, m.POWERING_OFF if stop else None, m.RUNNING)

        def finish(_t: float) -> None:
            self._claim(dest, inst, -1)
            if self.instances.get(inst.id) is inst:
                self._place(inst, dest)
                inst.updated = self._now
            mig.status, mig.updated = "done", self._now
            self._evac_done(inst.id)

        def stopped(_t: float) -> None:
            # Nova stops the rebuilt guest, saves SHUTOFF, and only then moves it
            if self.instances.get(inst.id) is inst and inst.task_state == m.POWERING_OFF:
                self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)
            self._after(self.config.evacuation_host_switch_lag, finish)

        if stop:
            self._after(self.config.evacuation_stop_time, stopped)
        else:
            self._after(self.config.evacuation_host_switch_lag, finish)

    def _after(self, delay: float, fn) -> None:
        if delay > 0:
            self._at(delay, fn)
        else:
            fn(self._now)

    def _evac_done(self, server_id: str) -> None:
        self._evacuating[server_id] -= 1
        if self._evacuating[server_id] <= 0:
            del self._evacuating[server_id]

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
