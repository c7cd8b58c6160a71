"""The DART's work by the risk known on arrival, and incidents naming adults alone (every
store): high risk first in the queue and clocked in elapsed hours; a DASH amended before the
triage moves the clock; an adult victim, or a pregnant woman, alone is the DART's too."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.dart import DartCase
from domain.errors import InvalidContent, RuleViolation
from domain.marac import MaracReferral
from domain.notifications import Notification
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.registry import Caller
from hub.shapes import parse_notification
from tests.support import Clock, child, notification, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # GMT: local time is UTC
WHY = "Synthetic rationale for the triage decision."
JO = {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
      "date_of_birth": "1990-01-09", "postcode": "NG5 1AB"}
LEE = {"role": "perpetrator", "given_name": "Lee", "family_name": "Kerr",
       "date_of_birth": "1988-07-30"}


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def incident(ref: str, yes: int | None, subjects: list[dict[str, Any]] | None = None,
             version: int = 1) -> dict[str, Any]:
    details: dict[str, Any] = {"summary": "free text from the sending agency",
                               "welfare_check": True}
    if yes is not None:
        details["dash"] = {"yes_count": yes}
    body = notification(ref, occurred_at="2026-11-23T08:00:00Z",
                        subjects=subjects if subjects is not None else [dict(JO), dict(LEE)],
                        **details)
    body["version"] = version
    return body


def triage(hub: Hub, dart: Caller, case: UUID, threshold_met: bool = False) -> dict[str, Any]:
    return hub.domestic_abuse.triage(
        dart, case, yes_count=None, answers=None, level=None, judgement_reason=None,
        actions=["mash-referral" if threshold_met else "safety-planning"],
        threshold_met=threshold_met, rationale=WHY)


def test_the_queue_lists_high_risk_first_then_the_deadline_then_arrival(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    arrived = {}
    for ref, yes in (("STD", 3), ("MED", 11), ("HIGH-1", 15), ("NONE", None),
                     ("HIGH-2", 20)):
        arrived[ref] = case_id(submit(hub, "notts-police", incident(ref, yes)).id)
        clock.advance(minutes=10)
    items = hub.domestic_abuse.queue(people["city-dart"])["items"]
    order = {str(v): k for k, v in arrived.items()}
    assert [order[i["id"]] for i in items] == ["HIGH-1", "HIGH-2", "MED", "NONE", "STD"]
    by_ref = {order[i["id"]]: i for i in items}
    assert by_ref["HIGH-1"]["risk"] == "high"
    assert by_ref["HIGH-1"]["triage_due"] == "2026-11-23T13:20:00+00:00"  # 4 hours
    assert by_ref["MED"]["triage_due"] == "2026-11-24T09:10:00+00:00"  # a working day
    assert by_ref["NONE"]["risk"] is None  # no DASH sent: clocked as medium
    assert by_ref["NONE"]["triage_due"] == "2026-11-24T09:30:00+00:00"
    # Three working days of 08:30 to 17:00 from Monday 09:00: Thursday 09:00.
    assert by_ref["STD"]["triage_due"] == "2026-11-26T09:00:00+00:00"
    # The breach list goes by the recorded deadline: only the high-risk cases by 14:00.
    clock.now = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    late = hub.domestic_abuse.breaches(people["city-dart"])["triage"]
    assert [b["case_id"] for b in late] == [str(arrived["HIGH-1"]), str(arrived["HIGH-2"])]


def test_an_adult_victim_alone_is_triaged_by_the_dart_with_no_notice(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    dart = people["city-dart"]
    receipt = submit(hub, "notts-police", incident("ADULTS", 15))
    assert receipt.child_ids == []
    stored = hub.store.find(receipt.id, Notification)
    assert stored is not None
    jo = next(s["person_id"] for s in stored.subjects if s["role"] == "adult_victim")
    case = hub.domestic_abuse.case(dart, case_id(receipt.id))
    assert (case["child_ids"], case["victim_ids"], case["encompass"]) == ([], [str(jo)], [])
    assert case["risk"] == "high"
    assert hub.domestic_abuse.breaches(dart)["encompass_not_sent"] == []
    assert hub.domestic_abuse.inbox(ReadContext(people["riverside-primary"],
                                                Purpose.ENCOMPASS, None), "100001")["items"] == []
    # The read of the case is audited, naming the victim and the case.
    [read] = [e for e in hub.audit.entries() if e.action == "read-dart-case"]
    assert read.child_ids == [jo]
    assert read.details == {"dart_case": str(case_id(receipt.id))}
    # The police's record reads as any: audited, naming the victim and the record.
    hub.disclosure.notification(ReadContext(dart, Purpose.TRIAGE, None), receipt.id)
    [shown] = [e for e in hub.audit.entries() if e.action == "read-notification"]
    assert jo in shown.child_ids
    assert str(receipt.id) in json.dumps(shown.records)

    # A social care threshold is a child's: refused, and nothing is recorded.
    with pytest.raises(RuleViolation, match="names no child"):
        triage(hub, dart, case_id(receipt.id), threshold_met=True)
    done = triage(hub, dart, case_id(receipt.id))
    assert done["triage"]["level"] == "high"
    assert done["triage"]["actions"][0] == "marac-referral"  # visible high risk, by rule
    referral = hub.store.find(UUID(done["triage"]["marac_referral"]), MaracReferral)
    assert referral is not None
    assert (referral.child_ids, referral.victim_ids) == ([], [jo])
    [triaged] = [e for e in hub.audit.entries() if e.action == "dart-triage"
                 and e.kind == "triage"]
    assert triaged.child_ids == [jo]
    assert triaged.details["case"] == str(case_id(receipt.id))


def test_a_pregnant_woman_alone_records_the_unborn_child_on_her_record(
        hub: Hub, people: dict[str, Caller]) -> None:
    receipt = submit(hub, "notts-police", incident("PREGNANT", 11,
                                                   [dict(JO, pregnant=True), dict(LEE)]))
    stored = hub.store.find(receipt.id, Notification)
    assert stored is not None
    jo = next(s["person_id"] for s in stored.subjects if s["role"] == "adult_victim")
    case = hub.domestic_abuse.case(people["city-dart"], case_id(receipt.id))
    assert (case["child_ids"], case["pregnant_ids"]) == ([], [str(jo)])
    held = hub.store.find(case_id(receipt.id), DartCase)
    assert held is not None
    assert held.holder == jo
    # The unborn child's plan, when there is one, is held on her record.
    view = hub.child_protection.initial_conference(
        people["city-mash/social-worker"], jo, at=None, plan=True, category="emotional",
        unborn=True, enquiry_id=None)
    assert view["plans"][0]["unborn"] is True


def test_a_dash_amended_before_the_triage_moves_the_clock_and_the_indicators_follow(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    police, dart = people["notts-police"], people["city-dart"]
    body = incident("AMEND", 3, [child(school_urn="100001", present=True), dict(JO)])
    first = submit(hub, "notts-police", body)
    case = case_id(first.id)
    assert hub.domestic_abuse.case(dart, case)["triage_due"] == "2026-11-26T09:00:00+00:00"
    clock.advance(hours=1)
    raised = dict(body, version=2, details=dict(body["details"], dash={"yes_count": 16}))
    hub.corrections.amend(police, first.id, parse_notification(json.dumps(raised).encode()))
    view = hub.domestic_abuse.case(dart, case)
    assert (view["risk"], view["triage_due"]) == ("high", "2026-11-23T13:00:00+00:00")
    assert view["amendments"][0]["changed"] == ["dash"]
    clock.now = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    assert [b["case_id"] for b in hub.domestic_abuse.breaches(dart)["triage"]] == [str(case)]
    triage(hub, dart, case)
    # After the triage a new DASH asks the DART to look again; the deadline stands.
    lowered = dict(body, version=3, details=dict(body["details"], dash={"yes_count": 2}))
    hub.corrections.amend(police, first.id, parse_notification(json.dumps(lowered).encode()))
    view = hub.domestic_abuse.case(dart, case)
    assert (view["risk"], view["triage_due"]) == ("high", "2026-11-23T13:00:00+00:00")
    assert view["amendments"][-1]["after_triage"] is True
    dart_figures = hub.indicators.report(None, None, None)["domestic_abuse"]
    assert dart_figures["triaged"] == 1
    assert dart_figures["triaged_in_time"]["count"] == 0  # by the deadline the amendment set


def test_a_restriction_of_an_incident_naming_adults_alone_is_audited_naming_them(
        hub: Hub, people: dict[str, Caller]) -> None:
    sent = submit(hub, "notts-police", incident("ADULTS-R", 12, [dict(JO), dict(LEE)]))
    assert sent.child_ids == []
    since = hub.audit.size()
    hub.sharing.restrict(people["notts-police"], sent.id, True, "An ongoing investigation.")
    [entry] = [e for e in hub.audit.entries(since) if e.action == "restrict-record"
               and e.kind == "restriction"]
    held = hub.store.find(sent.id, Notification)
    assert held is not None
    assert set(entry.child_ids) == set(held.person_ids)  # Jo and Lee, not nobody
    assert len(set(entry.child_ids)) == 2


def test_the_words_of_a_restriction_and_a_withdrawal_are_held_for_the_adult_victim(
        hub: Hub, people: dict[str, Caller]) -> None:
    """In an incident naming adults alone the free text is held under the adult victim's key
    (the person it is about), even when the perpetrator is named first: a restriction's and a
    withdrawal's words go with it, so erasing the victim erases them all."""
    sent = submit(hub, "notts-police", incident("ADULTS-W", 12, [dict(LEE), dict(JO)]))
    stored = hub.store.find(sent.id, Notification)
    assert stored is not None
    jo = next(s["person_id"] for s in stored.subjects if s["role"] == "adult_victim")
    assert stored.about == jo
    hub.sharing.restrict(people["notts-police"], sent.id, True, "An ongoing investigation.")
    hub.corrections.withdraw(people["notts-police"], sent.id, "other", "Sent in error today.")
    held = hub.store.find(sent.id, Notification)
    assert held is not None
    assert held.details["summary"].holder == jo
    assert held.restrictions[-1]["reason"].holder == jo
    assert held.withdrawal is not None
    assert held.withdrawal["reason"].holder == jo
    case = hub.store.find(case_id(sent.id), DartCase)
    assert case is not None
    assert case.holder == jo


def test_a_pregnant_perpetrator_alone_is_not_someone_the_dart_works_for(
        hub: Hub, people: dict[str, Caller]) -> None:
    alone = dict(LEE, pregnant=True)
    body = incident("PERP-ONLY", 12, [alone])
    with pytest.raises(InvalidContent, match="not the perpetrator"):
        submit(hub, "notts-police", body)
    # Named beside a pregnant woman who is not the perpetrator, the incident is the DART's.
    woman = {"role": "other_adult", "given_name": "Amy", "family_name": "Hart",
             "date_of_birth": "1995-03-02", "pregnant": True}
    sent = submit(hub, "notts-police", incident("PREG-OK", 12, [alone, woman]))
    stored = hub.store.find(sent.id, Notification)
    assert stored is not None
    amy = next(s["person_id"] for s in stored.subjects if s["role"] == "other_adult")
    assert stored.about == amy


def test_an_overdue_adult_only_case_on_the_breach_list_is_audited_naming_its_adults(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    sent = submit(hub, "notts-police", incident("ADULTS-B", 16, [dict(JO), dict(LEE)]))
    clock.advance(hours=5)  # high risk: 4 elapsed hours
    since = hub.audit.size()
    late = hub.domestic_abuse.breaches(people["city-dart"])["triage"]
    assert [b["case_id"] for b in late] == [str(case_id(sent.id))]
    [entry] = [e for e in hub.audit.entries(since) if e.action == "read-breaches"]
    stored = hub.store.find(sent.id, Notification)
    assert stored is not None
    jo = next(s["person_id"] for s in stored.subjects if s["role"] == "adult_victim")
    assert jo in entry.child_ids
