"""Engine test helpers: a private oslo.config object with fast polling, and waits on SQL."""

from __future__ import annotations

import time

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts

from masakari_lite import conf as conf_pkg
from masakari_lite.db.states import TERMINAL
from tests.unit.engine import rows


def make_conf(**overrides) -> cfg.ConfigOpts:
    """A fresh ConfigOpts with every masakari-lite group, tuned for tests."""
    conf = cfg.ConfigOpts()
    for module in conf_pkg._MODULES:
        module.register_opts(conf)
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # register_group() shallow-copies the module-level OptGroup, so its option
    # table (where overrides live) is shared with every other ConfigOpts,
    # the global CONF included. Give this one private tables.
    for group in conf._groups.values():
        group._opts = {name: dict(info) for name, info in group._opts.items()}
    conf([], project="masakari-lite-test")
    defaults = {
        "verify_interval": 0.05,
        "wait_period_after_evacuation": 20,
        "wait_period_after_power_off": 10,
        "wait_period_after_power_on": 10,
        "wait_period_after_service_update": 10,
        "claim_lease_seconds": 3,
        "process_unfinished_notifications_interval": 1,
        "retry_notification_new_status_interval": 1,
        "notification_retry_backoff": 0,
    }
    defaults.update(overrides)
    for name, value in defaults.items():
        group = None
        if "." in name:
            group, name = name.split(".", 1)
        conf.set_override(name, value, group=group)
    return conf


def wait_for_status(url: str, n_uuid: str, statuses=TERMINAL, timeout: float = 30.0):
    """Poll SQL until the notification reaches one of ``statuses``; the row."""
    deadline = time.monotonic() + timeout
    while True:
        row = rows.get(url, n_uuid)
        if row.status in statuses:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"{n_uuid} still {row.status} after {timeout}s: {row.message}")
        time.sleep(0.05)
