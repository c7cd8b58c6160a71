"""The HTTP server ``hub witness serve`` runs (https://c2sp.org/tlog-witness): standard
library only, HTTP/1.1 with keep-alive, as the spec recommends. ``POST /add-checkpoint``
(the submission prefix is the server's root) and ``GET /healthz``.

A client gets ``READ_TIMEOUT_S`` of silence at most, and ``REQUEST_DEADLINE_S`` for a whole
request (request line, headers and body, or the wait for the next request on a kept-alive
connection): a client that promises a body and never sends it, or sends it a byte at a time,
gets a 408 (or, still in its request line, a closed connection) instead of holding a
thread.
"""

from __future__ import annotations

import io
import logging
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapters.witness_client import ADD_CHECKPOINT
from hub.audit.witness_protocol import MAX_REQUEST_BYTES
from hub.witness import Witness

log = logging.getLogger("hub.witness")

# RFC 9110: Content-Length = 1*DIGIT, ASCII only (str.isdigit() also takes "²" and "٣").
_CONTENT_LENGTH = re.compile(r"[0-9]{1,20}", re.ASCII)
TEXT = "text/plain; charset=utf-8"
READ_TIMEOUT_S = 10.0
REQUEST_DEADLINE_S = 30.0


class _DeadlineReader(io.RawIOBase):
    """Reads from the socket, each read waiting ``READ_TIMEOUT_S`` at most and none past the
    deadline (``TimeoutError``)."""

    def __init__(self, connection: socket.socket) -> None:
        self._connection = connection
        self.deadline = time.monotonic() + REQUEST_DEADLINE_S

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request took too long")
        self._connection.settimeout(min(left, READ_TIMEOUT_S))
        return self._connection.recv_into(buffer)


class WitnessServer(ThreadingHTTPServer):
    daemon_threads = True
    witness: Witness


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = READ_TIMEOUT_S
    server: WitnessServer

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        self._reader.deadline = time.monotonic() + REQUEST_DEADLINE_S
        super().handle_one_request()

    def parse_request(self) -> bool:
        try:
            return super().parse_request()
        except TimeoutError:  # the headers did not arrive in time
            self.close_connection = True
            self._answer(408, TEXT, b"the request headers did not arrive in time\n")
            return False

    def _answer(self, status: int, content_type: str, body: bytes) -> None:
        self.connection.settimeout(READ_TIMEOUT_S)  # for the write: not what is left to read
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
        try:
            body = self.rfile.read(int(length))
        except TimeoutError:
            body = b""
        if len(body) != int(length):  # timed out, or the client closed its side
            self.close_connection = True
            self._answer(408, TEXT, b"the request body did not arrive in time\n")
            return
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
