"""Corrections by the teams, on every store: the DART's re-triage, the MASH's corrected
decision, the missing team's corrected episodes and the DART coordinator's redirected
Encompass notice; each with a reason, audited naming the child (never the reason), and kept
in the record's history."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, NotPermitted, RuleViolation
from hub.bootstrap import Hub
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import Clock, notification, relayed, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REASON = "The DASH answers were entered against the wrong incident by mistake."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def audited(hub: Hub, since: int, action: str) -> list[Any]:
    return [e for e in hub.audit.entries(since) if e.action == action]


def no_reason_in_trail(hub: Hub, words: str) -> None:
    assert words not in "".join(repr(e) for e in hub.audit.entries(0))


# The DART re-triages ---------------------------------------------------------------------

def incident(hub: Hub, yes: int, ref: str = "NTP-1",
             occurred_at: str = "2026-11-23T08:00:00Z") -> UUID:
    receipt = submit(hub, "notts-police", notification(
        ref, occurred_at=occurred_at, summary="Incident.", dash={"yes_count": yes}))
    return case_id(receipt.id)


def triaged(hub: Hub, dart: Caller, yes: int, **kw: Any) -> UUID:
    case = incident(hub, yes)
    hub.domestic_abuse.triage(dart, case, yes_count=None, answers=None, level=None,
                              judgement_reason=None,
                              actions=kw.get("actions", ["safety-planning"]),
                              threshold_met=kw.get("threshold_met", False),
                              rationale="Triaged on the police's checklist.")
    return case


def retriage(hub: Hub, who: Caller, case: UUID, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"yes_count": None, "answers": None, "level": None,
                            "judgement_reason": None, "actions": ["safety-planning"],
                            "threshold_met": False, "reason": REASON}
    args.update(kw)
    return hub.domestic_abuse.retriage(who, case, **args)


def test_a_worker_raises_the_risk_and_the_marac_referral_follows(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    case = triaged(hub, dart, yes=5)
    assert hub.domestic_abuse.case(dart, case)["triage"]["marac_referral"] is None
    since = hub.audit.size()
    view = retriage(hub, dart, case, yes_count=15)  # the count was mistyped: high risk
    triage = view["triage"]
    assert (triage["level"], triage["yes_count"]) == ("high", 15)
    assert triage["actions"][0] == "marac-referral"
    [correction] = view["corrections"]
    assert correction["previous_level"] == "standard"
    assert correction["direction"] == "up"
    assert correction["reason"] == REASON
    assert correction["flags"] == []
    assert triage["marac_referral"] == correction["marac_referral"] is not None
    [referral] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert referral["id"] == triage["marac_referral"]
    assert [f["rule"] for f in referral["flags"]] == ["visible-high-risk"]
    [entry] = [e for e in audited(hub, since, "dart-retriage") if e.kind == "triage"]
    assert entry.details["direction"] == "up"
    assert set(view["child_ids"]) <= {str(c) for c in entry.child_ids}
    no_reason_in_trail(hub, "wrong incident")


def test_lowering_the_risk_is_a_team_managers_and_a_made_referral_stands_flagged(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart, manager = people["city-dart"], people["city-dart/team-manager"]
    case = triaged(hub, dart, yes=15, actions=["safety-planning", "mash-referral"],
                   threshold_met=True)
    first = hub.domestic_abuse.case(dart, case)["triage"]
    assert first["marac_referral"]
    assert first["mash_referral"]
    since = hub.audit.size()
    with pytest.raises(NotEntitled):
        retriage(hub, dart, case, yes_count=5)
    [denied] = audited(hub, since, "dart-retriage")
    assert denied.kind == "denial"
    assert denied.details["capability"] == "dart-lower-risk"
    view = retriage(hub, manager, case, yes_count=5)
    triage, [correction] = view["triage"], view["corrections"]
    assert (triage["level"], correction["direction"]) == ("standard", "down")
    # Neither referral is undone: both stand, recorded and flagged.
    assert (triage["marac_referral"], triage["mash_referral"]) == (
        first["marac_referral"], first["mash_referral"])
    assert correction["flags"] == ["marac-referral-stands", "mash-referral-stands"]
    [referral] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert referral["review"]["reason"] == "criteria-no-longer-met"
    assert referral["review"]["level"] == "standard"
    # The history keeps the original triage's level and the manager's reason.
    assert correction["previous_level"] == "high"
    assert correction["reason"] == REASON
    assert correction["by"]["role"] == "team-manager"


def test_a_retriage_meeting_the_threshold_refers_to_the_mash_once(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    case = triaged(hub, dart, yes=5)
    view = retriage(hub, dart, case, actions=["safety-planning", "mash-referral"],
                    threshold_met=True)
    mash = view["triage"]["mash_referral"]
    assert mash is not None
    assert view["corrections"][0]["mash_referral"] == mash
    again = retriage(hub, dart, case, actions=["safety-planning", "idva-referral",
                                                "mash-referral"], threshold_met=True)
    assert again["triage"]["mash_referral"] == mash  # not a second referral
    assert again["corrections"][1]["mash_referral"] is None


def test_a_retriage_needs_a_triage_a_reason_and_a_change(
        hub: Hub, people: dict[str, Caller]) -> None:
    dart = people["city-dart"]
    with pytest.raises(RuleViolation):
        retriage(hub, dart, incident(hub, 5, "NTP-9"))
    case = triaged(hub, dart, yes=5)
    with pytest.raises(InvalidContent):
        retriage(hub, dart, case, yes_count=12, reason="oops")
    with pytest.raises(RuleViolation):
        retriage(hub, dart, case)
    with pytest.raises(RuleViolation):  # judgement never lowers below the DASH level
        retriage(hub, dart, case, yes_count=15, level="medium", judgement_reason=REASON)
    for outsider in ("notts-police", "city-mash", "missing-team", "riverside-primary"):
        with pytest.raises(NotEntitled):
            retriage(hub, people[outsider], case, yes_count=12)


def test_the_domain_refuses_a_lowering_without_the_managers_permission(
        hub: Hub, people: dict[str, Caller]) -> None:
    from domain.dart import DartCase, grade

    dart = people["city-dart"]
    case = triaged(hub, dart, yes=12)
    found = hub.store.find(case, DartCase)
    assert found is not None
    with pytest.raises(NotPermitted):
        found.record_retriage(grade(3, None, None), [], False, REASON, dart.as_actor(),
                              MONDAY, may_lower=False, marac_criteria_met=False,
                              marac_referral=None, mash_referral=None)


# The MASH corrects a decision ------------------------------------------------------------

def decided_contact(hub: Hub, people: dict[str, Caller], outcome: str = "early-help",
                    level: str = "additional") -> UUID:
    from domain.front_door import contact_id
    from tests.support import child

    receipt = submit(hub, "riverside-primary", notification(
        "C-1", "school_concern", subjects=[child()], occurred_at="2026-11-23T08:30:00Z",
        summary="Arrived hungry again."))
    contact = contact_id(receipt.id)
    fd = hub.front_door
    fd.rate(people["city-mash"], contact, "amber", None)
    fd.decide(people["city-mash/social-worker"], contact, level=level, outcome=outcome,
              rationale="Needs support at home.", feedback="Early help will call.",
              signs_of_safety=None, participants=[])
    return contact


def test_a_team_manager_corrects_a_decision_and_its_deadline_follows(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    from domain.access import Purpose
    from domain.front_door import NeedRecord, need_id
    from hub.disclosure import ReadContext

    contact = decided_contact(hub, people)
    manager = people["city-mash/team-manager"]
    clock.advance(days=2)
    since = hub.audit.size()
    summary = hub.front_door.correct_decision(manager, contact, level="child-in-need",
                                              outcome="assessment", reason=REASON)
    decision = summary["decision"]
    assert (decision["level"], decision["outcome"]) == ("child-in-need", "assessment")
    # 45 working days from the contact's arrival, by the clocks, not from the correction.
    expected = hub.front_door.timescales.assessment_due(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert decision["assessment_due"] == expected.isoformat()
    assert "assessment" in summary["deadlines"]
    [correction] = decision["corrections"]
    assert (correction["previous_level"], correction["previous_outcome"]) == (
        "additional", "early-help")
    assert "reason" not in correction  # the summary holds no free text
    full = hub.front_door.contact(ReadContext(manager, Purpose.TRIAGE, None, None), contact)
    assert full["decision"]["corrections"][0]["reason"] == REASON
    assert full["decision"]["rationale"] == "Needs support at home."  # the original stays
    child_id = UUID(summary["child_ids"][0])
    need = hub.store.find(need_id(child_id), NeedRecord)
    assert need is not None
    assert [c["to"] for c in need.changes] == ["additional", "child-in-need"]
    [entry] = [e for e in audited(hub, since, "correct-contact-decision")
               if e.kind == "front-door"]
    assert child_id in entry.child_ids
    assert entry.details["previous_outcome"] == "early-help"
    no_reason_in_trail(hub, "wrong incident")
    # The referrer's feedback reads the corrected decision.
    [fed] = hub.front_door.feedback(people["riverside-primary"])["items"]
    assert fed["outcome"] == "assessment"
    # Corrected back, the assessment's clock stops running.
    back = hub.front_door.correct_decision(manager, contact, level="additional",
                                           outcome="early-help", reason=REASON)
    assert back["decision"]["assessment_due"] is None
    assert "assessment" not in back["deadlines"]


def test_a_decision_correction_is_the_team_managers_with_a_reason(
        hub: Hub, people: dict[str, Caller]) -> None:
    contact = decided_contact(hub, people)
    manager = people["city-mash/team-manager"]
    for who in ("city-mash", "city-mash/social-worker", "riverside-primary", "city-dart",
                "notts-police"):
        with pytest.raises(NotEntitled):
            hub.front_door.correct_decision(people[who], contact, level="child-in-need",
                                            outcome="assessment", reason=REASON)
    with pytest.raises(InvalidContent):
        hub.front_door.correct_decision(manager, contact, level="child-in-need",
                                        outcome="assessment", reason="no")
    with pytest.raises(InvalidContent):  # early help does not answer protection
        hub.front_door.correct_decision(manager, contact, level="protection",
                                        outcome="early-help", reason=REASON)
    with pytest.raises(RuleViolation):
        hub.front_door.correct_decision(manager, contact, level="additional",
                                        outcome="early-help", reason=REASON)
    with pytest.raises(RuleViolation):
        hub.front_door.correct_decision(manager, contact, level="protection",
                                        outcome="strategy-discussion", reason=REASON)


# The DART coordinator redirects an Encompass notice ----------------------------------------

def wrong_school(hub: Hub, people: dict[str, Caller],
                 clock: Clock) -> tuple[UUID, UUID, Caller]:
    """A Monday-morning incident whose notice went to Riverside (100001), due on Tuesday
    morning; Amy is at Hillside (100002). Returns (case id, notice id, Hillside's DSL)."""
    hub.registry.register_agency("hillside-academy", "school", "Hillside Academy", "100002")
    _, token = hub.registry.register_user("hillside-academy", "dsl", "DSL")
    clock.advance(hours=2)
    case = incident(hub, 5, occurred_at="2026-11-23T10:00:00Z")
    [outcome] = hub.domestic_abuse.case(people["city-dart"], case)["encompass"]
    return case, UUID(outcome["notice_id"]), hub.registry.authenticate(token)


def inbox(hub: Hub, school: Caller) -> list[dict[str, Any]]:
    from domain.access import Purpose
    from hub.disclosure import ReadContext

    items: list[dict[str, Any]] = hub.domestic_abuse.inbox(
        ReadContext(school, Purpose.ENCOMPASS, None, None), None)["items"]
    return items


def test_the_coordinator_redirects_a_notice_to_the_right_school(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    case, notice, hillside = wrong_school(hub, people, clock)
    riverside = people["riverside-primary"]
    [first] = inbox(hub, riverside)
    assert first["child"]["given_name"] == "Amy"
    clock.advance(minutes=30)
    since = hub.audit.size()
    moved = hub.domestic_abuse.redirect_notice(people["city-dart/team-manager"], notice,
                                               "100002", REASON)
    assert moved["due_at"] == moved["original_due"] == first["due_at"]  # still ahead
    # The wrong school sees that a notice was withdrawn, and nothing of the child.
    [stub] = inbox(hub, riverside)
    assert stub["id"] == str(notice)
    assert stub["withdrawn"]["at"] == moved["withdrawn_at"]
    assert not {"child", "child_id", "child_words", "incident_at"} & set(stub)
    with pytest.raises(RuleViolation):
        hub.domestic_abuse.acknowledge(riverside, notice)
    # The right school has it, with the original deadline.
    [right] = inbox(hub, hillside)
    assert right["id"] == moved["to_notice"]
    assert right["child"]["given_name"] == "Amy"
    assert right["due_at"] == first["due_at"]
    assert right["redirected_from"]["notice_id"] == str(notice)
    hub.domestic_abuse.acknowledge(hillside, UUID(right["id"]))
    # The case lists the new notice.
    [outcome] = hub.domestic_abuse.case(people["city-dart"], case)["encompass"]
    assert outcome["notice_id"] == right["id"]
    assert outcome["redirected_from"] == str(notice)
    [entry] = audited(hub, since, "redirect-encompass")
    assert entry.kind == "encompass"
    assert UUID(right["child_id"]) in entry.child_ids
    assert entry.details["to_agency"] == "hillside-academy"
    no_reason_in_trail(hub, "wrong incident")
    # Neither notice is left on the breach list.
    clock.advance(days=3)
    assert hub.domestic_abuse.breaches(people["city-dart"])["encompass"] == []
    assert hub.domestic_abuse.escalate_overdue() == 0


def test_the_relay_rings_the_right_school_and_tells_the_wrong_one_only_of_a_withdrawal(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    from adapters.kafka_relay import ENCOMPASS_TOPIC

    _, notice, _ = wrong_school(hub, people, clock)
    moved = hub.domestic_abuse.redirect_notice(people["city-dart/team-manager"], notice,
                                               "100002", REASON)
    records = relayed(hub)
    school = [(key, v) for topic, key, v in records if topic == ENCOMPASS_TOPIC]
    assert [(v["event_type"], v["school_urn"]) for _, v in school] == [
        ("encompass.notice", "100001"), ("encompass.withdrawn", "100001"),
        ("encompass.notice", "100002")]
    _, withdrawn = school[1]
    assert withdrawn["notice_id"] == str(notice)
    assert withdrawn["at"] == moved["withdrawn_at"]
    assert school[2][1]["notice_id"] == moved["to_notice"]
    [redirected] = [v for _, _, v in records if v["event_type"] == "encompass.redirected"]
    assert (redirected["to_notice"], redirected["to_agency"]) == (moved["to_notice"],
                                                                  "hillside-academy")
    for _, _, value in records:
        assert REASON not in json.dumps(value)
        assert not any(s in json.dumps(value) for s in ("Amy", "Hart", "2016-04-02"))


def test_a_notice_redirected_after_its_deadline_is_due_by_the_next_school_day(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    _, notice, hillside = wrong_school(hub, people, clock)
    clock.advance(days=2)  # Wednesday 11:00: past Tuesday's start of the school day
    moved = hub.domestic_abuse.redirect_notice(people["city-dart/team-manager"], notice,
                                               "100002", REASON)
    expected = hub.domestic_abuse.timescales.encompass_due("100002", clock.now)
    assert moved["due_at"] == expected.isoformat()
    assert moved["original_due"] < moved["due_at"]
    [right] = inbox(hub, hillside)
    assert right["redirected_from"]["original_due"] == moved["original_due"]


def test_only_the_coordinator_redirects_and_only_to_a_registered_school(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    _, notice, hillside = wrong_school(hub, people, clock)
    manager = people["city-dart/team-manager"]
    for who in (people["city-dart"], people["riverside-primary"], hillside,
                people["notts-police"], people["city-mash/team-manager"]):
        with pytest.raises(NotEntitled):
            hub.domestic_abuse.redirect_notice(who, notice, "100002", REASON)
    with pytest.raises(InvalidContent):
        hub.domestic_abuse.redirect_notice(manager, notice, "999999", REASON)
    with pytest.raises(InvalidContent):
        hub.domestic_abuse.redirect_notice(manager, notice, "100002", "no")
    with pytest.raises(RuleViolation):
        hub.domestic_abuse.redirect_notice(manager, notice, "100001", REASON)
    hub.domestic_abuse.redirect_notice(manager, notice, "100002", REASON)
    with pytest.raises(RuleViolation):
        hub.domestic_abuse.redirect_notice(manager, notice, "100002", REASON)


# The missing team corrects episodes --------------------------------------------------------

def report(hub: Hub, ref: str, type_: str, occurred_at: str) -> Any:
    from tests.support import child

    return submit(hub, "notts-police", notification(
        ref, type_=type_, occurred_at=occurred_at,
        subjects=[child("Sam", "Lowe", "2011-05-05", postcode="NG7 2AA")],
        summary="Left the children's home after an argument."))


def episodes(hub: Hub, people: dict[str, Caller], child_id: UUID) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = hub.missing.history(people["missing-team"],
                                                      child_id)["episodes"]
    return list(reversed(items))  # oldest first


def test_the_missing_team_corrects_an_episodes_times(
        hub: Hub, people: dict[str, Caller]) -> None:
    gone = report(hub, "M-1", "missing", "2026-11-22T06:00:00Z")
    report(hub, "F-1", "found", "2026-11-23T07:00:00Z")
    child_id = gone.child_ids[0]
    [before] = episodes(hub, people, child_id)
    assert before["priority"] is True  # more than 24 hours
    assert before["interview"]["due"] == "2026-11-26T07:00:00+00:00"
    since = hub.audit.size()
    [after] = hub.missing.correct_times(
        people["missing-team"], UUID(before["id"]), datetime(2026, 11, 23, 1, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 8, 0, tzinfo=UTC), REASON)["items"]
    assert (after["start"], after["end"]) == ("2026-11-23T01:00:00+00:00",
                                              "2026-11-23T08:00:00+00:00")
    assert after["interview"]["due"] == "2026-11-26T08:00:00+00:00"  # 72 hours on
    assert after["priority"] is False  # 7 hours: the over-24-hours flag re-decided
    [correction] = after["corrections"]
    assert correction["kind"] == "times"
    assert correction["reason"] == REASON
    assert correction["previous"]["start"] == "2026-11-22T06:00:00+00:00"
    [entry] = audited(hub, since, "correct-missing-episode")
    assert entry.kind == "missing"
    assert child_id in entry.child_ids
    assert entry.details["correction"] == "times"
    no_reason_in_trail(hub, "wrong incident")
    with pytest.raises(InvalidContent):
        hub.missing.correct_times(people["missing-team"], UUID(before["id"]), None,
                                  datetime(2026, 11, 22, 0, 0, tzinfo=UTC), REASON)


def test_two_episodes_that_were_one_are_merged(hub: Hub, people: dict[str, Caller]) -> None:
    gone = report(hub, "M-1", "missing", "2026-11-22T06:00:00Z")
    report(hub, "F-1", "found", "2026-11-22T08:00:00Z")
    report(hub, "M-2", "missing", "2026-11-22T09:00:00Z")
    report(hub, "F-2", "found", "2026-11-23T07:00:00Z")
    child_id = gone.child_ids[0]
    first, second = episodes(hub, people, child_id)
    assert len(hub.missing.queue(people["missing-team"])["interviews"]) == 2
    [merged] = hub.missing.merge(people["missing-team"], UUID(second["id"]),
                                 UUID(first["id"]), REASON)["items"]
    assert merged["id"] == first["id"]
    assert (merged["start"], merged["end"]) == (first["start"], second["end"])
    assert merged["interview"]["due"] == second["interview"]["due"]
    assert set(merged["reports"]) == {*first["reports"], *second["reports"]}
    assert merged["corrections"][0]["kind"] == "merge"
    assert merged["corrections"][0]["other"] == second["id"]
    assert merged["priority"] is True  # 25 hours missing in all
    _, absorbed = episodes(hub, people, child_id)
    assert absorbed["merged_into"] == first["id"]
    # The indicators count one episode now (the projection follows the correction).
    assert hub.indicators.report(None, None, None)["missing"]["episodes"] == 1
    [due] = hub.missing.queue(people["missing-team"])["interviews"]
    assert due["id"] == first["id"]
    with pytest.raises(RuleViolation):
        hub.missing.record_interview(people["missing-team"], UUID(second["id"]), "offered",
                                     None, None, None)


def test_an_episode_that_was_two_is_split(hub: Hub, people: dict[str, Caller]) -> None:
    gone = report(hub, "M-1", "missing", "2026-11-22T06:00:00Z")
    report(hub, "F-1", "found", "2026-11-23T07:00:00Z")
    child_id = gone.child_ids[0]
    [whole] = episodes(hub, people, child_id)
    first, second = hub.missing.split(
        people["missing-team"], UUID(whole["id"]), datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 9, 0, tzinfo=UTC), "returned", REASON)["items"]
    assert first["id"] == whole["id"]
    assert (first["end"], first["ended_by"]) == ("2026-11-22T08:00:00+00:00", "returned")
    assert first["interview"]["due"] == "2026-11-25T08:00:00+00:00"
    assert (second["start"], second["end"]) == ("2026-11-22T09:00:00+00:00", whole["end"])
    assert second["split_from"] == whole["id"]
    assert second["interview"]["due"] == whole["interview"]["due"]
    assert [c["kind"] for c in (*first["corrections"], *second["corrections"])] == [
        "split", "split-from"]
    assert {e["id"] for e in hub.missing.queue(people["missing-team"])["interviews"]} == {
        first["id"], second["id"]}
    hub.missing.record_interview(people["missing-team"], UUID(first["id"]), "offered",
                                 None, None, None)
    with pytest.raises(InvalidContent):
        hub.missing.split(people["missing-team"], UUID(second["id"]),
                          datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
                          datetime(2026, 11, 22, 10, 0, tzinfo=UTC), "found", REASON)


def test_only_the_missing_team_corrects_episodes(
        hub: Hub, people: dict[str, Caller]) -> None:
    gone = report(hub, "M-1", "missing", "2026-11-22T06:00:00Z")
    report(hub, "F-1", "found", "2026-11-23T07:00:00Z")
    [whole] = episodes(hub, people, gone.child_ids[0])
    for who in ("notts-police", "city-mash/team-manager", "city-dart", "riverside-primary",
                "info-governance"):
        with pytest.raises(NotEntitled):
            hub.missing.correct_times(people[who], UUID(whole["id"]),
                                      datetime(2026, 11, 22, 7, 0, tzinfo=UTC), None, REASON)
    with pytest.raises(InvalidContent):
        hub.missing.correct_times(people["missing-team"], UUID(whole["id"]),
                                  datetime(2026, 11, 22, 7, 0, tzinfo=UTC), None, "no")
