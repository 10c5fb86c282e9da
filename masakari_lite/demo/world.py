"""The demo's cloud: three hosts, thirteen instances, who is tagged and how disks are kept."""

from __future__ import annotations

from dataclasses import dataclass

from masakari_lite.cloudsim import Cloud, SimConfig

HA_KEY = "HA_Enabled"
HOSTS = ("host1", "host2", "host3")

# The instance whose guest crashes, and the host that loses power.
CRASHED = "db-1"
FAILED_HOST = "host2"

# Transition times a real cloud shows, scaled down so the demo takes seconds.
TIMINGS = {
    "stop_time": 1.0,
    "start_time": 1.5,
    "boot_time": 2.0,
    "evacuation_time": 4.0,
    # Nova's power-state sync notices a dead guest a moment after it died.
    "crash_sync_time": 1.0,
}


@dataclass(frozen=True)
class Spec:
    name: str
    host: str
    tenant: str
    ha: bool
    volume_backed: bool
    # extra seconds this one's rebuild takes (bigger image, busier destination)
    rebuild_extra: float = 0.0


SPECS = (
    Spec("web-1", "host1", "shop", ha=True, volume_backed=False),
    Spec("db-1", "host1", "shop", ha=True, volume_backed=True),
    Spec("cache-1", "host1", "shop", ha=False, volume_backed=False),
    Spec("ci-runner-1", "host1", "devops", ha=False, volume_backed=False),
    Spec("web-2", "host2", "shop", ha=True, volume_backed=False, rebuild_extra=0.6),
    Spec("db-2", "host2", "shop", ha=True, volume_backed=True, rebuild_extra=1.8),
    Spec("api-2", "host2", "payments", ha=True, volume_backed=True, rebuild_extra=1.1),
    Spec("scratch-2", "host2", "devops", ha=False, volume_backed=False),
    Spec("build-2", "host2", "devops", ha=False, volume_backed=True),
    Spec("web-3", "host3", "shop", ha=True, volume_backed=False),
    Spec("db-3", "host3", "payments", ha=True, volume_backed=True),
    Spec("cache-3", "host3", "shop", ha=False, volume_backed=False),
    Spec("batch-3", "host3", "devops", ha=False, volume_backed=True),
)


def build(shared_storage: bool = False) -> tuple[Cloud, dict[str, Spec]]:
    """The cloud and, by server id, what each instance was created as."""
    config = SimConfig()
    config.update({**TIMINGS, "shared_storage": shared_storage})
    cloud = Cloud(config, seed=7)
    for name in HOSTS:
        cloud.add_host(name, vcpus=32, ram_mb=131072)
    projects = {}
    by_id: dict[str, Spec] = {}
    for spec in SPECS:
        if spec.tenant not in projects:
            projects[spec.tenant] = cloud.add_project(spec.tenant)
        inst = cloud.add_server(
            spec.host,
            name=spec.name,
            project_id=projects[spec.tenant].id,
            flavor="3",
            metadata={HA_KEY: "True"} if spec.ha else {},
            volume_backed=spec.volume_backed,
        )
        if spec.rebuild_extra:
            cloud.slow_evacuations[inst.id] = spec.rebuild_extra
        by_id[inst.id] = spec
    return cloud, by_id
