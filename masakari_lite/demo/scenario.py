"""The story: a cloud, the service, an admin's setup, a crashed guest, a dead host.

Everything crosses the same boundaries as in production: the admin and the
"monitor" speak HTTP to the API through openstacksdk; the engine speaks HTTP
to the simulated Nova through its NovaClient. Only the failures themselves
are injected into the simulator directly.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from rich.console import Console

from masakari_lite.demo import display, world
from masakari_lite.demo.tracker import Tracker

LOG = logging.getLogger(__name__)

POLL_SECONDS = 0.2


@dataclass
class Options:
    state_dir: str | None = None
    timeout: float = 90.0
    shared_storage: bool = False


class DemoFailed(Exception):
    pass


def _configure(conf, state_dir: str, compute_url: str) -> None:
    from masakari_lite import allinone

    # No config file is read: the demo must not pick up /etc/masakari-lite.
    from masakari_lite.conf import parse_args

    parse_args([], default_config_files=[])
    allinone.set_defaults(conf)
    # [database] connection defaults to sqlite:///$state_path/masakari-lite.sqlite.
    conf.set_override("state_path", state_dir)
    conf.set_override("host", "demo-engine")
    # Poll Nova often: the simulated transitions take a second or two. A failed
    # attempt is retried within seconds rather than minutes, so it shows.
    conf.set_override("verify_interval", 0.2)
    conf.set_override("notification_retry_backoff", 1)
    conf.set_override("process_unfinished_notifications_interval", 1)
    conf.set_override("max_notification_attempts", 3)
    allinone.point_nova_at(conf, compute_url)


def _log_to(path: str) -> None:
    from masakari_lite import logcontext

    logcontext.install()
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter(logcontext.FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _quiet_uvicorn() -> None:
    # The simulator's uvicorn logs to stderr on its own; keep the terminal for the demo.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()


def run(options: Options, console: Console) -> int:
    import openstack

    from masakari_lite import allinone
    from masakari_lite.cloudsim import CloudSim
    from masakari_lite.conf import CONF

    started = time.monotonic()
    own_dir = options.state_dir is None
    state_dir = options.state_dir or tempfile.mkdtemp(prefix="masakari-lite-demo-")
    os.makedirs(state_dir, exist_ok=True)
    log_path = os.path.join(state_dir, "masakari-lite.log")
    _log_to(log_path)

    cloud, specs = world.build(shared_storage=options.shared_storage)
    by_name = {spec.name: sid for sid, spec in specs.items()}
    sim = CloudSim(cloud).start()
    _quiet_uvicorn()
    service = None
    try:
        _configure(CONF, state_dir, sim.compute_url)
        service = allinone.AllInOne(CONF, host="127.0.0.1", port=0).start()
        console.print(
            f"[bold]masakari-lite demo[/]: simulated cloud at {sim.compute_url} "
            f"({len(world.HOSTS)} hosts, {len(specs)} instances, "
            f"{sum(s.ha for s in specs.values())} tagged {world.HA_KEY}=True); "
            f"API and engine at {service.endpoint}",
            highlight=False,
        )
        conn = openstack.connect(
            auth_type="none", auth={"endpoint": service.endpoint}, instance_ha_api_version="1.1"
        )
        ha = conn.instance_ha
        tracker = Tracker(cloud, ha, specs)

        with display.make_view(tracker, console) as view:
            view.heading("admin: create segment 'demo' (recovery_method auto) and its hosts")
            segment = ha.create_segment(name="demo", recovery_method="auto", service_type="COMPUTE")
            for host in world.HOSTS:
                ha.create_host(segment.uuid, name=host, type="COMPUTE", control_attributes="SSH")

            crashed = by_name[world.CRASHED]
            view.heading(f"the guest of {world.CRASHED} crashes on its host")
            sim.crash_instance(crashed)
            n = ha.create_notification(
                type="VM",
                hostname=specs[crashed].host,
                generated_time=_now(),
                payload={
                    "event": "LIFECYCLE",
                    "instance_uuid": crashed,
                    "vir_domain_event": "STOPPED_FAILED",
                },
            )
            view.heading(f"instance monitor: POST /v1/notifications type VM -> {n.status}")
            tracker.failed([crashed], "guest crash", n.notification_uuid)
            _wait(tracker, view, n.notification_uuid, options.timeout)

            victims = [sid for sid, s in specs.items() if s.host == world.FAILED_HOST]
            view.heading(f"{world.FAILED_HOST} loses power ({len(victims)} instances on it)")
            sim.fail_host(world.FAILED_HOST)
            n = ha.create_notification(
                type="COMPUTE_HOST",
                hostname=world.FAILED_HOST,
                generated_time=_now(),
                payload={"event": "STOPPED", "cluster_status": "OFFLINE", "host_status": "NORMAL"},
            )
            view.heading(f"host monitor: POST /v1/notifications type COMPUTE_HOST -> {n.status}")
            tracker.failed(victims, "host power loss", n.notification_uuid)
            _wait(tracker, view, n.notification_uuid, options.timeout)
            view.heading("all recoveries settled")

        console.print()
        console.print(display.summary(tracker, options.shared_storage))
        console.print(display.IMPACT_NOTE, highlight=False)
        untouched = [r for r in tracker.rows.values() if r.failure is None]
        console.print(
            f"{len(untouched)} instances on healthy hosts kept running untouched. "
            f"Wall time {time.monotonic() - started:.1f}s.",
            highlight=False,
        )
        failures = [r.name for r in tracker.rows.values() if r.outcome == "failed"]
        for uuid, info in tracker.notifications.items():
            if info.get("status") != "finished":
                failures.append(f"notification {uuid} is {info.get('status')}")
        if failures:
            console.print(f"[bold red]Recovery failed:[/] {', '.join(failures)}")
            return 1
        console.print(
            "Try it yourself: [bold]masakari-lite serve --with-cloudsim[/] "
            "(then `openstack segment list`, see its banner)."
        )
        if not own_dir:
            console.print(f"Service log (request and notification ids): {log_path}")
        return 0
    except DemoFailed as exc:
        console.print(f"[bold red]Demo failed:[/] {exc}")
        console.print(f"Service log: {log_path}")
        own_dir = False  # keep the evidence
        return 1
    finally:
        if service is not None:
            service.stop()
        sim.stop()
        from masakari_lite.db import session as db_session

        db_session.dispose_all()
        if own_dir:
            shutil.rmtree(state_dir, ignore_errors=True)


def _wait(tracker: Tracker, view: display.View, notification: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        tracker.poll()
        view.refresh()
        if tracker.settled(notification):
            return
        if time.monotonic() > deadline:
            info = tracker.notifications.get(notification, {})
            raise DemoFailed(
                f"notification {notification} not settled after {timeout:.0f}s "
                f"(status {info.get('status')}, step {info.get('step')})"
            )
        time.sleep(POLL_SECONDS)
