"""A real Nova 34.0.0 in one process, served on a TCP port, for masakari-lite's tests.

Runs INSIDE the harness virtualenv (tools/realnova/realnova.sh setup), never in
masakari-lite's own: nova pins eventlet and SQLAlchemy < 2.1.

What is real: nova-api (paste pipeline, policy, schema validation, microversions),
conductor, scheduler, Placement, and one nova-compute service per host with the
fake virt driver, wired together by the fixtures the nova wheel ships for its own
functional tests (in-memory sqlite, in-process ``fake://`` RPC, casts stay
asynchronous). Keystone, Glance, Neutron and Cinder are nova's test stand-ins;
a small Keystone v3 token endpoint of ours sits at ``/identity/v3`` so
password auth works end to end.

Our control endpoints (not Nova's) live under ``/_harness``:

- ``GET  /_harness/info``                     hosts and their state, images, ids, and
  counters: tokens our Keystone issued, Nova requests, distinct tokens Nova saw
- ``POST /_harness/computes/<host>/start``    add a host, or restart a stopped one
- ``POST /_harness/computes/<host>/stop``     stop its nova-compute: a host failure
- ``POST /_harness/shutdown``                 exit the process

Auth seen by Nova: a token ``<user>:<project>`` (what our Keystone issues) acts as
that user, with the admin role only for ``admin``; any other token (keystoneauth's
``none`` plugin sends ``notused``) acts as admin in the default project.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from nova import monkey_patch

# nova's eventlet patching must precede every import that may create sockets,
# locks or threads (nova's own test packages do the same on import).
monkey_patch.patch()

import eventlet  # noqa: E402
import eventlet.wsgi  # noqa: E402
from nova.servicegroup import api as servicegroup_api  # noqa: E402
from nova.tests import fixtures as nova_fixtures  # noqa: E402
from nova.tests.functional import integrated_helpers  # noqa: E402

LOG = logging.getLogger("realnova")

HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
IMAGE_ID = nova_fixtures.GlanceFixture.image1["id"]
NETWORK_ID = nova_fixtures.NeutronFixture.network_1["id"]
PROJECT_ID = nova_fixtures.PROJECT_ID
ADMIN_ROLES = "reader,member,admin"
USER_ROLES = "reader,member"


class Lab(integrated_helpers.ProviderUsageBaseTestCase):
    """Nova's functional-test environment, kept alive instead of torn down."""

    compute_driver = "fake.FakeDriver"  # 1000 vCPU, 800 GB RAM per host: capacity is not the test

    def __init__(self, opts: argparse.Namespace):
        super().__init__("runTest")
        self.opts = opts
        self.stopped: set[str] = set()

    def runTest(self) -> None:  # testtools needs a test method to exist
        pass

    def setUp(self) -> None:
        o = self.opts
        # The servicegroup driver and the services read these while setUp builds
        # them, so they must be set before, not after.
        self.flags(report_interval=o.report_interval, service_down_time=o.service_down_time)
        # The wheel installs its data files under the venv, not beside the package.
        self.flags(
            api_paste_config=os.path.join(sys.prefix, "etc/nova/api-paste.ini"), group="wsgi"
        )
        if o.periodic_interval > 0:
            # Nova's test default runs no periodics; a real cloud does, and
            # e.g. the COMPUTE_STATUS_DISABLED trait sync depends on them.
            self.flags(periodic_enable=True, periodic_fuzzy_delay=o.periodic_interval)
        super().setUp()
        # A new compute's first heartbeat comes INITIAL_REPORTING_DELAY (5 s) after
        # it starts. With our short service_down_time a fresh host would look down
        # to the scheduler until then; a real cloud (60 s) never sees that.
        servicegroup_api.INITIAL_REPORTING_DELAY = 0
        # Tests boot dozens of servers in one project; nova's default quota is 10.
        for q in ("instances", "cores", "ram"):
            self.flags(**{q: -1, "group": "quota"})
        # Registered by the RPC fixture inside setUp, so it can only be set now. An
        # RPC *call* to a stopped compute (e.g. disabling a failed host that Nova
        # still believes up) blocks the API request this long, as in a real cloud
        # (default 60 s there).
        self.flags(rpc_response_timeout=o.rpc_response_timeout)
        self._quiet_logging()

    def _quiet_logging(self) -> None:
        # nova's StandardLogging keeps INFO in memory and formats every DEBUG
        # record: memory and CPU a long-lived server must not spend.
        root = logging.getLogger()
        for h in list(root.handlers):
            root.removeHandler(h)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.DEBUG if self.opts.debug else logging.INFO)
        for noisy in (
            "nova.scheduler.host_manager",
            "placement.requestlog",
            "nova.api.openstack.requestlog",
        ):
            logging.getLogger(noisy).setLevel(logging.WARNING)

    # --- hosts

    def start_host(self, host: str) -> str:
        if host in self.computes and host not in self.stopped:
            return "running"
        if host in self.stopped:
            # A restart over the same fake hypervisor, so the new ComputeManager's
            # init_host sees (and destroys) the guests that were evacuated away.
            old = self.computes[host]
            with mock.patch("nova.virt.driver.load_compute_driver") as load:
                load.return_value = old.manager.driver
                self.computes[host] = self._start(host)
            self.stopped.discard(host)
            return "restarted"
        self.computes[host] = self._start(host)
        return "started"

    def _start(self, host: str):
        kwargs = {}
        if self.opts.periodic_interval > 0:
            kwargs["periodic_interval_max"] = self.opts.periodic_interval
        return self.start_service("compute", host=host, **kwargs)

    def stop_host(self, host: str) -> None:
        self.computes[host].stop()
        self.stopped.add(host)

    def info(self) -> dict:
        return {
            "hosts": {h: ("stopped" if h in self.stopped else "running") for h in self.computes},
            "driver_instances": {
                h: sorted(c.manager.driver.list_instance_uuids()) for h, c in self.computes.items()
            },
            "image_id": IMAGE_ID,
            "network_id": NETWORK_ID,
            "project_id": PROJECT_ID,
            "service_down_time": self.opts.service_down_time,
            "report_interval": self.opts.report_interval,
            "rpc_response_timeout": self.opts.rpc_response_timeout,
        }


class Keystone:
    """Just enough Keystone v3 for keystoneauth's password and token plugins."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.tokens_issued = 0

    def version_doc(self) -> dict:
        return {
            "version": {
                "id": "v3.14",
                "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"{self.base_url}/identity/v3/"}],
                "media-types": [
                    {
                        "base": "application/json",
                        "type": "application/vnd.openstack.identity-v3+json",
                    }
                ],
            }
        }

    def issue(self, body: dict) -> tuple[str, dict]:
        ident = body["auth"]["identity"]
        methods = ident["methods"]
        if "password" in methods:
            user = ident["password"]["user"]
            name = user.get("name") or user.get("id")
            if not name:
                raise ValueError("auth.identity.password.user needs a name or an id")
        elif "token" in methods:
            name = _parse_token(ident["token"]["id"])[0]
        else:
            raise ValueError(f"unsupported auth methods {methods}")
        scope = body["auth"].get("scope") or {}
        project = scope.get("project") or {}
        project_id = project.get("id") or PROJECT_ID
        roles = ADMIN_ROLES if name == "admin" else USER_ROLES
        now = datetime.now(UTC)
        compute = f"{self.base_url}/v2.1"
        self.tokens_issued += 1
        token = {
            "methods": methods,
            "user": {"id": name, "name": name, "domain": {"id": "default", "name": "Default"}},
            "project": {
                "id": project_id,
                "name": project.get("name", project_id),
                "domain": {"id": "default", "name": "Default"},
            },
            "roles": [{"id": r, "name": r} for r in roles.split(",")],
            "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "expires_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "catalog": [
                {
                    "type": "compute",
                    "name": "nova",
                    "id": "compute",
                    "endpoints": [
                        {
                            "id": f"compute-{i}",
                            "interface": i,
                            "region": "RegionOne",
                            "region_id": "RegionOne",
                            "url": compute,
                        }
                        for i in ("public", "internal", "admin")
                    ],
                },
                {
                    "type": "identity",
                    "name": "keystone",
                    "id": "identity",
                    "endpoints": [
                        {
                            "id": f"identity-{i}",
                            "interface": i,
                            "region": "RegionOne",
                            "region_id": "RegionOne",
                            "url": f"{self.base_url}/identity/v3",
                        }
                        for i in ("public", "internal", "admin")
                    ],
                },
            ],
        }
        return f"{name}:{project_id}", {"token": token}


def _parse_token(token: str | None) -> tuple[str, str]:
    if token and token.count(":") == 1:
        user, project = token.split(":")
        if user and project:
            return user, project
    return "admin", PROJECT_ID


class App:
    """The WSGI front door: our control API, our Keystone, then real Nova."""

    def __init__(self, lab: Lab, nova_app, base_url: str):
        self.lab = lab
        self.nova = nova_app
        self.keystone = Keystone(base_url)
        self.requests = 0
        self.tokens_seen: set[str] = set()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith("/_harness"):
                return self._harness(environ, start_response, path)
            if path.startswith("/identity"):
                return self._identity(environ, start_response, path)
        except _HTTPError as e:
            return _json(
                start_response, e.status, {"error": {"code": e.status, "message": e.message}}
            )
        self.requests += 1
        token = environ.get("HTTP_X_AUTH_TOKEN")
        if token and len(self.tokens_seen) < 10000:
            self.tokens_seen.add(token)
        user, project = _parse_token(token)
        environ["HTTP_X_AUTH_USER"] = user
        environ["HTTP_X_USER_ID"] = user
        environ["HTTP_X_AUTH_PROJECT_ID"] = project
        environ["HTTP_X_ROLES"] = ADMIN_ROLES if user == "admin" else USER_ROLES
        return self.nova(environ, start_response)

    def _harness(self, environ, start_response, path):
        method = environ["REQUEST_METHOD"]
        parts = [p for p in path.split("/") if p][1:]
        if parts == ["info"] and method == "GET":
            body = self.lab.info()
            body["tokens_issued"] = self.keystone.tokens_issued
            body["nova_requests"] = self.requests
            body["nova_tokens_seen"] = len(self.tokens_seen)
            return _json(start_response, 200, body)
        if parts == ["shutdown"] and method == "POST":
            eventlet.spawn_after(0.2, _exit)
            return _json(start_response, 202, {"shutdown": True})
        if len(parts) == 3 and parts[0] == "computes" and parts[2] in ("start", "stop"):
            if method != "POST":
                raise _HTTPError(405, f"use POST for {path}")
            host = parts[1]
            if not HOST_RE.match(host):
                raise _HTTPError(400, f"invalid host name {host!r}: letters, digits, '.', '_', '-'")
            if parts[2] == "start":
                result = self.lab.start_host(host)
                return _json(
                    start_response,
                    201 if result == "started" else 200,
                    {"host": host, "result": result},
                )
            if host not in self.lab.computes:
                raise _HTTPError(404, f"no compute host {host!r}")
            if host in self.lab.stopped:
                raise _HTTPError(409, f"compute host {host!r} is already stopped")
            self.lab.stop_host(host)
            return _json(start_response, 200, {"host": host, "result": "stopped"})
        raise _HTTPError(404, f"no harness endpoint {method} {path}")

    def _identity(self, environ, start_response, path):
        method = environ["REQUEST_METHOD"]
        tail = path[len("/identity") :].rstrip("/")
        if tail in ("", "/v3") and method == "GET":
            if tail == "":
                doc = {"versions": {"values": [self.keystone.version_doc()["version"]]}}
                return _json(start_response, 300, doc)
            return _json(start_response, 200, self.keystone.version_doc())
        if tail == "/v3/auth/tokens" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"null")
                token, doc = self.keystone.issue(body)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                raise _HTTPError(400, f"bad auth request: {e}") from None
            return _json(start_response, 201, doc, [("X-Subject-Token", token)])
        if tail == "/v3/auth/tokens" and method in ("GET", "HEAD"):
            return _json(start_response, 200, {})
        raise _HTTPError(404, f"no identity endpoint {method} {path}")


class _HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    300: "Multiple Choices",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
}


def _json(start_response, status: int, body: dict, headers: list | None = None):
    data = json.dumps(body).encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Unknown')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        + (headers or []),
    )
    return [data]


def _exit(*_args) -> None:
    LOG.info("realnova: shutting down")
    logging.shutdown()
    # Everything lives in memory; the fixtures' clean-ups would only slow exit.
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=18800, help="0 picks a free port")
    p.add_argument("--computes", default="host1,host2,host3", help="comma-separated host names")
    p.add_argument("--report-interval", type=int, default=1)
    p.add_argument("--service-down-time", type=int, default=6)
    p.add_argument("--rpc-response-timeout", type=int, default=10)
    p.add_argument("--periodic-interval", type=int, default=20, help="0 disables periodic tasks")
    p.add_argument("--ready-file", help="written with the bound port once the API answers")
    p.add_argument("--debug", action="store_true")
    opts = p.parse_args(argv)
    hosts = [h for h in opts.computes.split(",") if h]
    bad = [h for h in hosts if not HOST_RE.match(h)]
    if bad:
        p.error(f"invalid host names: {bad}")

    started = time.monotonic()
    sock = eventlet.listen((opts.host, opts.port))
    port = sock.getsockname()[1]
    base_url = f"http://{opts.host}:{port}"

    lab = Lab(opts)
    lab.setUp()
    for h in hosts:
        lab.start_host(h)
    app = App(lab, lab.api_fixture.app(), base_url)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    LOG.info(
        "realnova: %s hosts, API on %s/v2.1 after %.1f s",
        len(hosts),
        base_url,
        time.monotonic() - started,
    )
    if opts.ready_file:
        tmp = f"{opts.ready_file}.{uuid.uuid4().hex}"
        with open(tmp, "w") as f:
            json.dump({"port": port, "pid": os.getpid(), "url": base_url}, f)
        os.replace(tmp, opts.ready_file)
    eventlet.wsgi.server(
        sock,
        app,
        custom_pool=eventlet.GreenPool(200),
        log_output=False,
        log=logging.getLogger("realnova.wsgi"),
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        # nova's fixtures capture logging; make sure a failed start is seen.
        import traceback

        traceback.print_exc(file=sys.__stderr__)
        sys.exit(1)
