"""keystonemiddleware's auth_token in front of the ASGI app.

auth_token is WSGI middleware. Token validation stays entirely in the
unmodified ``AuthProtocol``: for each request we hand it a WSGI environ built
from the request headers (auth_token never reads the body) and a tiny probe
app. If the probe is reached, the token was accepted, and the headers
auth_token rewrote (identity headers set, client-sent ones removed) replace
the request's. Otherwise auth_token's own answer (its 401) goes back as is.
It runs in the threadpool because auth_token blocks on Keystone when a token
is not in its cache.
"""

from __future__ import annotations

from keystonemiddleware import auth_token
from oslo_config import cfg
from starlette.concurrency import run_in_threadpool

_REACHED = "masakari_lite.auth_accepted"


def _probe(environ, start_response):
    environ[_REACHED] = True
    start_response("204 No Content", [])
    return [b""]


def _environ(scope) -> dict:
    server = scope.get("server") or ("localhost", 80)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": None,
        "wsgi.errors": None,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[name] = value
            continue
        key = f"HTTP_{name}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _headers_from(environ: dict, original: list) -> list:
    kept = [(k, v) for k, v in original if k in (b"content-type", b"content-length")]
    for key, value in environ.items():
        # auth_token sets some identity headers to None for project-scoped tokens.
        if key.startswith("HTTP_") and value is not None:
            name = key[5:].lower().replace("_", "-").encode("latin-1")
            kept.append((name, str(value).encode("latin-1")))
    return kept


class KeystoneAuth:
    """ASGI middleware: every /v1 route, the version document included, needs a valid token.

    As upstream: only `/` (discovery) and /healthcheck answer without one.
    """

    def __init__(self, app, conf: cfg.ConfigOpts):
        self.app = app
        self._auth = auth_token.AuthProtocol(_probe, {"oslo_config_config": conf})

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path != "/v1" and not path.startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        environ = _environ(scope)
        status, headers, body = await run_in_threadpool(self._validate, environ)
        if environ.get(_REACHED):
            scope["headers"] = _headers_from(environ, scope["headers"])
            scope["keystone.token_info"] = environ.get("keystone.token_info")
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _validate(self, environ: dict) -> tuple[int, list, bytes]:
        captured: dict = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers

        chunks = self._auth(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return captured.get("status", 500), captured.get("headers", []), body
