"""The audit trail end to end: reads over HTTP, then export, offline verification, tampering,
a wrong key, key rotation and who-saw, through the real CLI."""

import base64
import json
from pathlib import Path

import httpx2

from hub.audit.notes import NoteSigner
from tests.e2e.conftest import RunningHub
from tests.support import notification


def test_export_verify_tamper_rotate_and_who_saw(running_hub: RunningHub,
                                                  tmp_path: Path) -> None:
    hub = running_hub
    hub.cli("agencies", "add", "--id", "notts-police", "--kind", "police", "--name", "Police")
    hub.cli("agencies", "add", "--id", "city-mash", "--kind", "mash", "--name", "MASH")
    police = hub.add_user("notts-police", "police-officer", "PC Reid")
    mash = hub.add_user("city-mash", "mash-worker", "Priya Shah")
    created = httpx2.post(f"{hub.url}/v1/notifications", json=notification(),
                          headers={"Authorization": f"Bearer {police}"}).json()
    child_id = created["child_ids"][0]
    for n in range(12):
        read = httpx2.get(f"{hub.url}/v1/children/{child_id}/chronology",
                          headers={"Authorization": f"Bearer {mash}", "X-Purpose": "triage",
                                   "X-Case-Ref": f"MASH-{n}"})
        assert read.status_code == 200

    assert "intact" in hub.cli("audit", "verify").stdout
    bundle = tmp_path / "bundle"
    hub.cli("audit", "export", "--out", str(bundle))
    key = (bundle / "public-key").read_text().strip()
    trusted = tmp_path / "trusted.key"
    trusted.write_text(key)
    ok = hub.cli("audit", "verify", "--export", str(bundle), "--public-key", str(trusted))
    # the policy coming into force and 12 reads (an export only reads: it adds no entry)
    assert "intact: 13 entries" in ok.stdout
    fhir = (bundle / "fhir" / "AuditEvent.ndjson").read_text().splitlines()
    # per read: the child's identity, the incident, and each adult named in it (under them)
    assert len(fhir) == 48
    assert "Amy" not in "".join(fhir)

    # Someone edits entry 5 in the exported bundle: named, exit 1.
    lines = (bundle / "entries.jsonl").read_text().splitlines()
    entry = json.loads(lines[5])
    stored = bytearray(base64.b64decode(entry["stored"]))
    stored[40] ^= 1
    entry["stored"] = base64.b64encode(bytes(stored)).decode()
    lines[5] = json.dumps(entry)
    (bundle / "entries.jsonl").write_text("\n".join(lines) + "\n")
    bad = hub.cli("audit", "verify", "--export", str(bundle), "--public-key", str(trusted),
                  expect=1)
    assert "first bad entry 5" in bad.stderr

    # A bundle checked against another hub's key proves nothing.
    other = hub.cli("audit", "export", "--out", str(tmp_path / "again"))
    assert other.returncode == 0
    stranger = NoteSigner.generate("safeguarding-hub/audit").verifier_key()
    refused = hub.cli("audit", "verify", "--export", str(tmp_path / "again"), "--public-key",
                      stranger, expect=1)
    assert "NOT intact" in refused.stderr
    garbled = hub.cli("audit", "verify", "--export", str(tmp_path / "again"), "--public-key",
                      "not-a-key", expect=2)
    assert len(garbled.stderr.strip().splitlines()) == 1

    # Rotating the signing key keeps every old checkpoint verifiable.
    rotated = hub.cli("keys", "rotate-audit").stdout.strip().splitlines()[-1]
    for _ in range(3):
        httpx2.get(f"{hub.url}/v1/children/{child_id}/chronology",
                   headers={"Authorization": f"Bearer {mash}", "X-Purpose": "triage"})
    assert "intact" in hub.cli("audit", "verify", "--public-key", rotated).stdout
    after = tmp_path / "after-rotation"
    hub.cli("audit", "export", "--out", str(after))
    assert "intact" in hub.cli("audit", "verify", "--export", str(after), "--public-key",
                               rotated).stdout

    who = hub.cli("audit", "who-saw", "--child", child_id).stdout
    assert "city-mash/mash-worker" in who
    assert "30 disclosures" in who
