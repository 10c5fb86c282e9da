"""A simulated OpenStack cloud (Keystone v3 + Nova compute API) for tests, demos, benchmarks.

Imports nothing else of masakari_lite. Entry points: ``build_cloud`` (a populated
Cloud), ``CloudSim`` (serve it over HTTP in a background thread), ``create_app``
(the ASGI app) and ``masakari-lite cloudsim`` (the command).
"""

from masakari_lite.cloudsim.builder import build_cloud
from masakari_lite.cloudsim.cloud import Cloud
from masakari_lite.cloudsim.config import SimConfig
from masakari_lite.cloudsim.runner import CloudSim

__all__ = ["Cloud", "CloudSim", "SimConfig", "build_cloud"]
