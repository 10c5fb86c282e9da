"""Request body JSON schemas, matching upstream's field by field.

Keyword order inside each schema is kept as upstream's, because the first
failing keyword decides the error message a client sees.
"""

from __future__ import annotations

import copy

BOOLEAN_TRUE = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes")
BOOLEAN_FALSE = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no")

name = {"type": "string", "minLength": 1, "maxLength": 255, "format": "name"}
description = {"type": ["string", "null"], "minLength": 0, "format": "description"}
host_type = {
    "type": ["string", "null"],
    "minLength": 0,
    "maxLength": 255,
    "pattern": "^[a-zA-Z0-9]*$",
}
boolean = {
    "type": ["boolean", "string"],
    "enum": [True, *BOOLEAN_TRUE, False, *BOOLEAN_FALSE],
}
hostname = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[a-zA-Z0-9-._]*$"}
payload = {
    "type": "object",
    "patternProperties": {"^[a-zA-Z0-9-_:. ]{1,255}$": {"type": "string", "maxLength": 255}},
    "additionalProperties": False,
}
RECOVERY_METHODS = ["auto", "reserved_host", "auto_priority", "rh_priority"]
NOTIFICATION_TYPES = ["COMPUTE_HOST", "VM", "PROCESS"]
EVENTS = ["STARTED", "STOPPED"]


def _envelope(key: str, properties: dict) -> dict:
    return {
        "type": "object",
        "properties": {
            key: {"type": "object", "properties": properties, "additionalProperties": False}
        },
        "required": [key],
        "additionalProperties": False,
    }


def _require(schema: dict, key: str, required: list[str]) -> dict:
    schema = copy.deepcopy(schema)
    schema["properties"][key]["required"] = required
    return schema


def _any_of(schema: dict, key: str, fields: list[str]) -> dict:
    schema = copy.deepcopy(schema)
    schema["properties"][key]["anyOf"] = [{"required": [f]} for f in fields]
    return schema


_segment = _envelope(
    "segment",
    {
        "name": name,
        "description": description,
        "recovery_method": {"type": "string", "enum": RECOVERY_METHODS},
        "service_type": name,
    },
)
_segment_v12 = copy.deepcopy(_segment)
_segment_v12["properties"]["segment"]["properties"]["enabled"] = boolean

_SEGMENT_REQUIRED = ["name", "recovery_method", "service_type"]
_SEGMENT_ANY = ["name", "description", "recovery_method", "service_type"]

segment_create = _require(_segment, "segment", _SEGMENT_REQUIRED)
segment_create_v12 = _require(_segment_v12, "segment", _SEGMENT_REQUIRED)
segment_update = _any_of(_segment, "segment", _SEGMENT_ANY)
segment_update_v12 = _any_of(_segment_v12, "segment", [*_SEGMENT_ANY, "enabled"])

_host = _envelope(
    "host",
    {
        "name": name,
        "type": host_type,
        "control_attributes": description,
        "reserved": boolean,
        "on_maintenance": boolean,
    },
)
host_create = _require(_host, "host", ["name", "type", "control_attributes"])
host_update = _any_of(
    _host, "host", ["name", "type", "control_attributes", "reserved", "on_maintenance"]
)

notification_create = {
    "type": "object",
    "properties": {
        "notification": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": NOTIFICATION_TYPES},
                "hostname": hostname,
                "generated_time": {"type": "string", "format": "date-time"},
                "payload": payload,
            },
            "required": ["type", "hostname", "generated_time", "payload"],
            "additionalProperties": False,
        }
    },
    "required": ["notification"],
    "additionalProperties": False,
}

compute_host_payload = {
    "type": "object",
    "properties": {
        "host_status": {"enum": ["NORMAL", "UNKNOWN"], "type": "string"},
        "cluster_status": {"enum": ["ONLINE", "OFFLINE"], "type": "string"},
        "event": {"enum": EVENTS, "type": "string"},
    },
    "required": ["event"],
    "additionalProperties": False,
}
process_payload = {
    "type": "object",
    "properties": {
        "process_name": {"type": "string", "minLength": 1, "maxLength": 4096},
        "event": {"enum": EVENTS, "type": "string"},
    },
    "required": ["process_name", "event"],
    "additionalProperties": False,
}
vm_payload = {
    "type": "object",
    "properties": {
        "instance_uuid": {"type": "string", "format": "uuid"},
        "vir_domain_event": {"type": "string", "minLength": 1, "maxLength": 255},
        "event": {"type": "string", "minLength": 1, "maxLength": 255},
    },
    "required": ["instance_uuid", "vir_domain_event", "event"],
    "additionalProperties": False,
}
PAYLOADS = {"COMPUTE_HOST": compute_host_payload, "PROCESS": process_payload, "VM": vm_payload}
