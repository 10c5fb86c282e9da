"""How evacuation time scales with concurrency on a real Nova (34.0.0, fake virt driver).

    /work/venv/bin/python benchmarks/realnova_evacuation_concurrency.py \
        [--servers 30] [--concurrency 1,3,10,30] [--microversion 2.95] [--poll 0.5]

For each concurrency level, on a fresh real-Nova harness host: boot N servers there,
fail the host (stop its nova-compute, force the service down, disable it), then
evacuate all N through masakari_lite.compute.NovaClient with a pool of C workers.
Each worker does what the engine does per instance: issue the evacuate call, then
poll GET /servers/{id} until the server is on another host with no task_state.
It prints the wall time per level and the speed-up against concurrency 1, to pick
[DEFAULT] host_failure_recovery_threads. It is a benchmark: it asserts nothing.

The harness is started (and stopped) from tools/realnova/realnova.sh, or reused
when MASAKARI_LITE_REALNOVA_URL is set. All of Nova (API, conductor, scheduler,
computes, Placement) runs in one eventlet process, so the numbers show Nova's
control-plane cost on this machine; a real cloud spreads it over processes and
adds image download / disk work on the destination.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from oslo_config import cfg

from masakari_lite.compute.client import NovaClient
from masakari_lite.conf import nova as nova_conf

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tools" / "realnova" / "realnova.sh"
POLL = 0.5  # seconds between confirmation polls, per server (--poll)


class Harness:
    def __init__(self, url: str | None):
        self.url = url
        self.state: Path | None = None

    def __enter__(self) -> Harness:
        if self.url:
            return self
        subprocess.run([str(SCRIPT), "setup"], check=True)
        self.state = Path(tempfile.mkdtemp(prefix="masakari-lite-realnova-bench-"))
        subprocess.run([str(SCRIPT), "start"], check=True, env=self._env())
        self.url = json.loads((self.state / "ready.json").read_text())["url"]
        return self

    def __exit__(self, *exc) -> None:
        if self.state is not None:
            subprocess.run([str(SCRIPT), "stop"], env=self._env(), capture_output=True)
            shutil.rmtree(self.state, ignore_errors=True)

    def _env(self) -> dict:
        return {
            **os.environ,
            "MASAKARI_LITE_REALNOVA_STATE": str(self.state),
            "MASAKARI_LITE_REALNOVA_PORT": "0",
        }

    def control(self, path: str) -> dict:
        req = urllib.request.Request(self.url + path, method="POST", data=b"")
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())


def make_client(compute_url: str, microversion: str) -> NovaClient:
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf([], project="masakari-lite-bench")
    conf.set_override("auth_type", "none", "nova")
    conf.set_override("endpoint_override", compute_url, "nova")
    conf.set_override("api_microversion", microversion, "nova")
    return NovaClient(conf)


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(POLL)


def boot(sess: ks_session.Session, compute_url: str, host: str, n: int, client: NovaClient):
    def post(i: int) -> str:
        body = {
            "server": {
                "name": f"bench-{host}-{i}",
                "imageRef": "155d900f-4e14-4e4c-a73d-069cbf4541e6",  # nova's GlanceFixture
                "flavorRef": "1",
                "networks": "none",
                "host": host,
                "metadata": {"HA_Enabled": "True"},
            }
        }
        resp = sess.post(
            f"{compute_url}/servers",
            json=body,
            headers={"OpenStack-API-Version": "compute 2.74"},
        )
        return resp.json()["server"]["id"]

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(post, range(n)))
    for sid in ids:
        wait(lambda sid=sid: client.get_server(sid).status == "ACTIVE", 300, f"{sid} ACTIVE")
    return ids


def evacuate_one(client: NovaClient, sid: str, source: str) -> float | None:
    """Seconds until the server settled elsewhere, or None if it did not."""
    try:
        return _evacuate_one(client, sid, source)
    except Exception as e:  # a benchmark reports failures, it does not stop at them
        print(f"    {sid}: {e}", flush=True)
        return None


def _evacuate_one(client: NovaClient, sid: str, source: str) -> float:
    started = time.monotonic()
    client.evacuate_server(sid)

    def settled() -> bool:
        s = client.get_server(sid)
        if s.status == "ERROR":
            raise RuntimeError(f"evacuation of {sid} failed: {s}")
        return s.host != source and s.task_state is None

    wait(settled, 300, f"{sid} evacuated")
    return time.monotonic() - started


def run_level(harness: Harness, client: NovaClient, sess, n: int, concurrency: int) -> dict:
    source = f"bench-src-{uuid.uuid4().hex[:6]}"
    harness.control(f"/_harness/computes/{source}/start")
    compute_url = f"{harness.url}/v2.1"
    ids = boot(sess, compute_url, source, n, client)
    harness.control(f"/_harness/computes/{source}/stop")
    client.force_down_service(source)
    client.disable_service(source, "benchmark: host failed")

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        times = list(pool.map(lambda sid: evacuate_one(client, sid, source), ids))
    total = time.monotonic() - started
    ok = [t for t in times if t is not None]
    left = client.list_servers_on_host(source)
    return {
        "concurrency": concurrency,
        "total": total,
        "mean_per_server": sum(ok) / len(ok) if ok else float("nan"),
        "max_per_server": max(ok) if ok else float("nan"),
        "failed": len(times) - len(ok),
        "left_on_source": len(left),
    }


def main(argv: list[str] | None = None) -> int:
    global POLL
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--servers", type=int, default=30)
    p.add_argument("--concurrency", default="1,3,10,30")
    p.add_argument("--microversion", default="2.95")
    p.add_argument("--poll", type=float, default=POLL, help="seconds between status polls")
    args = p.parse_args(argv)
    POLL = args.poll
    levels = [int(c) for c in args.concurrency.split(",")]

    with Harness(os.environ.get("MASAKARI_LITE_REALNOVA_URL")) as harness:
        compute_url = f"{harness.url}/v2.1"
        client = make_client(compute_url, args.microversion)
        sess = ks_session.Session(auth=noauth.NoAuth())
        # destinations: the harness's host1..host3 plus two more
        for _ in range(2):
            harness.control(f"/_harness/computes/bench-dst-{uuid.uuid4().hex[:6]}/start")
        print(
            f"real Nova 34.0.0 at {compute_url}, microversion {client.max_microversion()}, "
            f"{args.servers} servers per failed host, confirmation poll {POLL} s"
        )
        results = []
        for c in levels:
            r = run_level(harness, client, sess, args.servers, c)
            results.append(r)
            print(
                f"  concurrency {c:>3}: {r['total']:6.1f} s total, "
                f"{r['mean_per_server']:5.1f} s mean / {r['max_per_server']:5.1f} s max each, "
                f"{r['failed']} failed, {r['left_on_source']} left on source",
                flush=True,
            )
        base = results[0]["total"]
        print("\nconcurrency  total_s  speed-up_vs_first  servers/min")
        for r in results:
            print(
                f"{r['concurrency']:>11}  {r['total']:7.1f}  {base / r['total']:17.2f}  "
                f"{60 * args.servers / r['total']:11.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
