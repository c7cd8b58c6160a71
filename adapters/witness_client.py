"""The client the hub submits checkpoints to witnesses with (https://c2sp.org/tlog-witness):
standard library only, one kept-alive HTTP/1.1 connection per witness."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time

from hub.audit.witness_protocol import MAX_REQUEST_BYTES
from hub.ports import WitnessUnreachable
from hub.urls import http_url

__all__ = ["ADD_CHECKPOINT", "WitnessClient", "WitnessUnreachable"]

ADD_CHECKPOINT = "/add-checkpoint"


class WitnessClient:
    """POSTs add-checkpoint requests to one witness's submission prefix, over one kept-alive
    connection (made again when it breaks).

    ``timeout`` bounds each connect and read; ``deadline`` (twice that) bounds a request as a
    whole, so a witness, or a man in the middle, trickling its answer a byte at a time cannot
    hold the checkpointer (and the signer's lock) for longer: at the deadline the connection
    is shut and the witness counted unreachable."""

    def __init__(self, prefix: str, timeout: float = 5.0, deadline: float | None = None) -> None:
        parts = http_url(prefix, "a witness URL")
        self.prefix = prefix
        self._parts = parts
        self._path = parts.path.rstrip("/") + ADD_CHECKPOINT
        self._timeout = timeout
        self._deadline = 2 * timeout if deadline is None else deadline
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            kind = (http.client.HTTPSConnection if self._parts.scheme == "https"
                    else http.client.HTTPConnection)
            self._connection = kind(self._parts.hostname or "", self._parts.port,
                                    timeout=self._timeout)
        return self._connection

    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body); WitnessUnreachable if there is no answer."""
        deadline = time.monotonic() + self._deadline  # one deadline for both tries
        for _ in range(2):
            fresh = self._connection is None
            connection = self._connect()
            expired = threading.Event()
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), _shut,
                                    (connection, expired))
            timer.daemon = True
            timer.start()
            try:
                connection.request("POST", self._path, body=body, headers={
                    "Content-Type": "text/plain; charset=utf-8"})
                response = connection.getresponse()
                data = response.read(MAX_REQUEST_BYTES)
                if expired.is_set():
                    raise TimeoutError("the answer was cut off at the deadline")
                if response.will_close:
                    self.close()
                return response.status, response.getheader("Content-Type", ""), data
            except (OSError, http.client.HTTPException) as error:
                self.close()
                if expired.is_set():
                    raise WitnessUnreachable(f"no whole answer within {self._deadline:g} "
                                             "seconds") from None
                if fresh:  # only a kept-alive connection, closed meanwhile, is tried again
                    raise WitnessUnreachable(f"{type(error).__name__}: {error}") from None
            finally:
                timer.cancel()
        raise WitnessUnreachable("no answer")  # not reached

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _shut(connection: http.client.HTTPConnection, expired: threading.Event) -> None:
    """The deadline passed: shut the socket, so that the blocked read fails at once."""
    expired.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
