"""masakari-lite: Instance HA for OpenStack, wire-compatible with Masakari's v1 API."""

from importlib import metadata

try:
    __version__ = metadata.version("masakari-lite")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0.dev0"
