"""Child protection as practice works it, on every store: a conference's chair, reviewing
officer and minutes on their clock (late minutes on the MASH's breach list), the core group's
members and meetings, a review stepping the child down to a child in need plan (the level of
need following), that plan's reviews on their clock, and the child's safety scale over time."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.child_in_need import ChildInNeedRecord, cin_id
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import LevelOfNeed, NeedRecord, contact_id, need_id
from domain.signs_of_safety import SignsOfSafety
from hub.bootstrap import Hub
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
WORRIES = "Unexplained bruising on the upper arm; no adult explanation."
SIGNS = SignsOfSafety(WORRIES, "Grandmother visits every day after school.",
                      "A written safety plan agreed with both parents.", 3)
WHY = "Repeated bruising and a disclosure to the class teacher this week."


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def people(hub: Hub, people: dict[str, Caller]) -> dict[str, Caller]:
    """The staff, and the local authority's independent reviewing officer."""
    _, token = hub.registry.register_user("city-mash", "independent-reviewing-officer", "IRO")
    return {**people, "iro": hub.registry.authenticate(token)}


def referred(hub: Hub) -> Any:
    return submit(hub, "riverside-primary", notification(
        "S-1", type_="school_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Amy", "Hart", "2016-04-02", nhs_number="9434765919")],
        summary="Bruising noted; explanation inconsistent."))


def a_child(hub: Hub) -> UUID:
    child_id: UUID = referred(hub).child_ids[0]
    return child_id


def late(hub: Hub, manager: Caller) -> list[tuple[str, str]]:
    return [(b["clock"], b["person_id"]) for b in hub.front_door.breaches(manager)["items"]
            if "person_id" in b]


def test_a_conference_chaired_its_minutes_and_the_core_group(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    social, iro, manager = (people["city-mash/social-worker"], people["iro"],
                            people["city-mash/team-manager"])
    child_id = a_child(hub)
    members = [{"agency": "city-health", "role": "health-practitioner"},
               {"agency": "riverside-primary", "role": "dsl"}]
    with pytest.raises(InvalidContent, match="independent-reviewing-officer"):
        hub.child_protection.initial_conference(
            social, child_id, at=None, plan=True, category="neglect", unborn=False,
            enquiry_id=None, chair=manager.user_id, iro=manager.user_id)
    with pytest.raises(InvalidContent, match="not registered"):
        hub.child_protection.initial_conference(
            social, child_id, at=None, plan=True, category="neglect", unborn=False,
            enquiry_id=None, chair=iro.user_id, iro=iro.user_id,
            core_group=[{"agency": "nowhere", "role": "dsl"}])
    with pytest.raises(InvalidContent, match="does not hold"):
        hub.child_protection.initial_conference(
            social, child_id, at=None, plan=True, category="neglect", unborn=False,
            enquiry_id=None, chair=iro.user_id, iro=iro.user_id,
            core_group=[{"agency": "riverside-primary", "role": "police-officer"}])
    view = hub.child_protection.initial_conference(
        social, child_id, at=None, plan=True, category="neglect", unborn=False,
        enquiry_id=None, chair=manager.user_id, iro=iro.user_id, core_group=members,
        signs=SIGNS)
    [conference] = view["conferences"]
    assert conference["chair"]["role"] == "team-manager"
    assert conference["iro"] == {"user_id": str(iro.user_id), "agency": "city-mash",
                                 "role": "independent-reviewing-officer"}
    assert conference["minutes_due"] == "2026-11-30T10:00:00+00:00"  # 5 working days
    assert conference["signs_of_safety"]["worries"] == WORRIES
    assert view["plans"][0]["core_group"] == members

    clock.advance(days=7)  # Monday 30 November, 10:00: the minutes are due, not late
    assert late(hub, people["city-mash"]) == []
    clock.advance(minutes=1)
    assert late(hub, people["city-mash"]) == [("minutes", str(child_id))]
    with pytest.raises(NotEntitled):  # a social worker does not record the minutes
        hub.child_protection.minutes(social, child_id, UUID(conference["id"]), at=None,
                                     unborn=False, minutes="The conference agreed a plan.")
    minuted = hub.child_protection.minutes(iro, child_id, UUID(conference["id"]), at=None,
                                           unborn=False,
                                           minutes="The conference agreed a plan of neglect.")
    assert minuted["conferences"][0]["minutes"] == "The conference agreed a plan of neglect."
    assert late(hub, people["city-mash"]) == []

    # The core group met on day 8; the next is due six weeks on, and late after that.
    met = hub.child_protection.core_group(social, child_id, at=None, unborn=False,
                                          present=members[:1], signs=SIGNS)
    plan = met["plans"][0]
    assert plan["core_group_meetings"][0]["present"] == members[:1]
    assert plan["next_core_group_due"] == "2027-01-11T10:01:00+00:00"
    changed = hub.child_protection.set_core_group(
        manager, child_id, at=None, unborn=False,
        members=[*members, {"agency": "notts-police", "role": "police-officer"}])
    assert len(changed["plans"][0]["core_group"]) == 3
    with pytest.raises(NotEntitled):
        hub.child_protection.set_core_group(people["riverside-primary"], child_id, at=None,
                                            unborn=False, members=members)
    clock.advance(weeks=6, minutes=1)
    assert late(hub, people["city-mash"]) == [("next-core-group", str(child_id))]
    saved = hub.child_protection.record(social, child_id)
    assert saved["conferences"][0]["minutes_at"] is not None


def test_a_review_steps_down_to_a_child_in_need_plan_and_its_reviews(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    social, iro = people["city-mash/social-worker"], people["iro"]
    child_id = a_child(hub)
    hub.child_protection.initial_conference(social, child_id, at=None, plan=True,
                                            category="physical", unborn=False,
                                            enquiry_id=None)
    clock.advance(days=80)
    with pytest.raises(InvalidContent, match="only a review that ends"):
        hub.child_protection.review(social, child_id, at=None, plan_continues=True,
                                    category=None, unborn=False, step_down="child-in-need")
    view = hub.child_protection.review(social, child_id, at=None, plan_continues=False,
                                       category=None, unborn=False, chair=iro.user_id,
                                       iro=iro.user_id, step_down="child-in-need")
    assert view["plans"][0]["stepped_down_to"] == "child-in-need"
    review_id = view["conferences"][-1]["id"]
    hub.child_protection.minutes(iro, child_id, UUID(review_id), at=None, unborn=False,
                                 minutes="The plan ends; a child in need plan follows.")
    need = hub.store.find(need_id(child_id), NeedRecord)
    assert need is not None
    assert need.level is LevelOfNeed.CHILD_IN_NEED
    cin = hub.child_in_need.record(social, child_id)
    [plan] = cin["plans"]
    assert (plan["via"], plan["conference_id"]) == ("step-down", review_id)
    # 3 months from 10:00 GMT on 11 February: 10:00 on 11 May, in summer time.
    assert plan["review_due"] == "2027-05-11T09:00:00+00:00"
    with pytest.raises(RuleViolation, match="in force already"):
        hub.child_in_need.start(social, child_id, at=None)

    clock.advance(days=85)  # 7 May: reviewed on time
    reviewed = hub.child_in_need.review(social, child_id, at=None)
    assert reviewed["plans"][0]["reviews"][0]["on_time"] is True
    assert reviewed["plans"][0]["review_due"] == "2027-08-07T10:00:00+00:00"
    clock.advance(days=93)  # 8 August: late
    assert late(hub, people["city-mash"]) == [("cin-review", str(child_id))]
    late_review = hub.child_in_need.review(social, child_id, at=None)
    assert late_review["plans"][0]["reviews"][1]["on_time"] is False
    assert late(hub, people["city-mash"]) == []
    ended = hub.child_in_need.end(social, child_id, at=None, because="no-longer-needed")
    assert ended["plans"][0]["ended_because"] == "no-longer-needed"
    with pytest.raises(InvalidContent, match="because"):
        hub.child_in_need.end(social, child_id, at=None, because="bored")
    with pytest.raises(NotEntitled):
        hub.child_in_need.start(people["notts-police"], child_id, at=None)
    stored = hub.store.find(cin_id(child_id), ChildInNeedRecord)
    assert stored is not None
    assert stored.current_plan is None

    # A plan started directly by social care after an assessment.
    again = hub.child_in_need.start(social, child_id, at=None)
    assert [p["via"] for p in again["plans"]] == ["step-down", "assessment"]


def test_a_step_down_to_early_help(hub: Hub, people: dict[str, Caller],
                                   clock: Clock) -> None:
    social = people["city-mash/social-worker"]
    child_id = a_child(hub)
    hub.child_protection.initial_conference(social, child_id, at=None, plan=True,
                                            category="emotional", unborn=False,
                                            enquiry_id=None)
    clock.advance(days=60)
    hub.child_protection.review(social, child_id, at=None, plan_continues=False,
                                category=None, unborn=False, step_down="early-help")
    need = hub.store.find(need_id(child_id), NeedRecord)
    assert need is not None
    assert need.level is LevelOfNeed.EXTENSIVE
    assert hub.store.find(cin_id(child_id), ChildInNeedRecord) is None


def test_the_safety_scale_over_time(hub: Hub, people: dict[str, Caller],
                                    clock: Clock) -> None:
    social, mash = people["city-mash/social-worker"], people["city-mash"]
    receipt = referred(hub)
    child_id, cid = receipt.child_ids[0], contact_id(receipt.id)
    hub.front_door.rate(mash, cid, "amber", None)
    hub.front_door.decide(social, cid, level="child-in-need", outcome="assessment",
                          rationale=WHY, feedback="Thank you: an assessment follows.",
                          signs_of_safety=SignsOfSafety(WORRIES, "School attendance is good.",
                                                        "An assessment.", 5),
                          participants=[])
    clock.advance(days=10)
    hub.front_door.complete_assessment(social, cid, "The assessment found significant harm.",
                                       SignsOfSafety(WORRIES, "Little is working well.",
                                                     "A conference.", 2))
    clock.advance(days=10)
    hub.child_protection.initial_conference(social, child_id, at=None, plan=True,
                                            category="physical", unborn=False,
                                            enquiry_id=None, chair=people["iro"].user_id,
                                            iro=people["iro"].user_id, signs=SIGNS)
    clock.advance(days=5)
    hub.child_protection.core_group(social, child_id, at=None, unborn=False,
                                    signs=SignsOfSafety(WORRIES, "A safety plan is in place.",
                                                        "Keep to the plan.", 6))
    scale = hub.safety_scale.read(social, child_id)
    assert [(i["where"], i["scale"]) for i in scale["items"]] == [
        ("mash-decision", 5), ("assessment", 2), ("initial-conference", 3), ("core-group", 6)]
    assert scale["items"][3]["working_well"] == "A safety plan is in place."
    # The MASH's worker sees the scale, never the texts.
    summary = hub.safety_scale.read(mash, child_id)
    assert summary["texts"] is False
    assert [i["scale"] for i in summary["items"]] == [5, 2, 3, 6]
    assert all("worries" not in i for i in summary["items"])
    with pytest.raises(NotEntitled):
        hub.safety_scale.read(people["notts-police"], child_id)
    reads = [e for e in hub.audit.entries() if e.action == "read-safety-scale"]
    assert [e.kind for e in reads] == ["disclosure", "disclosure", "denial"]
    assert all(str(child_id) in [str(c) for c in e.child_ids] for e in reads)
    assert all(WORRIES not in str(e.details) for e in reads)
