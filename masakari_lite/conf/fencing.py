"""[fencing] options: how the host flow makes sure a failed host is off."""

from oslo_config import cfg

group = cfg.OptGroup("fencing", title="Fencing of failed compute hosts")

opts = [
    cfg.StrOpt(
        "driver",
        default="noop",
        help="Fencing driver, by its name in the entry-point group 'masakari_lite.fencing'. "
        "'noop' trusts the monitor: host_status NORMAL means the host is off, anything else "
        "makes the notification 'ignored'. 'ipmi' powers the host off with ipmitool and "
        "confirms it is off before any evacuation.",
    ),
    cfg.StrOpt(
        "ipmi_credentials_file",
        help="JSON file mapping a host name to its BMC: "
        '{"host1": {"address": "10.0.0.5", "username": "admin", "password": "pw", '
        '"interface": "lanplus", "port": 623}}. Hosts missing here fall back to their '
        "control_attributes (the same keys, as JSON or 'key=value' pairs separated by "
        "commas or whitespace).",
    ),
    cfg.StrOpt(
        "ipmitool_path",
        default="ipmitool",
        help="The ipmitool executable (searched on PATH when not absolute).",
    ),
    cfg.StrOpt("ipmi_interface", default="lanplus", help="Default ipmitool -I interface."),
    cfg.IntOpt(
        "power_off_timeout",
        default=60,
        min=1,
        help="Deadline, in seconds, for the BMC to report the host's power off.",
    ),
    cfg.IntOpt(
        "ipmitool_timeout",
        default=20,
        min=1,
        help="Deadline, in seconds, for one ipmitool invocation.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts() -> dict:
    return {"fencing": opts}
