"""Finding 15e: a JSON body that repeats a key in an object is refused (400, the hub's error
shape) and nothing is stored; it was accepted, the last copy winning, which another reader of
the same bytes (a proxy, a log, the sender's own validator) could read the other way."""

import json

import httpx2
import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from hub.errors import MalformedInput
from hub.shapes import parse_notification
from tests.support import notification, weeks_ahead


def assert_refused(response: httpx2.Response) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"]["code"] == "malformed"
    assert "repeats" in body["error"]["message"]


def repeat(body: dict[str, object], key: str, first: object) -> bytes:
    """The body's JSON with ``"key": first`` written again before the real ``key``."""
    text = json.dumps(body)
    needle = f'"{key}": '
    assert needle in text
    return text.replace(needle, f'"{key}": {json.dumps(first)}, {needle}', 1).encode()


@pytest.mark.parametrize(("key", "first"), [
    ("type", "missing"),  # top level
    ("nhs_number", "9434765919"),  # inside subjects[0]
    ("yes_count", 3),  # inside details.dash
])
def test_a_notification_repeating_a_key_is_refused_and_nothing_stored(
        api: tuple[TestClient, Hub, dict[str, str]], key: str, first: object) -> None:
    client, hub, tokens = api
    body = notification()
    body["subjects"][0]["nhs_number"] = "4010232137"
    raw = repeat(body, key, first)
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", content=raw, headers={
        "Authorization": f"Bearer {tokens['notts-police']}", "Content-Type": "application/json"})
    assert_refused(response)
    assert hub.store.recorder.max_notification_id() == before
    # The Kafka ingest parses records with the same function: a dead letter, with the reason.
    with pytest.raises(MalformedInput, match="repeats"):
        parse_notification(raw)


def test_every_other_json_body_repeating_a_key_is_refused(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    police = {"Authorization": f"Bearer {tokens['notts-police']}"}
    created = client.post("/v1/notifications", json=notification(), headers=police)
    child_id = created.json()["child_ids"][0]
    decision = {"child_id": child_id, "share": False, "recipient_agency": "city-health",
                "data_classes": ["police-incident"], "purposes": ["triage"],
                "legal_basis": "dpa-2018-sch8-para4", "rationale": "Not to share.",
                "valid_until": weeks_ahead()}
    consent = {"status": "given", "given_by": "parent", "scope": {
        "data_classes": ["police-incident"], "agencies": ["city-health"],
        "purposes": ["triage"]}}
    for path, body, key, first in [
        ("/v1/sharing-decisions", decision, "share", True),
        (f"/v1/children/{child_id}/consents", consent, "agencies", ["city-mash"]),  # nested
        (f"/v1/notifications/{created.json()['id']}/restriction",
         {"restricted": True, "reason": "Sensitive"}, "restricted", False),
    ]:
        events = hub.store.recorder.max_notification_id()
        entries = hub.audit.size()
        response = client.post(path, content=repeat(body, key, first), headers={
            **police, "Content-Type": "application/json"})
        assert_refused(response)
        assert hub.store.recorder.max_notification_id() == events
        assert hub.audit.size() == entries
        # The same body without the repeat is taken (so the refusal was for the repeat).
        assert client.post(path, json=body, headers=police).status_code < 300
