"""Finding 15f: a value of the wrong JSON type is refused (422 naming the field), not coerced:
``"yes_count": true`` was taken as 1, ``"present": "yes"`` as true, ``"scale": "7"`` as 7. Dates,
times and ids still come as ISO 8601 and UUID strings."""

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import notification, weeks_ahead


def with_details(**details: Any) -> dict[str, Any]:
    return notification(**details)


def with_child(**changes: Any) -> dict[str, Any]:
    body = notification()
    body["subjects"][0].update(changes)
    return body


COERCED = {
    "a boolean for the DASH count": (with_details(dash={"yes_count": True}), "yes_count"),
    "a string for the DASH count": (with_details(dash={"yes_count": "15"}), "yes_count"),
    "a float for the DASH count": (with_details(dash={"yes_count": 15.0}), "yes_count"),
    "a number for a DASH answer": (with_details(dash={"yes_count": 1, "answers": [1] + [0] * 23}),
                                   "answers"),
    "a string for present": (with_child(present="yes"), "present"),
    "a number for spoken_to": (with_child(spoken_to=1), "spoken_to"),
    "a string for welfare_check": (with_details(welfare_check="true"), "welfare_check"),
    "a number for a name": (with_child(given_name=12345), "given_name"),
    "a number for an NHS number": (with_child(nhs_number=9434765919), "nhs_number"),
    "a number for a date of birth": (with_child(date_of_birth=20160402), "date_of_birth"),
}


@pytest.mark.parametrize("case", list(COERCED))
def test_a_notification_value_of_the_wrong_type_is_refused(
        api: tuple[TestClient, Hub, dict[str, str]], case: str) -> None:
    client, hub, tokens = api
    body, field = COERCED[case]
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", json=copy.deepcopy(body),
                           headers={"Authorization": f"Bearer {tokens['notts-police']}"})
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]
    assert hub.store.recorder.max_notification_id() == before


def test_route_bodies_take_no_coerced_values(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, hub, tokens = api
    police = {"Authorization": f"Bearer {tokens['notts-police']}"}
    created = client.post("/v1/notifications", json=notification(), headers=police)
    assert created.status_code == 201, created.text  # ISO times and dates still parse
    child_id, record_id = created.json()["child_ids"][0], created.json()["id"]
    dart = {"Authorization": f"Bearer {tokens['city-dart']}"}
    [case] = client.get("/v1/dart/queue", headers=dart).json()["items"]
    triage = {"dash": {"yes_count": 15}, "actions": ["safety-planning"], "threshold_met": False,
              "rationale": "Reviewed with the police and the school."}
    decision = {"child_id": child_id, "share": False, "recipient_agency": "city-health",
                "data_classes": ["police-incident"], "purposes": ["triage"],
                "legal_basis": "dpa-2018-sch8-para4", "rationale": "Not to share.",
                "valid_until": weeks_ahead()}
    cases = [
        (f"/v1/dart/cases/{case['id']}/triage", dart, triage, "dash",
         {"yes_count": True}, "yes_count"),
        (f"/v1/dart/cases/{case['id']}/triage", dart, triage, "dash",
         {"yes_count": "15"}, "yes_count"),
        (f"/v1/dart/cases/{case['id']}/triage", dart, triage, "threshold_met", 0,
         "threshold_met"),
        ("/v1/sharing-decisions", police, decision, "share", "false", "share"),
        ("/v1/sharing-decisions", police, decision, "share", 0, "share"),
        ("/v1/sharing-decisions", police, decision, "rationale", 42, "rationale"),
        (f"/v1/notifications/{record_id}/restriction", police,
         {"restricted": True, "reason": "Sensitive"}, "restricted", "yes", "restricted"),
    ]
    for path, headers, body, key, wrong, field in cases:
        entries = hub.audit.size()
        response = client.post(path, json={**body, key: wrong}, headers=headers)
        assert response.status_code == 422, (path, key, wrong, response.text)
        assert field in response.json()["error"]["message"]
        assert hub.audit.size() == entries
    # The right types are taken (so each refusal above was for the type).
    for path, headers, body in {c[0]: c[:3] for c in cases}.values():
        response = client.post(path, json=body, headers=headers)
        assert response.status_code < 300, (path, response.text)
