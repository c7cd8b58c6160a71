"""MARAC meetings through the HTTP API, per role: only the agencies invited read a meeting (to
any other it does not exist: 404, never 403, where its existence would leak), no reader lists
itself onto one or manages it, only the agency given an action records it done, every read
is audited naming the adult victim and the child, and bad input is a 4xx."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from hub.bootstrap import Hub
from hub.timescales import load_timescales
from tests.api_support import Api, staffed_api
from tests.support import child, notification

STAFF = (("city-dart", "team-manager"), ("city-mash", "social-worker"),
         ("city-health", "safeguarding-lead"), ("county-dart", "team-manager"))
SUMMARY = "Agencies shared what they hold; a safety plan was agreed with the IDVA."
ACTION = "Flag the home address for an urgent response to any call."
COORDINATOR = "city-dart/team-manager"


def past_working_day(days_ago: int) -> date:
    """A working day at least ``days_ago`` days before today (the hub's calendar)."""
    working = load_timescales().working
    day = datetime.now(UTC).date() - timedelta(days=days_ago)
    while not working.is_working_day(day):
        day -= timedelta(days=1)
    return day


def county_dart(hub: Hub, tokens: dict[str, str]) -> None:
    hub.registry.register_agency("county-dart", "dart", "County DART")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF, county_dart)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def referred(api: Api) -> dict[str, Any]:
    """A police incident triaged by the DART: its MARAC referral."""
    sent = ok(api.call("POST", "notts-police", "/v1/notifications", json=notification(
        "NTP-MARAC-1", subjects=[
            child(school_urn="100001", postcode="NG5 1AB"),
            {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
             "date_of_birth": "1990-01-09"}],
        occurred_at="2026-11-20T20:00:00Z", summary="free text", dash={"yes_count": 15})),
        201)
    case = ok(api.call("GET", "city-dart", "/v1/dart/queue"))["items"][0]["id"]
    assert sent["id"]
    ok(api.call("POST", "city-dart", f"/v1/dart/cases/{case}/triage", json={
        "actions": ["safety-planning"], "threshold_met": False,
        "rationale": "High risk; safety planning with the victim."}))
    referral: dict[str, Any] = ok(api.call("GET", "city-dart", "/v1/marac/referrals",
                                           purpose="marac"))["items"][0]
    return referral


def heard(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A meeting held last week with the police invited, its case heard with an action for
    the police already past its due date: (the referral, the meeting)."""
    referral = referred(api)
    held_on = past_working_day(7)
    meeting = ok(api.call("POST", COORDINATOR, "/v1/marac/meetings", purpose="marac", json={
        "meets_on": held_on.isoformat(), "agencies": ["notts-police"]}), 201)
    path = f"/v1/marac/meetings/{meeting['id']}"
    ok(api.call("POST", COORDINATOR, f"{path}/cases", json={"referral_id": referral["id"]}))
    meeting = ok(api.call("POST", COORDINATOR, f"{path}/cases/{referral['id']}/outcome",
                          json={"risk": "high", "summary": SUMMARY,
                                "attendance": ["notts-police", "city-dart"],
                                "actions": [{"agency": "notts-police", "action": ACTION,
                                             "due_on": held_on.isoformat()}]}))
    return referral, meeting


READERS = {COORDINATOR: 200, "city-dart": 200, "notts-police": 200,
           # Not invited: the meeting does not exist for them.
           "derbys-police": 404, "city-health": 404, "city-health/safeguarding-lead": 404,
           "riverside-primary": 404, "missing-team": 404, "city-mash/social-worker": 404,
           "county-dart/team-manager": 404,
           # No MARAC role at all.
           "city-mash": 403, "info-governance": 403}


@pytest.mark.parametrize(("who", "status"), READERS.items())
def test_only_the_agencies_invited_read_a_meeting(api: Api, who: str, status: int) -> None:
    _, meeting = heard(api)
    response = api.call("GET", who, f"/v1/marac/meetings/{meeting['id']}", purpose="marac")
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["cases"][0]["outcome"]["summary"] == SUMMARY
    else:
        assert SUMMARY not in response.text
        assert meeting["cases"][0]["referral_id"] not in response.text
    listed = [m["id"] for m in api.call("GET", who, "/v1/marac/meetings").json().get(
        "items", [])]
    assert (meeting["id"] in listed) == (status == 200)


def test_an_unknown_meeting_and_a_refused_one_answer_alike(api: Api) -> None:
    _, meeting = heard(api)
    unknown = api.call("GET", "city-health", f"/v1/marac/meetings/{uuid4()}")
    refused = api.call("GET", "city-health", f"/v1/marac/meetings/{meeting['id']}")
    assert unknown.status_code == refused.status_code == 404
    assert unknown.json() == refused.json()


@pytest.mark.parametrize("who", ["notts-police", "city-health", "city-dart",
                                 "city-mash/social-worker", "county-dart/team-manager"])
def test_no_reader_lists_itself_onto_a_meeting_or_manages_it(api: Api, who: str) -> None:
    referral, meeting = heard(api)
    path = f"/v1/marac/meetings/{meeting['id']}"
    agency = who.split("/")[0]
    attempts = [
        api.call("POST", who, f"{path}/agencies", json={"agencies": [agency]}),
        api.call("POST", who, f"{path}/cases", json={"referral_id": referral["id"]}),
        api.call("POST", who, f"{path}/cases/{referral['id']}/defer"),
        api.call("POST", who, f"{path}/cases/{referral['id']}/outcome", json={
            "risk": "standard", "summary": SUMMARY, "attendance": [agency]}),
    ]
    # A role without manage-marac is refused outright; another DART's coordinator is told
    # the meeting does not exist.
    expected = 404 if who == "county-dart/team-manager" else 403
    assert [r.status_code for r in attempts] == [expected] * 4
    after = ok(api.call("GET", COORDINATOR, path))
    assert after["agencies"] == ["city-dart", "notts-police"]
    assert after["cases"][0]["outcome"]["risk"] == "high"


@pytest.mark.parametrize("who", ["derbys-police", "city-health", "city-dart", COORDINATOR,
                                 "riverside-primary", "city-mash/social-worker"])
def test_an_agency_cannot_complete_another_agencys_action(api: Api, who: str) -> None:
    _, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    response = api.call("POST", who, f"/v1/marac/actions/{action['id']}/done")
    assert response.status_code == 404, response.text
    assert ACTION not in response.text
    assert ok(api.call("GET", who, "/v1/marac/actions"))["items"] == []
    # Still the police's, and still overdue.
    [queued] = ok(api.call("GET", "notts-police", "/v1/marac/actions"))["items"]
    assert queued["id"] == action["id"]
    assert queued["overdue"] is True
    assert queued["done"] is None


def test_the_agency_given_an_action_sees_it_overdue_and_records_it_done(api: Api) -> None:
    _, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    [late] = ok(api.call("GET", "notts-police", "/v1/marac/actions/breaches"))["items"]
    assert late["id"] == action["id"]
    assert late["action"] == ACTION
    assert late["overdue_hours"] > 0
    done = ok(api.call("POST", "notts-police", f"/v1/marac/actions/{action['id']}/done"))
    assert done["done"]["by"]["agency"] == "notts-police"
    assert ok(api.call("GET", "notts-police", "/v1/marac/actions/breaches"))["items"] == []
    again = api.call("POST", "notts-police", f"/v1/marac/actions/{action['id']}/done")
    assert again.status_code == 409
    assert api.call("POST", "info-governance",
                    f"/v1/marac/actions/{action['id']}/done").status_code == 403


@pytest.mark.parametrize(("who", "path"), [
    ("notts-police", "/v1/marac/meetings/{meeting}"),
    ("city-dart", "/v1/marac/meetings/{meeting}"),
    ("notts-police", "/v1/marac/actions"),
    ("notts-police", "/v1/marac/actions/breaches"),
])
def test_each_read_is_audited_naming_the_adult_victim_and_the_child(
        api: Api, who: str, path: str) -> None:
    referral, meeting = heard(api)
    since = api.hub.audit.size()
    ok(api.call("GET", who, path.format(meeting=meeting["id"]), purpose="marac"))
    [entry] = [e for e in api.hub.audit.entries(since) if e.kind == "disclosure"]
    assert entry.actor["agency"] == who
    assert {str(p) for p in entry.child_ids} == {*referral["victim_ids"],
                                                 *referral["child_ids"]}
    assert SUMMARY not in repr(entry)
    assert ACTION not in repr(entry)


def test_bad_input_is_refused_with_the_documented_errors(api: Api) -> None:
    referral, meeting = heard(api)
    path = f"/v1/marac/meetings/{meeting['id']}"
    fresh = ok(api.call("POST", COORDINATOR, "/v1/marac/meetings", json={
        "meets_on": past_working_day(1).isoformat(), "agencies": ["notts-police"]}), 201)
    saturday = past_working_day(14)
    while saturday.weekday() != 5:
        saturday -= timedelta(days=1)
    for body in ({"meets_on": "2026-13-01", "agencies": ["notts-police"]},
                 {"meets_on": saturday.isoformat(), "agencies": ["notts-police"]},
                 {"meets_on": past_working_day(1).isoformat(), "agencies": ["nowhere"]},
                 {"meets_on": past_working_day(1).isoformat(), "agencies": ["NOT AN ID"]},
                 {"meets_on": past_working_day(1).isoformat(), "agencies": []},
                 {"meets_on": past_working_day(1).isoformat(), "agencies": ["notts-police"],
                  "extra": True}):
        response = api.call("POST", COORDINATOR, "/v1/marac/meetings", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == "invalid"
    # Heard already: listing it again is a rule violation (409), here and elsewhere.
    for where in (path, f"/v1/marac/meetings/{fresh['id']}"):
        relisted = api.call("POST", COORDINATOR, f"{where}/cases",
                            json={"referral_id": referral["id"]})
        assert relisted.status_code == 409, relisted.text
    outcome = f"/v1/marac/meetings/{fresh['id']}/cases/{referral['id']}/outcome"
    assert api.call("POST", COORDINATOR, outcome, json={
        "risk": "extreme", "summary": SUMMARY, "attendance": ["notts-police"]}
        ).status_code == 422
    assert api.call("POST", COORDINATOR, outcome, json={
        "risk": "high", "summary": SUMMARY, "attendance": ["notts-police"]}
        ).status_code == 409  # not on this meeting's case list
    assert api.call("POST", COORDINATOR, f"/v1/marac/meetings/{fresh['id']}/cases",
                    json={"referral_id": str(uuid4())}).status_code == 404
    second = referred_again(api)
    ok(api.call("POST", COORDINATOR, f"/v1/marac/meetings/{fresh['id']}/cases",
                json={"referral_id": second}))
    outcome = f"/v1/marac/meetings/{fresh['id']}/cases/{second}/outcome"
    bodies: list[dict[str, Any]] = [
        {"risk": "high", "summary": SUMMARY, "attendance": ["city-health"]},
        {"risk": "high", "summary": "short", "attendance": ["notts-police"]},
        {"risk": "high", "summary": SUMMARY, "attendance": ["notts-police"],
         "actions": [{"agency": "notts-police", "action": ACTION,
                      "due_on": saturday.isoformat()}]},
        {"risk": "high", "summary": SUMMARY, "attendance": ["notts-police"],
         "actions": [{"agency": "city-health", "action": ACTION,
                      "due_on": past_working_day(0).isoformat()}]}]
    for body in bodies:
        response = api.call("POST", COORDINATOR, outcome, json=body)
        assert response.status_code == 422, (body, response.text)
        assert SUMMARY not in response.text
        assert ACTION not in response.text


def referred_again(api: Api) -> str:
    """A second incident for another victim, triaged: its referral's id."""
    ok(api.call("POST", "derbys-police", "/v1/notifications", json=notification(
        "DP-MARAC-2", subjects=[
            child("Sam", "Lee", "2015-02-03"),
            {"role": "adult_victim", "given_name": "Kim", "family_name": "Lee",
             "date_of_birth": "1985-03-04"}],
        occurred_at="2026-11-21T20:00:00Z", summary="free text", dash={"yes_count": 16})),
        201)
    queue = ok(api.call("GET", "city-dart", "/v1/dart/queue"))["items"]
    [case] = [c["id"] for c in queue if c.get("triage") is None]
    ok(api.call("POST", "city-dart", f"/v1/dart/cases/{case}/triage", json={
        "actions": ["safety-planning"], "threshold_met": False,
        "rationale": "High risk; safety planning with the victim."}))
    newest: str = ok(api.call("GET", "city-dart", "/v1/marac/referrals"))["items"][0]["id"]
    return newest
