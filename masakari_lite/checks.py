"""`masakari-lite-manage check`: is this node ready to run?

Each check returns a one-line verdict; a failure says what is wrong and what to
look at, so an operator can act without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oslo_config import cfg


@dataclass
class Result:
    name: str
    ok: bool
    detail: str


def check_database(conf: cfg.ConfigOpts) -> Result:
    from sqlalchemy import text

    from masakari_lite.db import migration
    from masakari_lite.db.session import make_engine

    url = conf.database.connection
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migration.current(engine)
    except Exception as exc:
        return Result("database", False, f"cannot connect to [database] connection: {exc}")
    finally:
        engine.dispose()
    head = migration.head()
    if current != head:
        return Result(
            "database",
            False,
            f"schema is at {current or 'nothing'}, the code needs {head}: "
            "run `masakari-lite-manage db sync`",
        )
    return Result("database", True, f"reachable, schema at head ({head})")


AMQP_PORT = 5672  # what oslo.messaging's rabbit driver connects to when the URL names none


def check_broker(conf: cfg.ConfigOpts) -> Result:
    import oslo_messaging as messaging

    try:
        url = messaging.TransportURL.parse(conf)  # registers and reads [DEFAULT] transport_url
    except Exception as exc:
        return Result("broker", False, f"[DEFAULT] transport_url is not valid: {exc}")
    if url.transport in ("fake", None):
        return Result("broker", True, "in-process transport (all-in-one); nothing to reach")
    if url.transport not in ("rabbit", "amqp", "kombu"):
        return Result("broker", True, f"transport {url.transport}: not checked")
    import kombu

    host = url.hosts[0] if url.hosts else None
    if host is None:
        return Result("broker", False, "[DEFAULT] transport_url names no broker host")
    port = host.port or AMQP_PORT
    connection = kombu.Connection(
        hostname=host.hostname,
        port=port,
        userid=host.username or "guest",
        password=host.password or "guest",
        virtual_host=url.virtual_host or "/",
        connect_timeout=5,
    )
    try:
        connection.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:
        return Result("broker", False, f"cannot reach {host.hostname}:{port}: {exc}")
    finally:
        connection.release()
    return Result("broker", True, f"RabbitMQ at {host.hostname}:{port} answers")


def check_nova(conf: cfg.ConfigOpts) -> Result:
    from masakari_lite.compute.client import NovaClient
    from masakari_lite.compute.errors import ComputeError

    try:
        version = NovaClient(conf).max_microversion()
    except ComputeError as exc:
        return Result("nova", False, f"Nova does not answer with the [nova] settings: {exc}")
    except Exception as exc:
        return Result("nova", False, f"[nova] settings are not usable: {exc}")
    return Result("nova", True, f"Nova answers; compute API microversion {version}")


def check_policy(conf: cfg.ConfigOpts) -> Result:
    from oslo_policy import policy

    from masakari_lite.api import policy as api_policy

    rules = api_policy.list_rules()
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(rules)
    try:
        enforcer.load_rules(force_reload=True)
    except Exception as exc:
        return Result("policy", False, f"the policy file cannot be used: {exc}")
    known = {rule.name for rule in rules}
    unknown = sorted(set(enforcer.file_rules) - known)
    if unknown:
        return Result("policy", False, f"the policy file names unknown rules: {', '.join(unknown)}")
    source = enforcer.policy_path or "built-in defaults"
    return Result("policy", True, f"valid ({source})")


CHECKS: list[Callable[[cfg.ConfigOpts], Result]] = [
    check_database,
    check_broker,
    check_nova,
    check_policy,
]


def run_all(conf: cfg.ConfigOpts) -> list[Result]:
    return [check(conf) for check in CHECKS]
