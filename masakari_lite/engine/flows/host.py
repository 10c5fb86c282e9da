"""COMPUTE_HOST failure: fence, isolate, choose, evacuate, confirm; one vmove per instance."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from oslo_utils import strutils
from sqlalchemy import select, update

from masakari_lite import logcontext, metrics
from masakari_lite.compute import Server
from masakari_lite.compute.errors import (
    ComputeConflict,
    ComputeError,
    ComputeNotFound,
    ComputeUnavailable,
)
from masakari_lite.db.models import Host, VMove, utcnow
from masakari_lite.db.states import VMOVE_TRANSITIONS, VMoveStatus, VMoveType, allowed
from masakari_lite.engine.claims import LostClaim
from masakari_lite.engine.flows.evacuation_watch import EvacuationWatch
from masakari_lite.engine.runner import (
    Finish,
    Ignore,
    Job,
    PollTimeout,
    Progress,
    RecoveryFailed,
)

LOG = logging.getLogger(__name__)

# Nova's task states while an evacuation (a rebuild elsewhere) is in flight.
REBUILDING = frozenset({"rebuilding", "rebuild_block_device_mapping", "rebuild_spawning"})
RESERVED_METHODS = ("reserved_host", "rh_priority", "auto_priority")


def recover_host(job: Job) -> str:
    event = str(job.payload.get("event", "")).upper()
    if event == "STARTED":
        raise Finish(f"Host '{job.host.name}' started: nothing to recover.")
    if event != "STOPPED":
        raise Ignore(f"Host event '{event}' is not handled.")
    host_status = job.payload.get("host_status")
    if str(host_status or "").upper() != "NORMAL" and not job.fencing.can_power_off:
        raise Ignore(
            f"Host '{job.host.name}' reported host_status {host_status}: its power-off is "
            "unconfirmed and no fencing driver can power it off; not evacuating."
        )
    set_maintenance(job)
    job.step("FenceComputeHostTask", fence_host)
    job.step("DisableComputeServiceTask", disable_compute_service)
    prepared = job.step("PrepareHAEnabledInstancesTask", prepare_instances)
    job.step("EvacuateInstancesTask", evacuate_instances, prepared)
    return f"Instances of host '{job.host.name}' evacuated."


def set_maintenance(job: Job) -> None:
    """Upstream's first move: the failed host goes on maintenance and stops being a spare."""
    job.update_host(on_maintenance=True, reserved=False)


# --- FenceComputeHostTask


def fence_host(job: Job, progress: Progress) -> None:
    host = job.host.name
    progress.log(f"Fencing host '{host}' with the '{job.conf.fencing.driver}' driver", 0.0)
    result = job.fencing.fence(
        host,
        job.host.control_attributes,
        job.payload.get("host_status"),
        lambda message: progress.log(message, 0.5),
    )
    progress.log(result.message, 1.0)
    if not result.confirmed:
        raise RecoveryFailed(f"Fencing of host '{host}' is unconfirmed: {result.message}")


# --- DisableComputeServiceTask


def _microversion(job: Job) -> tuple[int, int]:
    major, _, minor = str(job.nova.max_microversion()).partition(".")
    return int(major), int(minor or 0)


def _disabled_and_down(service) -> bool:
    return service is not None and service.status == "disabled" and service.state == "down"


def disable_compute_service(job: Job, progress: Progress) -> None:
    host = job.host.name
    nova = job.nova
    progress.log(f"Disabling compute service on host: '{host}'", 0.0)
    service = nova.find_compute_service(host)
    if service is None:
        raise RecoveryFailed(f"Host '{host}' has no nova-compute service in Nova.")
    reason = job.conf.host_failure.service_disable_reason
    # The host is known to be off (fenced or confirmed), so tell Nova instead of
    # waiting service_down_time for it to notice: it refuses to evacuate before.
    # Forced down first: Nova makes an RPC call to a compute it believes up when
    # its service is disabled, and that call to a dead host blocks until timeout.
    # Each update answers with the service as it now is: read Nova only once
    # before, and poll only if the last answer is not yet what we wait for.
    if _microversion(job) >= (2, 11) and not service.forced_down:
        service = nova.force_down_service(host, True, service=service)
    if service.status != "disabled" or service.disabled_reason != reason:
        service = nova.disable_service(host, reason, service=service)
    if not _disabled_and_down(service):
        job.poll(
            lambda: nova.find_compute_service(host),
            _disabled_and_down,
            job.conf.wait_period_after_service_update,
            f"the compute service of '{host}' to be disabled and down",
        )
    progress.log(f"Disabled compute service on host: '{host}'", 1.0)


# --- PrepareHAEnabledInstancesTask


def prepare_instances(job: Job, progress: Progress) -> dict:
    host = job.host.name
    conf = job.conf.host_failure
    progress.log("Preparing instances for evacuation", 0.0)
    servers = job.nova.list_servers_on_host(host)
    progress.log(f"Total instances running on failed host '{host}' is {len(servers)}", 0.3)
    ha, others = [], []
    for server in servers:
        opted_in = strutils.bool_from_string(
            server.metadata.get(conf.ha_enabled_instance_metadata_key, ""), strict=False
        )
        if conf.ignore_instances_in_error_state and server.vm_state == "error":
            if opted_in:
                progress.log(
                    f"Ignoring recovery of HA_Enabled instance '{server.id}' as it is in "
                    "'error' state.",
                    0.4,
                )
            continue
        (ha if opted_in else others).append(server)
    progress.log(f"Total HA Enabled instances count: '{len(ha)}'", 0.6)
    chosen = ha
    if conf.evacuate_all_instances:
        progress.log(f"Total Non-HA Enabled instances count: '{len(others)}'", 0.7)
        chosen = ha + others
        progress.log(
            "All instances (HA Enabled/Non-HA Enabled) should be considered for evacuation. "
            f"Total count is: '{len(chosen)}'",
            0.8,
        )
    if not chosen:
        message = f"Skipped host '{host}' recovery as no instances needs to be evacuated"
        progress.log(message, 1.0)
        raise Finish(message)
    with job.tx() as s:
        known = set(
            s.scalars(
                select(VMove.instance_uuid).where(
                    VMove.notification_uuid == job.notification.uuid, VMove.deleted == 0
                )
            )
        )
        for server in chosen:
            if server.id in known:  # this step ran before and died after its commit
                continue
            s.add(
                VMove(
                    uuid=str(uuid.uuid4()),
                    notification_uuid=job.notification.uuid,
                    instance_uuid=server.id,
                    instance_name=server.name,
                    source_host=host,
                    type=VMoveType.EVACUATION,
                    status=VMoveStatus.PENDING,
                    attempt=job.claim.attempt,
                )
            )
        progress.log(
            f"Instances to be evacuated are: '{','.join(s.id for s in chosen)}'", 1.0, lazy=True
        )
        progress.flush(s)
    # What later steps need and Nova will no longer tell after we touch them.
    return {
        "instances": {
            server.id: {
                "vm_state": server.vm_state,
                "task_state": server.task_state,
                "power_state": server.power_state,
                "locked": server.locked,
            }
            for server in chosen
        }
    }


# --- EvacuateInstancesTask


def evacuate_instances(job: Job, progress: Progress, prepared: dict) -> None:
    host = job.host.name
    originals = prepared["instances"]
    with job.tx() as s:
        # A new attempt gives its failed moves another go; Nova is read before
        # anything is issued, so an instance that did move is not moved again.
        s.execute(
            update(VMove)
            .where(
                VMove.notification_uuid == job.notification.uuid,
                VMove.status == VMoveStatus.FAILED,
                VMove.deleted == 0,
            )
            .values(status=VMoveStatus.PENDING, attempt=job.claim.attempt, message=None)
            .execution_options(synchronize_session=False)
        )
        found = s.execute(
            select(VMove.instance_uuid, VMove.start_time)
            .where(
                VMove.notification_uuid == job.notification.uuid,
                VMove.deleted == 0,
                VMove.status.in_([VMoveStatus.PENDING, VMoveStatus.ONGOING]),
            )
            .order_by(VMove.id)
        ).all()
    todo = [instance_id for instance_id, _ in found]
    # Moves never started: nothing of ours touched those servers since Prepare
    # read them, so its reading stands in for one GET each.
    untouched = {instance_id for instance_id, started in found if started is None}
    progress.log(
        f"Start evacuation of instances from failed host '{host}', instance uuids are: "
        f"'{','.join(todo)}'",
        0.0,
    )
    targets = Targets(job, progress)
    watch = EvacuationWatch(job, host)
    try:
        threads = max(1, min(job.conf.host_failure_recovery_threads, len(todo) or 1))
        with ThreadPoolExecutor(threads, thread_name_prefix="evacuate") as pool:
            outcomes = list(
                pool.map(
                    lambda i: _evacuate_one(
                        job, progress, targets, watch, i, originals.get(i), i in untouched
                    ),
                    todo,
                )
            )
    finally:
        if not job.lost.is_set():
            targets.give_back_if_unused()
    LOG.info("%s: confirmation reads of Nova: %s", job.notification.uuid, dict(watch.calls))
    if job.lost.is_set():
        raise LostClaim(job.notification.uuid)
    succeeded = sorted(i for i, ok in zip(todo, outcomes, strict=True) if ok)
    failed = [i for i, ok in zip(todo, outcomes, strict=True) if not ok]
    if succeeded:
        progress.log(
            f"Successfully evacuate instances '{','.join(succeeded)}' from host '{host}'", 0.7
        )
    if failed:
        message = f"Failed to evacuate instances '{','.join(failed)}' from host '{host}'"
        progress.log(message, 0.7)
        raise RecoveryFailed(message)
    progress.log("Evacuation process completed!", 1.0)


def _move_vmove(s, job: Job, instance_id: str, dst: VMoveStatus, **values) -> None:
    """A conditional vmove transition, checked against db/states.py."""
    sources = [src for src in VMoveStatus if allowed(VMOVE_TRANSITIONS, src, dst)]
    s.execute(
        update(VMove)
        .where(
            VMove.notification_uuid == job.notification.uuid,
            VMove.instance_uuid == instance_id,
            VMove.deleted == 0,
            VMove.status.in_(sources),
        )
        .values(status=dst, **values)
        .execution_options(synchronize_session=False)
    )


class NotMoved(RecoveryFailed):
    """Nova did not move the instance: it is still idle on the failed host."""


def _evacuate_one(
    job: Job,
    progress: Progress,
    targets: Targets,
    watch: EvacuationWatch,
    instance_id,
    original,
    untouched=False,
) -> bool:
    """Evacuate and confirm one instance; True when it ended where and how it should."""
    logcontext.bind_notification(job.notification.uuid)  # an evacuate-pool thread
    started = time.monotonic()
    ok = False
    try:
        ok = _evacuate_one_inner(job, progress, targets, watch, instance_id, original, untouched)
        return ok
    finally:
        if not job.lost.is_set():
            metrics.INSTANCE_RECOVERY_SECONDS.labels(
                flow="COMPUTE_HOST", outcome="succeeded" if ok else "failed"
            ).observe(time.monotonic() - started)


def _evacuate_one_inner(
    job: Job,
    progress: Progress,
    targets: Targets,
    watch: EvacuationWatch,
    instance_id,
    original,
    untouched,
):
    host = job.host.name
    nova = job.nova
    try:
        job.check()
        if untouched and original and "task_state" in original:
            server = Server(
                id=instance_id,
                name="",
                host=host,
                status="",
                vm_state=original["vm_state"],
                task_state=original["task_state"],
                power_state=original["power_state"],
                locked=original["locked"],
            )
        else:
            server = nova.get_server(instance_id)  # ComputeNotFound: IGNORED, below
        original = original or {
            "vm_state": server.vm_state,
            "power_state": server.power_state,
            "locked": server.locked,
        }
        if not server.locked:
            nova.lock_server(instance_id, reason=f"masakari-lite: evacuating from {host}")
        try:
            server = _move(job, progress, targets, watch, server, original)
            server = _restore_power_state(job, watch, server, original)
        finally:
            if not original.get("locked"):
                try:
                    nova.unlock_server(instance_id)
                except ComputeError:
                    LOG.warning("Could not unlock %s", instance_id, exc_info=True)
        with job.tx() as s:
            _move_vmove(
                s,
                job,
                instance_id,
                VMoveStatus.SUCCEEDED,
                dest_host=server.host,
                end_time=utcnow(),
                message=None,
            )
        return True
    except LostClaim:
        return False
    except ComputeNotFound:
        # Gone before we began, or deleted while we worked on it: nothing to recover.
        try:
            with job.tx() as s:
                _move_vmove(
                    s,
                    job,
                    instance_id,
                    VMoveStatus.IGNORED,
                    end_time=utcnow(),
                    message="The instance no longer exists.",
                )
        except LostClaim:
            return False
        return True
    except Exception as exc:
        LOG.warning("Evacuation of %s failed: %s", instance_id, exc)
        # Upstream's wording for a move that never finished; any other failure
        # keeps its own text, whatever words Nova used in it.
        message = "Failed reason: timeout." if isinstance(exc, PollTimeout) else str(exc)
        try:
            with job.tx() as s:
                _move_vmove(
                    s, job, instance_id, VMoveStatus.FAILED, end_time=utcnow(), message=message
                )
        except LostClaim:
            pass
        return False


def _move(job: Job, progress: Progress, targets: Targets, watch: EvacuationWatch, server, original):
    """Issue the evacuation unless one is already under way, then confirm it."""
    host = job.host.name
    instance_id = server.id
    if server.host != host or server.task_state in REBUILDING:
        # Issued by an earlier attempt (the engine died after Nova took it).
        return _confirm(job, watch, instance_id, original)
    errors = []
    for target in targets.sequence():
        job.check()
        if server.task_state is not None or server.vm_state not in ("active", "stopped"):
            # Nova refuses to evacuate with a task pending or from these states.
            job.nova.reset_server_state(instance_id, "error")
            server = job.nova.get_server(instance_id)
        with job.tx() as s:
            _move_vmove(
                s,
                job,
                instance_id,
                VMoveStatus.ONGOING,
                start_time=utcnow(),
                attempt=job.claim.attempt,
            )
        progress.log(f"Evacuation of instance started: '{instance_id}'", 0.5, lazy=True)
        try:
            metrics.EVACUATIONS_IN_FLIGHT.inc()
            try:
                job.nova.evacuate_server(instance_id, target_host=target)
                return _confirm(job, watch, instance_id, original, issued_from=server.vm_state)
            finally:
                metrics.EVACUATIONS_IN_FLIGHT.dec()
        except ComputeUnavailable:
            raise
        except (NotMoved, ComputeError) as exc:
            errors.append(f"{target or 'scheduler'}: {exc}")
        server = job.nova.get_server(instance_id)
        if server.host != host or server.task_state in REBUILDING:
            return _confirm(job, watch, instance_id, original)
    if not errors:
        raise RecoveryFailed("No evacuation target is available (no reserved host left).")
    raise RecoveryFailed("; ".join(errors))


def _confirm(
    job: Job, watch: EvacuationWatch, instance_id: str, original, issued_from: str | None = None
):
    """Wait until the server runs elsewhere, idle, in a state an evacuation ends in.

    ``issued_from`` is the vm_state just before we issued the evacuation: Nova
    marks the server rebuilding before it answers, so finding it idle on the
    failed host in ERROR afterwards means the scheduler found no place for it.
    """
    host = job.host.name
    seen_rebuilding = False

    def landed(server) -> bool:
        nonlocal seen_rebuilding
        seen_rebuilding = seen_rebuilding or server.task_state in REBUILDING
        return (
            server.host not in (None, host)
            and server.task_state is None
            and server.vm_state in ("active", "stopped")
        )

    def migrated(migration) -> None:
        # The watcher reads the migration record rather than every rebuilding
        # state: a failed record is the evacuation Nova tried and gave up on.
        nonlocal seen_rebuilding
        seen_rebuilding = seen_rebuilding or migration.status in ("failed", "error")

    def failed(server) -> str | None:
        if server.task_state is not None:
            return None
        if server.vm_state == "error" and server.host not in (None, host):
            return f"Instance '{instance_id}' went to ERROR on host '{server.host}'."
        # Nova puts a server it could not rebuild elsewhere in ERROR on the failed
        # host. (Idle and not ERROR there is the moment between the end of the
        # rebuild and Nova recording the new host: keep waiting.)
        went_error = server.vm_state == "error" and (
            seen_rebuilding or issued_from not in (None, "error")
        )
        if server.host == host and went_error:
            raise NotMoved(f"Nova left instance '{instance_id}' on '{host}' ({server.vm_state}).")
        return None

    return watch.wait_moved(
        instance_id,
        landed,
        job.conf.wait_period_after_evacuation,
        f"instance {instance_id} to be evacuated",
        fail=failed,
        on_migration=migrated,
    )


def _restore_power_state(job: Job, watch: EvacuationWatch, server, original):
    """End in the power state it had: Nova >= 2.95 evacuates to SHUTOFF. The server, after."""
    instance_id = server.id
    before = original.get("vm_state")
    want_active = before == "active" or (before == "resized" and original.get("power_state") != 4)
    if want_active and server.vm_state != "active":
        job.nova.start_server(instance_id)
        server = watch.wait_state(
            instance_id,
            server.host,
            lambda s: s.vm_state == "active" and s.task_state is None,
            job.conf.wait_period_after_power_on,
            f"instance {instance_id} to start after evacuation",
        )
    elif not want_active and server.vm_state == "active":
        job.nova.stop_server(instance_id)
        server = watch.wait_state(
            instance_id,
            server.host,
            lambda s: s.vm_state == "stopped" and s.task_state is None,
            job.conf.wait_period_after_power_off,
            f"instance {instance_id} to stop after evacuation",
        )
    if before == "error":
        job.nova.reset_server_state(instance_id, "error")
    return server


class Targets:
    """Where each instance may go, in order, per the segment's recovery method.

    The reserved host is taken once per flow, atomically in SQL (two flows
    never take the same one), and remembered in the step's result so that a
    resumed attempt uses the same one. It is given back if nothing landed.
    """

    def __init__(self, job: Job, progress: Progress):
        self.job = job
        self.progress = progress
        self.method = job.segment.recovery_method
        self._lock = threading.Lock()
        self._reserved: str | None | bool = progress.result.get("reserved_host")
        self._prepared = False

    def sequence(self):
        if self.method == "auto":
            yield None
        elif self.method == "reserved_host":
            if rh := self.reserved():
                yield rh
        elif self.method == "auto_priority":
            yield None
            if rh := self.reserved():
                yield rh
        elif self.method == "rh_priority":
            if rh := self.reserved():
                yield rh
            yield None
        else:
            raise RecoveryFailed(f"Unknown recovery method '{self.method}'.")

    def reserved(self) -> str | None:
        with self._lock:
            if self._reserved is None:
                self._reserved = self._take() or False
            if self._reserved and not self._prepared:
                self._prepare(self._reserved)
                self._prepared = True
            return self._reserved or None

    def _take(self) -> str | None:
        job = self.job
        with job.tx() as s:
            candidates = s.execute(
                select(Host.id, Host.name)
                .where(
                    Host.failover_segment_id == job.segment.uuid,
                    Host.reserved.is_(True),
                    Host.on_maintenance.is_(False),
                    Host.deleted == 0,
                    Host.uuid != job.host.uuid,
                )
                .order_by(Host.created_at.desc(), Host.id.desc())
            ).all()
        for host_id, name in candidates:
            with job.tx() as s:
                took = s.execute(
                    update(Host)
                    .where(
                        Host.id == host_id,
                        Host.reserved.is_(True),
                        Host.on_maintenance.is_(False),
                        Host.deleted == 0,
                    )
                    .values(reserved=False)
                    .execution_options(synchronize_session=False)
                )
                if took.rowcount == 1:
                    self.progress.remember(s, reserved_host=name, aggregates_added=[])
                    return name
        self.progress.log("No reserved host is available.", 0.1)
        return None

    def _prepare(self, rh: str) -> None:
        job = self.job
        if job.conf.host_failure.add_reserved_host_to_aggregate:
            added = list(self.progress.result.get("aggregates_added") or [])
            for aggregate in job.nova.list_aggregates():
                if job.host.name not in aggregate.hosts:
                    continue
                if rh in aggregate.hosts:
                    self.progress.log(
                        f"Host '{rh}' already has been added to aggregate '{aggregate.name}'.",
                        1.0,
                    )
                    continue
                self.progress.log(f"Add host {rh} to aggregate {aggregate.name}", 0.2)
                try:
                    job.nova.add_host_to_aggregate(aggregate.id, rh)
                except ComputeConflict:
                    self.progress.log(
                        f"Host '{rh}' already has been added to aggregate '{aggregate.name}'.",
                        1.0,
                    )
                    continue
                added.append(aggregate.id)
                with job.tx() as s:
                    self.progress.remember(s, aggregates_added=added)
                self.progress.log(f"Added host {rh} to aggregate {aggregate.name}", 0.3)
        self.progress.log(f"Enabling reserved host: '{rh}'", 0.1)
        job.nova.enable_service(rh)

    def give_back_if_unused(self) -> None:
        rh = self._reserved
        if not rh:
            return
        job = self.job
        with job.tx() as s:
            landed = s.scalar(
                select(VMove.id)
                .where(
                    VMove.notification_uuid == job.notification.uuid,
                    VMove.dest_host == rh,
                    VMove.status == VMoveStatus.SUCCEEDED,
                    VMove.deleted == 0,
                )
                .limit(1)
            )
        if landed is not None:
            return
        try:
            for aggregate_id in self.progress.result.get("aggregates_added") or []:
                job.nova.remove_host_from_aggregate(aggregate_id, rh)
            if self._prepared:
                job.nova.disable_service(rh, "masakari-lite: reserved host returned unused")
        except ComputeError:
            LOG.warning("Could not fully give back reserved host %s", rh, exc_info=True)
        with job.tx() as s:
            s.execute(
                update(Host)
                .where(Host.name == rh, Host.deleted == 0)
                .values(reserved=True)
                .execution_options(synchronize_session=False)
            )
            self.progress.result.pop("reserved_host", None)
            self.progress.log(
                f"Reserved host '{rh}' given back: no instance landed on it.", 0.9, lazy=True
            )
            self.progress.remember(s, aggregates_added=[])
        self._reserved = None
