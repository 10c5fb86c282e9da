"""Host-failure recovery time: a host with N HA instances fails; how long until all are back?

    /work/venv/bin/python benchmarks/recovery.py                 # simulator, N = 10, 100, 1000
    /work/venv/bin/python benchmarks/recovery.py --sizes 10,100 --latency 2 --concurrency 10
    /work/venv/bin/python benchmarks/recovery.py --realnova http://127.0.0.1:18800 --realnova-n 30
    /work/venv/bin/python benchmarks/recovery.py --upstream --upstream-n 30   # vs upstream 22.0.0

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

--upstream: the simulator scenario for one N, masakari-lite then upstream masakari 22.0.0
at its defaults as real processes (benchmarks/recovery_upstream.py; takes minutes).
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


PER_HOST = 50  # spare-host capacity


def build_scenario(n: int, latency: float, concurrency: int):
    """The simulator scenario: the sim, the host names (the failed one first), the servers."""
    from masakari_lite.cloudsim import CloudSim

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
        names = ["failed"] + [f"spare{i + 1}" for i in range(math.ceil(n / PER_HOST) + 1)]
        for name in names[1:]:
            sim.cloud.add_host(name, vcpus=PER_HOST * 2, ram_mb=PER_HOST * 4096)
        servers = [
            sim.cloud.add_server("failed", name=f"vm{i}", metadata={"HA_Enabled": "True"}).id
            for i in range(n)
        ]
    except BaseException:
        sim.stop()
        raise
    return sim, names, servers


def simulator_run(n: int, latency: float, concurrency: int, overrides: dict) -> dict:
    sim, names, _ = build_scenario(n, latency, concurrency)
    try:
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


IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"  # one of the harness's stub Glance images
MV = "2.95"  # both sides evacuate at the same microversion: servers land SHUTOFF


class RawNova:
    """A plain HTTP client for the plain-script side: no engine code involved."""

    def __init__(self, compute_url: str):
        import httpx

        self.http = httpx.Client(base_url=compute_url, timeout=120)

    def call(self, method: str, path: str, body=None, mv: str = MV):
        resp = self.http.request(
            method, path, json=body, headers={"OpenStack-API-Version": f"compute {mv}"}
        )
        if resp.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None

    def server(self, sid: str) -> dict:
        return self.call("GET", f"/servers/{sid}")["server"]


def realnova_run(url: str, n: int, overrides: dict) -> list[dict]:
    """Fail a host with n servers twice: once evacuated by a plain script, once by the engine."""
    compute_url = f"{url}/v2.1"
    nova = RawNova(compute_url)
    results = []
    stamp = uuid.uuid4().hex[:4]
    # Each run gets one fresh, empty destination and nothing else, so both sides
    # face the same scheduling landscape.
    for service in nova.call("GET", "/os-services?binary=nova-compute")["services"]:
        if service["status"] == "enabled":
            nova.call("PUT", f"/os-services/{service['id']}", {"status": "disabled"})
    for who in ("plain script, all at once", "masakari-lite"):
        failed = f"bench{stamp}{len(results)}"
        for host in (failed, f"{failed}-spare"):
            _harness(url, "POST", f"/_harness/computes/{host}/start")
        servers = _boot(nova, failed, n)
        _harness(url, "POST", f"/_harness/computes/{failed}/stop")
        if who.startswith("plain"):
            elapsed = _plain_evacuate(nova, failed, servers)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                db = f"sqlite:///{tmp}/bench.sqlite"
                names = [failed, f"{failed}-spare"]
                _, failed_uuid = seed_db(db, names, failed)
                conf = make_conf(compute_url, overrides)
                elapsed, outcome = recover(db, conf, failed_uuid, timeout=600)
                assert outcome.startswith("finished"), outcome
        landed = [nova.server(s) for s in servers]
        assert all(
            s["OS-EXT-SRV-ATTR:host"] != failed and s["status"] == "ACTIVE" for s in landed
        ), "not every server is ACTIVE elsewhere"
        results.append({"who": who, "n": n, "elapsed": elapsed})
        print(f"real Nova  N={n:<5} {who:<28} {elapsed:7.2f} s", flush=True)
        _clean_up(nova, servers, f"{failed}-spare")
    return results


def _clean_up(nova: RawNova, servers: list[str], spare: str) -> None:
    """Leave the next run the same landscape: host1 empty, this run's spare out of the way."""
    for sid in servers:
        nova.call("DELETE", f"/servers/{sid}")
    deadline = time.monotonic() + 300
    for sid in servers:
        while True:
            try:
                nova.server(sid)
            except RuntimeError:
                break
            assert time.monotonic() < deadline, f"{sid} was not deleted"
            time.sleep(0.2)
    service = nova.call("GET", f"/os-services?host={spare}&binary=nova-compute")["services"][0]
    nova.call("PUT", f"/os-services/{service['id']}", {"status": "disabled"})


def _boot(nova: RawNova, host: str, n: int) -> list[str]:
    flavor = nova.call("GET", "/flavors")["flavors"][0]["id"]
    ids = []
    for i in range(n):
        body = {
            "server": {
                "name": f"{host}-vm{i}",
                "imageRef": IMAGE,
                "flavorRef": flavor,
                "networks": "none",
                "availability_zone": f"nova:{host}",
                "metadata": {"HA_Enabled": "True"},
            }
        }
        ids.append(nova.call("POST", "/servers", body)["server"]["id"])
    deadline = time.monotonic() + 600
    for sid in ids:
        while nova.server(sid)["status"] != "ACTIVE":
            assert time.monotonic() < deadline, f"{sid} did not boot"
            time.sleep(0.2)
    return ids


def _plain_evacuate(nova: RawNova, failed: str, servers: list[str]) -> float:
    """The baseline: force the host down, fire every evacuation, start each as it lands."""
    started = time.monotonic()
    service = nova.call("GET", f"/os-services?host={failed}&binary=nova-compute")["services"][0]
    nova.call("PUT", f"/os-services/{service['id']}", {"forced_down": True})
    for sid in servers:
        nova.call("POST", f"/servers/{sid}/action", {"evacuate": {}})
    pending, starting = set(servers), set()
    while pending:
        for sid in list(pending):
            s = nova.server(sid)
            if s["OS-EXT-SRV-ATTR:host"] == failed or s["OS-EXT-STS:task_state"] is not None:
                continue
            if s["status"] == "ACTIVE":
                pending.discard(sid)
            elif s["status"] == "SHUTOFF" and sid not in starting:
                nova.call("POST", f"/servers/{sid}/action", {"os-start": None})
                starting.add(sid)
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
    parser.add_argument("--polls", type=int, help="override nova_polls_in_flight")
    parser.add_argument("--realnova", help="URL of a running tools/realnova harness")
    parser.add_argument("--realnova-n", type=int, default=30)
    parser.add_argument("--upstream", action="store_true", help="also upstream 22.0.0, one N")
    parser.add_argument("--upstream-n", type=int, default=30)
    parser.add_argument("--log", help="write the engine's INFO log to this file")
    args = parser.parse_args()
    if args.log:
        import logging

        logging.basicConfig(
            filename=args.log,
            level=getattr(logging, os.environ.get("BENCH_LOG_LEVEL", "INFO")),
            format="%(asctime)s %(name)s %(message)s",
        )

    overrides: dict = {}
    if args.threads:
        overrides["host_failure_recovery_threads"] = args.threads
    if args.verify_interval:
        overrides["verify_interval"] = args.verify_interval
    if args.polls:
        overrides["nova_polls_in_flight"] = args.polls

    if args.upstream:
        from recovery_upstream import compare

        return compare(args.upstream_n, args.latency, args.concurrency, "postgresql", 15)

    if args.realnova:
        # Nova may take longer than the 90 s default to rebuild N at once: measure, don't fail.
        overrides.setdefault("wait_period_after_evacuation", 600)
        plain, ours = realnova_run(args.realnova.rstrip("/"), args.realnova_n, overrides)
        print(f"ratio masakari-lite / plain script: {ours['elapsed'] / plain['elapsed']:.2f}")
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
