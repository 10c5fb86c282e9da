"""The cloudsim side of the contract: one simulated cloud for the session."""

from __future__ import annotations

import uuid

from tests.nova_contract.conftest import Backend


class CloudsimBackend(Backend):
    name = "cloudsim"
    settle_timeout = 30.0

    def __init__(self, sim):
        self.sim = sim
        self.compute_url = sim.compute_url

    def new_host(self) -> str:
        host = f"cs-{uuid.uuid4().hex[:8]}"
        self.sim.cloud.add_host(host)
        return host

    def fail_host(self, host: str) -> None:
        self.sim.fail_host(host)

    def recover_host(self, host: str) -> None:
        self.sim.recover_host(host)
