"""Witnesses for tests: ``hub witness serve`` as its own process, or in this one.

Either way a witness binds 127.0.0.1 on a free port, in a HUB_HOME of its own, and stops by
itself: the process under ``timeout`` (and when the test ends), the in-process server when
its fixture ends (its threads are daemons besides).
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from adapters.keys import KeyFiles
from adapters.witness_http import start_witness_server
from hub.audit.notes import NoteSigner
from hub.witness import open_witness
from tests.e2e.conftest import free_port

# A witness left behind by a killed test run stops by itself after this long.
WITNESS_LIFETIME_S = 600


@dataclass
class RunningWitness:
    url: str
    home: Path
    vkey: str
    process: "subprocess.Popen[bytes] | None" = None

    def stop(self) -> None:
        """Stop this witness's own process (started by the test), by its id."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    @property
    def config(self) -> str:
        """Its entry in HUB_AUDIT_WITNESSES."""
        return f"{self.vkey}@{self.url}"


def witness_env(home: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return {**env, "HUB_HOME": str(home), "HUB_WITNESS_NAME": name}


def witness_key(home: Path, name: str) -> str:
    done = subprocess.run([sys.executable, "-m", "hub", "witness", "key"],
                          env=witness_env(home, name), capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout.strip()


@contextmanager
def witness_process(home: Path, name: str, logs: list[str],
                    options: Sequence[str] = ()) -> Iterator[RunningWitness]:
    """``hub witness serve [options]`` on a free loopback port, stopped when the block ends."""
    vkey = witness_key(home, name)
    port = free_port()
    log = home / "serve.log"
    args = ["timeout", str(WITNESS_LIFETIME_S), sys.executable, "-m", "hub", "witness",
            "serve", "--host", "127.0.0.1", "--port", str(port)]
    for key in logs:
        args += ["--log", key]
    args += options
    with log.open("wb") as log_file:
        server = subprocess.Popen(args, env=witness_env(home, name), stdout=log_file,
                                  stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("hub witness serve did not start: " + log.read_text())
            time.sleep(0.1)
        yield RunningWitness(url, home, vkey, server)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def hub_verifier_key(home: Path, origin: str = "safeguarding-hub/audit") -> str:
    """The audit verifier key of the hub in ``home`` (its key made now if missing)."""
    seed = KeyFiles(home, may_generate=True).secret("audit-signing")
    return NoteSigner.from_private_bytes(origin, seed).verifier_key()


@contextmanager
def witness_thread(home: Path, name: str, logs: list[str]) -> Iterator[RunningWitness]:
    """A witness served from this process, on a free loopback port."""
    witness = open_witness(home, name, logs, may_generate=True)
    server = start_witness_server(witness, "127.0.0.1", 0)
    try:
        yield RunningWitness(f"http://127.0.0.1:{server.server_port}", home,
                             witness.signer.verifier_key())
    finally:
        server.shutdown()
        server.server_close()
        witness.state.close()


def forget_memory(home: Path) -> None:
    """Delete every checkpoint the hub keeps in HUB_HOME/audit (under each name of each
    store), as an operator with HUB_HOME may."""
    for kept in (home / "audit").glob("last-checkpoint-*.json"):
        kept.unlink()
