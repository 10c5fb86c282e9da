"""VM (instance) failure: stop, start, confirm active; each wait is a polling deadline."""

from __future__ import annotations

from oslo_utils import strutils

from masakari_lite.compute.errors import ComputeConflict, ComputeNotFound
from masakari_lite.engine.runner import Finish, Ignore, Job, Progress, RecoveryFailed

# (event, vir_domain_event) pairs that mean the instance crashed; upstream's table.
TRIGGERS = frozenset(
    {
        ("LIFECYCLE", "STOPPED_FAILED"),
        ("QEMU_GUEST_AGENT_ERROR", "STOPPED_FAILED"),
        ("IO_ERROR", "IO_ERROR_REPORT"),
    }
)


def recover_instance(job: Job) -> str:
    event = job.payload.get("event")
    detail = job.payload.get("vir_domain_event")
    if (event, detail) not in TRIGGERS:
        raise Ignore(f"Instance event '{event}/{detail}' does not call for recovery.")
    instance_id = job.payload["instance_uuid"]
    job.step("StopInstanceTask", stop_instance, instance_id)
    job.step("StartInstanceTask", start_instance, instance_id)
    job.step("ConfirmInstanceActiveTask", confirm_instance_active, instance_id)
    return f"Instance '{instance_id}' recovered."


def _server(job: Job, instance_id: str):
    try:
        return job.nova.get_server(instance_id)
    except ComputeNotFound:
        raise Ignore(f"Instance '{instance_id}' no longer exists.") from None


def _opted_in(job: Job, server) -> bool:
    conf = job.conf.instance_failure
    if conf.process_all_instances:
        return True
    value = server.metadata.get(conf.ha_enabled_instance_metadata_key, "")
    return strutils.bool_from_string(value, strict=False)


def stop_instance(job: Job, progress: Progress, instance_id: str) -> None:
    server = _server(job, instance_id)
    if not _opted_in(job, server):
        progress.log(f"Skipping recovery for instance: {instance_id} as it is not Ha_Enabled", 1.0)
        raise Finish(f"Instance '{instance_id}' is not HA-enabled: not recovered.")
    if server.vm_state in ("paused", "rescued"):
        message = (
            f"Recovery of instance '{instance_id}' is ignored as it is in "
            f"'{server.vm_state}' state."
        )
        progress.log(message, 1.0)
        raise Ignore(message)
    if server.vm_state == "resized":
        job.nova.reset_server_state(instance_id, "active")
        server = _server(job, instance_id)
    if server.vm_state != "stopped" and server.task_state != "powering-off":
        progress.log(f"Stopping instance: {instance_id}", 0.0)
        try:
            job.nova.stop_server(instance_id)
        except ComputeConflict:
            # Nova says it cannot stop it; fine if it is already stopped.
            progress.log(f"Conflict when stopping instance: {instance_id}", 0.0)
            if _server(job, instance_id).vm_state != "stopped":
                raise
    try:
        job.poll(
            lambda: job.nova.get_server(instance_id),
            lambda s: s.vm_state == "stopped" and s.task_state is None,
            job.conf.wait_period_after_power_off,
            f"instance {instance_id} to stop",
        )
    except RecoveryFailed:
        progress.log(f"Failed to stop instance {instance_id}", 1.0)
        raise
    progress.log(f"Stopped instance: '{instance_id}'", 1.0)


def start_instance(job: Job, progress: Progress, instance_id: str) -> None:
    server = _server(job, instance_id)
    progress.log(f"Starting instance: '{instance_id}'", 0.0)
    if server.vm_state == "active":
        # A resumed attempt: the start went through before the engine died.
        progress.log(f"Instance started: '{instance_id}'", 1.0)
        return
    if server.vm_state != "stopped":
        message = (
            f"Invalid state for Instance {instance_id}. Expected state: 'STOPPED', "
            f"Actual state: '{server.vm_state}'"
        )
        progress.log(message, 1.0)
        raise RecoveryFailed(message)
    job.nova.start_server(instance_id)
    progress.log(f"Instance started: '{instance_id}'", 1.0)


def confirm_instance_active(job: Job, progress: Progress, instance_id: str) -> None:
    progress.log(f"Confirming instance '{instance_id}' vm_state is ACTIVE", 0.0)
    try:
        job.poll(
            lambda: job.nova.get_server(instance_id),
            lambda s: s.vm_state == "active" and s.task_state is None,
            job.conf.wait_period_after_power_on,
            f"instance {instance_id} to become active",
            fail=lambda s: (
                "Instance went to ERROR while starting." if s.vm_state == "error" else None
            ),
        )
    except RecoveryFailed:
        progress.log(f"Failed to start instance {instance_id}", 1.0)
        raise
    progress.log(f"Confirmed instance '{instance_id}' vm_state is ACTIVE", 1.0)
