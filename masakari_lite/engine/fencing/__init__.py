"""Fencing drivers: make sure a failed host is off before its instances run elsewhere."""

from masakari_lite.engine.fencing.base import FenceResult, FencingDriver, load_driver

__all__ = ["FenceResult", "FencingDriver", "load_driver"]
