"""The Prometheus metrics of ``hub ingest`` and ``hub relay``: served on loopback, and only to a
scraper that shows the metrics token (HUB_METRICS_TOKEN), as ``/metrics`` of ``hub serve``."""

import json
import threading
from collections.abc import Iterable
from socketserver import ThreadingMixIn
from types import TracebackType
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import CollectorRegistry, make_wsgi_app

from hub.api.middleware import SECURITY_HEADERS
from hub.settings import bearer_matches

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_: object) -> None:
        return  # the scraper's address and path are not worth a line per scrape


def metrics_app(registry: CollectorRegistry, token: str) -> WSGIApplication:
    """The registry's metrics for a request with 'Authorization: Bearer TOKEN'; 401 otherwise,
    in the hub's error shape. Every answer carries the hub's security headers."""
    metrics = make_wsgi_app(registry)
    refusal = json.dumps({"error": {
        "code": "not_authenticated",
        "message": "the metrics need 'Authorization: Bearer' with the metrics token "
                   "(HUB_METRICS_TOKEN)"}}).encode()
    hardening = list(SECURITY_HEADERS.items())

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not bearer_matches(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [
                ("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer"),
                ("Content-Length", str(len(refusal))), *hardening])
            return [refusal]

        def hardened(status: str, headers: list[tuple[str, str]],
                     exc_info: ExcInfo | None = None, /) -> object:
            return start_response(status, [*headers, *hardening], exc_info)

        body: Iterable[bytes] = metrics(environ, hardened)
        return body

    return app


def serve_metrics(port: int, registry: CollectorRegistry, token: str,
                  host: str = "127.0.0.1") -> WSGIServer:
    """Serve the registry on host:port from a background thread, until the process ends."""
    server: WSGIServer = make_server(host, port, metrics_app(registry, token),
                                     server_class=_Server, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server
