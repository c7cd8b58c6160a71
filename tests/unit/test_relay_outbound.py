"""What ``hub relay`` publishes of corrections (``adapters.kafka_relay.outbound``, the records of
``adapters.relay_records``): ids, codes, agencies and times, never a name, a date of birth or
free text; and to a school on ``schools.encompass.v1``, a notice redirected away reads exactly
as one the police withdrew."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from adapters.kafka_relay import ENCOMPASS_TOPIC, EVENTS_TOPIC, outbound
from domain.dart import DartCase, RiskLevel, TriageAction, grade
from domain.encompass import EncompassNotice, Recipient
from domain.front_door import MashContact
from domain.marac import Incident, MaracReferral, evaluate
from domain.matching import LinkRule
from domain.merging import merge, split
from domain.notifications import (
    DetailsSubmission,
    Notification,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
    WithdrawalReason,
)
from domain.people import PersonKind, PersonRecord

A = TypeVar("A", bound=Aggregate)
Record = tuple[str, str, dict[str, Any]]
AT = datetime(2026, 11, 20, 22, 15, tzinfo=UTC)
LATER = AT + timedelta(hours=2)
AMY = SubjectSubmission(SubjectRole.CHILD, "Amelia", "Hartley", date(2016, 4, 2))
SAM = SubjectSubmission(SubjectRole.CHILD, "Samuel", "Hartley", date(2015, 3, 8))
JO = SubjectSubmission(SubjectRole.ADULT_VICTIM, "Joanna", "Hartley", date(1990, 1, 9))
WORDS = "Sent about another family entirely"
SECRETS = ("Amelia", "Samuel", "Joanna", "Hartley", "2016-04-02", "2015-03-08", "1990-01-09",
           WORDS, "I hid upstairs", "Wrong school: moved in October",
           "Lowered after speaking to the victim", "Mya and Mia are one child",
           "Two children after all", "High risk; safety planning now")
POLICE = {"user_id": "u1", "agency": "notts-police", "role": "police-officer"}
DART = {"user_id": "u2", "agency": "city-dart", "role": "dart-worker"}
MASH = {"user_id": "u3", "agency": "city-mash", "role": "team-manager"}


class Held:
    """The store, as the relay's ``find`` reads it."""

    def __init__(self, *aggregates: Aggregate) -> None:
        self.by_id = {a.id: a for a in aggregates}

    def find(self, aggregate_id: UUID, kind: type[A], /) -> A | None:
        found = self.by_id.get(aggregate_id)
        return found if isinstance(found, kind) else None


def relayed(*aggregates: Aggregate) -> list[Record]:
    """Every record of the aggregates' new events, each aggregate's in turn."""
    held = Held(*aggregates)
    out: list[Record] = []
    for aggregate in aggregates:
        for event in aggregate.collect_events():
            out += outbound(event, len(out) + 1, held.find)
    return out


def of(records: list[Record], event_type: str, topic: str = EVENTS_TOPIC) -> list[Record]:
    return [r for r in records if r[0] == topic and r[2]["event_type"] == event_type]


def incident() -> Notification:
    sent = NotificationSubmission(NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-1", AT,
                                  (AMY, JO), DetailsSubmission(summary="I hid upstairs"))
    return Notification.receive(uuid4(), sent, "notts-police", "user:u1",
                                [uuid4(), uuid4()], AT)


def notice(child: UUID, agency: str = "riverside", urn: str = "100001") -> EncompassNotice:
    return EncompassNotice.issue(
        uuid4(), uuid4(), child, Recipient.SCHOOL, agency, urn, AT + timedelta(hours=10), AT,
        {"given_name": "Amelia", "family_name": "Hartley", "date_of_birth": "2016-04-02"},
        AT, True, True, "I hid upstairs")


def test_an_amendment_reaches_each_child_it_names_and_each_it_no_longer_names() -> None:
    n = incident()
    amy, jo = n.person_ids
    sam = uuid4()
    n.amend(replace(NotificationSubmission(NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-1",
                                           AT, (SAM, JO), DetailsSubmission()), version=2),
            [sam, jo], "notts-police", "user:u1", LATER)
    records = of(relayed(n), "notification.amended")
    assert {key: value["named"] for _, key, value in records} == {str(sam): True,
                                                                  str(amy): False}
    for _, key, value in records:
        assert value == {"event_id": value["event_id"], "event_type": "notification.amended",
                         "notification_id": str(n.id), "agency": "notts-police",
                         "child_id": key, "named": value["named"], "version": 2,
                         "occurred_at": AT.isoformat(), "at": LATER.isoformat()}


def test_an_incident_naming_adults_alone_is_keyed_by_the_incident_naming_no_child() -> None:
    sent = NotificationSubmission(NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-9", AT,
                                  (JO,), DetailsSubmission(summary="I hid upstairs"))
    jo = uuid4()
    n = Notification.receive(uuid4(), sent, "notts-police", "user:u1", [jo], AT)
    [(_, key, received)] = of(relayed(n), "notification.received")
    assert (key, received["child_id"]) == (str(n.id), None)
    n.amend(replace(sent, version=2), [jo], "notts-police", "user:u1", LATER)
    [(_, key, amended)] = of(relayed(n), "notification.amended")
    assert (key, amended["child_id"], amended["named"]) == (str(n.id), None, False)
    assert not any(secret in json.dumps(amended) for secret in SECRETS)


def test_a_withdrawal_says_its_code_never_its_words() -> None:
    n = incident()
    n.withdraw(WithdrawalReason.OTHER, WORDS, "notts-police", "user:u1", LATER)
    [(_, key, value)] = of(relayed(n), "notification.withdrawn")
    assert key == str(n.child_ids[0])  # one record per child, as at receipt
    assert value["reason_code"] == "other"
    assert (value["notification_id"], value["agency"], value["at"]) == (
        str(n.id), "notts-police", LATER.isoformat())
    forged = incident()  # a code that is not one of the codes goes out as none
    forged._withdraw("Joanna Hartley asked us to", None, LATER, "user:u1")
    [(_, _, value)] = of(relayed(forged), "notification.withdrawn")
    assert value["reason_code"] is None


def test_a_school_hears_of_an_update_and_of_a_withdrawal_and_nothing_else() -> None:
    n = notice(uuid4())
    n.update(dict(n.content, child_words=None), 2, LATER)
    n.withdraw(LATER + timedelta(minutes=5))
    school = [r for r in relayed(n) if r[0] == ENCOMPASS_TOPIC]
    assert [v["event_type"] for _, _, v in school] == ["encompass.notice", "encompass.updated",
                                                       "encompass.withdrawn"]
    # Keyed by the notice, never naming the child: every school reads this topic.
    assert {key for _, key, _ in school} == {str(n.id)}
    assert all("child_id" not in value for _, _, value in school)
    _, _, updated = school[1]
    assert set(updated) == {"event_id", "event_type", "notice_id", "recipient",
                            "recipient_agency", "school_urn", "version", "due_at", "at"}
    assert (updated["version"], updated["due_at"]) == (2, n.due_at.isoformat())
    _, _, withdrawn = school[2]
    assert set(withdrawn) == {"event_id", "event_type", "notice_id", "recipient",
                              "recipient_agency", "school_urn", "at"}
    assert "child_id" not in withdrawn  # the key alone, as the notice's was


def test_a_redirect_and_a_withdrawal_look_the_same_to_the_school_losing_the_notice() -> None:
    child = uuid4()
    withdrawn, redirected = notice(child), notice(child)
    right = notice(child, "hillside", "100002")
    withdrawn.withdraw(LATER)
    redirected.redirect(right.id, "hillside", "100002", "Wrong school: moved in October",
                        MASH, LATER)
    right.record_reissued_from(redirected.id, redirected.due_at)
    records = relayed(withdrawn, redirected, right)
    told = [r for r in records if r[0] == ENCOMPASS_TOPIC
            and r[2]["event_type"] == "encompass.withdrawn"]
    assert len(told) == 2

    def seen(record: Record) -> dict[str, Any]:
        _, key, value = record
        assert key == value["notice_id"]  # keyed by the notice, which tells nothing more
        return {k: v for k, v in value.items() if k not in ("event_id", "notice_id")}

    assert seen(told[0]) == seen(told[1])
    assert told[1][2]["notice_id"] == str(redirected.id)
    # The right school is rung as for any notice; the hub's subscribers hear of the redirect.
    [ring] = [v for t, _, v in records if t == ENCOMPASS_TOPIC
              and v["event_type"] == "encompass.notice" and v["school_urn"] == "100002"]
    assert ring["notice_id"] == str(right.id)
    [(_, _, moved)] = of(records, "encompass.redirected")
    assert (moved["recipient_agency"], moved["to_notice"], moved["to_agency"],
            moved["to_urn"]) == ("riverside", str(right.id), "hillside", "100002")
    assert [v["notice_id"] for _, _, v in of(records, "encompass.withdrawn")] == [
        str(withdrawn.id)]


def triaged() -> tuple[DartCase, MaracReferral]:
    child, victim, nid = uuid4(), uuid4(), uuid4()
    case = DartCase(id=uuid4(), notification_id=nid, child_ids=[child], victim_ids=[victim],
                    occurred_at=AT, received_at=AT, triage_due=AT + timedelta(hours=8),
                    encompass=[], holder=child)
    grading = grade(15, None, None)
    referral = MaracReferral.make(uuid4(), Incident(nid, AT), case.id, [victim], [child],
                                  RiskLevel.HIGH, evaluate(Incident(nid, AT), grading, []),
                                  DART, AT)
    case.record_triage(grading, [TriageAction.MARAC_REFERRAL], False,
                       "High risk; safety planning now", DART, AT, referral.id, None)
    return case, referral


def test_the_dart_case_and_the_marac_referral_follow_in_codes() -> None:
    case, referral = triaged()
    case.record_retriage(grade(3, None, None), [TriageAction.SAFETY_PLANNING], False,
                         "Lowered after speaking to the victim", DART, LATER, may_lower=True,
                         marac_criteria_met=False, marac_referral=None, mash_referral=None)
    referral.flag_criteria_no_longer_met(RiskLevel.STANDARD, DART, LATER)
    case.follow_amendment(2, case.child_ids, case.victim_ids, AT, [], True, LATER)
    case.withdraw(LATER)
    referral.flag_incident_withdrawn("notts-police", LATER)
    records = relayed(case, referral)
    [(_, key, retriaged)] = of(records, "dart.retriaged")
    assert key == str(case.id)
    assert {k: retriaged[k] for k in ("level", "previous_level", "direction", "actions",
                                      "flags")} == {
        "level": "standard", "previous_level": "high", "direction": "down",
        "actions": ["safety-planning"], "flags": ["marac-referral-stands"]}
    [(_, _, amended)] = of(records, "dart.incident-amended")
    assert (amended["version"], amended["changed"]) == (2, ["dash"])
    [(_, key, gone)] = of(records, "dart.incident-withdrawn")
    assert gone == {"event_id": gone["event_id"], "event_type": "dart.incident-withdrawn",
                    "case_id": str(case.id), "at": LATER.isoformat()}
    reviews = of(records, "marac.review")
    assert [(k, v["reason"], v["level"], v["by_agency"]) for _, k, v in reviews] == [
        (str(case.child_ids[0]), "criteria-no-longer-met", "standard", "city-dart"),
        (str(case.child_ids[0]), "incident-withdrawn", None, "notts-police")]


def test_a_closed_contact_gives_its_code_only() -> None:
    contact = MashContact(id=uuid4(), notification_id=uuid4(), kind="contact",
                          referrer="riverside", child_ids=[uuid4()], received_at=AT,
                          acknowledge_due=LATER, decision_due=LATER, indicators=[],
                          re_referral_of=[], linked_to=None)
    contact.close("withdrawn-by-sender", LATER)
    [(_, key, closed)] = of(relayed(contact), "mash.contact-closed")
    assert (key, closed["reason"], closed["at"]) == (str(contact.id), "withdrawn-by-sender",
                                                      LATER.isoformat())
    other = MashContact(id=uuid4(), notification_id=uuid4(), kind="contact",
                        referrer="riverside", child_ids=[uuid4()], received_at=AT,
                        acknowledge_due=LATER, decision_due=LATER, indicators=[],
                        re_referral_of=[], linked_to=None)
    other.close("Joanna Hartley phoned", LATER)  # not a code: never out
    [(_, _, closed)] = of(relayed(other), "mash.contact-closed")
    assert closed["reason"] is None


def merged_and_split() -> tuple[PersonRecord, PersonRecord, list[Record]]:
    survivor, duplicate = (PersonRecord(id=uuid4(), kind=PersonKind.CHILD.value, identity={},
                                        link_hashes=[], registered_by="riverside")
                           for _ in range(2))
    nid = uuid4()
    duplicate.link_notification(nid, "school_concern", "riverside", "child", AT, AT, None,
                                LinkRule.NEW_PERSON)
    record = merge(uuid4(), survivor, duplicate, "Mya and Mia are one child", MASH, AT)
    split(record, survivor, duplicate, [nid], "Two children after all", MASH, LATER)
    return survivor, duplicate, relayed(survivor, duplicate, record)


def test_a_merge_and_a_split_reach_both_children() -> None:
    survivor, duplicate, records = merged_and_split()
    both = {str(survivor.id), str(duplicate.id)}
    merged = of(records, "child.merged")
    assert {k for _, k, _ in merged} == both
    assert {v["child_id"] for _, _, v in merged} == both
    [nid] = merged[0][2]["notification_ids"]
    for _, _, v in merged:
        assert (v["survivor_id"], v["merged_id"]) == (str(survivor.id), str(duplicate.id))
    undone = of(records, "child.split")
    assert {k for _, k, _ in undone} == both
    assert undone[0][2]["merge_id"] == merged[0][2]["merge_id"]
    assert (undone[0][2]["returned"], undone[0][2]["kept"]) == ([nid], [])


def test_no_record_on_either_topic_carries_a_name_a_date_of_birth_or_free_text() -> None:
    n = incident()
    n.withdraw(WithdrawalReason.OTHER, WORDS, "notts-police", "user:u1", LATER)
    case, referral = triaged()
    case.record_retriage(grade(3, None, None), [TriageAction.SAFETY_PLANNING], False,
                         "Lowered after speaking to the victim", DART, LATER, may_lower=True,
                         marac_criteria_met=False, marac_referral=None, mash_referral=None)
    case.withdraw(LATER)
    referral.flag_incident_withdrawn("notts-police", LATER)
    child = uuid4()
    withdrawn, redirected, right = notice(child), notice(child), notice(child, "hillside")
    withdrawn.update(dict(withdrawn.content, child_words=None), 2, LATER)
    withdrawn.withdraw(LATER)
    redirected.redirect(right.id, "hillside", "100002", "Wrong school: moved in October",
                        MASH, LATER)
    *_, people = merged_and_split()
    records = relayed(n, case, referral, withdrawn, redirected, right) + people
    assert {t for t, _, _ in records} == {EVENTS_TOPIC, ENCOMPASS_TOPIC}
    assert len(records) > 15
    for topic, key, value in records:
        text = key + json.dumps(value)
        assert not any(s.casefold() in text.casefold() for s in SECRETS), (topic, value)
