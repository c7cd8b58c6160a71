"""The MASH front door, on the hub's clock (every store): contacts rated, researched, decided
and fed back; forced red; re-referrals; strategy discussions; DART referrals; disagreement."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import SignsOfSafety, contact_id
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller
from tests.support import Clock, child, notification, relayed, submit

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
AMY = child("Amy", "Hart", "2016-04-02", school_urn="100001", postcode="NG5 1AB")
WHY = "Repeated unexplained absence and a disclosure to the class teacher."
FEEDBACK = "Thank you for the referral: early help through the school's family worker."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def concern(ref: str, occurred_at: str = "2026-11-23T08:50:00Z",
            **details: Any) -> dict[str, Any]:
    return notification(ref, type_="school_concern", occurred_at=occurred_at,
                        subjects=[dict(AMY)],
                        summary="Amy said her step-father hit her.", **details)


def ctx(caller: Caller, purpose: Purpose = Purpose.TRIAGE) -> ReadContext:
    return ReadContext(caller, purpose, None, None)


def test_a_school_concern_from_rating_to_feedback(hub: Hub, people: dict[str, Caller],
                                                  clock: Clock) -> None:
    mash, worker = people["city-mash"], people["city-mash/social-worker"]
    receipt = submit(hub, "riverside-primary", concern("SCH-1"))
    cid = contact_id(receipt.id)
    [item] = hub.front_door.queue(mash)["items"]
    assert item["id"] == str(cid)
    assert item["kind"] == "contact"
    assert item["referrer"] == "riverside-primary"
    assert item["rag"] is None
    # Acknowledge and decide within one working day of arrival (Monday 09:30).
    assert item["deadlines"]["acknowledge"]["due"] == "2026-11-24T09:30:00+00:00"
    assert item["deadlines"]["decide"]["due"] == "2026-11-24T09:30:00+00:00"

    rated = hub.front_door.rate(mash, cid, "amber", None)
    # 24 working hours: 7.5 on Monday, 8.5 on Tuesday, 8 on Wednesday (08:30 to 17:00). From
    # now on the decision is due then too: the rating's deadline is the decision's.
    assert rated["rag"]["due"] == "2026-11-25T16:30:00+00:00"
    assert rated["deadlines"]["decide"]["due"] == "2026-11-25T16:30:00+00:00"
    hub.front_door.acknowledge(mash, cid)
    hub.front_door.request_research(mash, cid, ["notts-police", "city-health"])
    with pytest.raises(InvalidContent, match="partner agencies"):
        hub.front_door.request_research(mash, cid, ["city-mash"])

    clock.advance(hours=2)
    hub.front_door.add_research(people["notts-police"], cid,
                                "Two domestic call-outs at the address this year.")
    with pytest.raises(RuleViolation, match="not been asked"):
        hub.front_door.add_research(people["riverside-primary"], cid, "Attendance 71%.")
    # The school is not in the room: it sees nothing of the contact, let alone the research.
    with pytest.raises(NotEntitled):
        hub.front_door.contact(ctx(people["riverside-primary"]), cid)
    # The police see their own research, not health's (health has not answered yet anyway).
    police_view = hub.front_door.contact(ctx(people["notts-police"]), cid)
    assert [r["agency"] for r in police_view["research"]["items"]] == ["notts-police"]
    # ... and nothing of who else was asked (that would say who knows the child).
    assert police_view["research"]["asked"] == ["notts-police"]
    assert police_view["research"]["outstanding"] == []
    # The MASH sees the research in full, and the read is audited record by record.
    full = hub.front_door.contact(ctx(mash), cid)
    [research] = full["research"]["items"]
    assert research["content"] == "Two domestic call-outs at the address this year."
    assert research["visibility"] == "full"
    assert research["late"] is False

    clock.advance(hours=70)  # Wednesday 16:30 passed: health's research is late
    clock.advance(minutes=1)
    breaches = hub.front_door.breaches(mash)["items"]
    assert {(b["clock"], b.get("agency")) for b in breaches} >= {
        ("research", "city-health"), ("rag", None), ("decide", None)}
    assert all(b["due"] <= clock.now.isoformat() for b in breaches)

    decided = hub.front_door.decide(
        worker, cid, level="additional", outcome="early-help", rationale=WHY,
        feedback=FEEDBACK, signs_of_safety=SignsOfSafety(
            "Disclosure of being hit", "Attends school daily", "Family worker visit", 5),
        participants=[])
    assert decided["decision"]["level"] == "additional"
    assert decided["missed"] == {"decide": "2026-11-25T16:30:00+00:00",
                                 "rag": "2026-11-25T16:30:00+00:00"}
    assert hub.front_door.queue(mash)["items"] == []
    [told] = hub.front_door.feedback(people["riverside-primary"])["items"]
    assert (told["level"], told["outcome"], told["feedback"]) == (
        "additional", "early-help", FEEDBACK)
    assert hub.front_door.feedback(people["notts-police"])["items"] == []

    kinds = {v["event_type"] for topic, _, v in relayed(hub)}
    assert {"mash.contact", "mash.rated", "mash.decision"} <= kinds
    [decision] = [v for _, _, v in relayed(hub) if v["event_type"] == "mash.decision"]
    assert (decision["level"], decision["outcome"]) == ("additional", "early-help")
    for _, key, value in relayed(hub):
        text = json.dumps(value) + key
        assert not any(s in text for s in ("Amy", "Hart", "step-father", "call-outs",
                                           "Family worker"))


def test_an_immediate_referral_indicator_makes_it_red_on_arrival(
        hub: Hub, people: dict[str, Caller]) -> None:
    receipt = submit(hub, "riverside-primary",
                     concern("SCH-2", indicators=["abuse-or-grooming-disclosed"]))
    cid = contact_id(receipt.id)
    [item] = hub.front_door.queue(people["city-mash"])["items"]
    assert item["rag"]["rating"] == "red"
    assert item["rag"]["forced_by"] == ["abuse-or-grooming-disclosed"]
    assert item["rag"]["due"] == "2026-11-23T13:30:00+00:00"  # 4 hours from arrival
    with pytest.raises(RuleViolation, match="the rating is red"):
        hub.front_door.rate(people["city-mash"], cid, "green", WHY)
    with pytest.raises(InvalidContent, match="under 2"):
        submit(hub, "riverside-primary",
               concern("SCH-3", indicators=["under-two-unexplained-bruising"]))


def test_a_referral_within_12_months_is_flagged(hub: Hub, people: dict[str, Caller],
                                                clock: Clock) -> None:
    first = submit(hub, "riverside-primary", concern("SCH-4"))
    clock.advance(days=300)
    second = submit(hub, "city-health", notification(
        "H-1", type_="referral", occurred_at="2027-09-18T09:00:00Z",
        subjects=[dict(AMY)],
        summary="Referral from the school nurse."))
    queue = {i["id"]: i for i in hub.front_door.queue(people["city-mash"])["items"]}
    newest = queue[str(contact_id(second.id))]
    assert newest["kind"] == "referral"
    assert newest["re_referral_of"] == [str(contact_id(first.id))]
    clock.advance(days=400)
    third = submit(hub, "city-health", notification(
        "H-2", type_="referral", occurred_at="2028-10-20T09:00:00Z",
        subjects=[dict(AMY)],
        summary="Another referral."))
    queue = {i["id"]: i for i in hub.front_door.queue(people["city-mash"])["items"]}
    assert queue[str(contact_id(third.id))]["re_referral"] is False


def test_a_strategy_discussion_entitles_its_partners(hub: Hub, people: dict[str, Caller],
                                                     clock: Clock) -> None:
    worker = people["city-mash/social-worker"]
    health = submit(hub, "city-health", notification(
        "H-3", type_="health_concern", occurred_at="2026-11-23T08:00:00Z",
        subjects=[child("Amy", "Hart", "2016-04-02")],
        summary="Bruising to the upper arm, explanation inconsistent."))
    cid = contact_id(health.id)
    child_id = health.child_ids[0]
    hub.front_door.rate(people["city-mash"], cid, "red", None)

    def police_sees(case: str | None = None) -> dict[str, str]:
        try:
            view = hub.disclosure.chronology(
                ReadContext(people["notts-police"], Purpose.STRATEGY_DISCUSSION, case),
                child_id)
        except NotEntitled:
            return {}
        return {i["type"]: i["visibility"] for i in view["items"]}

    assert police_sees().get("health_concern") != "full"
    with pytest.raises(InvalidContent, match="missing: police"):
        hub.front_door.decide(worker, cid, level="protection", outcome="strategy-discussion",
                              rationale=WHY, feedback=FEEDBACK, signs_of_safety=None,
                              participants=["city-health"])
    with pytest.raises(InvalidContent, match="answers the level"):
        hub.front_door.decide(worker, cid, level="child-in-need",
                              outcome="strategy-discussion", rationale=WHY,
                              feedback=FEEDBACK, signs_of_safety=None,
                              participants=["city-health", "notts-police"])
    clock.advance(minutes=30)
    decided = hub.front_door.decide(
        worker, cid, level="protection", outcome="strategy-discussion", rationale=WHY,
        feedback=FEEDBACK, signs_of_safety=None, participants=["city-health", "notts-police"])
    [enquiry] = decided["decision"]["enquiry_ids"]
    clock.advance(minutes=1)
    assert police_sees()  == {}  # the purpose names its discussion
    assert police_sees(enquiry)["health_concern"] == "full"  # statutory: it is open
    hub.sharing.close_enquiry(worker, UUID(enquiry), "s47 enquiry: initial conference")
    clock.advance(minutes=1)
    assert police_sees(enquiry).get("health_concern") != "full"
    events = {v["event_type"]: v for _, _, v in relayed(hub)}
    assert events["enquiry.opened"]["child_id"] == str(child_id)
    assert events["enquiry.opened"]["participants"] == ["city-health", "city-mash",
                                                        "notts-police"]


def test_a_dart_referral_arrives_at_the_front_door(hub: Hub, people: dict[str, Caller],
                                                   clock: Clock) -> None:
    incident = submit(hub, "notts-police", notification(
        "NTP-9", occurred_at="2026-11-23T01:00:00Z"))
    triaged = hub.domestic_abuse.triage(
        people["city-dart"], case_id(incident.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["mash-referral"], threshold_met=True,
        rationale="Child present at a high-risk incident; refer to the MASH.")
    referral = UUID(triaged["triage"]["mash_referral"])
    [item] = hub.front_door.queue(people["city-mash"])["items"]
    assert item["id"] == str(contact_id(referral))
    assert (item["kind"], item["referrer"], item["linked_to"]) == (
        "referral", "city-dart", str(incident.id))


def test_levels_step_up_and_down_as_events(hub: Hub, people: dict[str, Caller],
                                           clock: Clock) -> None:
    worker = people["city-mash/social-worker"]
    receipt = submit(hub, "riverside-primary", concern("SCH-5"))
    child_id = receipt.child_ids[0]
    cid = contact_id(receipt.id)
    hub.front_door.rate(people["city-mash"], cid, "green", None)
    hub.front_door.decide(worker, cid, level="child-in-need", outcome="assessment",
                          rationale=WHY, feedback=FEEDBACK, signs_of_safety=None,
                          participants=[])
    summary = hub.front_door.contact(ctx(worker), cid)
    # 45 working days from Monday 23 November 09:30, Christmas and New Year excluded.
    assert summary["decision"]["assessment_due"] == "2027-01-28T09:30:00+00:00"
    stepped = hub.front_door.set_level(worker, child_id, "additional",
                                       "Assessment complete; stepped down to early help.")
    assert (stepped["previous"], stepped["direction"]) == ("child-in-need", "down")
    with pytest.raises(RuleViolation, match="already additional"):
        hub.front_door.set_level(worker, child_id, "additional", "No change at all here.")
    with pytest.raises(NotEntitled):
        hub.front_door.set_level(people["riverside-primary"], child_id, "protection", WHY)

    clock.advance(days=30)
    again = submit(hub, "riverside-primary", concern("SCH-6",
                                                     occurred_at="2026-12-23T09:00:00Z"))
    again_id = contact_id(again.id)
    hub.front_door.rate(people["city-mash"], again_id, "red", None)
    decided = hub.front_door.decide(worker, again_id, level="child-in-need",
                                    outcome="assessment", rationale=WHY, feedback=FEEDBACK,
                                    signs_of_safety=None, participants=[])
    assert decided["decision"]["step"] == "up"


def test_a_disagreement_climbs_until_it_is_resolved(hub: Hub, people: dict[str, Caller],
                                                    clock: Clock) -> None:
    school, worker = people["riverside-primary"], people["city-mash/social-worker"]
    receipt = submit(hub, "riverside-primary", concern("SCH-7"))
    cid = contact_id(receipt.id)
    with pytest.raises(RuleViolation, match="not decided"):
        hub.front_door.raise_disagreement(school, cid, "We think this needs an assessment.")
    hub.front_door.rate(people["city-mash"], cid, "green", None)
    hub.front_door.decide(worker, cid, level="universal", outcome="no-further-action",
                          rationale=WHY, feedback="No further action: universal services.",
                          signs_of_safety=None, participants=[])
    with pytest.raises(NotFound):  # not the referrer, nor asked for research: as if unknown
        hub.front_door.raise_disagreement(people["city-health"], cid,
                                          "Health disagrees with this outcome.")
    raised = hub.front_door.raise_disagreement(school, cid,
                                               "We think this needs an assessment.")
    did = UUID(raised["id"])
    assert raised["stage"] == "worker"
    assert raised["with_agency"] == "city-mash"
    # 16 working hours: 7.5 on Monday (from 09:30), 8.5 on Tuesday.
    assert raised["due"] == "2026-11-24T17:00:00+00:00"
    assert hub.front_door.escalate_overdue() == 0
    clock.advance(hours=48, minutes=1)
    assert hub.front_door.escalate_overdue() == 1
    listed = hub.front_door.disagreements(worker)["items"]
    assert [d["stage"] for d in listed] == ["team-manager"]
    assert listed[0]["stages"][1]["automatic"] is True
    hub.front_door.escalate_disagreement(school, did, "Manager did not respond to our call.")
    assert [b["clock"] for b in hub.front_door.breaches(people["city-mash"])["items"]
            if "disagreement_id" in b] == []
    resolved = hub.front_door.resolve_disagreement(
        school, did, "Agreed to re-open as a child and family assessment.")
    assert resolved["resolution"]["stage"] == "safeguarding-lead"
    assert hub.front_door.disagreements(school)["items"] == []
    with pytest.raises(NotEntitled):
        hub.front_door.disagreements(people["info-governance"])


def test_an_assessment_is_brief_within_10_working_days_then_complete(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    mash, worker = people["city-mash"], people["city-mash/social-worker"]
    cid = contact_id(submit(hub, "riverside-primary", concern("SCH-B")).id)
    hub.front_door.rate(mash, cid, "amber", None)
    decided = hub.front_door.decide(worker, cid, level="child-in-need", outcome="assessment",
                                    rationale=WHY, feedback=FEEDBACK, signs_of_safety=None,
                                    participants=[])
    # Both from Monday 23 November 09:30: 10 working days, and 45 (Christmas excluded).
    assert decided["decision"]["brief_assessment_due"] == "2026-12-07T09:30:00+00:00"
    assert decided["decision"]["assessment_due"] == "2027-01-28T09:30:00+00:00"
    assert decided["decision"]["brief_assessment_completed_at"] is None
    assert decided["deadlines"]["brief-assessment"]["due"] == "2026-12-07T09:30:00+00:00"
    clock.advance(days=14, minutes=1)  # Monday 7 December, 09:31: a minute late
    breaches = hub.front_door.breaches(mash)["items"]
    assert [b["due"] for b in breaches if b["clock"] == "brief-assessment"] == [
        "2026-12-07T09:30:00+00:00"]
    with pytest.raises(NotEntitled):
        hub.front_door.complete_brief_assessment(people["riverside-primary"], cid, WHY)
    done = hub.front_door.complete_brief_assessment(worker, cid, WHY)
    assert done["decision"]["brief_assessment_completed_at"] == clock.now.isoformat()
    assert done["missed"] == {"brief-assessment": "2026-12-07T09:30:00+00:00"}
    assert "brief-assessment" not in done["deadlines"]
    with pytest.raises(RuleViolation, match="already complete"):
        hub.front_door.complete_brief_assessment(worker, cid, WHY)
    clock.advance(days=7)
    finished = hub.front_door.complete_assessment(worker, cid, WHY)
    assert finished["decision"]["assessment_completed_at"] == clock.now.isoformat()
    assert "assessment" not in finished["missed"]
    front = hub.indicators.report(None, None, None)["front_door"]
    assert front["brief_assessments_due"] == 1
    assert front["brief_assessments_within_10_working_days"] == {"count": 0, "of": 1,
                                                                 "rate": 0.0}
    assert front["assessments_within_45_working_days"] == {"count": 1, "of": 1, "rate": 1.0}
    # The brief deadline goes out with the decision.
    [message] = [v for _, _, v in relayed(hub) if v["event_type"] == "mash.decision"]
    assert message["brief_assessment_due"] == "2026-12-07T09:30:00+00:00"
