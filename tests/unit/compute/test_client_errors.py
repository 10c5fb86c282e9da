"""How NovaClient reports what goes wrong on the wire, over real HTTP.

A tiny local HTTP server plays a misbehaving Nova (it answers the version
document, then whatever status the test asks for); the client under test is
the real one, with its real keystoneauth session and openstacksdk proxy.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from oslo_config import cfg

from masakari_lite.compute import (
    ComputeConflict,
    ComputeError,
    ComputeNotFound,
    ComputeUnavailable,
)
from masakari_lite.compute.client import NovaClient, get_client, reset_clients
from masakari_lite.conf import nova as nova_conf

VERSION = {
    "version": {
        "id": "v2.1",
        "status": "CURRENT",
        "version": "2.90",
        "min_version": "2.1",
        "links": [{"rel": "self", "href": "/v2.1/"}],
    }
}


class _Nova(BaseHTTPRequestHandler):
    answer: tuple[int, object] = (200, {})
    delay: float = 0.0
    seen: list[tuple[str, str, str | None]] = []

    def _reply(self, status: int, body: object) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.rstrip("/") == "/v2.1":
            return self._reply(200, VERSION)
        type(self).seen.append((self.command, self.path, self.headers.get("OpenStack-API-Version")))
        if self.delay:
            time.sleep(self.delay)
        self._reply(*type(self).answer)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def nova():
    _Nova.answer, _Nova.delay, _Nova.seen = (200, {}), 0.0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nova)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v2.1"
    server.shutdown()
    server.server_close()


def _conf(url: str, **overrides) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    nova_conf.register_opts(conf)
    conf([], project="masakari-lite-test")
    conf.set_override("auth_type", "none", "nova")
    conf.set_override("endpoint_override", url, "nova")
    for k, v in overrides.items():
        conf.set_override(k, v, "nova")
    return conf


@pytest.mark.parametrize(
    "status,body,error",
    [
        (
            404,
            {"itemNotFound": {"code": 404, "message": "Instance x could not be found."}},
            ComputeNotFound,
        ),
        (
            409,
            {"conflictingRequest": {"code": 409, "message": "in task_state rebuilding"}},
            ComputeConflict,
        ),
        (
            400,
            {"badRequest": {"code": 400, "message": "Compute service of h is still in use."}},
            ComputeError,
        ),
        (403, {"forbidden": {"code": 403, "message": "Policy doesn't allow"}}, ComputeError),
        (
            500,
            {"computeFault": {"code": 500, "message": "Unexpected API Error."}},
            ComputeUnavailable,
        ),
        (503, "<html>Service Unavailable</html>", ComputeUnavailable),
        (429, {"overLimit": {"code": 429, "message": "slow down"}}, ComputeUnavailable),
    ],
)
def test_status_maps_to_error(nova, status, body, error):
    _Nova.answer = (status, body)
    client = NovaClient(_conf(nova))
    with pytest.raises(error) as err:
        client.evacuate_server("abc")
    assert type(err.value) is error
    assert err.value.status_code == status
    if isinstance(body, dict):
        # Nova's own message reaches the caller, not a wrapper's
        assert next(iter(body.values()))["message"] in str(err.value)


def test_microversion_is_lowered_to_server_max(nova):
    client = NovaClient(_conf(nova))  # [nova] api_microversion defaults to 2.95
    assert client.max_microversion() == "2.90"
    client.stop_server("abc")
    assert _Nova.seen[-1] == ("POST", "/v2.1/servers/abc/action", "compute 2.90")


def test_connection_refused_is_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nobody listens there
    client = NovaClient(_conf(f"http://127.0.0.1:{port}/v2.1"))
    with pytest.raises(ComputeUnavailable):
        client.get_server("abc")


def test_timeout_is_unavailable(nova):
    client = NovaClient(_conf(nova, timeout=0.3))
    client.max_microversion()  # the version document answers at once
    _Nova.delay = 1.0
    with pytest.raises(ComputeUnavailable):
        client.get_server("abc")


def test_get_client_is_shared_per_config(nova):
    reset_clients()
    conf_a, conf_b = _conf(nova), _conf(nova)
    try:
        assert get_client(conf_a) is get_client(conf_a)
        assert get_client(conf_a) is not get_client(conf_b)
    finally:
        reset_clients()


def test_a_new_config_never_gets_the_client_of_a_collected_one(nova):
    import gc

    reset_clients()
    try:
        earlier = [get_client(_conf(nova)) for _ in range(3)]  # their confs are dropped here
        gc.collect()
        later = get_client(_conf(nova))
        assert all(later is not client for client in earlier)
    finally:
        reset_clients()
