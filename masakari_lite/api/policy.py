"""oslo.policy rules with upstream's names and defaults: every operation is admin-only.

``list_rules`` is the ``oslo.policy.policies`` entry point, so
``oslopolicy-sample-generator --namespace masakari_lite`` writes the sample and
an operator's Masakari policy.yaml carries over unchanged.
"""

from __future__ import annotations

import threading
import time

from oslo_config import cfg
from oslo_policy import policy

from masakari_lite.api.context import RequestContext
from masakari_lite.db import errors

ADMIN_API = "rule:admin_api"

_base = [
    policy.RuleDefault("context_is_admin", "role:admin", description="Decides what is an admin."),
    policy.RuleDefault(
        "admin_or_owner",
        "is_admin:True or project_id:%(project_id)s",
        description="Default rule for most non-admin APIs (kept for upstream parity; unused).",
    ),
    policy.RuleDefault("admin_api", "is_admin:True", description="Default rule for admin APIs."),
]


def _rules(prefix: str, collection: str, actions: dict[str, list[tuple[str, str]]]) -> list:
    rules = []
    for action, operations in actions.items():
        rules.append(
            policy.DocumentedRuleDefault(
                name=f"os_masakari_api:{prefix}:{action}",
                check_str=ADMIN_API,
                description=f"{action.capitalize()} {collection}.",
                operations=[{"method": m, "path": p} for m, p in operations],
            )
        )
    rules.append(
        policy.RuleDefault(
            f"os_masakari_api:{prefix}:discoverable",
            ADMIN_API,
            description=f"{collection.capitalize()} API extensions to change the API.",
        )
    )
    return rules


_SEG = "/segments/{segment_id}"
_HOST = "/segments/{segment_id}/hosts"
_NOTI = "/notifications"
_VMOVE = "/notifications/{notification_id}/vmoves"

_resources = (
    _rules(
        "segments",
        "failover segments",
        {
            "index": [("GET", "/segments")],
            "detail": [("GET", _SEG)],
            "create": [("POST", "/segments")],
            "update": [("PUT", _SEG)],
            "delete": [("DELETE", _SEG)],
        },
    )
    + _rules(
        "os-hosts",
        "hosts",
        {
            "index": [("GET", _HOST)],
            "detail": [("GET", _HOST + "/{host_id}")],
            "create": [("POST", _HOST)],
            "update": [("PUT", _HOST + "/{host_id}")],
            "delete": [("DELETE", _HOST + "/{host_id}")],
        },
    )
    + _rules(
        "notifications",
        "notifications",
        {
            "index": [("GET", _NOTI)],
            "detail": [("GET", _NOTI + "/{notification_id}")],
            "create": [("POST", _NOTI)],
        },
    )
    + _rules(
        "vmoves",
        "vm moves",
        {"index": [("GET", _VMOVE)], "detail": [("GET", _VMOVE + "/{vmove_id}")]},
    )
    + _rules(
        "extensions",
        "extensions",
        {"index": [("GET", "/extensions")], "detail": [("GET", "/extensions/{extension_id}")]},
    )
)

_versions = [
    policy.DocumentedRuleDefault(
        name="os_masakari_api:versions:index",
        check_str="@",
        description="List API versions.",
        operations=[{"method": "GET", "path": "/"}],
    ),
    policy.RuleDefault(
        "os_masakari_api:versions:discoverable", "@", description="Version API extensions."
    ),
]


def list_rules() -> list:
    return _base + _resources + _versions


class Authorizer:
    """One oslo.policy Enforcer per app, with decisions memoized briefly.

    oslo.policy re-checks the policy files on every call, which costs more than
    the rest of a GET. Decisions depend only on the rule and the caller's
    credentials, so they are cached until the next reload check, at most
    ``RELOAD_SECONDS`` apart: a policy.yaml edit takes effect within that time.
    """

    RELOAD_SECONDS = 1.0
    _MAX_ENTRIES = 4096

    def __init__(self, conf: cfg.ConfigOpts):
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(list_rules())
        self._enforcer.load_rules()
        self._lock = threading.Lock()
        self._decisions: dict[tuple, bool] = {}
        self._next_reload = time.monotonic() + self.RELOAD_SECONDS

    def _decide(self, rule: str, target: dict, creds: dict) -> bool:
        key = (
            rule,
            creds["user_id"],
            creds["project_id"],
            tuple(creds["roles"]),
            creds["is_admin"],
        )
        now = time.monotonic()
        with self._lock:
            if now >= self._next_reload or len(self._decisions) > self._MAX_ENTRIES:
                self._decisions.clear()
                self._next_reload = now + self.RELOAD_SECONDS
            else:
                cached = self._decisions.get(key)
                if cached is not None:
                    return cached
        decision = bool(self._enforcer.enforce(rule, target, creds))
        with self._lock:
            self._decisions[key] = decision
        return decision

    def is_admin(self, context: RequestContext) -> bool:
        return self._decide("context_is_admin", {}, context.creds())

    def authorize(self, context: RequestContext, rule: str) -> None:
        target = {"project_id": context.project_id, "user_id": context.user_id}
        if not self._decide(rule, target, context.creds()):
            raise errors.Forbidden(f"Policy doesn't allow {rule} to be performed.")
