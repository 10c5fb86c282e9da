"""[DEFAULT] engine options, with upstream's names and meanings where they carry over.

Upstream's wait options were fixed sleeps; here they are deadlines for polling
Nova's real state, polled every ``verify_interval`` seconds.
"""

from oslo_config import cfg

opts = [
    cfg.IntOpt(
        "wait_period_after_service_update",
        default=180,
        min=0,
        help="Deadline, in seconds, for Nova to report a compute service disabled or "
        "forced down. Upstream slept this long unconditionally; we poll and move on at once.",
    ),
    cfg.IntOpt(
        "wait_period_after_evacuation",
        default=90,
        min=1,
        help="Deadline, in seconds, for one evacuated instance to be confirmed on its new host.",
    ),
    cfg.FloatOpt(
        "verify_interval",
        default=1.0,
        min=0.01,
        help="Longest time, in seconds, between two polls of Nova while waiting for a state. "
        "Polls start faster (a tenth of the time waited so far), so a quick transition is "
        "seen quickly and a slow one costs one request per verify_interval.",
    ),
    cfg.IntOpt(
        "wait_period_after_power_off",
        default=180,
        min=1,
        help="Deadline, in seconds, for an instance to reach SHUTOFF.",
    ),
    cfg.IntOpt(
        "wait_period_after_power_on",
        default=60,
        min=1,
        help="Deadline, in seconds, for an instance to reach ACTIVE.",
    ),
    cfg.IntOpt(
        "process_unfinished_notifications_interval",
        default=120,
        min=1,
        help="Seconds between two runs of the sweeper, which claims missed, orphaned and "
        "retryable notifications.",
    ),
    cfg.IntOpt(
        "retry_notification_new_status_interval",
        default=60,
        min=0,
        mutable=True,
        help="A notification still 'new' this many seconds after it was stored is claimed by "
        "the sweeper: its RPC cast was lost.",
    ),
    cfg.IntOpt(
        "check_expired_notifications_interval",
        default=600,
        min=1,
        help="Seconds between two checks for expired notifications.",
    ),
    cfg.IntOpt(
        "notifications_expired_interval",
        default=86400,
        min=1,
        help="A notification not finished this many seconds after it was generated becomes "
        "'failed'.",
    ),
    cfg.IntOpt(
        "host_failure_recovery_threads",
        default=128,
        min=1,
        help="How many evacuations of one host failure run at once (upstream: 3). Nova "
        "throttles rebuilds itself (max_concurrent_builds, 10 per destination host), so this "
        "bound should not be the bottleneck: with it below Nova's own limit, recovery takes "
        "proportionally longer (benchmarks/recovery.py). Each one costs the engine a mostly "
        "idle thread; confirmation reads are batched per flow, not per instance.",
    ),
    cfg.IntOpt(
        "nova_polls_in_flight",
        default=2,
        min=1,
        help="How many status polls one recovery flow may have waiting on Nova at once; the "
        "flow's evacuations take turns. Polls beyond what Nova's API serves in parallel only "
        "queue there and slow the API down for everyone (on a single-process Nova, the "
        "rebuilds themselves).",
    ),
    cfg.IntOpt(
        "max_notification_attempts",
        default=5,
        min=1,
        help="How many times a notification is attempted (first run plus retries of 'error') "
        "before it becomes 'failed'.",
    ),
    cfg.IntOpt(
        "notification_retry_backoff",
        default=30,
        min=0,
        help="Seconds before the first retry of an 'error' notification; doubles per attempt.",
    ),
    cfg.IntOpt(
        "claim_lease_seconds",
        default=30,
        min=3,
        help="Length of an engine's claim on a notification. The engine renews it every third "
        "of this while it works; when the engine dies, another one resumes the work after it.",
    ),
]

host_failure_group = cfg.OptGroup("host_failure", title="Host failure recovery")
host_failure_opts = [
    cfg.BoolOpt(
        "evacuate_all_instances",
        default=False,
        help="Evacuate every instance of a failed host, HA-enabled ones first. The default, "
        "False, evacuates only instances that opted in with the metadata key. (Upstream's "
        "default is True, which contradicts its documentation's opt-in promise.)",
    ),
    cfg.StrOpt(
        "ha_enabled_instance_metadata_key",
        default="HA_Enabled",
        help="Instance metadata key that opts an instance in to host-failure recovery; its "
        "value is compared to 'true' case-insensitively.",
    ),
    cfg.BoolOpt(
        "ignore_instances_in_error_state",
        default=False,
        help="Do not evacuate instances in the ERROR state.",
    ),
    cfg.BoolOpt(
        "add_reserved_host_to_aggregate",
        default=False,
        help="Add the chosen reserved host to every aggregate of the failed host.",
    ),
    cfg.StrOpt(
        "service_disable_reason",
        default="Masakari detected host failed.",
        help="disabled_reason set on the failed host's nova-compute service.",
    ),
]

instance_failure_group = cfg.OptGroup("instance_failure", title="Instance failure recovery")
instance_failure_opts = [
    cfg.BoolOpt(
        "process_all_instances",
        default=False,
        help="Recover every crashed instance, not only those with the metadata key.",
    ),
    cfg.StrOpt(
        "ha_enabled_instance_metadata_key",
        default="HA_Enabled",
        help="Instance metadata key that opts an instance in to instance-failure recovery; its "
        "value is compared to 'true' case-insensitively.",
    ),
]

process_failure_group = cfg.OptGroup("process_failure", title="Process failure recovery")
process_failure_opts = [
    cfg.StrOpt(
        "service_disable_reason",
        default="Masakari detected process failed.",
        help="disabled_reason set on a compute service whose nova-compute process stopped.",
    ),
    cfg.BoolOpt(
        "set_host_on_maintenance",
        default=True,
        help="Put the host on maintenance when any of its processes stops, as upstream "
        "Masakari does (and its tests and runbooks expect). The API then refuses every later "
        "notification from that host, including a COMPUTE_HOST one if the whole host dies "
        "after its nova-compute, until an operator clears the flag. False leaves the host "
        "as it is, so such a host failure is still recovered.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)
    conf.register_group(host_failure_group)
    conf.register_opts(host_failure_opts, group=host_failure_group)
    conf.register_group(instance_failure_group)
    conf.register_opts(instance_failure_opts, group=instance_failure_group)
    conf.register_group(process_failure_group)
    conf.register_opts(process_failure_opts, group=process_failure_group)


def list_opts() -> dict:
    return {
        "DEFAULT": opts,
        "host_failure": host_failure_opts,
        "instance_failure": instance_failure_opts,
        "process_failure": process_failure_opts,
    }
