"""Plain values handed out by the Nova client; nothing of openstacksdk leaks out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Service:
    id: str
    host: str
    binary: str
    status: str  # "enabled" | "disabled"
    state: str  # "up" | "down"
    forced_down: bool
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Server:
    id: str
    name: str
    host: str | None  # OS-EXT-SRV-ATTR:host
    status: str  # ACTIVE, SHUTOFF, ERROR, PAUSED, RESCUE, RESIZED...
    vm_state: str | None  # OS-EXT-STS:vm_state: active, stopped, error, paused, rescued, resized
    task_state: str | None  # OS-EXT-STS:task_state; None when idle
    power_state: int | None  # OS-EXT-STS:power_state: 1 running, 4 shutdown
    locked: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    image_id: str | None = None  # None for a volume-backed server
    volumes: tuple[str, ...] = ()
    flavor: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Aggregate:
    id: str
    name: str
    hosts: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Migration:
    """A row of ``os-migrations``: how Nova records an evacuation."""

    id: str
    instance_id: str
    source_compute: str | None
    dest_compute: str | None
    status: str  # accepted, pre-migrating, migrating, done, failed, error, completed...
    migration_type: str | None  # evacuation, migration, live-migration, resize (2.23+)
