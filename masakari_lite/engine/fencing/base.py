"""The fencing driver interface and its loader (entry-point group ``masakari_lite.fencing``)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from oslo_config import cfg

GROUP = "masakari_lite.fencing"


@dataclass(frozen=True)
class FenceResult:
    confirmed: bool
    """True only when the host is known to be off."""
    message: str


class FencingDriver(abc.ABC):
    #: Whether the driver can power a host off itself. A driver that cannot
    #: only confirms what the monitor said (host_status NORMAL).
    can_power_off: bool = False

    def __init__(self, conf: cfg.ConfigOpts):
        self.conf = conf

    @abc.abstractmethod
    def fence(
        self,
        host_name: str,
        control_attributes: str | None,
        host_status: str | None,
        log: Callable[[str], None],
    ) -> FenceResult:
        """Make sure ``host_name`` is off; ``log`` records progress messages."""


def load_driver(conf: cfg.ConfigOpts, name: str | None = None) -> FencingDriver:
    name = name or conf.fencing.driver
    for entry in metadata.entry_points(group=GROUP):
        if entry.name == name:
            return entry.load()(conf)
    raise RuntimeError(f"No fencing driver named {name!r} in entry-point group {GROUP!r}")
