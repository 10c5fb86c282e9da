"""The living cloud: state, indices, the scheduler and time-driven transitions.

All state sits behind one re-entrant lock. Time moves by a heap of due events
that is drained lazily: every read or write first calls ``advance()``, which
runs the events due by now, in order, each at its own due time. Nothing
polls, so an idle cloud of any size costs nothing, and chained events (an
evacuation queue draining) are computed at the instant they would have
happened.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import re
import threading
import uuid as uuidlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from masakari_lite.cloudsim import errors
from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.clock import Clock
from masakari_lite.cloudsim.config import SimConfig
from masakari_lite.cloudsim.evacuation import EvacJob, EvacuationMixin
from masakari_lite.cloudsim.faults import Faults
from masakari_lite.cloudsim.scheduling import AZ_DEFAULT, SchedulingMixin

DEFAULT_DOMAIN = "default"


def _hex_id(name: str) -> str:
    """A stable 32-hex id (Keystone's shape) derived from a name."""
    return uuidlib.uuid5(uuidlib.NAMESPACE_DNS, f"cloudsim.{name}").hex


class Cloud(SchedulingMixin, EvacuationMixin):
    """One simulated region: Nova's records plus the clock that moves them."""

    def __init__(self, config: SimConfig | None = None, seed: int | None = None):
        self.config = config or SimConfig()
        self.clock = Clock()
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.faults = Faults(rng=random.Random(seed))
        self._now = self.clock.now()
        self._events: list[tuple[float, int, Callable[[float], None]]] = []
        self._event_seq = itertools.count()

        self.hosts: dict[str, m.Host] = {}
        self.services: dict[int, m.Service] = {}
        self._service_by_uuid: dict[str, m.Service] = {}
        self.instances: dict[str, m.Instance] = {}
        self._by_project: dict[str, dict[str, None]] = {}
        self.flavors: dict[str, m.Flavor] = {}
        self.images: dict[str, m.Image] = {}
        self.aggregates: dict[int, m.Aggregate] = {}
        self._host_aggregates: dict[str, list[int]] = {}
        self.migrations: dict[int, m.Migration] = {}
        self.projects: dict[str, m.Project] = {}
        self.users: dict[str, m.User] = {}
        self.tokens: dict[str, tuple[m.User, str, float]] = {}
        # catalog entries beyond compute and identity: type -> (name, URL template)
        self.catalog_services: dict[str, tuple[str, str]] = {}

        self._ids = {k: itertools.count(1) for k in ("svc", "node", "agg", "mig")}
        self._inst_seq = itertools.count(1)
        self._evac_queue: deque[EvacJob] = deque()
        self._evac_running = 0
        # servers with an evacuation accepted and not yet finished (host switched or failed)
        self._evacuating: Counter[str] = Counter()
        self.slow_evacuations: dict[str, float] = {}

        self.op_calls: Counter[str] = Counter()
        self.server_calls: dict[str, Counter[str]] = {}
        self.server_accepted: dict[str, Counter[str]] = {}

        for binary in ("nova-conductor", "nova-scheduler"):
            self._add_service(binary, "controller")
        self._default_flavors()
        self._default_images()
        # the two kinds of caller: an operator (admin) and a tenant (member)
        self.add_user("admin", "admin", "admin", ["admin", "member", "reader"])
        self.add_user("demo", "demo", "demo", ["member", "reader"])

    # ------------------------------------------------------------------ time
    @contextmanager
    def session(self) -> Iterator[Cloud]:
        """Hold the lock with time advanced to now: every public operation runs in one."""
        with self.lock:
            self.advance()
            yield self

    def advance(self) -> None:
        with self.lock:
            now = self.clock.now()
            while self._events and self._events[0][0] <= now:
                due, _, fn = heapq.heappop(self._events)
                self._now = due
                fn(due)
            self._now = now

    def _at(self, delay: float, fn: Callable[[float], None]) -> None:
        heapq.heappush(self._events, (self._now + delay, next(self._event_seq), fn))

    def _later(self, inst: m.Instance, delay: float, fn: Callable[[float], None]) -> None:
        """Run fn after delay unless the instance changed state in the meantime."""
        token = inst.op_seq

        def fire(_t: float) -> None:
            if self.instances.get(inst.id) is inst and inst.op_seq == token:
                fn(_t)

        self._at(delay, fire)

    def _touch(self, inst: m.Instance) -> None:
        inst.op_seq += 1
        inst.updated = self._now

    @property
    def now(self) -> float:
        return self._now

    # ------------------------------------------------------------ catalogue
    def _default_flavors(self) -> None:
        for fid, name, vcpus, ram, disk in (
            ("1", "m1.tiny", 1, 512, 1),
            ("2", "m1.small", 1, 2048, 20),
            ("3", "m1.medium", 2, 4096, 40),
            ("4", "m1.large", 4, 8192, 80),
            ("5", "m1.xlarge", 8, 16384, 160),
        ):
            self.flavors[fid] = m.Flavor(fid, name, vcpus, ram, disk)

    def _default_images(self) -> None:
        for name in ("cirros-0.6.2-x86_64-disk", "ubuntu-24.04", "rhel-9.4"):
            iid = str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, f"cloudsim.image.{name}"))
            self.images[iid] = m.Image(iid, name, created=self._now)

    def add_flavor(
        self,
        fid: str,
        name: str,
        vcpus: int,
        ram: int,
        disk: int = 1,
        extra_specs: dict[str, str] | None = None,
    ) -> m.Flavor:
        with self.session():
            flavor = m.Flavor(fid, name, vcpus, ram, disk, dict(extra_specs or {}))
            self.flavors[fid] = flavor
            return flavor

    def find_flavor(self, ref: str) -> m.Flavor:
        fid = ref.rstrip("/").rsplit("/", 1)[-1]
        flavor = self.flavors.get(fid)
        if flavor is None:
            flavor = next((f for f in self.flavors.values() if f.name == fid), None)
        if flavor is None:
            raise errors.NotFound(f"Flavor {fid} could not be found.")
        return flavor

    def find_image(self, ref: str) -> m.Image:
        iid = ref.rstrip("/").rsplit("/", 1)[-1]
        image = self.images.get(iid)
        if image is None:
            raise errors.NotFound(f"Image {iid} could not be found.")
        return image

    # --------------------------------------------------------------- people
    def add_project(self, name: str) -> m.Project:
        with self.lock:
            project = m.Project(_hex_id(f"project.{name}"), name)
            self.projects[project.id] = project
            return project

    def add_user(self, name: str, password: str, project: str, roles: list[str]) -> m.User:
        with self.lock:
            proj = self.project_by_name(project) or self.add_project(project)
            user = m.User(_hex_id(f"user.{name}"), name, password, proj.id, list(roles))
            self.users[user.id] = user
            return user

    def register_service(self, service_type: str, name: str, url: str) -> None:
        """Add (or replace) a catalog entry, e.g. the instance-ha API a test runs beside us.

        ``$(project_id)s`` and ``$(tenant_id)s`` in ``url`` become the token's project,
        as Keystone substitutes them.
        """
        for field, value in (("type", service_type), ("name", name), ("url", url)):
            if not isinstance(value, str) or not value:
                raise errors.BadRequest(f"'{field}' must be a non-empty string")
        if service_type in ("compute", "identity"):
            raise errors.BadRequest(f"'{service_type}' is the simulator's own service")
        if not url.startswith(("http://", "https://")):
            raise errors.BadRequest("'url' must be an http(s) URL")
        with self.lock:
            self.catalog_services[service_type] = (name, url)

    def project_by_name(self, name: str) -> m.Project | None:
        return next((p for p in self.projects.values() if p.name == name), None)

    def live_token(self, token: str | None) -> tuple[m.User, str, float] | None:
        """A token's (user, project, expiry) until it expires; None if unknown or expired."""
        entry = self.tokens.get(token or "")
        if entry is None or entry[2] <= self.clock.now():
            return None
        return entry

    def user_by_name(self, name: str) -> m.User | None:
        return next((u for u in self.users.values() if u.name == name), None)

    # ---------------------------------------------------------------- hosts
    def _add_service(self, binary: str, host: str) -> m.Service:
        sid = next(self._ids["svc"])
        zone = AZ_DEFAULT if binary == "nova-compute" else "internal"
        svc = m.Service(sid, str(uuidlib.uuid4()), binary, host, zone=zone)
        self.services[sid] = svc
        self._service_by_uuid[svc.uuid] = svc
        return svc

    def add_host(
        self, name: str, vcpus: int = 64, ram_mb: int = 262144, disk_gb: int = 2000
    ) -> m.Host:
        with self.session():
            if name in self.hosts:
                raise errors.Conflict(f"Host {name} already exists.")
            if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.\-_]*", name):
                raise errors.BadRequest(f"Invalid host name {name!r}.")
            svc = self._add_service("nova-compute", name)
            index = len(self.hosts) + 1
            host = m.Host(
                name,
                vcpus,
                ram_mb,
                disk_gb,
                svc,
                next(self._ids["node"]),
                str(uuidlib.uuid4()),
                last_heartbeat=self._now,
                host_ip=f"192.168.{index // 250}.{index % 250 + 1}",
            )
            self.hosts[name] = host
            self._host_aggregates[name] = []
            return host

    def get_host(self, name: str) -> m.Host:
        host = self.hosts.get(name)
        if host is None:
            raise errors.NotFound(f"Compute host {name} could not be found.")
        return host

    def heartbeat(self, host: m.Host) -> float:
        return self._now if host.alive else (host.failed_at or host.last_heartbeat)

    def service_host(self, svc: m.Service) -> m.Host | None:
        return self.hosts.get(svc.host) if svc.binary == "nova-compute" else None

    def service_is_up(self, svc: m.Service) -> bool:
        if svc.forced_down:
            return False
        host = self.service_host(svc)
        return host is None or self._heard_from(host)

    def _heard_from(self, host: m.Host) -> bool:
        """Alive, or dead for less than service_down_time: Nova still sees it up."""
        return host.alive or self._now - self.heartbeat(host) <= self.config.service_down_time

    def service_updated_at(self, svc: m.Service) -> float:
        host = self.service_host(svc)
        return self._now if host is None else self.heartbeat(host)

    def host_status(self, inst: m.Instance) -> str:
        """Nova's host_status: DOWN only when forced; a silent host is UNKNOWN."""
        host = self.hosts.get(inst.host) if inst.host else None
        if host is None:
            return ""
        svc = host.service
        if svc.forced_down:
            return "DOWN"
        if svc.disabled:
            return "MAINTENANCE"
        return "UP" if self._heard_from(host) else "UNKNOWN"

    def fail_host(self, name: str) -> None:
        """The host loses power: heartbeats stop, its guests stop answering."""
        with self.session():
            host = self.get_host(name)
            if host.alive:
                host.alive = False
                host.failed_at = self._now
                host.last_heartbeat = self._now

    def recover_host(self, name: str, guests_survive: bool | None = None) -> None:
        """The host boots again; nova-compute cleans up as its init_host does."""
        with self.session():
            host = self.get_host(name)
            if host.alive:
                return
            host.alive = True
            host.failed_at = None
            host.last_heartbeat = self._now
            for mig in self.migrations.values():
                if (
                    mig.source_compute == name
                    and mig.migration_type == "evacuation"
                    and mig.status in ("accepted", "pre-migrating", "done")
                ):
                    # Nova destroys the local guest of every evacuation started
                    # from here, finished or not, and completes the record
                    host.guests.discard(mig.instance_uuid)
                    mig.status = "completed"
                    mig.updated = self._now
            # guests of instances evacuated or deleted while the host was away
            host.guests = {g for g in host.guests if g in host.instances}
            survive = (
                self.config.guests_survive_failure if guests_survive is None else guests_survive
            )
            for iid in list(host.instances):
                inst = self.instances[iid]
                self._resume_on_boot(inst, survive)

    def _resume_on_boot(self, inst: m.Instance, survive: bool) -> None:
        if inst.task_state == m.POWERING_OFF:
            self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)
        elif inst.task_state == m.POWERING_ON:
            self._set_state(inst, m.ACTIVE, None, m.RUNNING)
        elif inst.task_state == m.SPAWNING or inst.vm_state == m.BUILDING:
            self._set_state(inst, m.ERROR, None, m.NOSTATE)
        elif not survive and inst.vm_state == m.ACTIVE and inst.task_state is None:
            # the guest died with the host; the power-state sync stops it
            self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)

    def update_service(
        self,
        svc: m.Service,
        *,
        disabled: bool | None = None,
        reason: str | None = None,
        forced_down: bool | None = None,
    ) -> m.Service:
        with self.session():
            if svc.binary != "nova-compute":
                raise errors.BadRequest(
                    f"Updating a {svc.binary} service is not supported. "
                    "Only nova-compute services can be updated."
                )
            if disabled is not None:
                svc.disabled = disabled
                svc.disabled_reason = reason if disabled else None
            if forced_down is not None:
                if forced_down is False:
                    self._check_for_evacuations(svc.host)
                svc.forced_down = forced_down
            return svc

    def _check_for_evacuations(self, host: str) -> None:
        for mig in self.migrations.values():
            if (
                mig.source_compute == host
                and mig.status == "done"
                and mig.migration_type == "evacuation"
            ):
                raise errors.BadRequest(
                    f"Unable to force up host {host} as `done` evacuation migration records "
                    "remain associated with the host. Ensure the compute service has been "
                    "restarted, allowing these records to move to `completed` before "
                    "retrying this request."
                )

    def service_by_uuid(self, sid: str) -> m.Service:
        svc = self._service_by_uuid.get(sid)
        if svc is None:
            raise errors.NotFound(f"Service {sid} could not be found.")
        return svc

    def service_by_host_binary(self, host: str, binary: str) -> m.Service:
        for svc in self.services.values():
            if svc.host == host and svc.binary == binary:
                return svc
        raise errors.NotFound(f"Could not find binary {binary} on host {host}.")

    # ------------------------------------------------------------ instances
    def get_instance(self, iid: str, project_id: str | None = None) -> m.Instance:
        inst = self.instances.get(iid)
        if inst is None or (project_id is not None and inst.project_id != project_id):
            raise errors.NotFound(f"Instance {iid} could not be found.")
        return inst

    def _place(self, inst: m.Instance, host: m.Host | None) -> None:
        if inst.host is not None:
            old = self.hosts.get(inst.host)
            if old is not None:
                if old.instances.pop(inst.id, 0) is None:  # it was there
                    del old.by_seq[bisect.bisect_left(old.by_seq, (inst.seq, inst.id))]
                self._claim(old, inst, -1)
        inst.host = host.name if host else None
        if host is not None:
            host.instances[inst.id] = None
            bisect.insort(host.by_seq, (inst.seq, inst.id))
            self._claim(host, inst, +1)

    @staticmethod
    def _claim(host: m.Host, inst: m.Instance, sign: int) -> None:
        host.vcpus_used += sign * inst.flavor.vcpus
        host.ram_used += sign * inst.flavor.ram

    def _set_state(
        self, inst: m.Instance, vm: str, task: str | None, power: int | None = None
    ) -> None:
        inst.vm_state = vm
        inst.task_state = task
        if power is not None:
            inst.power_state = power
        self._touch(inst)

    def _new_instance(
        self,
        *,
        name: str,
        project_id: str,
        user_id: str,
        flavor: m.Flavor,
        image_id: str | None,
        metadata: dict[str, str] | None,
        volumes: list[dict] | None = None,
        availability_zone: str | None = None,
        key_name: str | None = None,
        description: str | None = None,
    ) -> m.Instance:
        inst = m.Instance(
            id=str(uuidlib.uuid4()),
            name=name,
            project_id=project_id,
            user_id=user_id,
            flavor=flavor,
            image_id=image_id,
            created=self._now,
            seq=next(self._inst_seq),
            metadata=dict(metadata or {}),
            updated=self._now,
            volumes=list(volumes or []),
            availability_zone=availability_zone,
            key_name=key_name,
            description=description,
        )
        self.instances[inst.id] = inst
        self._by_project.setdefault(project_id, {})[inst.id] = None
        return inst

    def add_server(
        self,
        host: str,
        *,
        name: str | None = None,
        project_id: str | None = None,
        user_id: str | None = None,
        flavor: str = "2",
        metadata: dict[str, str] | None = None,
        vm_state: str = m.ACTIVE,
        volume_backed: bool = False,
        image_id: str | None = None,
    ) -> m.Instance:
        """Seed an instance already running on a host (no boot, no scheduler)."""
        with self.session():
            h = self.get_host(host)
            if vm_state not in (m.ACTIVE, m.STOPPED, m.ERROR):
                raise errors.BadRequest("vm_state must be active, stopped or error")
            fl = self.find_flavor(flavor)
            admin = self.user_by_name("admin")
            pid = project_id or (admin.project_id if admin else _hex_id("project.admin"))
            uid = user_id or (admin.id if admin else _hex_id("user.admin"))
            volumes = []
            if volume_backed:
                volumes = [{"id": str(uuidlib.uuid4()), "delete_on_termination": False}]
                image_id = None
            else:
                image_id = image_id or next(iter(self.images))
            inst = self._new_instance(
                name=name or f"vm-{h.name}-{len(h.instances) + 1}",
                project_id=pid,
                user_id=uid,
                flavor=fl,
                image_id=image_id,
                metadata=metadata,
                volumes=volumes,
            )
            self._place(inst, h)
            h.guests.add(inst.id)
            power = {m.ACTIVE: m.RUNNING, m.STOPPED: m.SHUTDOWN, m.ERROR: m.NOSTATE}[vm_state]
            inst.vm_state, inst.power_state = vm_state, power
            inst.launched_at = self._now
            return inst

    def create_server(
        self,
        *,
        name: str,
        project_id: str,
        user_id: str,
        flavor: m.Flavor,
        image_id: str | None,
        volumes: list[dict],
        metadata: dict[str, str],
        availability_zone: str | None,
        forced_host: str | None,
        requested_host: str | None,
        key_name: str | None = None,
        description: str | None = None,
    ) -> m.Instance:
        with self.session():
            inst = self._new_instance(
                name=name,
                project_id=project_id,
                user_id=user_id,
                flavor=flavor,
                image_id=image_id,
                metadata=metadata,
                volumes=volumes,
                availability_zone=availability_zone,
                key_name=key_name,
                description=description,
            )
            inst.vm_state, inst.task_state = m.BUILDING, m.SCHEDULING
            if forced_host:
                target: m.Host | None = self.hosts[forced_host]
            else:
                only = [requested_host] if requested_host else None
                target = self._select_host(inst, exclude=None, only=only)
            if target is None:
                self._no_valid_host(inst)
                return inst
            self._place(inst, target)
            self._set_state(inst, m.BUILDING, m.SPAWNING)

            def booted(_t: float) -> None:
                host = self.hosts.get(inst.host or "")
                if host is None or not host.alive:
                    return  # finished (as ERROR) when the host boots again
                host.guests.add(inst.id)
                inst.launched_at = self._now
                self._set_state(inst, m.ACTIVE, None, m.RUNNING)

            self._later(inst, self.config.boot_time, booted)
            return inst

    def _no_valid_host(self, inst: m.Instance, reason: str = "") -> None:
        inst.fault = m.Fault(500, f"No valid host was found. {reason}", self._now)
        self._set_state(inst, m.ERROR, None, m.NOSTATE)

    def delete_server(self, inst: m.Instance) -> None:
        with self.session():
            host = self.hosts.get(inst.host or "")
            if host is not None and host.alive:
                host.guests.discard(inst.id)
            self._place(inst, None)
            self.instances.pop(inst.id, None)
            self._by_project.get(inst.project_id, {}).pop(inst.id, None)
            self._touch(inst)

    # ------------------------------------------------------ server actions
    @staticmethod
    def _check_state(inst: m.Instance, action: str, vm_states: Iterable[str]) -> None:
        if inst.vm_state not in vm_states:
            raise errors.Conflict(
                f"Cannot '{action}' instance {inst.id} while it is in vm_state {inst.vm_state}"
            )
        if inst.task_state is not None:
            raise errors.Conflict(
                f"Cannot '{action}' instance {inst.id} while it is in task_state {inst.task_state}"
            )

    @staticmethod
    def _check_lock(inst: m.Instance, is_admin: bool) -> None:
        if inst.locked and not is_admin:
            raise errors.Conflict(f"Instance {inst.id} is locked")

    @staticmethod
    def _check_host_set(inst: m.Instance) -> None:
        if not inst.host:
            raise errors.Conflict(f"Instance {inst.id} is not ready")

    def stop_server(self, inst: m.Instance, is_admin: bool) -> None:
        with self.session():
            self._check_lock(inst, is_admin)
            self._check_host_set(inst)
            self._check_state(inst, "stop", (m.ACTIVE, m.ERROR))
            self._set_state(inst, inst.vm_state, m.POWERING_OFF)

            def stopped(_t: float) -> None:
                if self.hosts[inst.host].alive:  # type: ignore[index]
                    self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)

            self._later(inst, self.config.stop_time, stopped)

    def start_server(self, inst: m.Instance, is_admin: bool) -> None:
        with self.session():
            self._check_lock(inst, is_admin)
            self._check_host_set(inst)
            self._check_state(inst, "start", (m.STOPPED,))
            self._set_state(inst, inst.vm_state, m.POWERING_ON)

            def started(_t: float) -> None:
                if self.hosts[inst.host].alive:  # type: ignore[index]
                    self._set_state(inst, m.ACTIVE, None, m.RUNNING)

            self._later(inst, self.config.start_time, started)

    def reset_state(self, inst: m.Instance, state: str) -> None:
        with self.session():
            self._set_state(inst, state, None)

    def lock_server(self, inst: m.Instance, by_admin: bool, reason: str | None) -> None:
        with self.session():
            inst.locked = True
            inst.locked_by = "admin" if by_admin else "owner"
            inst.locked_reason = reason
            inst.updated = self._now

    def unlock_server(self, inst: m.Instance) -> None:
        with self.session():
            inst.locked = False
            inst.locked_by = None
            inst.locked_reason = None
            inst.updated = self._now

    def crash_server(self, iid: str) -> None:
        """The guest dies on its own: power_state SHUTDOWN now, SHUTOFF once synced."""
        with self.session():
            inst = self.get_instance(iid)
            host = self.hosts.get(inst.host or "")
            if host is None or not host.alive or inst.vm_state != m.ACTIVE:
                raise errors.Conflict(f"Instance {iid} is not running on a live host.")
            inst.power_state = m.SHUTDOWN
            self._touch(inst)

            def synced(_t: float) -> None:
                if inst.vm_state == m.ACTIVE and inst.task_state is None:
                    self._set_state(inst, m.STOPPED, None, m.SHUTDOWN)

            self._later(inst, self.config.crash_sync_time, synced)

    # ----------------------------------------------------------- listings
    def list_instances(
        self,
        *,
        project_id: str | None,
        host: str | None,
        status: str | None = None,
        name: str | None = None,
        marker: str | None = None,
        limit: int,
    ) -> list[m.Instance]:
        """Newest first (Nova's created_at desc); the marker may be any server."""
        marker_seq = None
        if marker is not None:
            mk = self.instances.get(marker)
            if mk is None:
                raise errors.BadRequest(f"marker [{marker}] not found")
            marker_seq = mk.seq
        if host is not None:
            h = self.hosts.get(host)
            order = h.by_seq if h else []
            # newest first, starting just below the marker
            end = len(order) if marker_seq is None else bisect.bisect_left(order, (marker_seq,))
            pool = (self.instances[order[i][1]] for i in range(end - 1, -1, -1))  # type: ignore[assignment]
        elif project_id is not None:
            ids = self._by_project.get(project_id, {})
            pool = (self.instances[i] for i in reversed(ids))  # type: ignore[assignment]
        else:
            pool = reversed(self.instances.values())  # type: ignore[assignment]
        try:
            name_re = re.compile(name) if name else None
        except re.error:
            raise errors.BadRequest(f"Invalid regular expression for name: {name}") from None
        out: list[m.Instance] = []
        for inst in pool:
            if marker_seq is not None and inst.seq >= marker_seq:
                continue
            if project_id is not None and inst.project_id != project_id:
                continue
            if status and m.status_of(inst.vm_state, inst.task_state) != status.upper():
                continue
            if name_re and not name_re.search(inst.name):
                continue
            out.append(inst)
            if len(out) >= limit:
                break
        return out

    # ------------------------------------------------------------ counters
    def record_call(self, op: str, server: str | None) -> None:
        with self.lock:
            self.op_calls[op] += 1
            if server is not None:
                self.server_calls.setdefault(server, Counter())[op] += 1

    def record_accepted(self, op: str, server: str | None) -> None:
        if server is None:
            return
        with self.lock:
            self.server_accepted.setdefault(server, Counter())[op] += 1

    def calls(self, server: str, action: str = "evacuate") -> int:
        """How many requests for this server's action arrived (accepted or not)."""
        with self.lock:
            return self.server_calls.get(server, Counter())[_op_name(action)]

    def accepted(self, server: str, action: str = "evacuate") -> int:
        """How many requests for this server's action Nova accepted."""
        with self.lock:
            return self.server_accepted.get(server, Counter())[_op_name(action)]

    def reset_counters(self) -> None:
        with self.lock:
            self.op_calls.clear()
            self.server_calls.clear()
            self.server_accepted.clear()
            for rule in self.faults.rules:
                rule.fired = 0


def _op_name(action: str) -> str:
    return action if "." in action else f"servers.action.{action}"
