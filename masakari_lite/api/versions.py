"""API versions: the microversion header and the version documents."""

from __future__ import annotations

import re

from masakari_lite.db import errors

SERVICE = "instance-ha"
V1_ID = "v1.0"
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 3)
HEADER = "OpenStack-API-Version"
UPDATED = "2016-07-01T11:33:21Z"
MEDIA_TYPES = [
    {"base": "application/json", "type": "application/vnd.openstack.masakari+json;version=1"}
]

_FORMAT = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def fmt(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def parse_header(value: str | None) -> tuple[int, int]:
    """The requested microversion: default 1.0, ``latest`` the maximum.

    The header may name several services (comma separated); the last
    ``instance-ha`` entry wins, as upstream reads it.
    """
    if not value:
        return MIN_VERSION
    wanted = None
    for item in value.split(","):
        parts = item.strip().split(None, 1)
        if len(parts) == 2 and parts[0].lower() == SERVICE:
            wanted = parts[1].strip()
    if wanted is None:
        return MIN_VERSION
    if wanted.lower() == "latest":
        return MAX_VERSION
    match = _FORMAT.match(wanted)
    if not match:
        raise errors.BadRequest(
            f"API Version String {wanted} is of invalid format. Must be of format "
            "MajorNum.MinorNum."
        )
    version = (int(match.group(1)), int(match.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.NotAcceptable(
            f"Version {wanted} is not supported by the API. Minimum is {fmt(MIN_VERSION)} "
            f"and maximum is {fmt(MAX_VERSION)}."
        )
    return version


def _entry(base_url: str) -> dict:
    return {
        "id": V1_ID,
        "status": "CURRENT",
        "version": fmt(MAX_VERSION),
        "min_version": fmt(MIN_VERSION),
        "updated": UPDATED,
    }


def root_document(base_url: str) -> dict:
    entry = _entry(base_url)
    entry["links"] = [{"rel": "self", "href": f"{base_url}/v1/"}]
    return {"versions": [entry]}


def v1_document(base_url: str) -> dict:
    entry = _entry(base_url)
    entry["links"] = [
        {"rel": "self", "href": f"{base_url}/v1/"},
        {"rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"},
    ]
    entry["media-types"] = MEDIA_TYPES
    return {"version": entry}


def choices_document(base_url: str, path: str) -> dict:
    return {
        "choices": [
            {
                "id": V1_ID,
                "status": "CURRENT",
                "links": [{"rel": "self", "href": f"{base_url}/v1{path}"}],
                "media-types": MEDIA_TYPES,
            }
        ]
    }
