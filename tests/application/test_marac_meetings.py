"""MARAC meetings on every store: an incident referred to the MARAC, listed on a meeting's
case list, heard with a sealed summary and actions for agencies; each action on its agency's
queue, on its breach list once overdue, and done by that agency only. A later incident for
the same victim is a repeat; a heard case is not listed again; a flagged referral shows its
flag on the case list. Reads are audited naming the adult victim and the child."""

import json
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidContent, RuleViolation
from hub.bootstrap import Hub
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled, NotFound
from hub.metrics import snapshot
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THURSDAY = date(2026, 11, 26)
SUMMARY = "Agencies shared what they hold; a safety plan was agreed with the IDVA."
POLICE_ACTION = "Flag the home address for an urgent response to any call."
HEALTH_ACTION = "Health visitor to see the family at home within the week."
VICTIM = {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
          "date_of_birth": "1990-01-09", "postcode": "NG5 1AB"}


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def refer(hub: Hub, dart: Caller, ref: str, occurred_at: str, yes: int = 15) -> dict[str, Any]:
    """An incident triaged by the DART: its MARAC referral (the newest)."""
    receipt = submit(hub, "notts-police", notification(
        ref, subjects=[child(school_urn="100001", postcode="NG5 1AB"), VICTIM],
        occurred_at=occurred_at, summary="free text from the sending agency",
        dash={"yes_count": yes}, welfare_check=True))
    hub.domestic_abuse.triage(
        dart, case_id(receipt.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        rationale="High risk; safety planning with the victim.")
    referral: dict[str, Any] = hub.domestic_abuse.marac_referrals(dart)["items"][0]
    return referral


def test_a_referral_heard_at_a_meeting_gives_agencies_actions_they_alone_complete(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    marac, coordinator = hub.marac, people["city-dart/team-manager"]
    police, health = people["notts-police"], people["city-health"]
    referral = refer(hub, people["city-dart"], "NTP-1", "2026-11-22T20:00:00Z")
    assert referral["repeat"] is False
    assert referral["listing"] is None
    meeting = marac.schedule(coordinator, THURSDAY, ["notts-police", "city-health"])
    assert meeting["agencies"] == ["city-dart", "notts-police", "city-health"]
    assert meeting["cases"] == []
    meeting_id = UUID(meeting["id"])
    listed = marac.list_case(coordinator, meeting_id, UUID(referral["id"]))
    [case] = listed["cases"]
    assert case["state"] == "listed"
    assert case["victim_ids"] == referral["victim_ids"]
    assert case["child_ids"] == referral["child_ids"]
    assert [f["rule"] for f in case["flags"]] == ["visible-high-risk"]
    assert case["review"] is None

    # The outcome waits for the meeting's day.
    with pytest.raises(RuleViolation, match="not been held yet"):
        marac.hear(coordinator, meeting_id, UUID(referral["id"]), risk="high",
                   summary=SUMMARY, attendance=["notts-police"], actions=[])
    clock.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    heard = marac.hear(coordinator, meeting_id, UUID(referral["id"]), risk="medium",
                       summary=SUMMARY, attendance=["notts-police", "city-health", "city-dart"],
                       actions=[{"agency": "notts-police", "action": POLICE_ACTION,
                                 "due_on": date(2026, 11, 27)},
                                {"agency": "city-health", "action": HEALTH_ACTION,
                                 "due_on": date(2026, 12, 4)}])
    [case] = heard["cases"]
    assert case["state"] == "heard"
    assert case["outcome"]["risk"] == "medium"
    assert case["outcome"]["summary"] == SUMMARY
    assert case["outcome"]["attendance"] == ["notts-police", "city-health", "city-dart"]
    police_action, health_action = case["actions"]
    assert police_action["due_at"] == "2026-11-27T17:00:00+00:00"
    assert police_action["overdue"] is False
    assert hub.domestic_abuse.marac_referrals(people["city-dart"])["items"][0]["listing"] == {
        "meeting_id": meeting["id"], "state": "heard", "at": "2026-11-26T10:00:00+00:00"}

    # Each agency's queue holds its own actions only.
    [queued] = marac.actions(police)["items"]
    assert queued["id"] == police_action["id"]
    assert queued["action"] == POLICE_ACTION
    assert [a["id"] for a in marac.actions(health)["items"]] == [health_action["id"]]
    assert marac.breaches(police)["items"] == []

    # Overdue only after the close of working hours on the due date.
    clock.now = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert marac.breaches(police)["items"] == []
    assert snapshot(hub).depths["marac-actions"] == 2
    assert snapshot(hub).breaches["marac-actions"] == 0
    clock.now = datetime(2026, 11, 27, 17, 1, tzinfo=UTC)
    [late] = marac.breaches(police)["items"]
    assert late["id"] == police_action["id"]
    assert late["overdue"] is True
    assert late["overdue_hours"] == 0.0
    assert marac.breaches(health)["items"] == []
    assert marac.actions(police)["items"][0]["overdue"] is True
    assert snapshot(hub).breaches["marac-actions"] == 1

    # Health cannot complete the police's action: to it, the action does not exist.
    with pytest.raises(NotFound):
        marac.complete_action(health, UUID(police_action["id"]))
    done = marac.complete_action(police, UUID(police_action["id"]))
    assert done["done"]["by"]["agency"] == "notts-police"
    assert done["done"]["at"] == "2026-11-27T17:01:00+00:00"
    assert done["overdue"] is False
    with pytest.raises(RuleViolation, match="done already"):
        marac.complete_action(police, UUID(police_action["id"]))
    assert marac.actions(police)["items"] == []
    assert marac.breaches(police)["items"] == []
    assert snapshot(hub).breaches["marac-actions"] == 0
    assert snapshot(hub).depths["marac-actions"] == 1
    shown = marac.meeting(health, meeting_id)["cases"][0]["actions"]
    assert shown[0]["done"] is not None
    assert shown[1]["done"] is None

    # Nothing sealed reaches the audit trail's words.
    trail = "".join(repr(e) for e in hub.audit.entries(0))
    assert all(words not in trail for words in (SUMMARY, POLICE_ACTION, HEALTH_ACTION))


def test_only_the_agencies_invited_read_a_meeting_and_each_read_names_victim_and_child(
        hub: Hub, people: dict[str, Caller]) -> None:
    marac, coordinator = hub.marac, people["city-dart/team-manager"]
    referral = refer(hub, people["city-dart"], "NTP-1", "2026-11-22T20:00:00Z")
    meeting_id = UUID(marac.schedule(coordinator, THURSDAY, ["notts-police"])["id"])
    marac.list_case(coordinator, meeting_id, UUID(referral["id"]))

    since = hub.audit.size()
    read = marac.meeting(people["notts-police"], meeting_id)
    assert [c["referral_id"] for c in read["cases"]] == [referral["id"]]
    [entry] = list(hub.audit.entries(since))
    assert entry.action == "read-marac-meeting"
    assert entry.purpose == "marac"
    named = {str(p) for p in entry.child_ids}
    assert named == {*referral["victim_ids"], *referral["child_ids"]}
    assert {r["record"] for r in entry.records} == {referral["id"]}
    # The DART's worker reads it too (the coordinator's agency is always invited).
    assert marac.meeting(people["city-dart"], meeting_id)["id"] == str(meeting_id)

    # Not invited: the meeting does not exist (and the refusal names nobody).
    for outsider in ("city-health", "riverside-primary", "missing-team"):
        since = hub.audit.size()
        with pytest.raises(NotFound):
            marac.meeting(people[outsider], meeting_id)
        [denial] = list(hub.audit.entries(since))
        assert denial.kind == "denial"
        assert denial.child_ids == []
    with pytest.raises(NotEntitled):
        marac.meeting(people["info-governance"], meeting_id)
    # Nor does it appear among their meetings.
    assert marac.meetings(people["city-health"])["items"] == []
    [mine] = marac.meetings(people["notts-police"])["items"]
    assert mine["id"] == str(meeting_id)
    assert mine["cases"] == 1

    # Invited later: then it reads it.
    marac.invite(coordinator, meeting_id, ["city-health"])
    assert marac.meeting(people["city-health"], meeting_id)["id"] == str(meeting_id)


def test_only_the_coordinator_manages_a_meeting_with_registered_agencies(
        hub: Hub, people: dict[str, Caller]) -> None:
    marac, coordinator = hub.marac, people["city-dart/team-manager"]
    referral = refer(hub, people["city-dart"], "NTP-1", "2026-11-22T20:00:00Z")
    for reader in ("city-dart", "notts-police", "city-mash/team-manager"):
        with pytest.raises(NotEntitled):
            marac.schedule(people[reader], THURSDAY, ["notts-police"])
    with pytest.raises(InvalidContent, match="not registered"):
        marac.schedule(coordinator, THURSDAY, ["nowhere-police"])
    with pytest.raises(InvalidContent, match="does not sit at a MARAC"):
        marac.schedule(coordinator, THURSDAY, ["info-governance"])
    with pytest.raises(InvalidContent, match="working day"):
        marac.schedule(coordinator, date(2026, 11, 28), ["notts-police"])
    meeting_id = UUID(marac.schedule(coordinator, THURSDAY, ["notts-police"])["id"])
    with pytest.raises(NotEntitled):  # an invited reader cannot list a case
        marac.list_case(people["notts-police"], meeting_id, UUID(referral["id"]))
    with pytest.raises(NotEntitled):  # nor invite anyone (itself included)
        marac.invite(people["city-health"], meeting_id, ["city-health"])
    with pytest.raises(NotFound):
        marac.list_case(coordinator, meeting_id, UUID(referral["child_ids"][0]))


def test_a_heard_case_is_not_listed_again_and_a_later_incident_is_a_repeat(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    marac, coordinator, dart = hub.marac, people["city-dart/team-manager"], people["city-dart"]
    first = refer(hub, dart, "NTP-1", "2026-11-22T20:00:00Z")
    meeting_id = UUID(marac.schedule(coordinator, THURSDAY, ["notts-police"])["id"])
    later_id = UUID(marac.schedule(coordinator, date(2026, 12, 10), ["notts-police"])["id"])
    marac.list_case(coordinator, meeting_id, UUID(first["id"]))
    with pytest.raises(RuleViolation, match="listed for a MARAC meeting already"):
        marac.list_case(coordinator, later_id, UUID(first["id"]))
    # Deferred: listed again at the next meeting.
    deferred = marac.defer(coordinator, meeting_id, UUID(first["id"]))
    assert deferred["cases"][0]["state"] == "deferred"
    marac.list_case(coordinator, later_id, UUID(first["id"]))
    clock.now = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
    marac.hear(coordinator, later_id, UUID(first["id"]), risk="high", summary=SUMMARY,
               attendance=["notts-police"], actions=[])
    with pytest.raises(RuleViolation, match="heard at a MARAC"):
        marac.list_case(coordinator, meeting_id, UUID(first["id"]))

    # A new incident within 12 months of the heard case's referral is a repeat, whatever
    # its DASH: referred again, and the case list shows it.
    clock.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    second = refer(hub, dart, "NTP-2", "2027-02-28T20:00:00Z", yes=3)
    assert second["repeat"] is True
    [flag] = second["flags"]
    assert flag["rule"] == "repeat"
    assert flag["detail"]["last_referral"] == first["referred_at"]
    march = UUID(marac.schedule(coordinator, date(2027, 3, 11), ["notts-police"])["id"])
    [case] = marac.list_case(coordinator, march, UUID(second["id"]))["cases"]
    assert case["repeat"] is True


def test_a_referral_flagged_for_review_is_listed_with_its_flag(
        hub: Hub, people: dict[str, Caller]) -> None:
    marac, coordinator = hub.marac, people["city-dart/team-manager"]
    referral = refer(hub, people["city-dart"], "NTP-1", "2026-11-22T20:00:00Z")
    hub.domestic_abuse.retriage(
        coordinator, UUID(referral["case_id"]), yes_count=3, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        reason="The DASH was miscounted: three yes answers, standard risk.")
    meeting_id = UUID(marac.schedule(coordinator, THURSDAY, ["notts-police"])["id"])
    [case] = marac.list_case(coordinator, meeting_id, UUID(referral["id"]))["cases"]
    assert case["review"]["reason"] == "criteria-no-longer-met"
    assert case["review"]["level"] == "standard"
    assert "miscounted" not in json.dumps(case)
