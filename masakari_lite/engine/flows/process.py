"""PROCESS failure: a stopped nova-compute gets its service disabled, and nothing else.

As upstream, a stopped process (any) first puts the host on maintenance;
``[process_failure] set_host_on_maintenance = False`` skips that, so that the
API still accepts a host-down notification that follows a dead nova-compute.
"""

from __future__ import annotations

from masakari_lite.engine.runner import Finish, Ignore, Job, Progress, RecoveryFailed


def recover_process(job: Job) -> str:
    event = str(job.payload.get("event", "")).upper()
    name = job.payload.get("process_name", "")
    if event == "STARTED":
        raise Finish(f"Process '{name}' started: nothing to recover.")
    if event != "STOPPED":
        raise Ignore(f"Process event '{event}' is not handled.")
    if job.conf.process_failure.set_host_on_maintenance:
        job.update_host(on_maintenance=True)
    if name != "nova-compute":
        raise Finish(f"Process '{name}' is not handled: nothing done.")
    job.step("DisableComputeNodeTask", disable_compute_node, name)
    job.step("ConfirmComputeNodeDisabledTask", confirm_compute_node_disabled, name)
    return f"Compute service on host '{job.host.name}' disabled."


def disable_compute_node(job: Job, progress: Progress, process_name: str) -> None:
    host = job.host.name
    progress.log(f"Disabling compute service on host: '{host}'", 0.0)
    service = job.nova.find_compute_service(host)
    if service is None:
        raise Ignore(f"Host '{host}' has no nova-compute service.")
    if service.status == "disabled":
        progress.log(f"Skipping recovery for process {process_name} as it is already disabled", 1.0)
        return
    job.nova.disable_service(host, job.conf.process_failure.service_disable_reason, service=service)
    progress.log(f"Disabled compute service on host: '{host}'", 1.0)


def confirm_compute_node_disabled(job: Job, progress: Progress, process_name: str) -> None:
    host = job.host.name
    progress.log(f"Confirming compute service is disabled on host: '{host}'", 0.0)
    try:
        job.poll(
            lambda: job.nova.find_compute_service(host),
            lambda svc: svc is not None and svc.status == "disabled",
            job.conf.wait_period_after_service_update,
            f"the compute service of '{host}' to be disabled",
        )
    except RecoveryFailed:
        progress.log(f"Failed to disable service {process_name}", 1.0)
        raise
    progress.log(f"Confirmed compute service is disabled on host: '{host}'", 1.0)
