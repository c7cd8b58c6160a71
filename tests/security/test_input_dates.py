"""Finding 15c: implausible dates and times in a body are a 422 naming the field, and nothing is
stored. Year 1 with a positive offset overflowed the calendar (a 500); a date of birth in 1850,
or an incident before the child was born, were accepted."""

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import Hub
from tests.support import child, notification, weeks_ahead

YEAR_ONE = "0001-01-01T00:30:00+01:00"
POLICE = "notts-police"


def police(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[POLICE]}"}


def missing_report(**episode: Any) -> dict[str, Any]:
    return notification("MISS-1", "missing", subjects=[child(postcode="NG7 2AA")],
                        occurred_at="2026-11-20T22:15:00Z", summary="Not home",
                        episode={"type": "missing", **episode})


def with_subject(index: int, **changes: Any) -> dict[str, Any]:
    body = notification()
    body["subjects"][index].update(changes)
    return body


IN_TWO_DAYS = (datetime.now(UTC) + timedelta(days=2)).isoformat()

# (the body, the field the refusal must name)
IMPLAUSIBLE = {
    "occurred_at in year 1": ({**notification(), "occurred_at": YEAR_ONE}, "occurred_at"),
    "occurred_at in 1899": ({**notification(), "occurred_at": "1899-12-31T23:59:59Z"},
                            "occurred_at"),
    "occurred_at in year 9999": ({**notification(), "occurred_at": "9999-12-31T23:30:00-05:00"},
                                 "occurred_at"),
    "occurred_at in two days": ({**notification(), "occurred_at": IN_TWO_DAYS}, "occurred_at"),
    "occurred_at as a number": ({**notification(), "occurred_at": 1_700_000_000},
                                "occurred_at"),
    "left_at in year 1": (missing_report(left_at=YEAR_ONE), "left_at"),
    "last_seen_at in year 1": (missing_report(last_seen_at=YEAR_ONE), "last_seen_at"),
    "last_seen_at in two days": (missing_report(last_seen_at=IN_TWO_DAYS), "last_seen_at"),
    "last_seen_at before birth": (missing_report(last_seen_at="2015-01-01T10:00:00Z"),
                                  "last_seen_at"),
    "a child born in 1850": (with_subject(0, date_of_birth="1850-01-01"), "date_of_birth"),
    "an adult born in 1850": (with_subject(1, date_of_birth="1850-01-01"), "date_of_birth"),
    "an adult born in year 1": (with_subject(2, date_of_birth="0001-01-01"), "date_of_birth"),
    "a child born next year": (with_subject(0, date_of_birth="2099-01-01"), "date_of_birth"),
    "an incident before the child was born": (
        {**notification(), "occurred_at": "2015-06-01T10:00:00Z"}, "date_of_birth"),
    "an incident before the adult was born": (
        with_subject(2, date_of_birth="2026-11-21"), "date_of_birth"),
}


@pytest.mark.parametrize("case", list(IMPLAUSIBLE))
def test_an_implausible_time_in_a_notification_is_refused(
        api: tuple[TestClient, Hub, dict[str, str]], case: str) -> None:
    client, hub, tokens = api
    body, field = IMPLAUSIBLE[case]
    before = hub.store.recorder.max_notification_id()
    response = client.post("/v1/notifications", json=copy.deepcopy(body),
                           headers=police(tokens))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["message"]
    assert hub.store.recorder.max_notification_id() == before


def test_the_earliest_plausible_times_are_accepted(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    client, _, tokens = api
    body = notification(subjects=[child(dob="2016-04-02"),
                                  {"role": "adult_victim", "given_name": "Jo",
                                   "family_name": "Hart", "date_of_birth": "1900-01-01"}],
                        occurred_at="2016-04-02T00:30:00+01:00")  # the day of birth, as sent
    response = client.post("/v1/notifications", json=body, headers=police(tokens))
    assert response.status_code == 201, response.text


def test_no_time_in_any_body_can_overflow(
        api: tuple[TestClient, Hub, dict[str, str]]) -> None:
    """Every other body with a time: year 1 (and a time with no zone) is a 422 naming the field,
    never a 500, and nothing is recorded."""
    client, hub, tokens = api
    created = client.post("/v1/notifications", json=missing_report(
        last_seen_at="2026-11-20T20:00:00Z"), headers=police(tokens))
    assert created.status_code == 201, created.text
    child_id = created.json()["child_ids"][0]
    _, social = hub.registry.register_user("city-mash", "social-worker", "Social Worker")
    mash = {"Authorization": f"Bearer {social}"}
    team = {"Authorization": f"Bearer {tokens['missing-team']}", "X-Purpose": "missing"}
    [episode] = client.get("/v1/missing/queue", headers=team).json()["missing"]
    scope = {"data_classes": ["health"], "agencies": ["city-health"], "purposes": ["triage"]}
    posts = [
        (f"/v1/children/{child_id}/consents", mash,
         {"status": "given", "given_by": "parent", "scope": scope}, ("valid_from",
                                                                     "valid_until")),
        ("/v1/sharing-decisions", mash,
         {"child_id": child_id, "share": True, "recipient_agency": "city-health",
          "data_classes": ["social-care"], "purposes": ["triage"],
          "legal_basis": "dpa-2018-sch8-para4",
          "consent_not_relied": "would-put-child-at-risk", "rationale": "To protect the child.",
          "valid_until": weeks_ahead()}, ("valid_from", "valid_until")),
        (f"/v1/protection/{child_id}/initial-conference", mash,
         {"plan": True, "category": "neglect"}, ("at",)),
        (f"/v1/protection/{child_id}/looked-after", mash, {"looked_after": True}, ("at",)),
        (f"/v1/missing/episodes/{episode['id']}/interview", team, {"step": "offered"},
         ("at",)),
    ]
    for path, headers, body, fields in posts:
        for field in fields:
            for value in (YEAR_ONE, "2026-11-20T10:00:00", "9999-12-31T23:30:00-05:00"):
                entries = hub.audit.size()
                response = client.post(path, json={**body, field: value}, headers=headers)
                assert response.status_code == 422, (path, field, value, response.text)
                assert field in response.json()["error"]["message"], response.text
                assert hub.audit.size() == entries
