"""The one oslo.config object, with every group registered.

Modules read ``CONF`` at the edges (commands, the app factory, the engine's
start) and pass values down.
"""

from oslo_config import cfg

from masakari_lite.conf import api, database, default, engine, fencing, metrics, nova

CONF = cfg.CONF

_MODULES = (default, api, database, engine, fencing, nova, metrics)

for _module in _MODULES:
    _module.register_opts(CONF)


def parse_args(argv: list[str] | None, default_config_files: list[str] | None = None) -> None:
    """Parse --config-file/--config-dir and the rest; argv excludes the program name."""
    from masakari_lite import __version__

    CONF(
        argv if argv is not None else [],
        project="masakari-lite",
        version=__version__,
        default_config_files=default_config_files,
    )
