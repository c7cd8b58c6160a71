"""No audit, no disclosure, even in a crash: the hub is killed (SIGKILL) under read load;
after a restart, every response that reached a reader has its audit entry, and the trail
verifies."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2

from hub.bootstrap import bootstrap
from hub.settings import Settings
from tests.e2e.conftest import free_port
from tests.support import notification, seed, submit


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        server = subprocess.Popen(
            ["timeout", "300", sys.executable, "-m", "hub", "serve", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError(log.read_text())


def test_every_answered_read_survives_a_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/hub.sqlite3"
    env = {**os.environ, "HUB_HOME": str(tmp_path / "home"), "HUB_STORE_URL": url}
    hub = bootstrap(Settings(store_url=url, home=tmp_path / "home"))
    tokens = seed(hub)
    child_id = submit(hub, "notts-police", notification()).child_ids[0]
    hub.close()

    port = free_port()
    server = start(env, port, tmp_path / "serve.log")
    answered: list[str] = []
    stop = threading.Event()

    def reader(worker: int) -> None:
        n = 0
        with httpx2.Client(timeout=5) as client:
            while not stop.is_set() and n < 2000:
                ref = f"W-{worker}/{n}"
                n += 1
                try:
                    response = client.get(
                        f"http://127.0.0.1:{port}/v1/children/{child_id}/chronology",
                        headers={"Authorization": f"Bearer {tokens['city-mash']}",
                                 "X-Purpose": "triage", "X-Case-Ref": ref})
                except httpx2.TransportError:
                    return
                if response.status_code == 200:
                    answered.append(ref)

    threads = [threading.Thread(target=reader, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert len(answered) > 20, "the load did not get going"

    server = start(env, port, tmp_path / "serve.log")
    try:
        assert httpx2.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    hub = bootstrap(Settings(store_url=url, home=tmp_path / "home"))
    try:
        audited = {e.case_ref for e in hub.audit.entries() if e.action == "read-chronology"}
        missing = [ref for ref in answered if ref not in audited]
        assert missing == [], f"{len(missing)} answered reads have no audit entry"
    finally:
        hub.close()
    verified = subprocess.run([sys.executable, "-m", "hub", "audit", "verify"], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
