"""Conferences, core groups, child in need plans and the safety scale through the HTTP API,
role by role: only the roles entitled write or read each; a refusal is audited naming the
child; every read is audited naming the child; the Signs of Safety texts and the minutes are
shown only to entitled readers and never reach the audit trail or an error."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api_support import Api, staffed_api
from tests.support import child, notification, submit

SW, TM, IRO, MASH = ("city-mash/social-worker", "city-mash/team-manager",
                     "city-mash/independent-reviewing-officer", "city-mash")
# Every other seeded agency's person, and the health safeguarding lead.
OUTSIDERS = ("notts-police", "city-health", "riverside-primary", "city-dart",
             "missing-team", "info-governance", "city-health/safeguarding-lead")
WORRIES = "Father's drinking frightens the children at night."
MINUTES = "The conference agreed a plan: the father leaves the home while he gets help."
SIGNS = {"worries": WORRIES, "working_well": "Mother keeps the children safe at weekends.",
         "needs_to_happen": "Father engages with the alcohol service.", "scale": 4}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, (("city-mash", "social-worker"),
                                      ("city-mash", "team-manager"),
                                      ("city-mash", "independent-reviewing-officer"),
                                      ("city-health", "safeguarding-lead")))


def user_id(api: Api, who: str) -> str:
    return str(api.hub.registry.authenticate(api.tokens[who]).user_id)


def a_child(api: Api) -> str:
    return str(submit(api.hub, "city-health", notification(
        "H-CP-1", "health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Amy", "Hart", "2016-04-02", nhs_number="9434765919")],
        summary="Bruising noted; explanation inconsistent.")).child_ids[0])


def entries(api: Api, action: str) -> list[Any]:
    return [e for e in api.hub.audit.entries() if e.action == action]


def conference(api: Api, child_id: str) -> str:
    made = api.call("POST", SW, f"/v1/protection/{child_id}/initial-conference", "s47", json={
        "plan": True, "category": "emotional", "chair": user_id(api, IRO),
        "iro": user_id(api, IRO), "signs_of_safety": SIGNS,
        "core_group": [{"agency": "city-health", "role": "health-practitioner"}]})
    assert made.status_code == 200, made.text
    conference_id: str = made.json()["conferences"][0]["id"]
    return conference_id


def test_only_the_local_authority_records_conferences_core_groups_and_minutes(
        api: Api) -> None:
    child_id = a_child(api)
    for who in (*OUTSIDERS, MASH):
        refused = api.call("POST", who, f"/v1/protection/{child_id}/initial-conference",
                           "s47", json={"plan": True, "category": "neglect"})
        assert refused.status_code == 403, (who, refused.text)
    conference_id = conference(api, child_id)
    minutes = f"/v1/protection/{child_id}/conferences/{conference_id}/minutes"
    members = f"/v1/protection/{child_id}/core-group/members"
    for who in (*OUTSIDERS, MASH, SW):
        assert api.call("POST", who, minutes, json={"minutes": MINUTES}).status_code == 403
    for who in (*OUTSIDERS, MASH, IRO):
        assert api.call("PUT", who, members, json={"members": [
            {"agency": "notts-police", "role": "police-officer"}]}).status_code == 403
    refusals = [e for e in api.hub.audit.entries() if e.kind == "denial"]
    assert refusals
    assert all(child_id in [str(c) for c in e.child_ids] for e in refusals)
    # A member the registry does not know is invalid content, and never echoed.
    bad = api.call("PUT", TM, members, json={"members": [{"agency": "no-such-agency-x",
                                                          "role": "dsl"}]})
    assert bad.status_code == 422
    assert "no-such-agency-x" not in bad.text
    assert api.call("PUT", TM, members, json={"members": [
        {"agency": "notts-police", "role": "police-officer"}]}).status_code == 200
    done = api.call("POST", IRO, minutes, json={"minutes": MINUTES})
    assert done.status_code == 200, done.text
    assert api.call("POST", IRO, minutes, json={"minutes": MINUTES}).status_code == 409
    # The minutes and the Signs of Safety texts never reach the audit trail.
    trail = json.dumps([e.details for e in api.hub.audit.entries()])
    assert MINUTES not in trail
    assert WORRIES not in trail
    # The record (minutes included) is the local authority's: never for other agencies.
    for who in (*OUTSIDERS, MASH):
        assert api.call("GET", who, f"/v1/protection/{child_id}",
                        purpose="assessment").status_code == 403
    read = api.call("GET", IRO, f"/v1/protection/{child_id}", purpose="assessment")
    assert read.json()["conferences"][0]["minutes"] == MINUTES
    reads = [e for e in entries(api, "read-child-protection") if e.kind == "disclosure"]
    assert reads
    assert child_id in [str(c) for c in reads[-1].child_ids]


def test_child_in_need_plans_are_social_cares_own(api: Api) -> None:
    child_id = a_child(api)
    path = f"/v1/children/{child_id}/cin-plan"
    for who in (*OUTSIDERS, MASH):
        assert api.call("POST", who, path, json={}).status_code == 403
        assert api.call("GET", who, f"/v1/children/{child_id}/cin-plans",
                        purpose="assessment").status_code == 403
    started = api.call("POST", SW, path, json={})
    assert started.status_code == 200, started.text
    assert api.call("POST", SW, path, json={}).status_code == 409  # one in force
    assert api.call("POST", TM, f"{path}/review", json={}).status_code == 200
    bad = api.call("POST", SW, f"{path}/end", json={"because": "cured"})
    assert bad.status_code == 422
    read = api.call("GET", IRO, f"/v1/children/{child_id}/cin-plans", purpose="assessment")
    assert read.status_code == 200
    assert len(read.json()["plans"][0]["reviews"]) == 1
    [audited] = [e for e in entries(api, "read-cin-plans") if e.kind == "disclosure"]
    assert child_id in [str(c) for c in audited.child_ids]


def test_the_safety_scale_texts_only_for_entitled_readers(api: Api) -> None:
    child_id = a_child(api)
    conference(api, child_id)
    path = f"/v1/children/{child_id}/safety-scale"
    for who in OUTSIDERS:
        refused = api.call("GET", who, path, purpose="assessment")
        assert refused.status_code == 403, who
        assert WORRIES not in refused.text
    scale_only = api.call("GET", MASH, path, purpose="assessment").json()
    assert scale_only["texts"] is False
    assert [(i["where"], i["scale"]) for i in scale_only["items"]] == [
        ("initial-conference", 4)]
    assert "worries" not in scale_only["items"][0]
    for who in (SW, TM, IRO):
        full = api.call("GET", who, path, purpose="assessment").json()
        assert full["items"][0]["worries"] == WORRIES
    audited = entries(api, "read-safety-scale")
    assert len([e for e in audited if e.kind == "disclosure"]) == 4
    assert len([e for e in audited if e.kind == "denial"]) == len(OUTSIDERS)
    assert all(child_id in [str(c) for c in e.child_ids] for e in audited)
    assert WORRIES not in json.dumps([e.details for e in audited])
