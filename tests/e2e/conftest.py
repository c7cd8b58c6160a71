"""A real hub: the ``hub`` command line, and ``hub serve`` on a free loopback port."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

# A server left behind by a killed test run stops by itself after this long.
SERVER_LIFETIME_S = 600


@dataclass
class RunningHub:
    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "hub", *args], env=self.env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done

    def add_user(self, agency: str, role: str, name: str) -> str:
        """Register a person through the CLI; the token is the last line of stdout."""
        return self.cli("users", "add", "--agency", agency, "--role", role,
                        "--name", name).stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def running_hub(tmp_path: Path) -> Iterator[RunningHub]:
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"),
           "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3", "HUB_ENV": "dev"}
    port = free_port()
    log = tmp_path / "serve.log"
    hub = RunningHub(f"http://127.0.0.1:{port}", env, log)
    hub.cli("keys", "init")
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            ["timeout", str(SERVER_LIFETIME_S), sys.executable, "-m", "hub", "serve",
             "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(f"{hub.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("hub serve did not start: " + log.read_text())
            time.sleep(0.1)
        yield hub
    finally:
        server.terminate()
        server.wait(timeout=30)
