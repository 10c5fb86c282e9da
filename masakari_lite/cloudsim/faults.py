"""Injected faults: latency, error answers and hangs, matched by operation name.

Every compute API call has an operation name such as ``servers.detail``,
``os-services.update`` or ``servers.action.evacuate``. A rule matches names
with shell-style wildcards (``servers.action.*``) and optionally one server.
"""

from __future__ import annotations

import fnmatch
import random
from dataclasses import asdict, dataclass, field
from typing import Any

_ERROR_MESSAGES = {
    409: "Simulated conflict (injected fault).",
    500: "Unexpected API Error (injected fault).",
    503: "Service Unavailable (injected fault).",
}


@dataclass
class FaultRule:
    op: str = "*"
    server: str | None = None
    # extra seconds before the call is handled
    latency: float = 0.0
    # HTTP status to answer instead (409, 500, 503...), 0 for none
    status: int = 0
    message: str | None = None
    # seconds to hang before answering 504, as a gateway would after a timeout
    timeout: float = 0.0
    # probability that the rule fires on a matching call
    rate: float = 1.0
    # fire at most this many times (None = unlimited)
    count: int | None = None
    # perform the call, then answer the error: the caller sees a failure for
    # something that happened (a lost response)
    after: bool = False
    fired: int = 0

    def matches(self, op: str, server: str | None) -> bool:
        if self.server is not None and self.server != server:
            return False
        return fnmatch.fnmatchcase(op, self.op)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Decision:
    latency: float = 0.0
    status: int = 0
    message: str = ""
    timeout: float = 0.0
    after: bool = False

    @property
    def fails(self) -> bool:
        return bool(self.status or self.timeout)


@dataclass
class Faults:
    rules: list[FaultRule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def add(self, **kwargs: Any) -> FaultRule:
        known = set(FaultRule.__dataclass_fields__) - {"fired"}
        unknown = set(kwargs) - known
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        types = {
            "op": str,
            "latency": float,
            "timeout": float,
            "rate": float,
            "status": int,
            "message": str,
            "after": bool,
        }
        for key, kind in types.items():
            if key in kwargs and kwargs[key] is not None:
                value = kwargs[key]
                ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
                if not ok or (kind is not bool and isinstance(value, bool)):
                    raise ValueError(f"{key} must be of type {kind.__name__}")
        for key in ("server", "count"):
            value = kwargs.get(key)
            kind = str if key == "server" else int
            if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
                raise ValueError(f"{key} must be of type {kind.__name__} or null")
        rule = FaultRule(**kwargs)
        if rule.latency < 0 or rule.timeout < 0 or (rule.count is not None and rule.count < 0):
            raise ValueError("latency, timeout and count must not be negative")
        if rule.status and not 400 <= rule.status <= 599:
            raise ValueError("status must be an HTTP error code (400-599)")
        if not 0.0 <= rule.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def decide(self, op: str, server: str | None = None) -> Decision:
        decision = Decision()
        for rule in self.rules:
            if not rule.matches(op, server):
                continue
            if rule.count is not None and rule.fired >= rule.count:
                continue
            if rule.rate < 1.0 and self.rng.random() >= rule.rate:
                continue
            rule.fired += 1
            decision.latency += rule.latency
            if not decision.fails and (rule.status or rule.timeout):
                decision.status = rule.status
                decision.timeout = rule.timeout
                decision.after = rule.after
                decision.message = rule.message or _ERROR_MESSAGES.get(
                    rule.status, "Injected fault."
                )
        return decision
