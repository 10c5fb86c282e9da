"""Host-failure recovery by upstream masakari 22.0.0 at its defaults, on the cloud simulator.

    /work/venv/bin/python benchmarks/recovery_upstream.py [--n 30] [--latency 5]
        [--concurrency 0] [--db postgresql|sqlite] [--max-minutes 15] [--keep] [--only-upstream]
    /work/venv/bin/python benchmarks/recovery.py --upstream --upstream-n 30    # the same

The scenario is benchmarks/recovery.py's simulator one: a host "failed" with N HA-enabled
instances, spare hosts of 50 instances each, every evacuation takes L seconds and Nova
rebuilds at most C at once (default C = max(10, N/10)), Nova sees a dead compute down
after 60 s. masakari-lite is measured first with recovery.py's own code, then upstream.

Upstream runs as real processes from the venv benchmarks/api_throughput.py builds
(masakari==22.0.0 from PyPI): one masakari-api (noauth2) and one masakari-engine, sharing
a fresh database (PostgreSQL by default; also the [taskflow] connection) and a dedicated
RabbitMQ vhost. Everything else is upstream's default, notably
wait_period_after_service_update = 180 (a fixed sleep after disabling nova-compute),
host_failure_recovery_threads = 3, verify_interval = 1 and notification_delay_max = 5
(the API sleeps 0-5 s before it stores a notification; that delay happens before the
202, so it is outside the measured time, and is printed separately). Upstream reaches
Nova as it does in production: a password login to the simulator's Keystone as admin,
then the catalog's compute:nova public endpoint, microversion 2.53.

The clock starts when the notification POST returns 202 and stops when upstream's
notification is `finished`; the time at which the simulator first showed every instance
ACTIVE, idle, on another host is printed too. The run stops by itself after --max-minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import api_throughput as at  # noqa: E402

VHOST = "masakari_upstream_recovery_bench"
TERMINAL = ("finished", "error", "failed", "ignored")


def ensure_vhost() -> str:
    """A vhost of our own, so no other engine on this RabbitMQ consumes our casts."""
    done = subprocess.run(["rabbitmqctl", "add_vhost", VHOST], capture_output=True, text=True)
    if done.returncode != 0 and "already" not in (done.stdout + done.stderr):
        raise RuntimeError(f"rabbitmqctl add_vhost failed: {done.stdout} {done.stderr}")
    at.run(["rabbitmqctl", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"])
    return f"rabbit://guest:guest@127.0.0.1:5672/{VHOST}"


def engine_listening(timeout: float, proc: subprocess.Popen, log: Path) -> None:
    """Wait until the engine consumes its topic: a cast sent before that would be lost."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"masakari-engine exited with {proc.returncode}:\n{at.tail(log)}")
        out = subprocess.run(
            ["rabbitmqctl", "list_queues", "-q", "-p", VHOST, "name", "consumers"],
            capture_output=True,
            text=True,
        ).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "ha_engine" and parts[1] != "0":
                return
        time.sleep(1)
    raise RuntimeError(f"masakari-engine did not consume ha_engine in {timeout} s")


def api(netloc: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    host, port = netloc.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    try:
        conn.request(method, path, json.dumps(body) if body else None, headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(raw) if raw else {}


def all_moved(sim, servers: list[str]) -> bool:
    sim.cloud.advance()
    for sid in servers:
        s = sim.server(sid)
        if s.host in (None, "failed") or s.vm_state != "active" or s.task_state is not None:
            return False
    return True


def write_conf(conf_dir: Path, venv: Path, port: int, db_url: str, transport: str, auth_url):
    shutil.copy(venv / "etc" / "masakari" / "api-paste.ini", conf_dir / "api-paste.ini")
    conf = conf_dir / "masakari.conf"
    # Only what upstream needs to run here; every timing and engine option is its default.
    conf.write_text(
        f"""[DEFAULT]
auth_strategy = noauth2
masakari_api_listen = 127.0.0.1
masakari_api_listen_port = {port}
masakari_api_workers = 1
api_paste_config = {conf_dir}/api-paste.ini
transport_url = {transport}
os_privileged_user_name = admin
os_privileged_user_password = admin
os_privileged_user_tenant = admin
os_privileged_user_auth_url = {auth_url}
[keystone_authtoken]
auth_type = password
[database]
connection = {db_url}
[taskflow]
connection = {db_url}
"""
    )
    return conf


def upstream_run(
    n: int, latency: float, concurrency: int, db_kind: str, max_seconds: float, workdir: Path
) -> dict:
    venv = at.ensure_upstream_venv()
    transport = ensure_vhost()
    from recovery import build_scenario

    sim, names, servers = build_scenario(n, latency, concurrency)
    result: dict = {"n": n, "who": "upstream 22.0.0"}
    try:
        with contextlib.ExitStack() as stack:
            db = at.make_database(db_kind, workdir, "upstream_recovery")
            stack.callback(db.drop)
            port = at.free_port()
            netloc = f"127.0.0.1:{port}"
            conf = write_conf(workdir, venv, port, db.url, transport, sim.identity_url)
            env = {**os.environ, "PYTHONWARNINGS": "ignore"}
            cfg = ["--config-file", str(conf)]
            at.run([str(venv / "bin" / "masakari-manage"), *cfg, "db", "sync"], env=env)
            engine_log, api_log = workdir / "masakari-engine.log", workdir / "masakari-api.log"
            engine = stack.enter_context(
                at.process(
                    [str(venv / "bin" / "masakari-engine"), *cfg, "--log-file", str(engine_log)],
                    workdir / "engine.out",
                    env,
                )
            )
            server = stack.enter_context(
                at.process(
                    [str(venv / "bin" / "masakari-api"), *cfg, "--log-file", str(api_log)],
                    workdir / "api.out",
                    env,
                )
            )
            at.wait_http(f"http://{netloc}/", server, api_log, timeout=120)
            engine_listening(120, engine, engine_log)

            status, body = api(
                netloc,
                "POST",
                "/v1/segments",
                {
                    "segment": {
                        "name": "bench",
                        "service_type": "COMPUTE",
                        "recovery_method": "auto",
                    }
                },
            )
            assert status in (200, 201), (status, body)
            seg = body["segment"]["uuid"]
            for name in names:  # upstream checks each name against Nova through Keystone
                status, body = api(
                    netloc,
                    "POST",
                    f"/v1/segments/{seg}/hosts",
                    {"host": {"name": name, "type": "COMPUTE", "control_attributes": "SSH"}},
                )
                assert status in (200, 201), (name, status, body)

            sim.fail_host("failed")
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()
            posted = time.monotonic()
            status, body = api(
                netloc,
                "POST",
                "/v1/notifications",
                {
                    "notification": {
                        "type": "COMPUTE_HOST",
                        "hostname": "failed",
                        "generated_time": now,
                        "payload": {
                            "event": "STOPPED",
                            "host_status": "NORMAL",
                            "cluster_status": "OFFLINE",
                        },
                    }
                },
            )
            started = time.monotonic()
            assert status == 202, (status, body)
            result["api_delay"] = started - posted
            n_uuid = body["notification"]["notification_uuid"]
            moved_at = None
            outcome = "timeout"
            while time.monotonic() - started < max_seconds:
                if moved_at is None and all_moved(sim, servers):
                    moved_at = time.monotonic() - started
                _, body = api(netloc, "GET", f"/v1/notifications/{n_uuid}")
                state = body["notification"]["status"]
                if state in TERMINAL:
                    outcome = state
                    break
                if engine.poll() is not None:
                    outcome = f"engine exited {engine.returncode}"
                    break
                time.sleep(0.5)
            result["elapsed"] = time.monotonic() - started
            if moved_at is None and all_moved(sim, servers):
                moved_at = result["elapsed"]
            result["all_moved"] = moved_at
            result["outcome"] = outcome
            result["left_on_failed_host"] = len(sim.servers_on("failed"))
            result["evacuate_calls"] = sum(sim.evacuations(s) for s in servers)
            if outcome != "finished":
                result["engine_log"] = at.tail(engine_log, 15)
    finally:
        sim.stop()
    return result


def compare(
    n: int,
    latency: float,
    concurrency: int,
    db_kind: str,
    max_minutes: float,
    keep: bool = False,
    only_upstream: bool = False,
) -> int:
    c = concurrency or max(10, n // 10)
    ideal = math.ceil(n / c) * latency
    print(f"N={n} L={latency:g} s C={c}: ideal {ideal:.1f} s", flush=True)
    lite = None
    if not only_upstream:
        from recovery import simulator_run

        lite = simulator_run(n, latency, c, {})
        print(
            f"masakari-lite (defaults)   {lite['elapsed']:8.2f} s  {lite['outcome']} "
            f"(evacuate calls {lite['evacuate_calls']}, left behind "
            f"{lite['left_on_failed_host']})",
            flush=True,
        )
    workdir = Path(tempfile.mkdtemp(prefix="masakari-upstream-recovery-"))
    print(
        f"upstream masakari 22.0.0 at its defaults (takes minutes; logs in {workdir})", flush=True
    )
    up = upstream_run(n, latency, c, db_kind, max_minutes * 60, workdir)
    moved = f"{up['all_moved']:.2f} s" if up["all_moved"] is not None else "never"
    print(
        f"upstream 22.0.0 (defaults) {up['elapsed']:8.2f} s  {up['outcome']} "
        f"(all instances ACTIVE elsewhere at {moved}; evacuate calls {up['evacuate_calls']}, "
        f"left behind {up['left_on_failed_host']}; API delay before the 202 "
        f"{up['api_delay']:.2f} s, not counted)",
        flush=True,
    )
    if "engine_log" in up:
        print(up["engine_log"])
    if lite:
        print(f"upstream / masakari-lite: {up['elapsed'] / lite['elapsed']:.1f}x")
    if keep or up["outcome"] != "finished":
        print(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if up["outcome"] == "finished" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--latency", type=float, default=5.0, help="L: seconds per evacuation")
    parser.add_argument("--concurrency", type=int, default=0, help="C (default max(10, N/10))")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--max-minutes", type=float, default=15)
    parser.add_argument("--keep", action="store_true", help="keep upstream's logs")
    parser.add_argument("--only-upstream", action="store_true")
    args = parser.parse_args()
    return compare(
        args.n,
        args.latency,
        args.concurrency,
        args.db,
        args.max_minutes,
        args.keep,
        args.only_upstream,
    )


if __name__ == "__main__":
    sys.exit(main())
