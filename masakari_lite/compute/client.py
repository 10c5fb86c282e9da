"""NovaClient: openstacksdk behind a keystoneauth session from ``[nova]``.

INTERFACE CONTRACT (filled in by the compute work; signatures are fixed):
every method raises ComputeNotFound / ComputeConflict / ComputeError /
ComputeUnavailable (see errors.py), never an openstacksdk or keystoneauth
exception.
"""

from __future__ import annotations

from oslo_config import cfg

from masakari_lite.compute.types import Aggregate, Server, Service


class NovaClient:
    def __init__(self, conf: cfg.ConfigOpts, group: str = "nova"):
        raise NotImplementedError

    # --- services
    def find_compute_service(self, host: str) -> Service | None:
        """The nova-compute service of ``host``, or None if Nova has none by that name."""
        raise NotImplementedError

    def disable_service(self, host: str, reason: str) -> Service:
        raise NotImplementedError

    def enable_service(self, host: str) -> Service:
        raise NotImplementedError

    def force_down_service(self, host: str, forced_down: bool = True) -> Service:
        raise NotImplementedError

    # --- servers
    def get_server(self, server_id: str) -> Server:
        raise NotImplementedError

    def list_servers_on_host(self, host: str) -> list[Server]:
        """Every server on ``host``, all tenants, all pages."""
        raise NotImplementedError

    def stop_server(self, server_id: str) -> None:
        raise NotImplementedError

    def start_server(self, server_id: str) -> None:
        raise NotImplementedError

    def reset_server_state(self, server_id: str, state: str) -> None:
        """state: 'active' or 'error'."""
        raise NotImplementedError

    def lock_server(self, server_id: str, reason: str | None = None) -> None:
        raise NotImplementedError

    def unlock_server(self, server_id: str) -> None:
        raise NotImplementedError

    def evacuate_server(self, server_id: str, target_host: str | None = None) -> None:
        raise NotImplementedError

    # --- aggregates
    def list_aggregates(self) -> list[Aggregate]:
        raise NotImplementedError

    def add_host_to_aggregate(self, aggregate_id: str, host: str) -> None:
        raise NotImplementedError

    def remove_host_from_aggregate(self, aggregate_id: str, host: str) -> None:
        raise NotImplementedError

    # --- version
    def max_microversion(self) -> str:
        """The microversion in use: min(configured, server max)."""
        raise NotImplementedError
