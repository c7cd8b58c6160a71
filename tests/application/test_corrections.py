"""Corrections by the sender, on every store: a notification amended (a new version, relinked
by the intake's rules where a subject changed) or withdrawn with a reason, by its sender only;
the DART case, the Encompass notices and the MASH contact it opened follow."""

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.access import Purpose
from domain.audit import AuditKind
from domain.dart import DartCase
from domain.encompass import EncompassNotice
from domain.errors import RuleViolation
from domain.front_door import MashContact, contact_id
from domain.marac import MaracReferral
from domain.matching import PossibleMatch
from domain.notifications import Notification, StaleVersion, WithdrawalSubmission
from domain.people import PersonRecord
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.domestic_abuse import case_id
from hub.errors import InvalidInput, NotEntitled
from hub.registry import Caller
from hub.shapes import parse_notification
from tests.support import Clock, child, notification, relayed, submit

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
AMY_NHS, ELLA_NHS = "9434765870", "9434765919"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


def incident(ref: str = "NTP-1", version: int = 1, words: str = "I hid upstairs",
             yes: int = 15, **amy: Any) -> dict[str, Any]:
    body = notification(ref, occurred_at="2026-11-23T08:00:00Z", subjects=[
        child(**{"school_urn": "100001", "present": True, "spoken_to": True,
                 "nhs_number": AMY_NHS, **amy}),
        {"role": "adult_victim", "given_name": "Jo", "family_name": "Hart",
         "date_of_birth": "1990-01-09"}],
        summary="free text from the sending agency", dash={"yes_count": yes},
        welfare_check=True, words_for_school=words)
    body["version"] = version
    return body


def parsed(body: dict[str, Any]) -> Any:
    return parse_notification(json.dumps(body).encode())


def read(hub: Hub, caller: Caller, nid: UUID, purpose: Purpose = Purpose.TRIAGE) -> Any:
    return hub.disclosure.notification(ReadContext(caller, purpose, None), nid)


def inbox(hub: Hub, school: Caller) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = hub.domestic_abuse.inbox(
        ReadContext(school, Purpose.ENCOMPASS, None), "100001")["items"]
    return items


def test_the_police_amend_an_incident_and_its_case_and_notice_follow(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    police, dart, school = (people["notts-police"], people["city-dart"],
                            people["riverside-primary"])
    first = submit(hub, "notts-police", incident())
    clock.advance(minutes=30)
    [notice] = inbox(hub, school)
    done = hub.corrections.amend(police, first.id, parsed(incident(
        version=2, words="I stayed in my room", yes=9)))
    assert (done.version, done.receipt.id, done.receipt.child_ids) == (2, first.id,
                                                                        first.child_ids)
    view = read(hub, dart, first.id)
    assert view["version"] == 2
    assert view["amended_at"] == clock.now.isoformat()
    assert view["details"]["dash"]["yes_count"] == 9
    history = hub.disclosure.versions(ReadContext(dart, Purpose.TRIAGE, None), first.id)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][0]["details"]["dash"]["yes_count"] == 15
    # The school's notice says what the new version says; the case says what changed.
    [updated] = inbox(hub, school)
    assert updated["id"] == notice["id"]
    assert updated["child_words"] == "I stayed in my room"
    assert updated["updated_at"] == clock.now.isoformat()
    case = hub.domestic_abuse.case(dart, case_id(first.id))
    assert [(a["version"], a["changed"]) for a in case["amendments"]] == [(2, ["dash"])]
    # Reading the history is audited like a read, naming the child.
    [entry] = [e for e in hub.audit.entries() if e.action == "read-notification-versions"]
    assert entry.kind == AuditKind.DISCLOSURE.value
    assert first.child_ids[0] in entry.child_ids
    # The amendment itself is audited: the record and its version, never the words.
    [corrected] = [e for e in hub.audit.entries() if e.action == "amend-notification"]
    assert corrected.details == {"record": str(first.id), "version": 2}


def test_a_stale_version_is_refused_and_nothing_changes(
        hub: Hub, people: dict[str, Caller]) -> None:
    police = people["notts-police"]
    first = submit(hub, "notts-police", incident())
    hub.corrections.amend(police, first.id, parsed(incident(version=2, yes=10)))
    for stale in (1, 2):
        with pytest.raises(StaleVersion):
            hub.corrections.amend(police, first.id, parsed(incident(version=stale, yes=3)))
    with pytest.raises(StaleVersion):  # If-Match names the version read: 1 is no longer it
        hub.corrections.amend(police, first.id, parsed(incident(yes=3)), if_match=1)
    done = hub.corrections.amend(police, first.id, parsed(incident(yes=4)), if_match=2)
    assert done.version == 3
    n = hub.store.find(first.id, Notification)
    assert n is not None
    assert n.details["dash"]["yes_count"] == 4


def test_no_other_agency_amends_or_withdraws_and_each_refusal_is_audited(
        hub: Hub, people: dict[str, Caller]) -> None:
    first = submit(hub, "notts-police", incident())
    for who in ("derbys-police", "city-mash", "city-dart", "riverside-primary"):
        with pytest.raises(NotEntitled):
            hub.corrections.amend(people[who], first.id, parsed(incident(version=2, yes=1)))
        with pytest.raises(NotEntitled):
            hub.corrections.withdraw(people[who], first.id, "sent-in-error", None)
    denials = [e for e in hub.audit.entries() if e.kind == AuditKind.DENIAL.value
               and e.action in ("amend-notification", "withdraw-notification")]
    assert len(denials) == 8
    assert all(first.child_ids[0] in e.child_ids for e in denials)
    n = hub.store.find(first.id, Notification)
    assert n is not None
    assert (n.notification_version, n.withdrawal) == (1, None)


def test_a_subject_changed_is_linked_again_and_the_wrong_child_left_clean(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    """Filed under Amy by a mistyped NHS number, the police correct it to Sam's own: Amy's
    record loses the incident (and the involvement the DART's triage gave the police), her
    notice is withdrawn, and Sam gets his."""
    police, dart, school = (people["notts-police"], people["city-dart"],
                            people["riverside-primary"])
    first = submit(hub, "notts-police", incident())
    [amy] = first.child_ids
    hub.domestic_abuse.triage(dart, case_id(first.id), yes_count=None, answers=None,
                              level=None, judgement_reason=None, actions=["safety-planning"],
                              threshold_met=False, rationale="Police to follow up at home.")
    amy_record = hub.store.find(amy, PersonRecord)
    assert amy_record is not None
    assert amy_record.involved("notts-police", clock.now)
    [old_notice] = inbox(hub, school)
    clock.advance(hours=1)
    done = hub.corrections.amend(police, first.id, parsed(incident(
        version=2, given_name="Sam", family_name="Jones", date_of_birth="2015-02-01",
        nhs_number="9434765919")))
    [sam] = done.receipt.child_ids
    assert sam != amy
    amy_record = hub.store.find(amy, PersonRecord)
    assert amy_record is not None
    assert [n["notification_id"] for n in amy_record.notifications] == []
    assert not amy_record.involved("notts-police", clock.now)
    sam_record = hub.store.find(sam, PersonRecord)
    assert sam_record is not None
    assert [n["notification_id"] for n in sam_record.notifications] == [first.id]
    assert not sam_record.involved("notts-police", clock.now)  # no widening by amending
    listed = inbox(hub, school)
    withdrawn = next(i for i in listed if i["id"] == old_notice["id"])
    assert withdrawn["withdrawn"] == {"at": clock.now.isoformat()}
    assert withdrawn.get("child") is None
    assert str(amy) not in str(withdrawn)  # nothing of the wrong child stays with the school
    sams = next(i for i in listed if i.get("child_id") == str(sam))
    assert sams["child"]["given_name"] == "Sam"
    assert sams["issued_at"] == clock.now.isoformat()
    case = hub.domestic_abuse.case(dart, case_id(first.id))
    assert case["child_ids"] == [str(sam)]
    [amendment] = case["amendments"]
    assert amendment["changed"] == ["children"]
    assert amendment["after_triage"] is True
    with pytest.raises(NotEntitled):  # Amy's chronology holds nothing of it for the police
        hub.disclosure.chronology(ReadContext(police, Purpose.TRIAGE, None), amy)


def test_an_identifier_changed_goes_through_the_matching_rules(
        hub: Hub, people: dict[str, Caller]) -> None:
    """An amendment naming a known child's NHS number under another name is doubted like any
    notification: a provisional person and a possible match, never a silent link."""
    ella = submit(hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS)],
        occurred_at="2026-11-22T10:00:00Z")).child_ids[0]
    first = submit(hub, "notts-police", incident())
    done = hub.corrections.amend(people["notts-police"], first.id, parsed(incident(
        version=2, nhs_number=ELLA_NHS)))
    [held_on] = done.receipt.child_ids
    assert held_on != ella
    hub.work.catch_up()
    [match_id] = hub.work.open_matches
    match = hub.store.find(match_id, PossibleMatch)
    assert match is not None
    assert (match.provisional_id, match.known_id, match.notification_id) == (
        held_on, ella, first.id)


def test_withdrawn_the_case_leaves_the_queue_and_the_school_sees_only_that(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    police, dart, school = (people["notts-police"], people["city-dart"],
                            people["riverside-primary"])
    first = submit(hub, "notts-police", incident())
    [notice] = inbox(hub, school)
    assert notice["child"]["given_name"] == "Amy"
    clock.advance(minutes=20)
    done = hub.corrections.withdraw(police, first.id, "wrong-person",
                                    "Sent about another family entirely.")
    assert done.withdrawn
    assert hub.domestic_abuse.queue(dart)["items"] == []
    [withdrawn] = inbox(hub, school)
    assert withdrawn["withdrawn"] == {"at": clock.now.isoformat()}
    shown = json.dumps(withdrawn)
    for secret in ("Amy", "Hart", "2016-04-02", "I hid upstairs", "wrong-person", "family"):
        assert secret not in shown
    with pytest.raises(RuleViolation):
        hub.domestic_abuse.acknowledge(school, UUID(notice["id"]))
    clock.advance(days=3)  # past every deadline: nothing is owed, nothing is a breach
    breaches = hub.domestic_abuse.breaches(dart)
    assert breaches["triage"] == []
    assert breaches["encompass"] == []
    assert hub.domestic_abuse.escalate_overdue() == 0
    # The sender reads why; the words are sealed for the child, never in the audit trail.
    view = read(hub, police, first.id)
    assert view["withdrawn"]["reason_code"] == "wrong-person"
    assert view["withdrawn"]["reason"] == "Sent about another family entirely."
    [entry] = [e for e in hub.audit.entries() if e.action == "withdraw-notification"]
    assert entry.details == {"record": str(first.id), "version": 1,
                             "reason_code": "wrong-person"}
    stored = hub.store.find(first.id, Notification)
    assert stored is not None
    assert stored.withdrawal is not None
    assert stored.withdrawal["reason"].holder == first.child_ids[0]
    case = hub.store.find(case_id(first.id), DartCase)
    notice_held = hub.store.find(UUID(notice["id"]), EncompassNotice)
    assert case is not None
    assert notice_held is not None
    assert case.withdrawal is not None
    assert notice_held.withdrawal is not None
    with pytest.raises(RuleViolation):
        hub.corrections.amend(police, first.id, parsed(incident(version=2)))


def test_a_withdrawn_incident_leaves_its_marac_referral_flagged_for_review(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    """A referral is never withdrawn silently: the MARAC coordinator decides."""
    police, dart = people["notts-police"], people["city-dart"]
    first = submit(hub, "notts-police", incident(yes=15))  # visible high risk
    triaged = hub.domestic_abuse.triage(
        dart, case_id(first.id), yes_count=None, answers=None, level=None,
        judgement_reason=None, actions=["safety-planning"], threshold_met=False,
        rationale="High risk: MARAC and safety planning.")
    referral_id = triaged["triage"]["marac_referral"]
    [before] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert (before["id"], before["review"]) == (referral_id, None)
    clock.advance(minutes=40)
    done = hub.corrections.withdraw(police, first.id, "sent-in-error",
                                    "Keyed against the wrong incident number.")
    assert done.marac_flagged == (UUID(referral_id),)
    [after] = hub.domestic_abuse.marac_referrals(dart)["items"]
    assert after["review"] == {"reason": "incident-withdrawn", "level": None,
                               "by": {"agency": "notts-police"},
                               "at": clock.now.isoformat()}
    assert after["flags"] == before["flags"]  # it stands, as it was made
    stored = hub.store.find(UUID(referral_id), MaracReferral)
    assert stored is not None
    assert stored.flagged is not None
    assert stored.flagged["reason"] == "incident-withdrawn"
    # Saved with the withdrawal: the case's and the referral's events are in one transaction.
    case = hub.store.find(case_id(first.id), DartCase)
    assert case is not None
    assert case.withdrawal is not None
    [entry] = [e for e in hub.audit.entries() if e.action == "withdraw-notification"]
    assert entry.details == {"record": str(first.id), "version": 1,
                             "reason_code": "sent-in-error", "marac_review": [referral_id]}
    assert "wrong incident" not in json.dumps(entry.details)
    [review] = [v for topic, _, v in relayed(hub) if v["event_type"] == "marac.review"]
    assert (review["referral_id"], review["reason"], review["by_agency"]) == (
        referral_id, "incident-withdrawn", "notts-police")
    assert review["child_id"] == str(first.child_ids[0])


def test_the_relay_tells_subscribers_of_corrections_in_ids_and_codes_only(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    from adapters.kafka_relay import ENCOMPASS_TOPIC

    police = people["notts-police"]
    first = submit(hub, "notts-police", incident())
    clock.advance(minutes=10)
    hub.corrections.amend(police, first.id, parsed(incident(version=2,
                                                            words="I stayed in my room")))
    clock.advance(minutes=10)
    hub.corrections.withdraw(police, first.id, "other", "Sent about another family entirely.")
    records = relayed(hub)
    assert {"notification.amended", "notification.withdrawn", "encompass.updated",
            "encompass.withdrawn", "dart.incident-amended", "dart.incident-withdrawn",
            } <= {v["event_type"] for _, _, v in records}
    assert [v["event_type"] for topic, _, v in records if topic == ENCOMPASS_TOPIC] == [
        "encompass.notice", "encompass.updated", "encompass.withdrawn"]
    [withdrawn] = [v for _, _, v in records if v["event_type"] == "notification.withdrawn"]
    assert (withdrawn["reason_code"], withdrawn["agency"]) == ("other", "notts-police")
    for _, key, value in records:
        text = key + json.dumps(value)
        for secret in ("Amy", "Hart", "Jo", "2016-04-02", "1990-01-09", "I hid upstairs",
                       "I stayed in my room", "another family", "free text"):
            assert secret not in text


class Acked:
    def get(self, timeout: float) -> None:
        return None


class Producer:
    """A broker that acknowledges everything, for ``Relay.run_once``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, dict[str, Any]]] = []

    def send(self, topic: str, key: bytes, value: bytes,
             headers: list[tuple[str, bytes]]) -> Acked:
        self.sent.append((topic, key, json.loads(value)))
        return Acked()


def test_the_relay_reads_the_store_for_what_a_withdrawal_does_not_carry(
        hub: Hub, people: dict[str, Caller]) -> None:
    from adapters.kafka_relay import ENCOMPASS_TOPIC, Relay

    first = submit(hub, "notts-police", incident())
    hub.corrections.withdraw(people["notts-police"], first.id, "duplicate", None)
    relay = Relay(hub, {})
    relay._producer = producer = Producer()
    while relay.run_once():
        pass
    [(_, key, told)] = [r for r in producer.sent if r[0] == ENCOMPASS_TOPIC
                        and r[2]["event_type"] == "encompass.withdrawn"]
    assert key == told["notice_id"].encode()  # the notice's key: the topic names no child
    assert "child_id" not in told
    assert (told["recipient_agency"], told["school_urn"]) == ("riverside-primary", "100001")
    [withdrawn] = [v for _, _, v in producer.sent
                   if v["event_type"] == "notification.withdrawn"]
    assert (withdrawn["agency"], withdrawn["reason_code"]) == ("notts-police", "duplicate")


def test_a_concern_withdrawn_closes_its_contact(
        hub: Hub, people: dict[str, Caller], clock: Clock) -> None:
    school = people["riverside-primary"]
    receipt = submit(hub, "riverside-primary", notification(
        "C-1", "school_concern", subjects=[child()], occurred_at="2026-11-23T08:30:00Z",
        summary="Arrived hungry again."))
    amended = dict(notification("C-1", "school_concern", subjects=[child()],
                                occurred_at="2026-11-23T08:30:00Z",
                                summary="Arrived hungry again.", indicators=["trafficking"]),
                   version=2)
    hub.corrections.amend(school, receipt.id, parsed(amended))
    contact = hub.store.find(contact_id(receipt.id), MashContact)
    assert contact is not None
    assert contact.rating is not None
    assert contact.rating.rag == "red"  # an indicator added: red by rule
    assert [a["version"] for a in contact.amendments] == [2]
    clock.advance(minutes=5)
    hub.corrections.withdraw(school, receipt.id, "not-a-concern", None)
    contact = hub.store.find(contact_id(receipt.id), MashContact)
    assert contact is not None
    assert contact.closure == {"reason": "withdrawn-by-sender", "at": clock.now}
    hub.work.catch_up()
    assert hub.work.contacts[contact.id] == "closed"
    assert contact.id not in hub.work.contact_clocks


def test_over_kafka_a_higher_version_amends_and_a_record_withdraws(
        hub: Hub, people: dict[str, Caller]) -> None:
    """The intake (as `hub ingest` calls it): the same source_ref with a higher version is an
    amendment; equal or lower, a repeat; `withdrawn: true`, a withdrawal."""
    first = submit(hub, "notts-police", incident())
    again = hub.intake.submit("notts-police", "kafka:t", parsed(incident(yes=2)))
    assert (again.id, again.created) == (first.id, False)
    amended = hub.intake.submit("notts-police", "kafka:t", parsed(incident(version=3, yes=2)))
    assert (amended.id, amended.created) == (first.id, False)
    older = hub.intake.submit("notts-police", "kafka:t", parsed(incident(version=2, yes=20)))
    assert older.id == first.id
    n = hub.store.find(first.id, Notification)
    assert n is not None
    assert (n.notification_version, n.details["dash"]["yes_count"]) == (3, 2)
    # Another agency's record with the same reference is another notification altogether.
    other = hub.intake.submit("derbys-police", "kafka:d", parsed(incident(version=4)))
    assert other.id != first.id
    with pytest.raises(InvalidInput):
        hub.intake.withdraw("notts-police", "kafka:t", WithdrawalSubmission("NTP-9",
                                                                            "duplicate"))
    hub.intake.withdraw("notts-police", "kafka:t", WithdrawalSubmission("NTP-1", "duplicate"))
    hub.intake.withdraw("notts-police", "kafka:t", WithdrawalSubmission("NTP-1", "duplicate"))
    n = hub.store.find(first.id, Notification)
    assert n is not None
    assert n.withdrawal is not None
    assert n.withdrawal["reason_code"] == "duplicate"
    assert len([e for e in hub.audit.entries() if e.action == "withdraw-notification"]) == 1
    with pytest.raises(InvalidInput):  # a newer version of a withdrawn one: a dead letter
        hub.intake.submit("notts-police", "kafka:t", parsed(incident(version=4)))
