"""How the cloud simulator holds up at 200 hosts / 5,000 instances.

Starts ``masakari-lite cloudsim`` in its own process (so the client does not share
its CPU time or memory), then prints: start time until the API answers, RSS, and
request latency p50/p99 for the calls an HA engine makes during a host failure.

    /work/venv/bin/python benchmarks/cloudsim_scale.py [--hosts 200] [--per-host 25]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil

MV = {"OpenStack-API-Version": "compute 2.94", "X-Auth-Token": "admin"}


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


SERVER: psutil.Process | None = None


def server_cpu() -> float:
    if SERVER is None:
        return 0.0
    t = SERVER.cpu_times()
    return t.user + t.system


def timed(label: str, n: int, fn: Callable[[int], None]) -> list[float]:
    """Latency as the client sees it, and the simulator's own CPU per call (which a
    busy shared machine does not inflate)."""
    samples = []
    cpu0 = server_cpu()
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - t0) * 1000)
    cpu = (server_cpu() - cpu0) * 1000 / n
    print(
        f"{label:<52} n={n:<4} p50={statistics.median(samples):7.2f} ms  "
        f"p99={pct(samples, 0.99):7.2f} ms  max={max(samples):7.2f} ms  "
        f"server CPU {cpu:6.2f} ms/call"
    )
    return samples


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--per-host", type=int, default=25)
    ap.add_argument("--port", type=int, default=18750)
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()

    port = free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    out = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "masakari_lite.cmd.cli",
            "cloudsim",
            "--port",
            str(port),
            "--hosts",
            str(args.hosts),
            "--instances-per-host",
            str(args.per_host),
            "--ha-fraction",
            "0.5",
            "--seed",
            "1",
            "--service-down-time",
            "60",
            "--evacuation-time",
            "0.5",
            "--quiet",
        ],
        stdout=out,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = httpx.Client(base_url=base, headers=MV, timeout=30)
        while True:
            try:
                if client.get("/v2.1/").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 60:
                print("cloudsim did not start", file=sys.stderr)
                return 1
            time.sleep(0.02)
        started = time.perf_counter() - t0
        out.seek(0)
        banner = out.readline().decode().strip()
        ps = psutil.Process(proc.pid)
        global SERVER
        SERVER = ps
        print(
            f"cloudsim {args.hosts} hosts / {args.hosts * args.per_host} instances "
            f"(pid {proc.pid}, 2.94 unless noted)"
        )
        print(f"start until the API answers: {started:.2f} s (process spawn + imports + build)")
        print(f"  ({banner})")
        print(f"RSS after start: {ps.memory_info().rss / 2**20:.1f} MB")

        state = client.get("/_sim/state", params={"servers": "1"}).json()
        servers = [s["id"] for s in state["servers"]]
        hosts = [h["name"] for h in state["hosts"]]
        rng = random.Random(1)

        def walk(url: str) -> int:
            count = 0
            while url:
                body = client.get(url).json()
                count += len(body["servers"])
                links = body.get("servers_links")
                url = links[0]["href"] if links else ""
            return count

        n = args.samples
        timed(
            "GET /servers/detail?host=X&all_tenants=1 (all pages)",
            n,
            lambda i: walk(f"{base}/v2.1/servers/detail?all_tenants=1&host={rng.choice(hosts)}"),
        )
        timed(
            "same, limit=10 (3 pages walked)",
            n // 3,
            lambda i: walk(
                f"{base}/v2.1/servers/detail?all_tenants=1&limit=10&host={rng.choice(hosts)}"
            ),
        )
        timed("GET /servers/{id}", n, lambda i: client.get(f"/v2.1/servers/{rng.choice(servers)}"))
        timed("GET /os-services (all 202)", n, lambda i: client.get("/v2.1/os-services"))
        timed(
            "GET /os-services?binary=nova-compute&host=X",
            n,
            lambda i: client.get(
                "/v2.1/os-services", params={"binary": "nova-compute", "host": rng.choice(hosts)}
            ),
        )
        timed(
            "GET /servers/detail?all_tenants=1 (5,000, all pages)",
            10,
            lambda i: walk(f"{base}/v2.1/servers/detail?all_tenants=1"),
        )

        def worker(seed: int) -> list[float]:
            local = random.Random(seed)
            out = []
            with httpx.Client(base_url=base, headers=MV, timeout=30) as c:
                for _ in range(n // 4):
                    t = time.perf_counter()
                    c.get(f"/v2.1/servers/{local.choice(servers)}").raise_for_status()
                    out.append((time.perf_counter() - t) * 1000)
            return out

        with ThreadPoolExecutor(8) as pool:
            loaded = [x for part in pool.map(worker, range(8)) for x in part]
        print(
            f"{'GET /servers/{id}, 8 concurrent clients':<52} n={len(loaded):<5} "
            f"p50={statistics.median(loaded):7.2f} ms  p99={pct(loaded, 0.99):7.2f} ms  "
            f"max={max(loaded):7.2f} ms"
        )

        # a host failure: force down, list its servers, evacuate each, wait for all
        victim = hosts[0]
        client.post(f"/_sim/hosts/{victim}/fail")
        svc = client.get(
            "/v2.1/os-services",
            params={"binary": "nova-compute", "host": victim},
            headers={**MV, "OpenStack-API-Version": "compute 2.53"},
        ).json()
        svc_id = svc["services"][0]["id"]
        client.put(
            f"/v2.1/os-services/{svc_id}",
            json={"forced_down": True},
            headers={**MV, "OpenStack-API-Version": "compute 2.53"},
        )
        on_host = [
            s["id"]
            for s in client.get(
                "/v2.1/servers/detail", params={"all_tenants": 1, "host": victim}
            ).json()["servers"]
        ]
        t_evac = time.perf_counter()
        samples = timed(
            f"POST evacuate ({len(on_host)} servers of {victim})",
            len(on_host),
            lambda i: client.post(
                f"/v2.1/servers/{on_host[i]}/action", json={"evacuate": {}}
            ).raise_for_status(),
        )
        while True:
            states = [client.get(f"/v2.1/servers/{sid}").json()["server"] for sid in on_host]
            # done = idle and moved (Nova clears task_state a moment before the host moves)
            if all(
                s["OS-EXT-STS:task_state"] is None and s["OS-EXT-SRV-ATTR:host"] != victim
                for s in states
            ):
                break
            time.sleep(0.05)
        landed = {s["OS-EXT-SRV-ATTR:host"] for s in states}
        print(
            f"evacuation of {len(on_host)} servers settled in "
            f"{time.perf_counter() - t_evac:.2f} s (simulated rebuild 0.5 s), onto "
            f"{len(landed)} hosts, source absent: {victim not in landed}"
        )
        del samples
        print(f"RSS after the benchmark: {ps.memory_info().rss / 2**20:.1f} MB")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
