"""JSON shapes of Nova's resources, per microversion (pure functions of the records)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from masakari_lite.cloudsim import model as m
from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.microversion import Version


@dataclass
class Links:
    """Where the caller reached us, so links point back at the same place."""

    root: str  # "http://127.0.0.1:8774/"
    project_id: str | None  # the project id segment, if the caller used one

    @property
    def api(self) -> str:
        base = f"{self.root}v2.1/"
        return f"{base}{self.project_id}/" if self.project_id else base

    @property
    def bookmark(self) -> str:
        return f"{self.root}{self.project_id}/" if self.project_id else self.root

    def pair(self, collection: str, ident: Any) -> list[dict[str, str]]:
        return [
            {"rel": "self", "href": f"{self.api}{collection}/{ident}"},
            {"rel": "bookmark", "href": f"{self.bookmark}{collection}/{ident}"},
        ]


def host_id(project_id: str, host: str | None) -> str:
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode()).hexdigest()


def flavor_ref(inst: m.Instance, v: Version, links: Links) -> dict[str, Any]:
    f = inst.flavor
    if v >= (2, 47):
        return {
            "vcpus": f.vcpus,
            "ram": f.ram,
            "disk": f.disk,
            "ephemeral": f.ephemeral,
            "swap": f.swap,
            "original_name": f.name,
            "extra_specs": dict(f.extra_specs),
        }
    return {"id": f.id, "links": [{"rel": "bookmark", "href": f"{links.bookmark}flavors/{f.id}"}]}


def server_brief(inst: m.Instance, links: Links) -> dict[str, Any]:
    return {"id": inst.id, "name": inst.name, "links": links.pair("servers", inst.id)}


def server(
    cloud: Cloud,
    inst: m.Instance,
    v: Version,
    links: Links,
    *,
    admin: bool,
    show: bool = False,
) -> dict[str, Any]:
    ck = cloud.clock
    status = m.status_of(inst.vm_state, inst.task_state)
    image: Any = ""
    if inst.image_id:
        image = {
            "id": inst.image_id,
            "links": [{"rel": "bookmark", "href": f"{links.bookmark}images/{inst.image_id}"}],
        }
    az = cloud.host_availability_zone(inst.host) if inst.host else ""
    body: dict[str, Any] = {
        "id": inst.id,
        "name": inst.name,
        "status": status,
        "tenant_id": inst.project_id,
        "user_id": inst.user_id,
        "metadata": dict(inst.metadata),
        "hostId": host_id(inst.project_id, inst.host),
        "image": image,
        "flavor": flavor_ref(inst, v, links),
        "created": ck.iso(inst.created),
        "updated": ck.iso(inst.updated),
        "addresses": {},
        "accessIPv4": "",
        "accessIPv6": "",
        "links": links.pair("servers", inst.id),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": az,
        "config_drive": "",
        "key_name": inst.key_name,
        "OS-SRV-USG:launched_at": ck.iso_us(inst.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "OS-EXT-STS:task_state": inst.task_state,
        "OS-EXT-STS:vm_state": inst.vm_state,
        "OS-EXT-STS:power_state": inst.power_state,
    }
    if status in ("ACTIVE", "BUILD", "REBUILD"):
        body["progress"] = 0
    if v >= (2, 3):
        body["os-extended-volumes:volumes_attached"] = [dict(vol) for vol in inst.volumes]
    else:
        body["os-extended-volumes:volumes_attached"] = [{"id": vol["id"]} for vol in inst.volumes]
    if admin:
        body["OS-EXT-SRV-ATTR:host"] = inst.host
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = inst.host
        body["OS-EXT-SRV-ATTR:instance_name"] = f"instance-{inst.numeric_id:08x}"
        if v >= (2, 3):
            body.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": f"r-{inst.id[:8]}",
                    "OS-EXT-SRV-ATTR:launch_index": 0,
                    "OS-EXT-SRV-ATTR:hostname": inst.name.lower().replace("_", "-"),
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": None,
                }
            )
        if v >= (2, 16):
            body["host_status"] = cloud.host_status(inst)
    if v >= (2, 9):
        body["locked"] = inst.locked
    if v >= (2, 73):
        body["locked_reason"] = inst.locked_reason
    if v >= (2, 19):
        body["description"] = inst.description
    if v >= (2, 26):
        body["tags"] = []
    if v >= (2, 63):
        body["trusted_image_certificates"] = None
    if show and v >= (2, 71):
        body["server_groups"] = []
    if inst.fault is not None and inst.vm_state == m.ERROR:
        body["fault"] = {
            "code": inst.fault.code,
            "message": inst.fault.message,
            "created": ck.iso(inst.fault.created),
        }
    return body


def service(cloud: Cloud, svc: m.Service, v: Version) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": svc.uuid if v >= (2, 53) else svc.id,
        "binary": svc.binary,
        "host": svc.host,
        "zone": cloud.host_availability_zone(svc.host)
        if svc.binary == "nova-compute"
        else svc.zone,
        "status": "disabled" if svc.disabled else "enabled",
        "state": "up" if cloud.service_is_up(svc) else "down",
        "updated_at": cloud.clock.iso_us(cloud.service_updated_at(svc)),
        "disabled_reason": svc.disabled_reason,
    }
    if v >= (2, 11):
        body["forced_down"] = svc.forced_down
    return body


def flavor(f: m.Flavor, v: Version, links: Links, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": f.id, "name": f.name, "links": links.pair("flavors", f.id)}
    if v >= (2, 55):
        body["description"] = f.description
    if not detail:
        return body
    body.update(
        {
            "ram": f.ram,
            "disk": f.disk,
            "vcpus": f.vcpus,
            "swap": f.swap if v >= (2, 75) else (f.swap or ""),
            "OS-FLV-EXT-DATA:ephemeral": f.ephemeral,
            "OS-FLV-DISABLED:disabled": False,
            "rxtx_factor": 1.0,
            "os-flavor-access:is_public": True,
        }
    )
    if v >= (2, 61):
        body["extra_specs"] = dict(f.extra_specs)
    return body


def image(cloud: Cloud, img: m.Image, links: Links, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"id": img.id, "name": img.name, "links": links.pair("images", img.id)}
    if detail:
        body.update(
            {
                "status": "ACTIVE",
                "progress": 100,
                "minDisk": img.min_disk,
                "minRam": img.min_ram,
                "metadata": {},
                "created": cloud.clock.iso(img.created),
                "updated": cloud.clock.iso(img.created),
                "OS-EXT-IMG-SIZE:size": img.size,
            }
        )
    return body


def aggregate(cloud: Cloud, agg: m.Aggregate, v: Version, created: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": agg.id,
        "name": agg.name,
        "availability_zone": agg.availability_zone,
        "created_at": cloud.clock.iso_us(agg.created),
        "updated_at": cloud.clock.iso_us(agg.updated),
        "deleted_at": None,
        "deleted": False,
    }
    if not created:  # Nova's create reply has neither
        body["hosts"] = list(agg.hosts)
        body["metadata"] = dict(agg.metadata)
    if v >= (2, 41):
        body["uuid"] = agg.uuid
    return body


def hypervisor(
    cloud: Cloud, host: m.Host, v: Version, detail: bool, with_servers: bool = False
) -> dict[str, Any]:
    svc = host.service
    body: dict[str, Any] = {
        "id": host.node_uuid if v >= (2, 53) else host.node_id,
        "hypervisor_hostname": host.name,
        "state": "up" if cloud.service_is_up(svc) else "down",
        "status": "disabled" if svc.disabled else "enabled",
    }
    if detail:
        body.update(
            {
                "hypervisor_type": "fake",
                "hypervisor_version": 1000,
                "host_ip": host.host_ip,
                "service": {
                    "host": host.name,
                    "id": svc.uuid if v >= (2, 53) else svc.id,
                    "disabled_reason": svc.disabled_reason,
                },
            }
        )
        if v < (2, 88):
            body.update(
                {
                    "vcpus": host.vcpus,
                    "memory_mb": host.ram_mb,
                    "local_gb": host.disk_gb,
                    "vcpus_used": host.vcpus_used,
                    "memory_mb_used": host.ram_used,
                    "local_gb_used": 0,
                    "free_ram_mb": host.ram_mb - host.ram_used,
                    "free_disk_gb": host.disk_gb,
                    "current_workload": 0,
                    "running_vms": len(host.instances),
                    "disk_available_least": host.disk_gb,
                    "cpu_info": "{}",
                }
            )
        else:
            body["uptime"] = None
    if with_servers and host.instances:
        body["servers"] = [
            {"name": f"instance-{cloud.instances[i].numeric_id:08x}", "uuid": i}
            for i in host.instances
        ]
    return body


def migration(cloud: Cloud, mig: m.Migration, v: Version) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": mig.id,
        "source_compute": mig.source_compute,
        "source_node": mig.source_node,
        "dest_compute": mig.dest_compute,
        "dest_node": mig.dest_node,
        "dest_host": cloud.hosts[mig.dest_compute].host_ip
        if mig.dest_compute in cloud.hosts
        else None,
        "status": mig.status,
        "instance_uuid": mig.instance_uuid,
        "old_instance_type_id": mig.flavor_id,
        "new_instance_type_id": mig.flavor_id,
        "created_at": cloud.clock.iso_us(mig.created),
        "updated_at": cloud.clock.iso_us(mig.updated),
    }
    if v >= (2, 23):
        body["migration_type"] = mig.migration_type
    if v >= (2, 59):
        body["uuid"] = mig.uuid
    if v >= (2, 80):
        body["user_id"] = mig.user_id
        body["project_id"] = mig.project_id
    return body
