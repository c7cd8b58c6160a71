"""Finding 13 (part): what a caller writes into a path, a query or X-Case-Ref is checked before
anything is audited, so that no free text reaches the audit trail, which cannot be erased.
A 20,000-character URN made a 27 KB audit entry; a case reference could hold a child's name."""

import json
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import notification


def trail_text(hub: Hub) -> str:
    return "\n".join(json.dumps(e.__dict__, default=str) for e in hub.audit.entries())


@pytest.mark.parametrize("urn", ["1" * 20_000, "Ella-Ray-hit", "10000", "1000011", "10000x"])
def test_a_school_urn_that_is_not_six_digits_is_refused_unaudited(
        api: tuple[TestClient, Hub, dict[str, str]], urn: str) -> None:
    client, hub, tokens = api
    school = {"Authorization": f"Bearer {tokens['riverside-primary']}", "X-Purpose": "encompass"}
    entries = hub.audit.size()
    response = client.get(f"/v1/schools/{urn}/encompass", headers=school)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed"
    assert "urn" in response.json()["error"]["message"]
    assert urn not in response.text
    assert hub.audit.size() == entries
    # A well-formed URN is read (its own school) or refused (another's), and audited either way.
    assert client.get("/v1/schools/100001/encompass", headers=school).status_code == 200
    assert client.get("/v1/schools/100002/encompass", headers=school).status_code == 403
    assert hub.audit.size() == entries + 2


@pytest.mark.parametrize("ref", [
    "Ella-Ray-hit", "Amy Hart", "S47-000987", "mash-2026/17", "MASHX-1", "MASH--1", "MASH-",
    "MASH-1234567890123", "MASH-1/1234567", "CP/1/2/3", "CP:12345", "CP.12345", "W0-12",
    "\uff11\uff12\uff13", "CP/\uff11\uff12\uff13", "MASH-2026/000123\u200b",
])
def test_a_case_ref_that_is_not_an_identifier_is_refused_unaudited(
        api: tuple[TestClient, Hub, dict[str, str]], ref: str) -> None:
    client, hub, tokens = api
    created = client.post("/v1/notifications", json=notification(),
                          headers={"Authorization": f"Bearer {tokens['notts-police']}"})
    child_id = created.json()["child_ids"][0]
    headers = {b"Authorization": f"Bearer {tokens['city-mash']}".encode(),
               b"X-Purpose": b"triage", b"X-Case-Ref": ref.encode()}  # bytes: any UTF-8
    entries = hub.audit.size()
    response = client.get(f"/v1/children/{child_id}/chronology", headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "malformed"
    assert "X-Case-Ref" in error["message"]
    assert hub.audit.size() == entries
    assert "Ella" not in trail_text(hub)


@pytest.mark.parametrize("ref", [
    "MASH-2026/000123", "CP/12345", "CP12345", "MASH/2026/17", "C-123456", "W-0/12", "A1",
    "ABCD-123456789012/123456", "ABCD123456789012", "6F9619FF-8B86-D011-B42D-00C04FC964FF",
])
def test_a_case_ref_that_is_an_identifier_is_audited(
        api: tuple[TestClient, Hub, dict[str, str]], ref: str) -> None:
    client, hub, tokens = api
    created = client.post("/v1/notifications", json=notification(),
                          headers={"Authorization": f"Bearer {tokens['notts-police']}"})
    child_id = created.json()["child_ids"][0]
    response = client.get(f"/v1/children/{child_id}/chronology", headers={
        "Authorization": f"Bearer {tokens['city-mash']}", "X-Purpose": "triage",
        "X-Case-Ref": ref})
    assert response.status_code == 200, response.text
    [entry] = [e for e in hub.audit.entries() if e.action == "read-chronology"]
    expected = str(UUID(ref)) if "-" in ref and len(ref) == 36 else ref
    assert entry.case_ref == expected


def test_an_agency_in_the_disclosure_query_is_an_agency_id(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    auditor = {"Authorization": f"Bearer {tokens['info-governance']}"}
    entries = hub.audit.size()
    for agency in ("Ella-Ray Hart", "x" * 5000, "notts-police\n"):
        response = client.get("/v1/audit/disclosures", params={"agency": agency},
                              headers=auditor)
        assert response.status_code == 400, response.text
        assert "agency" in response.json()["error"]["message"]
    assert hub.audit.size() == entries
    assert client.get("/v1/audit/disclosures", params={"agency": "notts-police"},
                      headers=auditor).status_code == 200
    assert "Ella" not in trail_text(hub)
