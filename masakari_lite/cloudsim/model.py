"""The simulated cloud's records: hosts, services, instances, flavors, images..."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# vm_state / task_state / power_state values, spelled as Nova spells them.
ACTIVE = "active"
BUILDING = "building"
STOPPED = "stopped"
ERROR = "error"

POWERING_OFF = "powering-off"
POWERING_ON = "powering-on"
REBUILDING = "rebuilding"
REBUILD_BLOCK_DEVICE_MAPPING = "rebuild_block_device_mapping"
REBUILD_SPAWNING = "rebuild_spawning"
SPAWNING = "spawning"
SCHEDULING = "scheduling"

NOSTATE = 0
RUNNING = 1
SHUTDOWN = 4

# status shown by the API for a (vm_state, task_state) pair, as Nova maps it.
_REBUILD = {
    REBUILDING: "REBUILD",
    REBUILD_BLOCK_DEVICE_MAPPING: "REBUILD",
    REBUILD_SPAWNING: "REBUILD",
}
_STATUS = {
    ACTIVE: ("ACTIVE", _REBUILD),
    BUILDING: ("BUILD", {}),
    STOPPED: ("SHUTOFF", _REBUILD),
    ERROR: ("ERROR", _REBUILD),
}


def status_of(vm_state: str, task_state: str | None) -> str:
    default, by_task = _STATUS.get(vm_state, ("UNKNOWN", {}))
    return by_task.get(task_state or "", default)


@dataclass
class Flavor:
    id: str
    name: str
    vcpus: int
    ram: int
    disk: int
    extra_specs: dict[str, str] = field(default_factory=dict)
    ephemeral: int = 0
    swap: int = 0
    description: str | None = None


@dataclass
class Image:
    id: str
    name: str
    min_disk: int = 0
    min_ram: int = 0
    size: int = 25165824
    created: float = 0.0


@dataclass
class Service:
    """A nova service record. Only nova-compute services carry a Host."""

    id: int
    uuid: str
    binary: str
    host: str
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False
    zone: str = "internal"


@dataclass
class Host:
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    service: Service
    node_id: int
    node_uuid: str
    alive: bool = True
    failed_at: float | None = None
    last_heartbeat: float = 0.0
    vcpus_used: int = 0
    ram_used: int = 0
    # instance ids on this host (the index that keeps per-host queries O(k))
    instances: dict[str, None] = field(default_factory=dict)
    # the same ids as (seq, id), ascending: servers?host= pages newest first
    # from it without sorting the host's servers on every call
    by_seq: list[tuple[int, str]] = field(default_factory=list)
    # guests the hypervisor still defines, which can outlive an evacuation
    guests: set[str] = field(default_factory=set)
    host_ip: str = "192.168.0.1"


@dataclass
class Fault:
    code: int
    message: str
    created: float
    details: str = ""


@dataclass
class Instance:
    id: str
    name: str
    project_id: str
    user_id: str
    flavor: Flavor
    image_id: str | None
    created: float
    seq: int
    host: str | None = None
    vm_state: str = BUILDING
    task_state: str | None = None
    power_state: int = NOSTATE
    metadata: dict[str, str] = field(default_factory=dict)
    locked: bool = False
    locked_by: str | None = None
    locked_reason: str | None = None
    updated: float = 0.0
    launched_at: float | None = None
    availability_zone: str | None = None
    volumes: list[dict[str, Any]] = field(default_factory=list)
    fault: Fault | None = None
    key_name: str | None = None
    description: str | None = None
    # bumped on every state change so that a delayed transition can tell it is stale
    op_seq: int = 0

    @property
    def numeric_id(self) -> int:
        """Nova's integer id (instance-%08x): the creation sequence number."""
        return self.seq


@dataclass
class Aggregate:
    id: int
    uuid: str
    name: str
    created: float
    hosts: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    updated: float | None = None

    @property
    def availability_zone(self) -> str | None:
        return self.metadata.get("availability_zone")


@dataclass
class Migration:
    id: int
    uuid: str
    instance_uuid: str
    source_compute: str
    source_node: str
    dest_compute: str | None
    dest_node: str | None
    status: str
    created: float
    migration_type: str = "evacuation"
    updated: float | None = None
    flavor_id: int = 0
    user_id: str = ""
    project_id: str = ""


@dataclass
class User:
    id: str
    name: str
    password: str
    project_id: str
    roles: list[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


@dataclass
class Project:
    id: str
    name: str
