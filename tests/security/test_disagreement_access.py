"""Disagreements against any decision, per role, over HTTP: raising one never tells a reader a
decision exists nor opens it to them (an unknown id's answer for any decision their agency
may not know of), the children are the decision's own whatever the caller sends, alerts show
only the caller's own, and every read of them is audited naming the child."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from domain.front_door import contact_id
from hub.domestic_abuse import case_id
from tests.api_support import Api, staffed_api
from tests.support import child, notification, submit

STAFF = (("city-dart", "team-manager"), ("city-mash", "social-worker"),
         ("city-mash", "team-manager"))
WHY = "The children were present and the triage did not refer them on."


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF)


def triaged(api: Api) -> tuple[str, str]:
    """A police incident the DART triaged: (case id, child id)."""
    receipt = submit(api.hub, "notts-police", notification(
        "NTP-SEC-1", summary="Shouting heard.", dash={"yes_count": 12}))
    case = str(case_id(receipt.id))
    done = api.call("POST", "city-dart", f"/v1/dart/cases/{case}/triage", json={
        "actions": ["safety-planning"], "threshold_met": False,
        "rationale": "Safety planning with the victim; no onward referral."})
    assert done.status_code == 200, done.text
    return case, str(receipt.child_ids[0])


def body(case: str, **extra: Any) -> dict[str, Any]:
    return {"subject": {"kind": "dart-triage", "id": case}, "risk": "high", "reason": WHY,
            **extra}


def test_a_school_cannot_raise_against_a_triage_it_cannot_see(api: Api) -> None:
    case, child_id = triaged(api)
    before = api.hub.audit.size()
    hidden = api.call("POST", "riverside-primary", "/v1/disagreements", json=body(case))
    unknown = api.call("POST", "riverside-primary", "/v1/disagreements",
                       json=body(str(uuid4())))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()
    # Nor the health visitor, nor the MASH: the DART's triage is not theirs to know of.
    for who in ("city-health", "city-mash/social-worker"):
        assert api.call("POST", who, "/v1/disagreements", json=body(case)).status_code == 404
    # Each refusal of a decision that exists is audited naming the child (the unknown id
    # names no one), and nothing was raised.
    denials = [e for e in api.hub.audit.entries(before) if e.kind == "denial"
               and e.action == "raise-disagreement"]
    assert [[str(c) for c in e.child_ids] for e in denials] == [[child_id]] * 3
    listed = api.call("GET", "riverside-primary", "/v1/disagreements", purpose="referral")
    assert listed.status_code == 200
    assert listed.json()["items"] == []


def test_a_decision_not_shared_with_the_referrer_is_unknown_to_others(api: Api) -> None:
    receipt = submit(api.hub, "riverside-primary", notification(
        "SCH-SEC-1", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child()], summary="Amy said her step-father hit her."))
    contact = contact_id(receipt.id)
    path = f"/v1/mash/contacts/{contact}/disagreements"
    hidden = api.call("POST", "city-health", path, json={"reason": WHY})
    unknown = api.call("POST", "city-health", f"/v1/mash/contacts/{uuid4()}/disagreements",
                       json={"reason": WHY})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()


def test_the_raiser_cannot_choose_the_child(api: Api) -> None:
    case, child_id = triaged(api)
    other = str(submit(api.hub, "notts-police", notification(
        "NTP-SEC-2", subjects=[child("Zoe", "Ray", "2015-01-01")],
        summary="Another incident.")).child_ids[0])
    chosen = api.call("POST", "notts-police", "/v1/disagreements",
                      json=body(case, child_ids=[other]))
    assert chosen.status_code == 422
    raised = api.call("POST", "notts-police", "/v1/disagreements", json=body(case))
    assert raised.status_code == 201, raised.text
    assert raised.json()["child_ids"] == [child_id] != [other]
    assert raised.json()["with_agency"] == "city-dart"


def test_alerts_show_only_the_callers_own_and_are_audited_naming_the_child(api: Api) -> None:
    case, child_id = triaged(api)
    raised = api.call("POST", "notts-police", "/v1/disagreements", json=body(case)).json()
    assert raised["named"] is not None  # the DART worker who triaged

    def alerts(who: str) -> Any:
        return api.call("GET", who, "/v1/me/disagreement-alerts", purpose="referral")

    before = api.hub.audit.size()
    mine = alerts("city-dart")
    assert [i["id"] for i in mine.json()["items"]] == [raised["id"]]
    [entry] = [e for e in api.hub.audit.entries(before)
               if e.action == "read-disagreement-alerts" and e.kind == "disclosure"]
    assert [str(c) for c in entry.child_ids] == [child_id]
    assert entry.actor["agency"] == "city-dart"
    for who in ("city-dart/team-manager", "notts-police", "riverside-primary",
                "city-mash/team-manager"):
        assert alerts(who).json()["items"] == [], who
    assert alerts("info-governance").status_code == 403  # no such capability


def test_only_a_party_acts_on_a_disagreement(api: Api) -> None:
    case, _ = triaged(api)
    raised = api.call("POST", "notts-police", "/v1/disagreements", json=body(case)).json()
    for action, payload in (("risk", {"risk": "standard", "reason": WHY}),
                            ("escalate", {"reason": WHY}),
                            ("resolve", {"resolution": WHY})):
        answer = api.call("POST", "riverside-primary",
                          f"/v1/disagreements/{raised['id']}/{action}", json=payload)
        assert answer.status_code == 404, action
    changed = api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/risk",
                       json={"risk": "standard", "reason": "The family have moved away now."})
    assert changed.status_code == 200
    assert changed.json()["risk"] == "standard"
    again = api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/risk",
                     json={"risk": "standard", "reason": "The family have moved away now."})
    assert again.status_code == 409


def test_an_agency_names_only_its_own_staff(api: Api) -> None:
    police = api.hub.registry.users("notts-police")[0]["id"]
    manager = "city-dart/team-manager"
    stranger = api.call("PUT", manager, "/v1/escalation-contacts/director",
                        json={"user_id": police})
    assert stranger.status_code == 422
    assert api.call("PUT", "city-dart", "/v1/escalation-contacts/director",
                    json={"user_id": None}).status_code == 403  # a worker names no one
    assert api.call("PUT", manager, "/v1/escalation-contacts/chief",
                    json={"user_id": None}).status_code == 400  # no such stage (path)
    dart_worker = api.hub.registry.users("city-dart")[0]["id"]
    named = api.call("PUT", manager, "/v1/escalation-contacts/director",
                     json={"user_id": dart_worker})
    assert named.status_code == 200
    assert api.call("GET", "notts-police", "/v1/escalation-contacts").json()["agency"] == \
        "notts-police"
