"""The auditor's API: only auditors, every read audited, proofs that verify offline."""

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.auditevent import AuditEvent

from domain.access import Purpose
from hub.api.app import create_app
from hub.audit.fhir import privacy_disclosure
from hub.audit.history import disclosures
from hub.audit.merkle import verify_consistency, verify_inclusion
from hub.audit.notes import Checkpoint, NoteVerifier
from hub.bootstrap import Hub, bootstrap
from hub.disclosure import ReadContext
from hub.settings import Settings
from tests.support import notification, seed, submit


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Hub, dict[str, str]]]:
    hub = bootstrap(Settings(store_url=f"sqlite:///{tmp_path}/hub.sqlite3", home=tmp_path))
    tokens = seed(hub)
    receipt = submit(hub, "notts-police", notification())
    mash = hub.registry.authenticate(tokens["city-mash"])
    for _ in range(5):
        hub.disclosure.chronology(ReadContext(mash, Purpose.TRIAGE, "MASH-1"),
                                  receipt.child_ids[0])
    with TestClient(create_app(hub, checkpointer=False)) as client:
        yield client, hub, tokens
    hub.close()


def get(client: TestClient, token: str, path: str) -> dict[str, Any]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_only_auditors_read_the_trail_and_their_reads_are_audited(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    before = hub.audit.size()
    refused = client.get("/v1/audit/entries", headers={
        "Authorization": f"Bearer {tokens['city-mash']}"})
    assert refused.status_code == 403
    get(client, tokens["info-governance"], "/v1/audit/checkpoint")
    kinds = [e.kind for e in hub.audit.entries(before)]
    assert kinds == ["denial", "audit-access"]


def test_a_checkpoint_and_proofs_verify_with_the_public_key_alone(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    auditor = tokens["info-governance"]
    first = get(client, auditor, "/v1/audit/checkpoint")
    key = NoteVerifier.parse(hub.checkpoints._keys.verifier_key())
    checkpoint = Checkpoint.parse(key.verify(str(first["note"])))
    assert checkpoint.size == first["size"]
    entries = get(client, auditor, f"/v1/audit/entries?start=0&end={checkpoint.size}")
    entry = entries["entries"][2]
    proof = get(client, auditor, f"/v1/audit/proofs/inclusion?index=2&size={checkpoint.size}")
    assert verify_inclusion(base64.b64decode(entry["leaf_hash"]), 2, checkpoint.size,
                            [base64.b64decode(p) for p in proof["proof"]],
                            checkpoint.root)
    hub.checkpoints.checkpoint(force=True)
    second = Checkpoint.parse(key.verify(str(get(client, auditor,
                                                 "/v1/audit/checkpoint")["note"])))
    assert second.size > checkpoint.size
    consistency = get(client, auditor, f"/v1/audit/proofs/consistency?first={checkpoint.size}"
                                       f"&second={second.size}")
    proof_hashes = [base64.b64decode(p) for p in consistency["proof"]]
    assert verify_consistency(checkpoint.size, second.size, checkpoint.root, second.root,
                              proof_hashes)
    assert not verify_consistency(checkpoint.size, second.size, bytes(32), second.root,
                                  proof_hashes)


def test_disclosure_history_for_auditors_and_for_the_owning_agency(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, _, tokens = api
    everything = get(client, tokens["info-governance"], "/v1/audit/disclosures")
    # each of 5 reads showed the identity record, and the incident under the child and under
    # each of the two adults named in it
    assert everything["count"] == 20
    own = get(client, tokens["notts-police"], "/v1/audit/disclosures")
    assert own["count"] == 15
    other = get(client, tokens["city-health"], "/v1/audit/disclosures")
    assert other["count"] == 0
    refused = client.get("/v1/audit/disclosures?agency=notts-police",
                         headers={"Authorization": f"Bearer {tokens['city-health']}"})
    assert refused.status_code == 403
    bad = client.get("/v1/audit/proofs/inclusion?index=999&size=1000",
                     headers={"Authorization": f"Bearer {tokens['info-governance']}"})
    assert bad.status_code == 422


def test_disclosures_export_as_valid_fhir_privacy_disclosures(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    _, hub, _ = api
    rows = list(disclosures(hub.audit))
    assert rows
    for row in rows:
        resource = privacy_disclosure(row, hub.checkpoints.origin)
        event: dict[str, Any] = AuditEvent.model_validate(resource).model_dump(mode="json")
        assert event["type"]["code"] == "110106"
        assert event["subtype"][0]["code"] == "disclose"
        assert {a["type"]["coding"][0]["code"] for a in event["agent"]} >= {
            "110153", "110152", "custodian"}
        assert event["entity"][0]["role"]["code"] == "1"  # the child is the patient entity
        assert "Amy" not in str(resource)
