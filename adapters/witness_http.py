"""The HTTP server ``hub witness serve`` runs (https://c2sp.org/tlog-witness): standard
library only, HTTP/1.1 with keep-alive, as the spec recommends. ``POST /add-checkpoint``
(the submission prefix is the server's root) and ``GET /healthz``."""

from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapters.witness_client import ADD_CHECKPOINT
from hub.audit.witness_protocol import MAX_REQUEST_BYTES
from hub.witness import Witness

log = logging.getLogger("hub.witness")

# RFC 9110: Content-Length = 1*DIGIT, ASCII only (str.isdigit() also takes "²" and "٣").
_CONTENT_LENGTH = re.compile(r"[0-9]{1,20}", re.ASCII)
TEXT = "text/plain; charset=utf-8"


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True
    witness: Witness


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: WitnessServer

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if self.path != ADD_CHECKPOINT:
            self.close_connection = True  # its body, unread, must not be taken for a request
            self._answer(404, TEXT, b"not found\n")
            return
        lengths = self.headers.get_all("Content-Length") or []
        if len(lengths) != 1 or "Transfer-Encoding" in self.headers:
            self.close_connection = True
            self._answer(411, TEXT, b"one Content-Length is required\n")
            return
        length = lengths[0].strip()
        if not _CONTENT_LENGTH.fullmatch(length):
            self.close_connection = True
            self._answer(400, TEXT, b"Content-Length must be a decimal number\n")
            return
        if int(length) > MAX_REQUEST_BYTES:
            self.close_connection = True
            self._answer(413, TEXT, b"too large\n")
            return
        body = self.rfile.read(int(length))
        answer = self.server.witness.add_checkpoint(body)
        self._answer(answer.status, answer.content_type, answer.body)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, TEXT, b"ok\n")
        else:
            self._answer(404, TEXT, b"not found\n")

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def start_witness_server(witness: Witness, host: str, port: int) -> WitnessServer:
    """Bind (port 0: any free one) and serve in a background thread; ``shutdown()`` stops it."""
    server = WitnessServer((host, port), _Handler)
    server.witness = witness
    threading.Thread(target=server.serve_forever, name="witness-http", daemon=True).start()
    return server
