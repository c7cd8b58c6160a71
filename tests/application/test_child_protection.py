"""Child protection plans on the clock, and the CP-IS look-up (every store): unscheduled care
sees the flag, the type, the dates and whom to call, never the plan; each look-up is audited
and reaches the local authority's access-notification feed."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.access import Purpose
from domain.notifications import Notification
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NHS = "9434765919"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def people(hub: Hub, people: dict[str, Caller]) -> dict[str, Caller]:
    """The staff, and an emergency department's practitioner (unscheduled care)."""
    hub.registry.register_agency("city-ae", "health", "Emergency Department")
    _, token = hub.registry.register_user("city-ae", "unscheduled-care-clinician", "A&E")
    return {**people, "city-ae": hub.registry.authenticate(token)}


def a_child(hub: Hub) -> Any:
    return submit(hub, "city-health", notification(
        "H-1", type_="health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Amy", "Hart", "2016-04-02", nhs_number=NHS)],
        summary="Bruising noted; explanation inconsistent.")).child_ids[0]


def ae(caller: Caller, purpose: Purpose = Purpose.UNSCHEDULED_CARE) -> ReadContext:
    return ReadContext(caller, purpose, None)


def test_a_plan_its_clocks_and_the_cp_is_flag(hub: Hub, people: dict[str, Caller],
                                              clock: Clock) -> None:
    social, health = people["city-mash/social-worker"], people["city-ae"]
    child_id = a_child(hub)
    assert hub.child_protection.lookup(ae(health), NHS)["flagged"] is False
    with pytest.raises(NotEntitled):  # a school cannot record a conference
        hub.child_protection.initial_conference(people["riverside-primary"], child_id,
                                                at=None, plan=True, category="neglect",
                                                unborn=False, enquiry_id=None)
    view = hub.child_protection.initial_conference(social, child_id, at=None, plan=True,
                                                   category="neglect", unborn=False,
                                                   enquiry_id=None)
    [plan] = view["plans"]
    assert plan["core_group_due"] == "2026-12-07T10:00:00+00:00"  # 10 working days
    assert plan["review_due"] == "2027-02-23T10:00:00+00:00"  # 3 months
    clock.advance(days=15)
    breaches = hub.front_door.breaches(people["city-mash"])["items"]
    assert [(b["clock"], b["person_id"]) for b in breaches if "person_id" in b] == [
        ("core-group", str(child_id))]
    hub.child_protection.core_group(social, child_id, at=None, unborn=False)
    assert not [b for b in hub.front_door.breaches(people["city-mash"])["items"]
                if "person_id" in b]

    cp = hub.indicators.report(None, None, 63_900)["child_protection"]
    assert (cp["plans_started"], cp["on_a_plan_at_the_end"]) == (1, 1)
    assert cp["on_a_plan_per_10000_children"] == round(10_000 / 63_900, 1)
    flag = hub.child_protection.lookup(ae(health), NHS)
    assert flag["flagged"] is True
    # That a plan exists and its dates; never its category of abuse.
    assert flag["plans"] == [{"type": "child-protection",
                              "started_at": MONDAY.isoformat(), "ended_at": None}]
    assert flag["responsible_authorities"] == [{
        "agency": "city-mash", "name": "Children and Families Direct",
        "office_hours": "01632 960001", "out_of_hours": "01632 960002"}]
    assert flag["recent_unscheduled_care_accesses"] == []
    assert "Bruising" not in json.dumps(flag)
    again = hub.child_protection.lookup(ae(health), NHS)
    assert [a["agency"] for a in again["recent_unscheduled_care_accesses"]] == ["city-ae"]
    # The local authority's feed shows both look-ups.
    feed = hub.sharing.access_feed(people["city-mash"], 0, 100)["items"]
    looks = [f for f in feed if f["purpose"] == "unscheduled-care"]
    assert [(f["reader_agency"], f["child_id"]) for f in looks] == [
        ("city-ae", str(child_id))] * 2

    # The flag, only the flag: on this purpose A&E sees nothing of the child's records.
    with pytest.raises(NotEntitled):
        hub.disclosure.chronology(ae(health), child_id)
    with pytest.raises(NotEntitled):  # not for the police, nor for another purpose
        hub.child_protection.lookup(ae(people["notts-police"]), NHS)
    with pytest.raises(NotEntitled):
        hub.child_protection.lookup(ae(health, Purpose.ASSESSMENT), NHS)
    denials = [e for e in hub.audit.entries() if e.action == "cp-is-lookup"
               and e.kind == "denial"]
    assert len(denials) == 2


def test_a_plan_ended_over_12_months_ago_no_longer_shows(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    social, health = people["city-mash/social-worker"], people["city-ae"]
    child_id = a_child(hub)
    hub.child_protection.initial_conference(social, child_id, at=None, plan=True,
                                            category="physical", unborn=False,
                                            enquiry_id=None)
    clock.advance(days=80)
    hub.child_protection.review(social, child_id, at=None, plan_continues=False,
                                category=None, unborn=False)
    cp = hub.indicators.report(None, None, 63_900)["child_protection"]
    assert (cp["plans_started"], cp["plans_ended"], cp["on_a_plan_at_the_end"]) == (1, 1, 0)
    assert cp["reviews_on_time"] == {"count": 1, "of": 1, "rate": 1.0}  # 80 days: in time
    clock.advance(days=300)
    assert hub.child_protection.lookup(ae(health), NHS)["plans"][0]["ended_at"] is not None
    clock.advance(days=70)
    assert hub.child_protection.lookup(ae(health), NHS)["flagged"] is False
    hub.child_protection.looked_after(social, child_id, looked_after=True, at=None)
    flag = hub.child_protection.lookup(ae(health), NHS)
    assert flag["flagged"] is True
    assert flag["looked_after"][0]["ended_at"] is None


def test_an_unborn_childs_plan_is_held_on_the_mothers_record(
        hub: Hub, people: dict[str, Caller]) -> None:
    social = people["city-mash/social-worker"]
    receipt = submit(hub, "city-health", notification(
        "H-2", type_="health_concern", occurred_at="2026-11-20T10:00:00Z",
        subjects=[child("Baby", "Hart", "2016-04-02"),
                  {"role": "parent", "given_name": "Jo", "family_name": "Hart",
                   "date_of_birth": "1990-01-09", "pregnant": True}],
        summary="Midwife concern."))
    stored = hub.store.find(receipt.id, Notification)
    assert stored is not None
    mother = next(s["person_id"] for s in stored.subjects if s["role"] == "parent")
    with pytest.raises(NotFound):  # an unborn plan is not held on a child's record
        hub.child_protection.initial_conference(social, receipt.child_ids[0], at=None,
                                                plan=True, category="neglect", unborn=True,
                                                enquiry_id=None)
    view = hub.child_protection.initial_conference(social, mother, at=None, plan=True,
                                                   category="neglect", unborn=True,
                                                   enquiry_id=None)
    assert view["plans"][0]["unborn"] is True
