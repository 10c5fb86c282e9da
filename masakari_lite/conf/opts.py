"""Entry point for oslo-config-generator (namespace ``masakari_lite``)."""

import collections

from masakari_lite.conf import api, database, default, engine, fencing, metrics, nova

_MODULES = (default, api, database, engine, fencing, nova, metrics)


def list_opts() -> list[tuple[str, list]]:
    groups: dict[str, list] = collections.defaultdict(list)
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            groups[group].extend(opts)
    return sorted(groups.items(), key=lambda item: (item[0] != "DEFAULT", item[0]))
