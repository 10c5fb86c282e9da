"""Populate a cloud: N hosts with M instances each, some of them tagged for HA."""

from __future__ import annotations

import random
from typing import Any

from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.config import SimConfig

HA_KEY = "HA_Enabled"


def build_cloud(
    hosts: int = 3,
    instances_per_host: int = 10,
    *,
    ha_fraction: float = 1.0,
    seed: int | None = None,
    host_vcpus: int = 64,
    host_ram_mb: int = 262144,
    flavor: str = "2",
    tenants: int = 3,
    volume_backed_fraction: float = 0.0,
    host_prefix: str = "host",
    **config: Any,
) -> Cloud:
    """A cloud with hosts ``host1..hostN``; instance names say where they started.

    ``config`` sets SimConfig fields (service_down_time, evacuation_time, ...).
    """
    if not 0.0 <= ha_fraction <= 1.0:
        raise ValueError("ha_fraction must be between 0 and 1")
    cfg = SimConfig()
    cfg.update(config)
    cloud = Cloud(cfg, seed=seed)
    rng = random.Random(seed)
    projects = [cloud.add_project(f"tenant{i + 1}") for i in range(max(1, tenants))]
    for i in range(hosts):
        cloud.add_host(f"{host_prefix}{i + 1}", vcpus=host_vcpus, ram_mb=host_ram_mb)
    n = 0
    for i in range(hosts):
        host = f"{host_prefix}{i + 1}"
        for j in range(instances_per_host):
            metadata = {HA_KEY: "True"} if rng.random() < ha_fraction else {}
            cloud.add_server(
                host,
                name=f"vm-{host}-{j + 1}",
                project_id=projects[n % len(projects)].id,
                flavor=flavor,
                metadata=metadata,
                volume_backed=rng.random() < volume_backed_fraction,
            )
            n += 1
    return cloud
