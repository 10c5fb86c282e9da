"""Host-failure recovery time: a host with N HA instances fails; how long until all are back?

    /work/venv/bin/python benchmarks/recovery.py                 # simulator, N = 10, 100, 1000
    /work/venv/bin/python benchmarks/recovery.py --sizes 10,100 --latency 2 --concurrency 10
    /work/venv/bin/python benchmarks/recovery.py --realnova http://127.0.0.1:18800 --realnova-n 30

Simulator: every evacuation takes ``L`` seconds and Nova rebuilds at most ``C``
at once (the rest queue), so nothing can beat ``ceil(N/C) * L``: that is the
ideal printed beside the measured time. The engine runs in this process
(the RPC endpoint's ``offer()``), on SQLite, with the shipped defaults unless
an option says otherwise. The clock starts when the notification row is
committed (the API's 202) and stops when the notification is ``finished``,
i.e. every instance was confirmed on its new host, idle, and powered on again.

Real Nova (the tools/realnova harness): the ideal is a plain script that
issues all N evacuations at once and polls until every server is ACTIVE on
another host; masakari-lite then recovers the same N instances after another
host failure. (Upstream masakari 22.0.0 is not measured here yet.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
import urllib.request
import uuid
import warnings

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from oslo_config import cfg  # noqa: E402

from masakari_lite import conf as conf_pkg  # noqa: E402
from masakari_lite.db import migration  # noqa: E402
from masakari_lite.db.models import FailoverSegment, Host, Notification, utcnow  # noqa: E402
from masakari_lite.db.session import session_scope  # noqa: E402

HOST_DOWN = {"event": "STOPPED", "host_status": "NORMAL", "cluster_status": "OFFLINE"}


def make_conf(compute_url: str, overrides: dict) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    for module in conf_pkg._MODULES:
        module.register_opts(conf)
    # Private option tables: register_group() shares them with the global CONF.
    for group in conf._groups.values():
        group._opts = {name: dict(info) for name, info in group._opts.items()}
    conf([], project="masakari-lite-bench")
    conf.set_override("auth_type", "none", group="nova")
    conf.set_override("endpoint_override", compute_url, group="nova")
    for name, value in overrides.items():
        conf.set_override(name, value)
    return conf


def seed_db(url: str, hosts: list[str], failed: str) -> tuple[str, str]:
    migration.upgrade(url)
    seg = str(uuid.uuid4())
    with session_scope(url) as s:
        s.add(
            FailoverSegment(uuid=seg, name="bench", service_type="COMPUTE", recovery_method="auto")
        )
        ids = {}
        for name in hosts:
            ids[name] = str(uuid.uuid4())
            s.add(
                Host(
                    uuid=ids[name],
                    name=name,
                    type="COMPUTE",
                    control_attributes="",
                    failover_segment_id=seg,
                )
            )
    return seg, ids[failed]


def recover(url: str, conf: cfg.ConfigOpts, host_uuid: str, timeout: float) -> tuple[float, str]:
    """Insert the notification, ring the engine, wait; (seconds, final status)."""
    from masakari_lite.compute.client import NovaClient
    from masakari_lite.engine.service import EngineService

    engine = EngineService(conf, NovaClient(conf), url=url)
    engine.start()
    try:
        n_uuid = str(uuid.uuid4())
        with session_scope(url) as s:
            s.add(
                Notification(
                    notification_uuid=n_uuid,
                    generated_time=utcnow(),
                    source_host_uuid=host_uuid,
                    type="COMPUTE_HOST",
                    payload=json.dumps(HOST_DOWN),
                    status="new",
                )
            )
        started = time.monotonic()
        engine.offer(n_uuid)
        while True:
            with session_scope(url) as s:
                row = s.query(Notification).filter_by(notification_uuid=n_uuid).one()
                status, message = row.status, row.message
            if status in ("finished", "failed", "error", "ignored"):
                return time.monotonic() - started, f"{status}: {message}"[:120]
            if time.monotonic() - started > timeout:
                return time.monotonic() - started, "timeout"
            time.sleep(0.02)
    finally:
        engine.stop()


def simulator_run(n: int, latency: float, concurrency: int, overrides: dict) -> dict:
    from masakari_lite.cloudsim import CloudSim

    per_host = 50
    spares = math.ceil(n / per_host) + 1
    sim = CloudSim(
        hosts=0,
        instances_per_host=0,
        service_down_time=60,
        evacuation_time=latency,
        evacuation_concurrency=concurrency,
        start_time=0.5,
        stop_time=0.5,
    ).start()
    try:
        sim.cloud.add_host("failed", vcpus=2 * n, ram_mb=4096 * n)
        names = ["failed"] + [f"spare{i + 1}" for i in range(spares)]
        for name in names[1:]:
            sim.cloud.add_host(name, vcpus=per_host * 2, ram_mb=per_host * 4096)
        for i in range(n):
            sim.cloud.add_server("failed", name=f"vm{i}", metadata={"HA_Enabled": "True"})
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            _, failed_uuid = seed_db(url, names, "failed")
            conf = make_conf(sim.compute_url, overrides)
            sim.fail_host("failed")
            elapsed, outcome = recover(url, conf, failed_uuid, timeout=60 + 20 * n * latency)
        moved = sum(1 for i in sim.servers_on("failed"))
        evacuations = sum(sim.evacuations(s) for s in list(sim.cloud.instances))
    finally:
        sim.stop()
    ideal = math.ceil(n / concurrency) * latency
    return {
        "n": n,
        "elapsed": elapsed,
        "ideal": ideal,
        "ratio": elapsed / ideal,
        "outcome": outcome,
        "left_on_failed_host": moved,
        "evacuate_calls": evacuations,
        "threads": overrides.get("host_failure_recovery_threads", "default"),
    }


# --- real Nova


def _harness(url: str, method: str, path: str) -> dict:
    req = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def realnova_run(url: str, n: int, overrides: dict) -> list[dict]:
    """Fail a host with n servers twice: once evacuated by a plain script, once by the engine."""
    import openstack

    compute_url = f"{url}/v2.1"
    conn = openstack.connect(auth_type="none", compute_endpoint_override=compute_url)
    conn.compute.default_microversion = "2.53"
    results = []
    for who, failed in (("plain script, all at once", "benchA"), ("masakari-lite", "benchB")):
        for host in (failed, f"{failed}-spare"):
            _harness(url, "POST", f"/_harness/computes/{host}/start")
        servers = _boot(conn, failed, n)
        _harness(url, "POST", f"/_harness/computes/{failed}/stop")
        if who.startswith("plain"):
            elapsed = _plain_evacuate(conn, failed, servers)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                db = f"sqlite:///{tmp}/bench.sqlite"
                names = [failed, f"{failed}-spare"]
                _, failed_uuid = seed_db(db, names, failed)
                conf = make_conf(compute_url, overrides)
                elapsed, outcome = recover(db, conf, failed_uuid, timeout=600)
                assert outcome.startswith("finished"), outcome
        results.append({"who": who, "n": n, "elapsed": elapsed})
    return results


def _boot(conn, host: str, n: int) -> list[str]:
    image = next(iter(conn.image.images())) if hasattr(conn, "image") else None
    flavor = next(iter(conn.compute.flavors()))
    ids = []
    for i in range(n):
        server = conn.compute.create_server(
            name=f"{host}-vm{i}",
            flavor_id=flavor.id,
            image_id=image.id if image else None,
            networks="none",
            availability_zone=f"nova:{host}",
            metadata={"HA_Enabled": "True"},
        )
        ids.append(server.id)
    for sid in ids:
        conn.compute.wait_for_server(conn.compute.get_server(sid), status="ACTIVE", wait=300)
    return ids


def _plain_evacuate(conn, failed: str, servers: list[str]) -> float:
    services = [s for s in conn.compute.services() if s.host == failed]
    conn.compute.force_service_down(services[0], failed, "nova-compute", True)
    started = time.monotonic()
    for sid in servers:
        conn.compute.evacuate_server(sid)
    pending = set(servers)
    while pending:
        for sid in list(pending):
            s = conn.compute.get_server(sid)
            if s.compute_host != failed and s.task_state is None and s.status == "ACTIVE":
                pending.discard(sid)
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--latency", type=float, default=5.0, help="L: seconds per evacuation")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="C: evacuations Nova runs at once (default: max(10, N/10))",
    )
    parser.add_argument("--threads", type=int, help="override host_failure_recovery_threads")
    parser.add_argument("--verify-interval", type=float, help="override verify_interval")
    parser.add_argument("--realnova", help="URL of a running tools/realnova harness")
    parser.add_argument("--realnova-n", type=int, default=30)
    args = parser.parse_args()

    overrides: dict = {}
    if args.threads:
        overrides["host_failure_recovery_threads"] = args.threads
    if args.verify_interval:
        overrides["verify_interval"] = args.verify_interval

    if args.realnova:
        for r in realnova_run(args.realnova.rstrip("/"), args.realnova_n, overrides):
            print(f"real Nova  N={r['n']:<5} {r['who']:<28} {r['elapsed']:7.2f} s")
        return 0

    print(
        f"{'N':>5} {'C':>4} {'L':>5} {'threads':>7} {'measured':>9} {'ideal':>7} "
        f"{'ratio':>6}  outcome"
    )
    for n in (int(x) for x in args.sizes.split(",")):
        c = args.concurrency or max(10, n // 10)
        r = simulator_run(n, args.latency, c, overrides)
        print(
            f"{n:>5} {c:>4} {args.latency:>5.1f} {r['threads']!s:>7} {r['elapsed']:>8.2f}s "
            f"{r['ideal']:>6.1f}s {r['ratio']:>6.2f}  {r['outcome']} "
            f"(evacuate calls {r['evacuate_calls']}, left behind {r['left_on_failed_host']})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
