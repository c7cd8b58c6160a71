"""Personal data end to end: a subject access pack, a retention dry run, an erasure through the
CLI, the chronology afterwards over HTTP, and the audit trail still intact."""

import json
import time
from pathlib import Path

import httpx2

from hub.personal_data import KEY_CACHE_SECONDS
from tests.e2e.conftest import RunningHub
from tests.support import child, notification


def test_subject_access_retention_erasure(running_hub: RunningHub, tmp_path: Path) -> None:
    hub = running_hub
    hub.cli("agencies", "add", "--id", "notts-police", "--kind", "police", "--name", "Police")
    hub.cli("agencies", "add", "--id", "city-mash", "--kind", "mash", "--name", "MASH")
    police = hub.add_user("notts-police", "police-officer", "PC Reid")
    mash = hub.add_user("city-mash", "mash-worker", "Priya Shah")
    sent = httpx2.post(f"{hub.url}/v1/notifications", headers={
        "Authorization": f"Bearer {police}"}, json=notification(
            subjects=[child("Tamsin", "Wolde", "2012-05-05"),
                      {"role": "perpetrator", "given_name": "Rory", "family_name": "Dunne"}],
            summary="Tamsin said she was frightened"))
    child_id = sent.json()["child_ids"][0]
    chronology = f"{hub.url}/v1/children/{child_id}/chronology"
    reader = {"Authorization": f"Bearer {mash}", "X-Purpose": "triage"}
    assert httpx2.get(chronology, headers=reader).status_code == 200

    pack = tmp_path / "sar"
    made = hub.cli("sar", "--child", child_id, "--out", str(pack)).stdout
    assert "due by" in made
    content = json.loads((pack / "subject-access.json").read_text())
    assert content["records"][0]["subjects"][0]["given_name"] == "Tamsin"
    assert content["records"][0]["subjects"][1] == "[redacted]"
    assert hub.cli("sar", "--child", child_id, expect=2).stderr.count("\n") == 1

    assert "0 due" in hub.cli("retention", "run", "--dry-run").stdout
    hub.cli("erase", "--child", child_id, "--reason-code", "court-order", "--reason",
            "Court order to erase, ref C-2026-88")
    time.sleep(KEY_CACHE_SECONDS)  # the server is another process: it trusts keys this long
    after = httpx2.get(chronology, headers=reader).json()["items"][0]
    assert after["details"]["summary"] is None
    assert after["subjects"][0]["given_name"] is None
    assert after["type"] == "domestic_abuse_incident"
    assert "intact" in hub.cli("audit", "verify").stdout
    assert "erase-child" not in hub.cli("erase", "--child", child_id, "--reason-code",
                                        "recorded-in-error", expect=2).stdout
