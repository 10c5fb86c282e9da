"""Where servers may go: capacity, service state, availability zones, aggregates."""

from __future__ import annotations

import uuid as uuidlib

from masakari_lite.cloudsim import errors
from masakari_lite.cloudsim import model as m

AZ_DEFAULT = "nova"
EXTRA_SPEC_SCOPE = "aggregate_instance_extra_specs:"


class SchedulingMixin:
    """Part of Cloud: the scheduler's filters and weigher, and host aggregates."""

    def host_availability_zone(self, host: str) -> str:
        for agg_id in self._host_aggregates.get(host, ()):
            az = self.aggregates[agg_id].availability_zone
            if az:
                return az
        return AZ_DEFAULT

    def _host_passes(self, inst: m.Instance, host: m.Host, scoped: dict[str, str]) -> bool:
        svc = host.service
        if svc.disabled or not self.service_is_up(svc):
            return False
        cfg = self.config
        if host.vcpus_used + inst.flavor.vcpus > host.vcpus * cfg.cpu_allocation_ratio:
            return False
        if host.ram_used + inst.flavor.ram > host.ram_mb * cfg.ram_allocation_ratio:
            return False
        if (
            inst.availability_zone
            and self.host_availability_zone(host.name) != inst.availability_zone
        ):
            return False
        if scoped:
            meta: dict[str, set[str]] = {}
            for agg_id in self._host_aggregates.get(host.name, ()):
                for k, v in self.aggregates[agg_id].metadata.items():
                    meta.setdefault(k, set()).add(v)
            if any(v not in meta.get(k, ()) for k, v in scoped.items()):
                return False
        return True

    def _select_host(
        self, inst: m.Instance, exclude: str | None, only: list[str] | None
    ) -> m.Host | None:
        names = only if only is not None else self.hosts.keys()
        best: m.Host | None = None
        best_free = -1.0
        # the flavor's aggregate-scoped extra specs, read once for all hosts
        scoped = {
            k[len(EXTRA_SPEC_SCOPE) :]: v
            for k, v in inst.flavor.extra_specs.items()
            if k.startswith(EXTRA_SPEC_SCOPE)
        }
        for name in names:
            host = self.hosts.get(name)
            if host is None or name == exclude or not self._host_passes(inst, host, scoped):
                continue
            # Nova's default weigher: the most free RAM wins
            free = host.ram_mb * self.config.ram_allocation_ratio - host.ram_used
            if free > best_free:
                best, best_free = host, free
        return best

    def get_aggregate(self, agg_id: int) -> m.Aggregate:
        agg = self.aggregates.get(agg_id)
        if agg is None:
            raise errors.NotFound(f"Aggregate {agg_id} could not be found.")
        return agg

    def create_aggregate(self, name: str, availability_zone: str | None = None) -> m.Aggregate:
        with self.session():
            if any(a.name == name for a in self.aggregates.values()):
                raise errors.Conflict(f"Aggregate {name} already exists.")
            agg = m.Aggregate(next(self._ids["agg"]), str(uuidlib.uuid4()), name, self._now)
            if availability_zone:
                agg.metadata["availability_zone"] = availability_zone
            self.aggregates[agg.id] = agg
            return agg

    def delete_aggregate(self, agg_id: int) -> None:
        with self.session():
            agg = self.get_aggregate(agg_id)
            if agg.hosts:
                raise errors.BadRequest(
                    f"Cannot delete aggregate {agg_id}: Host aggregate is not empty"
                )
            del self.aggregates[agg_id]

    def update_aggregate(self, agg_id: int, name: str | None, az: str | None) -> m.Aggregate:
        with self.session():
            agg = self.get_aggregate(agg_id)
            if name is not None and name != agg.name:
                if any(a.name == name for a in self.aggregates.values()):
                    raise errors.Conflict(f"Aggregate {name} already exists.")
                agg.name = name
            if az is not None:
                agg.metadata["availability_zone"] = az
            agg.updated = self._now
            return agg

    def aggregate_add_host(self, agg_id: int, host: str) -> m.Aggregate:
        with self.session():
            agg = self.get_aggregate(agg_id)
            self.get_host(host)
            if host in agg.hosts:
                raise errors.Conflict(f"Aggregate {agg_id} already has host {host}.")
            agg.hosts.append(host)
            self._host_aggregates[host].append(agg_id)
            return agg

    def aggregate_remove_host(self, agg_id: int, host: str) -> m.Aggregate:
        with self.session():
            agg = self.aggregates.get(agg_id)
            if agg is None or host not in agg.hosts:
                raise errors.NotFound(f"Cannot remove host {host} in aggregate {agg_id}")
            agg.hosts.remove(host)
            self._host_aggregates[host].remove(agg_id)
            return agg

    def aggregate_set_metadata(self, agg_id: int, metadata: dict[str, str | None]) -> m.Aggregate:
        with self.session():
            agg = self.get_aggregate(agg_id)
            for key, value in metadata.items():
                if value is None:
                    agg.metadata.pop(key, None)
                else:
                    agg.metadata[key] = value
            agg.updated = self._now
            return agg
