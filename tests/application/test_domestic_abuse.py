"""DART triage, MARAC referrals and Operation Encompass, on the hub's clock (every store)."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.errors import InvalidContent, RuleViolation
from domain.front_door import MashContact, contact_id
from domain.indexes import source_ref_key
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller
from tests.support import Clock, child, notification, seed, submit

FRIDAY_NIGHT = datetime(2026, 8, 28, 22, 0, tzinfo=UTC)  # 23:00 BST, before a bank holiday
TUESDAY_0830 = datetime(2026, 9, 1, 7, 30, tzinfo=UTC)  # 08:30 BST: an INSET day
# The first pupil day of the autumn term in the example calendar (policies/terms).
THURSDAY_0830 = datetime(2026, 9, 3, 7, 30, tzinfo=UTC)
SECRETS = ("Kerr", "Lee", "free text from the sending agency", "12 Refuge Road")


@pytest.fixture
def clock() -> Clock:
    return Clock(FRIDAY_NIGHT)


@pytest.fixture
def people(hub: Hub) -> dict[str, Caller]:
    tokens = seed(hub)
    hub.registry.register_agency("hillside-academy", "school", "Hillside Academy", "100002")
    _, tokens["hillside-academy"] = hub.registry.register_user("hillside-academy", "dsl", "DSL")
    return {name: hub.registry.authenticate(token) for name, token in tokens.items()}


def incident(ref: str = "NTP-1", subjects: list[dict[str, Any]] | None = None,
             yes: int = 15, occurred_at: str = "2026-08-28T21:40:00Z") -> dict[str, Any]:
    return notification(ref, subjects=subjects, occurred_at=occurred_at,
                        summary="free text from the sending agency",
                        location="12 Refuge Road", dash={"yes_count": yes},
                        welfare_check=True, child_words="I hid upstairs",
                        words_for_school="I hid upstairs")


def school(caller: Caller) -> ReadContext:
    return ReadContext(caller, Purpose.ENCOMPASS, None, None)


def test_a_friday_night_incident_in_the_holidays_reaches_the_school_before_term_starts(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    da = hub.domestic_abuse
    receipt = submit(hub, "notts-police", incident())
    case = da.case(people["city-dart"], case_id(receipt.id))
    assert case["child_ids"] == [str(receipt.child_ids[0])]
    notice_id = UUID(case["encompass"][0]["notice_id"])
    # DASH 15 is high risk: triaged within 4 hours of arrival, out of hours too (Saturday
    # 03:00 BST), not after the bank holiday weekend.
    assert case["risk"] == "high"
    assert case["triage_due"] == "2026-08-29T02:00:00+00:00"
    # (A medium-risk one waits for a working day: tests/application/test_domestic_abuse_risk.)

    inbox = da.inbox(school(people["riverside-primary"]), "100001")
    [notice] = inbox["items"]
    assert notice["id"] == str(notice_id)
    assert notice["due_at"] == THURSDAY_0830.isoformat()
    assert notice["child"] == {"given_name": "Amy", "family_name": "Hart",
                               "date_of_birth": "2016-04-02"}
    assert notice["present"] is True
    assert notice["welfare_check"] is True
    assert notice["child_words"] == "I hid upstairs"
    assert not any(secret in json.dumps(inbox) for secret in SECRETS)

    # Another school sees nothing of it, and may not open this school's inbox.
    assert da.inbox(school(people["hillside-academy"]), "100002")["items"] == []
    with pytest.raises(NotEntitled):
        da.inbox(school(people["hillside-academy"]), "100001")
    with pytest.raises(NotFound):
        da.acknowledge(people["hillside-academy"], notice_id)
    with pytest.raises(NotEntitled):  # the inbox is read for Operation Encompass only
        da.inbox(ReadContext(people["riverside-primary"], Purpose.ASSESSMENT, None, None),
                 "100001")

    # Nothing is owed in the holidays: Tuesday and Wednesday are INSET days, no escalation.
    clock.now = TUESDAY_0830
    clock.advance(minutes=1)
    assert da.breaches(people["city-dart"])["encompass"] == []
    assert da.escalate_overdue() == 0
    # Unacknowledged past 08:30 on the first day of term: a breach, escalated to the DART.
    clock.now = THURSDAY_0830
    assert da.breaches(people["city-dart"])["encompass"] == []
    assert da.escalate_overdue() == 0
    clock.advance(minutes=1)
    breaches = da.breaches(people["city-dart"])
    assert [b["notice_id"] for b in breaches["encompass"]] == [str(notice_id)]
    assert da.escalate_overdue() == 1
    assert da.escalate_overdue() == 0  # once
    assert da.breaches(people["city-dart"])["encompass"][0]["escalated"] is True

    acknowledged = da.acknowledge(people["riverside-primary"], notice_id)
    assert acknowledged["late"] is True
    assert da.breaches(people["city-dart"])["encompass"] == []
    with pytest.raises(RuleViolation):
        da.acknowledge(people["riverside-primary"], notice_id)


def test_the_school_cannot_read_the_incident_itself(
        hub: Hub, people: dict[str, Caller]) -> None:
    receipt = submit(hub, "notts-police", incident())
    dsl = school(people["riverside-primary"])
    with pytest.raises(NotEntitled):
        hub.disclosure.notification(dsl, receipt.id)
    child_view = hub.disclosure.child(dsl, receipt.child_ids[0])
    chronology = hub.disclosure.chronology(dsl, receipt.child_ids[0])
    assert chronology["items"] == []  # not even that the police record exists
    for shown in (child_view, chronology):
        assert not any(secret in json.dumps(shown) for secret in SECRETS)
    # Not even with a decision to share the police record with the school.
    hub.sharing.record_decision(
        people["notts-police"], receipt.child_ids[0], share=True,
        recipient_agency="riverside-primary", data_classes=["police-incident", "da-risk"],
        purposes=["encompass"], legal_basis="dpa-2018-sch8-para4",
        consent_not_relied="would-put-child-at-risk",
        rationale="The school should know everything about this incident.", valid_from=None,
        valid_until=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(NotEntitled):
        hub.disclosure.notification(dsl, receipt.id)


def test_who_gets_no_notice_and_why(hub: Hub, people: dict[str, Caller]) -> None:
    subjects = [child("Toddler", dob="2024-01-01", school_urn="100001"),
                child("Nomad", dob="2014-01-01"),
                child("Elsewhere", dob="2013-01-01", school_urn="123456"),
                child("Homed", dob="2012-01-01", home_educated=True),
                {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
                 "date_of_birth": "1990-01-09"}]
    receipt = submit(hub, "notts-police", incident(subjects=subjects))
    case = hub.domestic_abuse.case(people["city-dart"], case_id(receipt.id))
    assert [o["not_issued"] for o in case["encompass"]] == [
        "out-of-age-range", "no-known-school", "school-not-registered", "no-education-officer"]
    not_sent = hub.domestic_abuse.breaches(people["city-dart"])["encompass_not_sent"]
    assert sorted(n["reason"] for n in not_sent) == [
        "no-education-officer", "no-known-school", "school-not-registered"]


def test_triage_refers_to_marac_by_rule_and_to_the_mash(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    da = hub.domestic_abuse
    receipt = submit(hub, "notts-police", incident(yes=15))
    dart = people["city-dart"]
    assert [c["id"] for c in da.queue(dart)["items"]] == [str(case_id(receipt.id))]
    with pytest.raises(NotEntitled):
        da.queue(people["riverside-primary"])
    with pytest.raises(RuleViolation, match="never lower"):
        da.triage(dart, case_id(receipt.id), yes_count=None, answers=None, level="medium",
                  judgement_reason="Victim says things are calmer now.",
                  actions=["safety-planning"], threshold_met=False, rationale="Calmer now.")
    with pytest.raises(InvalidContent, match="mash-referral"):
        da.triage(dart, case_id(receipt.id), yes_count=None, answers=None, level=None,
                  judgement_reason=None, actions=["safety-planning"], threshold_met=True,
                  rationale="Children exposed to repeated violence at home.")
    clock.advance(hours=1)
    outcome = da.triage(dart, case_id(receipt.id), yes_count=None, answers=None, level=None,
                        judgement_reason=None, actions=["mash-referral", "idva-referral"],
                        threshold_met=True,
                        rationale="Children exposed to repeated violence at home.")
    triage = outcome["triage"]
    assert triage["level"] == "high"
    assert triage["yes_count"] == 15  # the police's DASH count
    assert triage["actions"][0] == "marac-referral"  # the rules decided it
    [referral] = da.marac_referrals(dart)["items"]
    assert referral["id"] == triage["marac_referral"]
    assert [(f["rule"], f["version"]) for f in referral["flags"]] == [("visible-high-risk", 1)]
    assert da.queue(dart)["items"] == []
    with pytest.raises(RuleViolation, match="already"):
        da.triage(dart, case_id(receipt.id), yes_count=3, answers=None, level=None,
                  judgement_reason=None, actions=["information-only"], threshold_met=False,
                  rationale="A second look at the same incident.")

    # The MASH front door has the referral, linked to the incident.
    mash = ReadContext(people["city-mash"], Purpose.TRIAGE, None, None)
    chronology = hub.disclosure.chronology(mash, receipt.child_ids[0])
    referral_item = next(i for i in chronology["items"] if i["type"] == "referral")
    assert referral_item["id"] == triage["mash_referral"]
    assert referral_item["agency"] == "city-dart"
    # It came in through the intake, like any notification: its source reference is claimed,
    # and it opened its contact at the front door.
    referral_id = UUID(triage["mash_referral"])
    key = source_ref_key("city-dart", f"dart-triage-{case_id(receipt.id)}")
    assert hub.store.lookup(key) == referral_id
    assert hub.store.find(contact_id(referral_id), MashContact) is not None


def test_a_third_incident_for_the_same_victim_flags_potential_escalation(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    victim = {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
              "date_of_birth": "1990-01-09", "postcode": "NG5 1AB"}
    kid = child(school_urn="100001", postcode="NG5 1AB")
    for n, day in enumerate(("2026-03-01", "2026-06-01")):
        submit(hub, "derbys-police" if n else "notts-police",
               incident(f"NTP-{n}", [kid, victim], yes=3, occurred_at=f"{day}T20:00:00Z"))
    third = submit(hub, "notts-police", incident("NTP-3", [kid, victim], yes=3))
    outcome = hub.domestic_abuse.triage(
        people["city-dart"], case_id(third.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        rationale="Third incident this year; safety planning with the victim.")
    [referral] = hub.domestic_abuse.marac_referrals(people["city-dart"])["items"]
    assert referral["id"] == outcome["triage"]["marac_referral"]
    [flag] = referral["flags"]
    assert flag["rule"] == "potential-escalation"
    assert len(flag["incidents"]) == 3

    # A new incident within 12 months of that referral is a repeat.
    clock.advance(days=30)
    fourth = submit(hub, "notts-police", incident(
        "NTP-4", [kid, victim], yes=2, occurred_at="2026-09-20T20:00:00Z"))
    hub.domestic_abuse.triage(
        people["city-dart"], case_id(fourth.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        rationale="Fourth incident; back to MARAC as a repeat.")
    latest = hub.domestic_abuse.marac_referrals(people["city-dart"])["items"][0]
    assert [f["rule"] for f in latest["flags"]] == ["potential-escalation", "repeat"]


def test_the_relay_rings_the_school_without_naming_the_child(
        hub: Hub, people: dict[str, Caller]) -> None:
    from adapters.kafka_relay import ENCOMPASS_TOPIC, EVENTS_TOPIC, outbound

    receipt = submit(hub, "notts-police", incident())
    hub.domestic_abuse.triage(
        people["city-dart"], case_id(receipt.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        rationale="High risk; MARAC and safety planning.")
    records = [r for row in hub.store.recorder.select_notifications(start=1, limit=10_000)
               for r in outbound(hub.store.mapper.to_domain_event(row), row.id)]
    [ring] = [value for topic, _, value in records if topic == ENCOMPASS_TOPIC]
    assert ring["event_type"] == "encompass.notice"
    assert ring["school_urn"] == "100001"
    assert ring["due_at"] == THURSDAY_0830.isoformat()
    kinds = {value["event_type"] for topic, _, value in records if topic == EVENTS_TOPIC}
    assert {"notification.received", "encompass.issued", "dart.triaged",
            "marac.referral"} <= kinds
    for _, key, value in records:
        text = json.dumps(value) + key
        assert not any(s in text for s in ("Amy", "Hart", "2016-04-02", *SECRETS))
