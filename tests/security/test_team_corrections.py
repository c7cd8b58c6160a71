"""Corrections by the teams, attacked over HTTP: each is for its team's roles only (every
other role is refused 403, audited, and changes nothing); lowering a risk level is the DART
team manager's alone; no correction widens what its maker sees of other agencies' records;
no reason reaches the audit trail."""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from hub.domestic_abuse import case_id
from tests.security.access_world import PEOPLE, World, amy, concern, incident, open_world

REASON = "Corrected after checking the police's record with the officer."
PURPOSES = ("triage", "assessment", "referral", "encompass", "missing", "marac")
REFS = itertools.count()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path, "memory://")


def seen(world: World, reader: str, child_id: str) -> dict[tuple[str, str], str]:
    """(record, purpose) -> what the reader sees of each record in the child's chronology."""
    out = {}
    for purpose in PURPOSES:
        response = world.call("GET", f"/v1/children/{child_id}/chronology", reader, purpose)
        for item in response.json().get("items", []) if response.status_code == 200 else []:
            out[(item["id"], purpose)] = item["visibility"]
    return out


def no_wider(before: dict[tuple[str, str], str], after: dict[tuple[str, str], str],
             own: set[str]) -> None:
    rank = {"summary": 1, "full": 2}
    wider = {k: v for k, v in after.items()
             if k[0] not in own and rank[v] > rank.get(before.get(k, ""), 0)}
    assert wider == {}


def refused_to_all_but(world: World, allowed: set[str], method: str, path: str,
                       body: dict[str, Any], purpose: str | None = None) -> None:
    """Every other role is refused (403), and the refusal audited as a denial."""
    for who in sorted(set(PEOPLE) - allowed):
        before = world.hub.audit.size()
        response = world.call(method, path, who, purpose, json=body)
        assert response.status_code == 403, (who, response.text)
        assert response.json()["error"]["code"] == "not_entitled"
        assert [e.kind for e in world.hub.audit.entries(before)] == ["denial"], who


def no_reason_in_trail(world: World) -> None:
    assert "checking the police" not in "".join(repr(e) for e in world.hub.audit.entries(0))


# The DART's re-triage ---------------------------------------------------------------------

def triaged_incident(world: World, yes: int) -> tuple[str, str]:
    """A police incident about Amy, triaged by the DART; returns (case id, Amy's id)."""
    sent = world.send("police", incident(f"SEC-{next(REFS)}", **{
        "summary": "Incident.", "dash": {"yes_count": yes}}))
    case = str(case_id(UUID(sent["id"])))
    response = world.call("POST", f"/v1/dart/cases/{case}/triage", "dart", json={
        "actions": ["safety-planning"], "threshold_met": False, "rationale": "First triage."})
    assert response.status_code == 200, response.text
    return case, sent["child_ids"][0]


def test_only_the_dart_retriages(world: World) -> None:
    case, _ = triaged_incident(world, 5)
    refused_to_all_but(world, {"dart", "dart-manager"}, "POST",
                       f"/v1/dart/cases/{case}/retriage",
                       {"dash": {"yes_count": 12}, "actions": ["safety-planning"],
                        "threshold_met": False, "reason": REASON})
    view = world.call("GET", f"/v1/dart/cases/{case}", "dart").json()
    assert view["triage"]["level"] == "standard"
    assert view["corrections"] == []


def test_only_the_dart_team_manager_lowers_the_risk(world: World) -> None:
    case, child_id = triaged_incident(world, 15)
    body = {"dash": {"yes_count": 3}, "actions": ["safety-planning"], "threshold_met": False,
            "reason": REASON}
    refused_to_all_but(world, {"dart-manager"}, "POST", f"/v1/dart/cases/{case}/retriage",
                       body)
    before = seen(world, "dart-manager", child_id)
    response = world.call("POST", f"/v1/dart/cases/{case}/retriage", "dart-manager", json=body)
    assert response.status_code == 200, response.text
    [correction] = response.json()["corrections"]
    assert correction["direction"] == "down"
    assert correction["flags"] == [
        "marac-referral-stands"]
    no_wider(before, seen(world, "dart-manager", child_id), set())
    no_reason_in_trail(world)


def test_a_worker_raises_the_risk_without_widening_its_view(world: World) -> None:
    case, child_id = triaged_incident(world, 5)
    health = world.send("gp", concern("health_concern", f"SEC-{next(REFS)}", amy()))
    before = seen(world, "dart", child_id)
    response = world.call("POST", f"/v1/dart/cases/{case}/retriage", "dart", json={
        "dash": {"yes_count": 16}, "actions": ["safety-planning", "mash-referral"],
        "threshold_met": True, "reason": REASON})
    assert response.status_code == 200, response.text
    triage = response.json()["triage"]
    assert triage["marac_referral"]
    assert triage["mash_referral"]
    # Its own referral to the MASH is its own record; nothing else of Amy opens to it.
    after = seen(world, "dart", child_id)
    no_wider(before, after, {triage["mash_referral"]})
    assert {v for (record, _), v in after.items() if record == health["id"]} <= {
        v for (record, _), v in before.items() if record == health["id"]}
    no_reason_in_trail(world)


# The MASH's decision corrected -------------------------------------------------------------

def decided_concern(world: World) -> tuple[str, str]:
    """A school's concern about Amy, rated and decided; returns (contact id, Amy's id)."""
    from domain.front_door import contact_id

    sent = world.send("riverside", concern("school_concern", f"SEC-{next(REFS)}", amy()))
    contact = str(contact_id(UUID(sent["id"])))
    for who, path, body in (
            ("mash", "rating", {"rag": "amber"}),
            ("social-worker", "decision", {
                "level": "additional", "outcome": "early-help",
                "rationale": "Support at home.", "feedback": "Early help will call."})):
        response = world.call("POST", f"/v1/mash/contacts/{contact}/{path}", who, json=body)
        assert response.status_code == 200, response.text
    return contact, sent["child_ids"][0]


def test_only_the_mash_team_manager_corrects_a_decision(world: World) -> None:
    contact, child_id = decided_concern(world)
    path = f"/v1/mash/contacts/{contact}/decision/correction"
    body = {"level": "child-in-need", "outcome": "assessment", "reason": REASON}
    refused_to_all_but(world, {"mash-manager"}, "POST", path, body)
    before = seen(world, "mash-manager", child_id)
    response = world.call("POST", path, "mash-manager", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["decision"]["outcome"] == "assessment"
    no_wider(before, seen(world, "mash-manager", child_id), set())
    # The referrer sees the corrected decision, never the manager's reason.
    fed = world.call("GET", "/v1/mash/feedback", "riverside", "referral").json()["items"]
    assert [i["outcome"] for i in fed if i["contact_id"] == contact] == ["assessment"]
    assert "checking the police" not in repr(fed)
    no_reason_in_trail(world)


# An Encompass notice redirected -------------------------------------------------------------

def test_only_the_dart_coordinator_redirects_a_notice(world: World) -> None:
    sent = world.send("police", incident(f"SEC-{next(REFS)}"))  # to Riverside (100001)
    case = world.call("GET", f"/v1/dart/cases/{case_id(UUID(sent['id']))}", "dart").json()
    notice = case["encompass"][0]["notice_id"]
    path = f"/v1/encompass/{notice}/redirect"
    body = {"school_urn": "100002", "reason": REASON}
    # Hillview's DSL cannot pull another school's notice into its own inbox.
    refused_to_all_but(world, {"dart-manager"}, "POST", path, body)
    assert world.call("GET", "/v1/schools/100002/encompass", "hillview",
                      "encompass").json()["items"] == []
    response = world.call("POST", path, "dart-manager", json=body)
    assert response.status_code == 200, response.text
    [stub] = world.call("GET", "/v1/schools/100001/encompass", "riverside",
                        "encompass").json()["items"]
    assert stub["id"] == notice
    assert "withdrawn" in stub
    assert "Amy" not in repr(stub)
    assert sent["child_ids"][0] not in repr(stub)
    [right] = world.call("GET", "/v1/schools/100002/encompass", "hillview",
                         "encompass").json()["items"]
    assert right["child"]["given_name"] == "Amy"
    redirected = [e for e in world.hub.audit.entries(0) if e.action == "redirect-encompass"
                  and e.kind == "encompass"]
    assert [str(c) for c in redirected[0].child_ids] == [sent["child_ids"][0]]
    no_reason_in_trail(world)


# Missing episodes corrected -----------------------------------------------------------------

def test_only_the_missing_team_corrects_an_episode(world: World) -> None:
    sam = {"role": "child", "given_name": "Sam", "family_name": "Lowe",
           "date_of_birth": "2011-05-05", "postcode": "NG7 2AA"}
    gone = world.send("police", {**concern("missing", f"SEC-{next(REFS)}", sam),
                                 "occurred_at": "2026-11-19T06:00:00Z"})
    world.send("police", {**concern("found", f"SEC-{next(REFS)}", sam),
                          "occurred_at": "2026-11-19T09:00:00Z"})
    child_id = gone["child_ids"][0]
    [episode] = world.call("GET", f"/v1/children/{child_id}/missing-episodes", "missing",
                           "missing").json()["episodes"]
    base = f"/v1/missing/episodes/{episode['id']}"
    for path, body in ((f"{base}/times", {"start": "2026-11-19T05:00:00Z", "reason": REASON}),
                       (f"{base}/split", {"returned_at": "2026-11-19T07:00:00Z",
                                          "ended_by": "found",
                                          "left_again_at": "2026-11-19T08:00:00Z",
                                          "reason": REASON}),
                       (f"{base}/merge", {"other_episode_id": episode["id"],
                                          "reason": REASON})):
        refused_to_all_but(world, {"missing"}, "POST", path, body)
    before = seen(world, "missing", child_id)
    response = world.call("POST", f"{base}/split", "missing", json={
        "returned_at": "2026-11-19T07:00:00Z", "ended_by": "found",
        "left_again_at": "2026-11-19T08:00:00Z", "reason": REASON})
    assert response.status_code == 200, response.text
    _first, second = response.json()["items"]
    response = world.call("POST", f"{base}/merge", "missing", json={
        "other_episode_id": second["id"], "reason": REASON})
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["end"] == "2026-11-19T09:00:00Z".replace(
        "Z", "+00:00")
    no_wider(before, seen(world, "missing", child_id), set())
    no_reason_in_trail(world)
