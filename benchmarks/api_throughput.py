"""API throughput: masakari-lite against upstream masakari 22.0.0, one request mix, one run.

    /work/venv/bin/python benchmarks/api_throughput.py [--requests N] [--concurrency C]
        [--rounds R] [--db sqlite|postgresql] [--only lite|upstream] [--no-nova] [--keep]

Both servers run as real processes at the same time, with one API worker, noauth2, their own
fresh database of the same engine, and the same oslo.messaging transport. Upstream is
installed from PyPI into its own venv by tools/upstream/upstream.sh (MASAKARI_LITE_UPSTREAM_VENV,
default ~/.cache/masakari-lite/masakari-upstream-venv; built on first use, a few minutes)
and served by its own `masakari-api` with notification_delay_max = 0. The load comes from C
client processes, each sending its share of the N requests one after the other on a
kept-alive connection. Each operation runs on one side, then on the other (who goes first
alternates), so both see the same load from the rest of the machine; with R rounds each
side keeps its best.

The mix, in order: segment create, segment get, segment list, host create, host get,
host list, notification create, notification list. Host names are checked against
`masakari-lite cloudsim` (its Keystone and Nova) by both sides; with --no-nova, or if the
simulator cannot start, the hosts are written straight into each side's database and host
create is left out. Hosts are spread over 10 segments; host get/list use the first one.
Segment and notification lists ask for limit=50.

It prints requests/s and p50/p99 latency per operation for each side and the ratio. It is a
benchmark: it asserts nothing about speed. Every phase stops after --max-seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEV_BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "masakari-lite"
UPSTREAM_VENV = Path(
    os.environ.get("MASAKARI_LITE_UPSTREAM_VENV", CACHE / "masakari-upstream-venv")
)
UPSTREAM_SCRIPT = REPO / "tools" / "upstream" / "upstream.sh"
PORT_RANGE = range(18910, 18950)
PG_ADMIN_URL = os.environ.get(
    "MASAKARI_LITE_TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
HOSTS_PER_SIDE = 20
LIST_LIMIT = 50


# --------------------------------------------------------------------------- load generator


@dataclass
class Request:
    method: str
    path: str
    body: dict | None = None


@dataclass
class ChunkResult:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    first_error: str | None = None
    created: list[dict] = field(default_factory=list)
    # CLOCK_MONOTONIC is one clock for every process of the machine.
    started: float = 0.0
    ended: float = 0.0


_connections: dict[str, http.client.HTTPConnection] = {}


def _connection(netloc: str) -> http.client.HTTPConnection:
    conn = _connections.get(netloc)
    if conn is None:
        host, port = netloc.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        _connections[netloc] = conn
    return conn


def _send(netloc: str, req: Request) -> tuple[int, bytes]:
    body = json.dumps(req.body).encode() if req.body is not None else None
    headers = {"Accept": "application/json", "Connection": "keep-alive"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    for attempt in (1, 2):
        conn = _connection(netloc)
        try:
            conn.request(req.method, req.path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (ConnectionError, http.client.HTTPException):
            # The server closed a kept-alive connection between requests: reconnect once.
            conn.close()
            _connections.pop(netloc, None)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _run_chunk(args: tuple[str, list[Request], float, str | None]) -> ChunkResult:
    """One client: send the requests in order; stop at the deadline."""
    netloc, requests, deadline, created_key = args
    result = ChunkResult(started=time.monotonic())
    for req in requests:
        if time.monotonic() > deadline:
            break
        start = time.perf_counter()
        try:
            status, payload = _send(netloc, req)
        except OSError as exc:
            status, payload = 599, repr(exc).encode()
        result.latencies.append(time.perf_counter() - start)
        result.statuses[status] += 1
        if status >= 300:
            if result.first_error is None:
                result.first_error = f"{req.method} {req.path} -> {status} {payload[:300]!r}"
            continue
        if created_key:
            result.created.append(json.loads(payload)[created_key])
    result.ended = time.monotonic()
    return result


@dataclass
class Stats:
    count: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    first_error: str | None

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def run_phase(
    pool, netloc: str, requests: list[Request], concurrency: int, max_seconds: float, created_key
) -> tuple[Stats, list[str]]:
    chunks = [requests[i::concurrency] for i in range(concurrency)]
    started = time.monotonic()
    deadline = started + max_seconds
    results = pool.map(_run_chunk, [(netloc, c, deadline, created_key) for c in chunks if c])
    # From the first request sent to the last answer received: shipping the request
    # lists to the client processes and the results back is not the server's time.
    seconds = max(r.ended for r in results) - min(r.started for r in results)
    latencies = sorted(x for r in results for x in r.latencies)
    statuses = sum((r.statuses for r in results), Counter())
    errors = sum(n for status, n in statuses.items() if status >= 300)
    first_error = next((r.first_error for r in results if r.first_error), None)
    created = [u for r in results for u in r.created]
    if not latencies:
        return Stats(0, seconds, 0.0, 0.0, errors, first_error), created
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    stats = Stats(
        len(latencies), seconds, statistics.median(latencies) * 1e3, p99 * 1e3, errors, first_error
    )
    return stats, created


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    for port in PORT_RANGE:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}")


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    parsed = urllib.parse.urlsplit(url)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{tail(log)}")
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
            conn.request("GET", parsed.path or "/")
            if conn.getresponse().status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (a launcher forks its worker)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


@contextlib.contextmanager
def process(cmd: list[str], log: Path, env: dict | None = None) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run(cmd: list[str], **kwargs) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")


# --------------------------------------------------------------------------- databases


@dataclass
class Database:
    url: str
    drop: Callable[[], None] = lambda: None


def make_database(kind: str, workdir: Path, name: str) -> Database:
    if kind == "sqlite":
        return Database(f"sqlite:///{workdir}/{name}.sqlite")
    from sqlalchemy import create_engine, text

    db = f"mlbench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {db}"))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()

    return Database(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{db}", drop)


def seed_hosts(db_url: str, segment_uuid: str, names: list[str]) -> list[dict]:
    """Write hosts straight into a side's database (both use upstream's column names)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rows = [
        {
            "now": now,
            "uuid": str(uuid.uuid4()),
            "name": name,
            "segment": segment_uuid,
        }
        for name in names
    ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO hosts (created_at, deleted, uuid, name, reserved, type,"
                " control_attributes, failover_segment_id, on_maintenance)"
                " VALUES (:now, 0, :uuid, :name, false, 'COMPUTE', 'SSH', :segment, false)"
            ),
            rows,
        )
    engine.dispose()
    return [{"uuid": r["uuid"], "failover_segment_id": segment_uuid} for r in rows]


# --------------------------------------------------------------------------- the two sides


@dataclass
class Side:
    name: str
    port: int
    db: Database
    pid: int = 0

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Nova:
    """The cloud simulator both sides check host names against (its Keystone and its Nova)."""

    identity_url: str
    hosts: list[str]


def ensure_upstream_venv() -> Path:
    """The venv the tests' upstream functional suite uses too: one script builds both."""
    print(f"upstream venv: {UPSTREAM_VENV} (first build: a few minutes)", flush=True)
    env = {**os.environ, "MASAKARI_LITE_UPSTREAM_VENV": str(UPSTREAM_VENV)}
    run([str(UPSTREAM_SCRIPT), "setup"], env=env, timeout=1800)
    return UPSTREAM_VENV


@contextlib.contextmanager
def upstream_server(
    workdir: Path, side: Side, transport_url: str, nova: Nova | None
) -> Iterator[Side]:
    venv = ensure_upstream_venv()
    conf_dir = workdir / "upstream"
    conf_dir.mkdir()
    shutil.copy(venv / "etc" / "masakari" / "api-paste.ini", conf_dir / "api-paste.ini")
    # Upstream reaches Nova as a privileged user through Keystone's catalog (compute:nova),
    # with the auth plugin named in [keystone_authtoken] auth_type, on every call.
    nova_conf = (
        f"""os_privileged_user_name = admin
os_privileged_user_password = admin
os_privileged_user_tenant = admin
os_privileged_user_auth_url = {nova.identity_url}
os_user_domain_name = Default
os_project_domain_name = Default
os_region_name = RegionOne
"""
        if nova
        else ""
    )
    conf = conf_dir / "masakari.conf"
    conf.write_text(
        f"""[DEFAULT]
auth_strategy = noauth2
masakari_api_listen = 127.0.0.1
masakari_api_listen_port = {side.port}
masakari_api_workers = 1
notification_delay_max = 0
api_paste_config = {conf_dir}/api-paste.ini
transport_url = {transport_url}
log_file = {conf_dir}/masakari-api.log
{nova_conf}
[keystone_authtoken]
auth_type = password
[database]
connection = {side.db.url}
[taskflow]
connection = {side.db.url}
"""
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    run([str(venv / "bin" / "masakari-manage"), "--config-file", str(conf), "db", "sync"], env=env)
    log = conf_dir / "stdout.log"
    with process([str(venv / "bin" / "masakari-api"), "--config-file", str(conf)], log, env) as p:
        wait_http(f"http://{side.netloc}/", p, conf_dir / "masakari-api.log")
        side.pid = p.pid
        yield side


@contextlib.contextmanager
def lite_server(workdir: Path, side: Side, transport_url: str, nova: Nova | None) -> Iterator[Side]:
    conf_dir = workdir / "lite"
    conf_dir.mkdir()
    nova_conf = (
        f"""[nova]
auth_type = password
auth_url = {nova.identity_url}
username = admin
password = admin
project_name = admin
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
"""
        if nova
        else ""
    )
    conf = conf_dir / "masakari-lite.conf"
    conf.write_text(
        f"""[DEFAULT]
auth_strategy = noauth2
masakari_api_listen = 127.0.0.1
masakari_api_listen_port = {side.port}
masakari_api_workers = 1
state_path = {conf_dir}
transport_url = {transport_url}
[database]
connection = {side.db.url}
{nova_conf}"""
    )
    run([str(DEV_BIN / "masakari-lite-manage"), "--config-file", str(conf), "db", "sync"])
    log = conf_dir / "stdout.log"
    with process([str(DEV_BIN / "masakari-lite-api"), "--config-file", str(conf)], log) as p:
        wait_http(f"http://{side.netloc}/", p, log)
        side.pid = p.pid
        yield side


@contextlib.contextmanager
def cloud_simulator(workdir: Path, n_hosts: int) -> Iterator[Nova | None]:
    """`masakari-lite cloudsim` in its own process, or None if it cannot run here."""
    port = free_port()
    log = workdir / "cloudsim.log"
    cmd = [
        str(DEV_BIN / "masakari-lite"),
        "cloudsim",
        "--port",
        str(port),
        "--hosts",
        str(n_hosts),
        "--instances-per-host",
        "0",
    ]
    with process(cmd, log) as proc:
        try:
            wait_http(f"http://127.0.0.1:{port}/identity/v3", proc, log, timeout=120)
        except RuntimeError as exc:
            print(f"cloud simulator unavailable, host create left out: {exc}", flush=True)
            nova = None
        else:
            hosts = [f"host{i}" for i in range(1, n_hosts + 1)]
            nova = Nova(f"http://127.0.0.1:{port}/identity/v3", hosts)
        yield nova


# --------------------------------------------------------------------------- the mix


OPERATIONS = [
    "segment create",
    "segment get",
    "segment list",
    "host create",
    "host get",
    "host list",
    "notification create",
    "notification list",
]
# Hosts are spread over this many segments; host list reads the first, ~N/10 hosts.
HOST_SEGMENTS = 10


class Mix:
    """One side's run through the operations, in order; each phase builds on the last."""

    def __init__(self, side: Side, n: int, nova: Nova | None):
        self.side = side
        self.n = n
        self.nova = nova
        self.tag = uuid.uuid4().hex[:6]
        self.round = 0
        self.segments: list[str] = []
        self.host_names: list[str] = []
        self.hosts: list[str] = []
        self.results: dict[str, Stats] = {}

    def requests(self, op: str) -> tuple[list[Request], str | None] | None:
        """The requests of ``op`` and the envelope key of what they create; None to skip."""
        n = self.n
        if op == "segment create":
            self.round += 1
            body = [
                {
                    "segment": {
                        "name": f"bench-{self.tag}-{self.round}-{i}",
                        "service_type": "COMPUTE",
                        "recovery_method": "auto",
                        "description": "benchmark segment",
                    }
                }
                for i in range(n)
            ]
            return [Request("POST", "/v1/segments", b) for b in body], "segment"
        if op == "segment get":
            segs = self.segments
            return [Request("GET", f"/v1/segments/{segs[i % len(segs)]}") for i in range(n)], None
        if op == "segment list":
            return [Request("GET", f"/v1/segments?limit={LIST_LIMIT}")] * n, None
        if op == "host create":
            if self.nova is None:
                self._seed_hosts([f"bench-{self.tag}-host-{i}" for i in range(n)])
                return None
            return [
                Request(
                    "POST",
                    f"/v1/segments/{self._host_segment(i)}/hosts",
                    {"host": {"name": name, "type": "COMPUTE", "control_attributes": "SSH"}},
                )
                for i, name in enumerate(self.nova.hosts[:n])
            ], "host"
        home = self.segments[0]
        if op == "host get":
            hosts = self.hosts
            return [
                Request("GET", f"/v1/segments/{home}/hosts/{hosts[i % len(hosts)]}")
                for i in range(n)
            ], None
        if op == "host list":
            return [Request("GET", f"/v1/segments/{home}/hosts")] * n, None
        if op == "notification create":
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()
            names = self.host_names
            return [
                Request(
                    "POST",
                    "/v1/notifications",
                    {
                        "notification": {
                            "type": "VM",
                            "hostname": names[i % len(names)],
                            "generated_time": now,
                            "payload": {
                                "event": "LIFECYCLE",
                                "instance_uuid": str(uuid.uuid4()),
                                "vir_domain_event": "STOPPED_FAILED",
                            },
                        }
                    },
                )
                for i in range(n)
            ], None
        if op == "notification list":
            return [Request("GET", f"/v1/notifications?limit={LIST_LIMIT}")] * n, None
        raise ValueError(op)

    def record(self, op: str, stats: Stats, created: list[dict]) -> None:
        if op not in self.results or stats.rps > self.results[op].rps:
            self.results[op] = stats
        if op == "segment create":
            if not created:
                raise RuntimeError(f"{self.side.name}: no segment was created: {stats.first_error}")
            self.segments = [c["uuid"] for c in created]
        elif op == "host create":
            self.host_names = self.nova.hosts[: self.n] if self.nova else []
            self._use_hosts(created)

    def _host_segment(self, i: int) -> str:
        return self.segments[i % min(HOST_SEGMENTS, len(self.segments))]

    def _seed_hosts(self, names: list[str]) -> None:
        by_segment: dict[str, list[str]] = {}
        for i, name in enumerate(names):
            by_segment.setdefault(self._host_segment(i), []).append(name)
        seeded = []
        for segment, seg_names in by_segment.items():
            seeded += seed_hosts(self.side.db.url, segment, seg_names)
        self.host_names = names
        self._use_hosts(seeded)

    def _use_hosts(self, hosts: list[dict]) -> None:
        """Host get and list work on the first segment's hosts."""
        home = self.segments[0]
        self.hosts = [h["uuid"] for h in hosts if h["failover_segment_id"] == home]
        if not self.hosts:
            raise RuntimeError(f"{self.side.name}: no host in the first segment")


def run_mixes(
    mixes: list[Mix], pool, concurrency: int, max_seconds: float, rounds: int = 1
) -> None:
    """Each operation on every side in turn, so both see the same machine load.

    With several rounds each side keeps its best round: on a shared machine the
    neighbours' load only ever slows a phase down.
    """
    turn = 0
    for op in OPERATIONS:
        # Host names come from the simulated cloud and can be added only once.
        for _ in range(1 if op == "host create" else rounds):
            # Alternate who goes first, against any drift in the machine's load.
            order = mixes if turn % 2 == 0 else list(reversed(mixes))
            turn += 1
            for mix in order:
                run_one(mix, op, pool, concurrency, max_seconds)


def run_one(mix: Mix, op: str, pool, concurrency: int, max_seconds: float) -> None:
    planned = mix.requests(op)
    if planned is None:
        return
    requests, created_key = planned
    stats, created = run_phase(
        pool, mix.side.netloc, requests, concurrency, max_seconds, created_key
    )
    note = f"  ({stats.errors} errors: {stats.first_error})" if stats.errors else ""
    print(f"  {mix.side.name:13} {op:20} {stats.rps:8.1f} req/s{note}", flush=True)
    mix.record(op, stats, created)


# --------------------------------------------------------------------------- report


def report(results: dict[str, dict[str, Stats]], rss: dict[str, float]) -> None:
    lite, up = results.get("masakari-lite", {}), results.get("upstream", {})
    print()
    header = (
        f"{'operation':20} | {'lite req/s':>10} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'upstream req/s':>14} {'p50 ms':>7} {'p99 ms':>7} | {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for op in OPERATIONS:
        a, b = lite.get(op), up.get(op)
        if not a and not b:
            continue
        cols = [f"{op:20}"]
        blank = f"{'':7} {'':7}"
        cols.append(f"{a.rps:10.1f} {a.p50_ms:7.1f} {a.p99_ms:7.1f}" if a else f"{'-':>10} {blank}")
        cols.append(f"{b.rps:14.1f} {b.p50_ms:7.1f} {b.p99_ms:7.1f}" if b else f"{'-':>14} {blank}")
        cols.append(f"{a.rps / b.rps:5.1f}x" if a and b and b.rps else f"{'-':>6}")
        print(" | ".join(cols))
    for name, value in rss.items():
        print(f"RSS after the run, {name}: {value:.0f} MB")
    errors = {
        f"{side}/{op}": s.errors
        for side, ops in results.items()
        for op, s in ops.items()
        if s.errors
    }
    if errors:
        print(f"non-2xx responses (the figures above include them): {errors}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", "-n", type=int, default=500, help="requests per operation")
    parser.add_argument("--concurrency", "-c", type=int, default=4, help="client processes")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--only", choices=["lite", "upstream"], help="run one side only")
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat each operation, keep each side's best"
    )
    parser.add_argument("--max-seconds", type=float, default=60, help="cap per phase and side")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument(
        "--no-nova",
        action="store_true",
        help="no cloud simulator: seed hosts through SQL and leave host create out",
    )
    parser.add_argument(
        "--transport-url",
        help="oslo.messaging URL for both sides (default: the local RabbitMQ's / vhost if it "
        "answers, else the in-process fake driver)",
    )
    args = parser.parse_args(argv)
    transport = args.transport_url or (
        "rabbit://guest:guest@127.0.0.1:5672/" if answers("127.0.0.1", 5672) else "fake:/"
    )
    print(
        f"{args.requests} requests per operation, {args.concurrency} clients, {args.db}, "
        f"transport {transport.split('@')[-1]}, one API worker each",
        flush=True,
    )
    sides = [("masakari-lite", lite_server), ("upstream", upstream_server)]
    if args.only:
        sides = [s for s in sides if args.only in s[0]]
    rss: dict[str, float] = {}
    workdir = Path(tempfile.mkdtemp(prefix="masakari-bench-"))
    ctx = multiprocessing.get_context("fork")
    try:
        with contextlib.ExitStack() as stack:
            # Fork the clients first, while this process is still small.
            pool = stack.enter_context(ctx.Pool(args.concurrency))
            nova = None
            if not args.no_nova:
                nova = stack.enter_context(cloud_simulator(workdir, args.requests))
            mixes = []
            for name, server in sides:
                db = make_database(args.db, workdir, name.replace("-", "_"))
                stack.callback(db.drop)
                side = stack.enter_context(
                    server(workdir, Side(name, free_port(), db), transport, nova)
                )
                mixes.append(Mix(side, args.requests, nova))
            run_mixes(mixes, pool, args.concurrency, args.max_seconds, args.rounds)
            rss = {mix.side.name: rss_mb(mix.side.pid) for mix in mixes}
            results = {mix.side.name: mix.results for mix in mixes}
    except BaseException:
        print(f"logs kept in {workdir}", file=sys.stderr)
        raise
    else:
        if args.keep:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(results, rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
