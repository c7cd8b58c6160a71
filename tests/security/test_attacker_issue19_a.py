"""Issue 19 attacked: MARAC meetings, and inter-agency disagreements against any decision.

An attacker's review of the MARAC meeting (who reads a meeting, its case list, outcomes and
actions; who manages it; whether its case list names the right child) and of disagreements
(raising one to learn that a decision exists or whom it is about, re-clocking a stage by
restating the risk, escalation contacts and alerts, the referrer's feedback call). Each test
asserts the safe behaviour, over HTTP, per role. A test marked ``xfail(strict=True)`` records
a live weakness (it fails loudly once the weakness is fixed).
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.agencies import StaffChangeReason
from domain.front_door import contact_id
from hub.bootstrap import Hub
from tests.api_support import Api, staffed_api
from tests.security.test_disagreement_access import WHY, body, triaged
from tests.security.test_marac_meetings import (
    ACTION,
    COORDINATOR,
    SUMMARY,
    heard,
    ok,
    past_working_day,
    referred,
)
from tests.support import child, notification, submit

STAFF = (("city-dart", "team-manager"), ("city-mash", "social-worker"),
         ("city-mash", "team-manager"), ("city-health", "safeguarding-lead"),
         ("county-dart", "team-manager"))
REASON_WORDS = "Grandmother Beryl told the school in confidence that the step-father hits."


def county_dart(hub: Hub, tokens: dict[str, str]) -> None:
    hub.registry.register_agency("county-dart", "dart", "County DART")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from staffed_api(tmp_path, STAFF, county_dart)


def meeting_on(api: Api, agencies: list[str], who: str = COORDINATOR) -> dict[str, Any]:
    made: dict[str, Any] = ok(api.call("POST", who, "/v1/marac/meetings", purpose="marac",
                                       json={"meets_on": past_working_day(2).isoformat(),
                                             "agencies": agencies}), 201)
    return made


def people(case: dict[str, Any]) -> set[str]:
    return {*case["victim_ids"], *case["child_ids"]}


# MARAC meetings: an agency not invited learns nothing, by any route --------------------------

def test_another_agencys_action_and_an_unknown_one_answer_alike(api: Api) -> None:
    _, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    for who in ("city-health", "city-dart", "riverside-primary"):
        real = api.call("POST", who, f"/v1/marac/actions/{action['id']}/done")
        unknown = api.call("POST", who, f"/v1/marac/actions/{uuid4()}/done")
        assert real.status_code == unknown.status_code == 404, who
        assert real.json() == unknown.json()


def test_another_darts_coordinator_cannot_tell_a_real_meeting_from_an_unknown_one(
        api: Api) -> None:
    referral, meeting = heard(api)
    county = "county-dart/team-manager"
    for suffix, payload in (("/agencies", {"agencies": ["county-dart"]}),
                            ("/cases", {"referral_id": referral["id"]}),
                            (f"/cases/{referral['id']}/defer", None)):
        real = api.call("POST", county, f"/v1/marac/meetings/{meeting['id']}{suffix}",
                        json=payload)
        unknown = api.call("POST", county, f"/v1/marac/meetings/{uuid4()}{suffix}",
                           json=payload)
        assert real.status_code == unknown.status_code == 404, suffix
        assert real.json() == unknown.json()
        assert referral["victim_ids"][0] not in real.text


def test_the_meetings_list_names_no_case_and_nobody(api: Api) -> None:
    referral, meeting = heard(api)
    listed = ok(api.call("GET", "notts-police", "/v1/marac/meetings", purpose="marac"))
    [only] = listed["items"]
    assert only["id"] == meeting["id"]
    assert only["cases"] == 1
    for ident in (referral["id"], *referral["victim_ids"], *referral["child_ids"]):
        assert ident not in str(listed)
    assert SUMMARY not in str(listed)


def test_an_uninvited_agencys_queues_never_show_the_meetings_actions(api: Api) -> None:
    _, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    for who in ("city-health", "riverside-primary", "derbys-police", "missing-team"):
        for path in ("/v1/marac/actions", "/v1/marac/actions/breaches"):
            seen = ok(api.call("GET", who, path, purpose="marac"))
            assert seen["items"] == [], (who, path)
            assert action["id"] not in str(seen)
            assert ACTION not in str(seen)


def test_each_change_the_coordinator_makes_is_audited_naming_the_victim_and_child(
        api: Api) -> None:
    referral = referred(api)
    meeting = meeting_on(api, ["notts-police"])
    path = f"/v1/marac/meetings/{meeting['id']}"
    named = {*referral["victim_ids"], *referral["child_ids"]}
    for suffix, payload in (("/cases", {"referral_id": referral["id"]}),
                            ("/agencies", {"agencies": ["city-health"]}),
                            (f"/cases/{referral['id']}/outcome", {
                                "risk": "high", "summary": SUMMARY,
                                "attendance": ["notts-police", "city-health"],
                                "actions": [{"agency": "city-health", "action": ACTION,
                                             "due_on": past_working_day(0).isoformat()}]})):
        since = api.hub.audit.size()
        ok(api.call("POST", COORDINATOR, f"{path}{suffix}", json=payload))
        [entry] = [e for e in api.hub.audit.entries(since) if e.kind == "marac"]
        assert {str(c) for c in entry.child_ids} == named, suffix
        assert SUMMARY not in repr(entry)
        assert ACTION not in repr(entry)


def test_an_agency_invited_later_reads_the_meeting_audited_naming_each_person(
        api: Api) -> None:
    referral, meeting = heard(api)
    ok(api.call("POST", COORDINATOR, f"/v1/marac/meetings/{meeting['id']}/agencies",
                json={"agencies": ["city-health"]}))
    since = api.hub.audit.size()
    read = ok(api.call("GET", "city-health", f"/v1/marac/meetings/{meeting['id']}",
                       purpose="marac"))
    assert people(read["cases"][0]) == {*referral["victim_ids"], *referral["child_ids"]}
    [entry] = [e for e in api.hub.audit.entries(since) if e.kind == "disclosure"]
    assert {str(c) for c in entry.child_ids} == people(read["cases"][0])


def test_an_uninvited_refusal_is_audited_naming_nobody_and_saying_nothing(api: Api) -> None:
    referral, meeting = heard(api)
    since = api.hub.audit.size()
    refused = api.call("GET", "city-health", f"/v1/marac/meetings/{meeting['id']}",
                       purpose="marac")
    assert refused.status_code == 404
    [entry] = [e for e in api.hub.audit.entries(since) if e.kind == "denial"]
    assert entry.child_ids == []
    assert referral["id"] not in repr(entry)


def test_another_darts_coordinator_cannot_list_a_referral_that_is_not_its_own(
        api: Api) -> None:
    referral = referred(api)  # the city DART's
    county = "county-dart/team-manager"
    own = meeting_on(api, ["riverside-primary"], who=county)
    listed = api.call("POST", county, f"/v1/marac/meetings/{own['id']}/cases",
                      json={"referral_id": referral["id"]})
    unknown = api.call("POST", county, f"/v1/marac/meetings/{own['id']}/cases",
                       json={"referral_id": str(uuid4())})
    assert listed.status_code == unknown.status_code == 404, listed.text
    school = api.call("GET", "riverside-primary", f"/v1/marac/meetings/{own['id']}",
                      purpose="marac")
    assert referral["victim_ids"][0] not in school.text
    # The city's own coordinator may still list it at the city's meeting.
    city = meeting_on(api, ["notts-police"])
    ok(api.call("POST", COORDINATOR, f"/v1/marac/meetings/{city['id']}/cases",
                json={"referral_id": referral["id"]}))


def test_a_case_listed_after_the_police_correct_the_child_names_the_right_child(
        api: Api) -> None:
    referral = referred(api)
    [wrong] = referral["child_ids"]
    corrected = notification("NTP-MARAC-1", subjects=[
        child("Zac", "Moss", "2014-06-06", postcode="NG5 1AB"),
        {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
         "date_of_birth": "1990-01-09"}],
        occurred_at="2026-11-20T20:00:00Z", summary="free text", dash={"yes_count": 15})
    amended = ok(api.call("POST", "notts-police", "/v1/notifications",
                          json={**corrected, "version": 2}), 200)
    assert wrong not in amended["child_ids"]
    meeting = meeting_on(api, ["notts-police"])
    path = f"/v1/marac/meetings/{meeting['id']}"
    listed = api.call("POST", COORDINATOR, f"{path}/cases",
                      json={"referral_id": referral["id"]})
    since = api.hub.audit.size()
    read = api.call("GET", "notts-police", path, purpose="marac")
    assert wrong not in listed.text
    assert wrong not in read.text
    assert all(UUID(wrong) not in e.child_ids for e in api.hub.audit.entries(since))


def test_a_referral_listed_at_one_meeting_is_not_listed_at_another(api: Api) -> None:
    referral = referred(api)
    first, second = meeting_on(api, ["notts-police"]), meeting_on(api, ["city-health"])
    ok(api.call("POST", COORDINATOR, f"/v1/marac/meetings/{first['id']}/cases",
                json={"referral_id": referral["id"]}))
    again = api.call("POST", COORDINATOR, f"/v1/marac/meetings/{second['id']}/cases",
                     json={"referral_id": referral["id"]})
    assert again.status_code == 409, again.text
    read = ok(api.call("GET", "city-health", f"/v1/marac/meetings/{second['id']}",
                       purpose="marac"))
    assert read["cases"] == []


@pytest.mark.parametrize("payload", [
    {"risk": "high", "summary": SUMMARY, "attendance": ["notts-police"],
     "actions": [{"agency": "notts-police", "action": ACTION, "due_on": "9999-12-31"}]},
    {"risk": "high", "summary": SUMMARY, "attendance": ["notts-police"],
     "actions": [{"agency": "notts-police", "action": ACTION, "due_on": "0001-01-01"}]},
    {"risk": "high", "summary": SUMMARY, "attendance": ["notts-police"],
     "actions": [{"agency": "notts-police", "action": ACTION,
                  "due_on": past_working_day(0).isoformat()}] * 31},
    {"risk": "high", "summary": SUMMARY * 100, "attendance": ["notts-police"]},
    {"risk": "high", "summary": SUMMARY, "attendance": ["auditors-office"]},
    {"risk": "high", "summary": SUMMARY, "attendance": []},
])
def test_a_bad_outcome_is_a_4xx_that_repeats_no_words(api: Api,
                                                      payload: dict[str, Any]) -> None:
    referral = referred(api)
    meeting = meeting_on(api, ["notts-police"])
    path = f"/v1/marac/meetings/{meeting['id']}"
    ok(api.call("POST", COORDINATOR, f"{path}/cases", json={"referral_id": referral["id"]}))
    answer = api.call("POST", COORDINATOR, f"{path}/cases/{referral['id']}/outcome",
                      json=payload)
    assert 400 <= answer.status_code < 500, answer.text
    assert SUMMARY not in answer.text
    assert ACTION not in answer.text


def test_a_meeting_far_outside_the_diary_is_a_4xx(api: Api) -> None:
    for day in ("0001-01-01", "9999-12-31"):
        answer = api.call("POST", COORDINATOR, "/v1/marac/meetings",
                          json={"meets_on": day, "agencies": ["notts-police"]})
        assert answer.status_code == 422, answer.text


# Disagreements: raising one tells a reader nothing they may not know -------------------------

def school_contact(api: Api) -> str:
    """A school's contact to the MASH, not yet decided: its id."""
    receipt = submit(api.hub, "riverside-primary", notification(
        "SCH-ATT-1", type_="school_concern", occurred_at="2026-11-23T08:50:00Z",
        subjects=[child()], summary="Amy said her step-father hit her."))
    return str(contact_id(receipt.id))


def raise_on(api: Api, who: str, kind: str, ident: str) -> Any:
    return api.call("POST", who, "/v1/disagreements", json={
        "subject": {"kind": kind, "id": ident}, "risk": "high", "reason": WHY})


@pytest.mark.parametrize("kind", ["mash-contact", "dart-triage", "missing-episode",
                                  "cp-conference", "sharing-refusal"])
def test_every_kind_of_unknown_decision_answers_alike(api: Api, kind: str) -> None:
    contact = school_contact(api)
    case, _ = triaged(api)
    hidden = raise_on(api, "city-health", "mash-contact", contact)
    hidden_triage = raise_on(api, "city-health", "dart-triage", case)
    unknown = raise_on(api, "city-health", kind, str(uuid4()))
    assert unknown.status_code == hidden.status_code == hidden_triage.status_code == 404
    assert unknown.json() == hidden.json() == hidden_triage.json()


def test_an_undecided_decision_is_unknown_to_a_non_party_not_a_rule_violation(
        api: Api) -> None:
    """A not-yet-decided contact answers 409 to its referrer, who knows of it; to anyone
    else the same 404 an unknown id gets (a 409 would say it exists)."""
    contact = school_contact(api)
    assert raise_on(api, "riverside-primary", "mash-contact", contact).status_code == 409
    for who in ("city-health", "notts-police", "city-dart", "missing-team"):
        answer = raise_on(api, who, "mash-contact", contact)
        assert answer.status_code == 404, (who, answer.text)
    # An untriaged incident: the police who sent it are told it is not triaged; a school is
    # told nothing.
    receipt = submit(api.hub, "notts-police", notification("NTP-ATT-UNTRIAGED"))
    case = ok(api.call("GET", "city-dart", "/v1/dart/queue"))["items"][0]["id"]
    assert receipt.id
    assert raise_on(api, "notts-police", "dart-triage", case).status_code == 409
    assert raise_on(api, "riverside-primary", "dart-triage", case).status_code == 404


def test_a_refused_raise_returns_no_child_and_raises_nothing(api: Api) -> None:
    case, child_id = triaged(api)
    refused = raise_on(api, "riverside-primary", "dart-triage", case)
    assert refused.status_code == 404
    assert child_id not in refused.text
    assert "Amy" not in refused.text
    for who in ("notts-police", "city-dart", "riverside-primary"):
        assert ok(api.call("GET", who, "/v1/disagreements", purpose="referral"))["items"] == []


def test_the_reason_reaches_the_two_parties_and_never_the_trail_or_a_third(api: Api) -> None:
    case, _ = triaged(api)
    since = api.hub.audit.size()
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json={
        "subject": {"kind": "dart-triage", "id": case}, "risk": "high",
        "reason": REASON_WORDS}), 201)
    assert raised["reason"] == REASON_WORDS
    seen = ok(api.call("GET", "city-dart", "/v1/disagreements", purpose="referral"))
    assert [d["reason"] for d in seen["items"]] == [REASON_WORDS]
    for who in ("riverside-primary", "city-health", "derbys-police"):
        other = api.call("GET", who, "/v1/disagreements", purpose="referral")
        assert REASON_WORDS not in other.text, who
        assert raised["id"] not in other.text
    assert all("Beryl" not in repr(e) for e in api.hub.audit.entries(since))
    # A reason too short is refused without repeating it.
    short = api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/risk",
                     json={"risk": "standard", "reason": "Beryl"})
    assert short.status_code == 422
    assert "Beryl" not in short.text


def test_the_agency_disagreed_with_cannot_push_its_own_deadline_later(api: Api) -> None:
    case, _ = triaged(api)
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json=body(case)), 201)
    lowered = api.call("POST", "city-dart", f"/v1/disagreements/{raised['id']}/risk",
                       json={"risk": "standard", "reason": "We think the risk is lower now."})
    if lowered.status_code == 200:
        assert datetime.fromisoformat(lowered.json()["due"]) <= \
            datetime.fromisoformat(raised["due"])
    else:
        assert lowered.status_code in (403, 404, 409)


def test_the_raiser_raising_the_risk_never_makes_the_stage_later(api: Api) -> None:
    case, _ = triaged(api)
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json={
        **body(case), "risk": "standard"}), 201)
    up = api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/risk",
                  json={"risk": "high", "reason": "The children are back in the home tonight."})
    assert up.status_code == 200, up.text
    assert datetime.fromisoformat(up.json()["due"]) <= datetime.fromisoformat(raised["due"])
    # The agency disagreed with cannot take it back down (to give itself longer).
    down = api.call("POST", "city-dart", f"/v1/disagreements/{raised['id']}/risk",
                    json={"risk": "medium", "reason": "We think the risk has reduced now."})
    assert down.status_code == 409, down.text


# Escalation contacts and alerts --------------------------------------------------------------

def test_an_agency_cannot_name_a_departed_member_nor_a_role_without_alerts(api: Api) -> None:
    manager = "city-mash/team-manager"
    mash_worker = api.hub.registry.users("city-mash")[0]["id"]  # a mash-worker: no alerts
    gone, _ = api.hub.registry.register_user("city-mash", "social-worker", "Leaver")
    api.hub.registry.disable(manager_actor(api, manager).as_actor(), UUID(gone["id"]),
                             StaffChangeReason.LEFT_AGENCY)
    for user in (mash_worker, gone["id"], str(uuid4())):
        answer = api.call("PUT", manager, "/v1/escalation-contacts/team-manager",
                          json={"user_id": user})
        assert answer.status_code == 422, (user, answer.text)
    contacts = ok(api.call("GET", manager, "/v1/escalation-contacts"))
    assert all(s["user_id"] is None for s in contacts["stages"])


def manager_actor(api: Api, who: str) -> Any:
    return api.hub.registry.authenticate(api.tokens[who])


def test_no_one_reads_anothers_alerts_by_being_named_elsewhere(api: Api) -> None:
    """A police officer names themself (the one role of theirs that may) for every stage: the
    alerts of the DART's people stay theirs."""
    case, _ = triaged(api)
    officer = api.hub.registry.authenticate(api.tokens["notts-police"])
    for stage in ("worker", "team-manager", "director"):
        ok(api.call("PUT", "notts-police", f"/v1/escalation-contacts/{stage}",
                    json={"user_id": str(officer.user_id)}))
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json=body(case)), 201)
    ok(api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/escalate",
                json={"reason": WHY}))
    alerts = ok(api.call("GET", "notts-police", "/v1/me/disagreement-alerts",
                         purpose="referral"))
    assert alerts["items"] == []
    # Another agency's person cannot be named for the DART either.
    named = api.call("PUT", "city-dart/team-manager", "/v1/escalation-contacts/team-manager",
                     json={"user_id": str(officer.user_id)})
    assert named.status_code == 422


# The referrer's feedback call ----------------------------------------------------------------

def test_the_feedback_call_route_tells_no_outsider_that_a_contact_exists(api: Api) -> None:
    contact = school_contact(api)
    for who in ("notts-police", "city-health", "riverside-primary"):
        real = api.call("POST", who, f"/v1/mash/contacts/{contact}/feedback-call", json={})
        unknown = api.call("POST", who, f"/v1/mash/contacts/{uuid4()}/feedback-call",
                           json={})
        assert real.status_code == unknown.status_code, (who, real.text, unknown.text)
        assert real.json() == unknown.json()


def test_a_feedback_call_on_an_undecided_contact_or_in_the_future_is_refused(api: Api) -> None:
    contact = school_contact(api)
    worker = "city-mash/social-worker"
    early = api.call("POST", worker, f"/v1/mash/contacts/{contact}/feedback-call", json={})
    assert early.status_code == 409, early.text
    bad = api.call("POST", worker, f"/v1/mash/contacts/{contact}/feedback-call",
                   json={"at": "2026-13-40T25:00:00Z"})
    assert bad.status_code == 422


# A meeting's referral ids open nothing -------------------------------------------------------

@pytest.mark.parametrize("who", ["riverside-primary", "city-health", "notts-police",
                                 "county-dart/team-manager"])
def test_a_referral_id_from_a_meeting_is_no_case_to_read_the_child_with(api: Api,
                                                                        who: str) -> None:
    """The case list shows referral ids to the agencies invited; quoting one as the case a
    ``marac`` read rests on opens neither the child's nor the victim's records."""
    referral, _ = heard(api)
    for person in (*referral["child_ids"], *referral["victim_ids"]):
        read = api.call("GET", who, f"/v1/children/{person}/chronology", purpose="marac",
                        headers={"X-Case-Ref": referral["id"]})
        assert read.status_code in (403, 404), (who, read.text)
        assert "free text" not in read.text


def test_the_agency_disagreed_with_cannot_resolve_it_alone(api: Api) -> None:
    case, _ = triaged(api)
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json=body(case)), 201)
    closed = api.call("POST", "city-dart", f"/v1/disagreements/{raised['id']}/resolve",
                      json={"resolution": "We are content the triage was right."})
    assert closed.status_code in (403, 404, 409), closed.text
    still = ok(api.call("GET", "notts-police", "/v1/disagreements", purpose="referral"))
    assert [d["id"] for d in still["items"]] == [raised["id"]]


def test_an_agency_cannot_disagree_with_itself(api: Api) -> None:
    case, _ = triaged(api)
    own = api.call("POST", "city-dart/team-manager", "/v1/disagreements", json=body(case))
    assert own.status_code == 409, own.text


def test_completing_an_action_and_restating_a_risk_are_audited_naming_each_person(
        api: Api) -> None:
    referral, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    since = api.hub.audit.size()
    ok(api.call("POST", "notts-police", f"/v1/marac/actions/{action['id']}/done"))
    [entry] = [e for e in api.hub.audit.entries(since) if e.action == "complete-marac-action"]
    assert {str(p) for p in entry.child_ids} == {*referral["victim_ids"],
                                                 *referral["child_ids"]}
    assert ACTION not in repr(entry)
    case, child_id = triaged(api)
    raised = ok(api.call("POST", "notts-police", "/v1/disagreements", json=body(case)), 201)
    since = api.hub.audit.size()
    ok(api.call("POST", "notts-police", f"/v1/disagreements/{raised['id']}/risk",
                json={"risk": "medium", "reason": REASON_WORDS}))
    [entry] = [e for e in api.hub.audit.entries(since)
               if e.action == "restate-disagreement-risk"]
    assert [str(c) for c in entry.child_ids] == [child_id]
    assert "Beryl" not in repr(entry)


def test_an_id_of_another_kind_of_record_is_unknown_never_a_500(api: Api) -> None:
    """Ids swapped between kinds of record (a meeting for a referral, a referral for a
    meeting or an action, a DART case for a contact): each is an unknown id."""
    referral, meeting = heard(api)
    [action] = meeting["cases"][0]["actions"]
    case = referral["case_id"]
    fresh = meeting_on(api, ["notts-police"])
    answers = [
        api.call("GET", "notts-police", f"/v1/marac/meetings/{referral['id']}"),
        api.call("GET", "notts-police", f"/v1/marac/meetings/{action['id']}"),
        api.call("POST", "notts-police", f"/v1/marac/actions/{meeting['id']}/done"),
        api.call("POST", "notts-police", f"/v1/marac/actions/{referral['id']}/done"),
        api.call("POST", COORDINATOR, f"/v1/marac/meetings/{fresh['id']}/cases",
                 json={"referral_id": meeting["id"]}),
        api.call("POST", COORDINATOR, f"/v1/marac/meetings/{fresh['id']}/cases",
                 json={"referral_id": case}),
        api.call("POST", COORDINATOR, f"/v1/marac/meetings/{case}/cases",
                 json={"referral_id": referral["id"]}),
        raise_on(api, "notts-police", "mash-contact", case),
        raise_on(api, "notts-police", "dart-triage", referral["id"]),
        raise_on(api, "notts-police", "missing-episode", case),
        raise_on(api, "notts-police", "cp-conference", meeting["id"]),
        raise_on(api, "notts-police", "sharing-refusal", action["id"]),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers), \
        [a.text for a in answers]
