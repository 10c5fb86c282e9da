"""Compute API microversions: parsing the request headers as Nova does."""

from __future__ import annotations

import re

from masakari_lite.cloudsim import errors

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 95)
SERVICE_TYPE = "compute"
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")

Version = tuple[int, int]


def fmt(v: Version) -> str:
    return f"{v[0]}.{v[1]}"


def _parse_value(raw: str) -> Version:
    raw = raw.strip()
    if raw.lower() == "latest":
        return MAX_VERSION
    match = _VERSION_RE.match(raw)
    if not match:
        raise errors.BadRequest(
            f"API Version String {raw} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    return int(match.group(1)), int(match.group(2))


def from_headers(headers) -> Version:
    """The requested version; 2.1 when none is asked for; 406 outside 2.1-2.95."""
    requested: str | None = None
    new_style = headers.get("openstack-api-version")
    if new_style:
        # "compute 2.53" possibly among other services: "volume 3.0, compute 2.53"
        for part in new_style.split(","):
            bits = part.strip().split(None, 1)
            if len(bits) == 2 and bits[0].lower() == SERVICE_TYPE:
                requested = bits[1]
    if requested is None:
        requested = headers.get("x-openstack-nova-api-version")
    if not requested:
        return MIN_VERSION
    version = _parse_value(requested)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.NotAcceptable(
            f"Version {fmt(version)} is not supported by the API. Minimum is "
            f"{fmt(MIN_VERSION)} and maximum is {fmt(MAX_VERSION)}."
        )
    return version


def response_headers(v: Version) -> dict[str, str]:
    return {
        "OpenStack-API-Version": f"{SERVICE_TYPE} {fmt(v)}",
        "X-OpenStack-Nova-API-Version": fmt(v),
        "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version",
    }
