"""The witnessed audit trail with real processes: ``hub serve`` submitting its checkpoints to
two ``hub witness serve`` processes (each in a HUB_HOME of its own), the public checkpoint
carrying both cosignatures, ``hub audit verify`` asking both, and the alarm when one goes."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
import pytest

from hub.audit.cosignature import CosignatureVerifier
from hub.audit.notes import parse_note
from tests.e2e.conftest import SERVER_LIFETIME_S, RunningHub, free_port
from tests.support import notification
from tests.witness_support import RunningWitness, hub_verifier_key, witness_process


def wait_for(what: str, check: Any, seconds: float = 90) -> Any:
    """Poll until ``check()`` is truthy; the hub signs a checkpoint every few seconds."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        time.sleep(0.5)


@pytest.fixture
def witnessed(tmp_path: Path) -> Iterator[tuple[RunningHub, list[RunningWitness], ExitStack]]:
    home = tmp_path / "home"
    log_key = hub_verifier_key(home)
    stack = ExitStack()
    with stack:
        witnesses = [stack.enter_context(witness_process(tmp_path / name, name, [log_key]))
                     for name in ("county.example.gov.uk/witness", "ig.example.nhs.uk/witness")]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("HUB_")},
               "HUB_HOME": str(home), "HUB_STORE_URL": f"sqlite:///{tmp_path}/hub.sqlite3",
               "HUB_ENV": "dev",
               "HUB_AUDIT_WITNESSES": ",".join(w.config for w in witnesses)}
        port = free_port()
        hub = RunningHub(f"http://127.0.0.1:{port}", env, tmp_path / "serve.log")
        with hub.log.open("wb") as log_file:
            server = subprocess.Popen(
                ["timeout", str(SERVER_LIFETIME_S), sys.executable, "-m", "hub", "serve",
                 "--host", "127.0.0.1", "--port", str(port)],
                env=env, stdout=log_file, stderr=subprocess.STDOUT)

        def stop() -> None:
            server.terminate()
            server.wait(timeout=30)

        stack.callback(stop)
        wait_for("hub serve answers", lambda: _up(hub.url))
        yield hub, witnesses, stack


def _up(url: str) -> bool:
    try:
        return httpx2.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx2.TransportError:
        return False


def test_checkpoints_are_witnessed_and_a_lost_witness_raises_the_alarm(
        witnessed: tuple[RunningHub, list[RunningWitness], ExitStack]) -> None:
    hub, witnesses, _ = witnessed
    hub.cli("agencies", "add", "--id", "notts-police", "--kind", "police", "--name", "Police")
    police = hub.add_user("notts-police", "police-officer", "PC Reid")
    httpx2.post(f"{hub.url}/v1/notifications", json=notification(),
                headers={"Authorization": f"Bearer {police}"})

    def cosigned() -> str | None:
        answer = httpx2.get(f"{hub.url}/v1/audit/checkpoint")  # public: no token
        if answer.status_code != 200 or len(parse_note(answer.text)[1]) < 3:
            return None
        return answer.text

    note = wait_for("a checkpoint cosigned by both witnesses", cosigned)
    for witness in witnesses:
        CosignatureVerifier.parse(witness.vkey).verify(note)
    ready = httpx2.get(f"{hub.url}/readyz").json()["audit"]
    assert ready["alarm"] is False
    assert [w["ok"] for w in ready["witnesses"]] == [True, True]
    verified = hub.cli("audit", "verify")
    assert "intact" in verified.stdout
    assert verified.stdout.count(": the same tree") == 2


def test_an_unreachable_witness_raises_the_alarm(
        witnessed: tuple[RunningHub, list[RunningWitness], ExitStack]) -> None:
    hub, witnesses, _ = witnessed

    def readiness() -> dict[str, Any]:
        audit: dict[str, Any] = httpx2.get(f"{hub.url}/readyz").json()["audit"]
        return audit

    hub.cli("audit", "who-saw")  # an audited act: an entry to checkpoint
    wait_for("a witnessed checkpoint",
             lambda: [w["ok"] for w in readiness()["witnesses"]] == [True, True])
    witnesses[0].stop()  # the county's witness goes away; the hub still has its address
    hub.cli("audit", "who-saw")
    alarm = wait_for("the alarm", lambda: (r := readiness())["alarm"] and r)
    [county, ig] = alarm["witnesses"]
    assert county["ok"] is False
    assert "unreachable" in county["problem"]
    assert ig["ok"] is True
    assert alarm["checkpointer"] == "running"  # checkpoints are still signed and kept
    token = (Path(hub.env["HUB_HOME"]) / "metrics.token").read_text().strip()
    metrics = httpx2.get(f"{hub.url}/metrics", headers={"Authorization": f"Bearer {token}"})
    assert 'hub_audit_witness_up{witness="county.example.gov.uk/witness"} 0.0' in metrics.text
    assert 'hub_audit_witness_up{witness="ig.example.nhs.uk/witness"} 1.0' in metrics.text
    assert "audit witness alarm: county.example.gov.uk/witness" in hub.log.read_text()
    # Verification cannot ask the county's witness: it says so, and fails closed.
    failed = hub.cli("audit", "verify", expect=1)
    assert "witness county.example.gov.uk/witness" in failed.stdout
    assert "unreachable" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
