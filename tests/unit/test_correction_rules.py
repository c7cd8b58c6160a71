"""Corrections by the sender, as the domain rules them: only the sender amends or withdraws; an
amendment is newer, of the same type and reference; a withdrawal has a code (words with
`other`, sealed for the child); what a notification opened follows it."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.clocks import Rag
from domain.dart import DartCase, RiskLevel, grade
from domain.encompass import EncompassNotice, Recipient
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.front_door import MashContact
from domain.marac import Incident, MaracReferral, evaluate
from domain.matching import LinkRule
from domain.notifications import (
    DetailsSubmission,
    EpisodeReport,
    Notification,
    NotificationSubmission,
    NotificationType,
    StaleVersion,
    SubjectRole,
    SubjectSubmission,
    WithdrawalReason,
    validate_submission,
)
from domain.people import PersonKind, PersonRecord
from domain.personal import Personal

AT = datetime(2026, 11, 20, 22, 15, tzinfo=UTC)
LATER = AT + timedelta(hours=2)
AMY = SubjectSubmission(SubjectRole.CHILD, "Amy", "Hart", date(2016, 4, 2))
JO = SubjectSubmission(SubjectRole.ADULT_VICTIM, "Jo", "Hart", date(1990, 1, 9))


def sent(**changes: Any) -> NotificationSubmission:
    base = NotificationSubmission(NotificationType.DOMESTIC_ABUSE_INCIDENT, "NTP-1", AT,
                                  (AMY, JO), DetailsSubmission(summary="first words"))
    return replace(base, **changes)


def received(submission: NotificationSubmission | None = None) -> Notification:
    s = submission or sent()
    return Notification.receive(uuid4(), s, "notts-police", "user:1",
                                [uuid4() for _ in s.subjects], AT)


def test_an_amendment_is_a_new_version_and_the_old_one_stays_in_the_history() -> None:
    n = received()
    people = n.person_ids
    n.amend(sent(version=2, details=DetailsSubmission(summary="corrected words")), people,
            "notts-police", "user:1", LATER)
    assert n.notification_version == 2
    assert n.amended == (LATER, "user:1")
    assert n.details["summary"].value == "corrected words"
    [first, current] = n.versions()
    assert (first["version"], first["at"], first["by"]) == (1, AT, "user:1")
    assert first["details"]["summary"].value == "first words"
    assert (current["version"], current["at"]) == (2, LATER)
    # A Kafka sender's versions may skip: any newer one is an amendment.
    n.amend(sent(version=5), people, "notts-police", "kafka:t", LATER)
    assert [v["version"] for v in n.versions()] == [1, 2, 5]


def test_a_first_record_keeps_the_version_it_gave() -> None:
    assert received(sent(version=3)).notification_version == 3


@pytest.mark.parametrize("version", [1, 0])
def test_an_amendment_that_is_not_newer_is_stale(version: int) -> None:
    n = received()
    with pytest.raises(StaleVersion):
        n.amend(sent(version=version), n.person_ids, "notts-police", "user:1", LATER)
    assert isinstance(StaleVersion("x"), RuleViolation)  # answered 409


def test_only_the_sender_amends_or_withdraws() -> None:
    n = received()
    with pytest.raises(NotPermitted):
        n.amend(sent(version=2), n.person_ids, "derbys-police", "user:2", LATER)
    with pytest.raises(NotPermitted):
        n.withdraw(WithdrawalReason.SENT_IN_ERROR, None, "city-mash", "user:3", LATER)
    assert n.notification_version == 1
    assert n.withdrawal is None


def test_an_amendment_keeps_the_type_and_the_reference() -> None:
    n = received()
    with pytest.raises(InvalidContent, match=r"^type"):
        n.amend(sent(version=2, type=NotificationType.POLICE_CONCERN), n.person_ids,
                "notts-police", "u", LATER)
    with pytest.raises(InvalidContent, match=r"^source_ref"):
        n.amend(sent(version=2, source_ref="NTP-2"), n.person_ids, "notts-police", "u", LATER)


def test_the_version_is_checked_with_the_rest() -> None:
    now = AT + timedelta(days=1)
    assert validate_submission(sent(version=7), now).version == 7
    for bad in (0, -1, 1_000_001):
        with pytest.raises(InvalidContent, match=r"^version"):
            validate_submission(sent(version=bad), now)


def test_a_withdrawal_has_a_code_and_words_only_sealed_for_the_child() -> None:
    n = received()
    with pytest.raises(InvalidContent, match=r"^reason"):
        n.withdraw(WithdrawalReason.OTHER, "  ", "notts-police", "u", LATER)
    n.withdraw(WithdrawalReason.WRONG_PERSON, "Sent about the wrong family.", "notts-police",
               "u", LATER)
    w = n.withdrawal
    assert w is not None
    assert w["reason_code"] == "wrong-person"
    assert w["at"] == LATER
    assert isinstance(w["reason"], Personal)
    assert w["reason"].holder == n.child_ids[0]
    with pytest.raises(RuleViolation):
        n.withdraw(WithdrawalReason.DUPLICATE, None, "notts-police", "u", LATER)
    with pytest.raises(RuleViolation, match="withdrawn"):
        n.amend(sent(version=2), n.person_ids, "notts-police", "u", LATER)


def test_a_missing_episode_is_not_corrected_by_its_report() -> None:
    episode = EpisodeReport(type="missing", left_at=AT - timedelta(hours=3))
    report = sent(type=NotificationType.MISSING, subjects=(AMY,),
                  details=DetailsSubmission(episode=episode))
    n = received(report)
    n.amend(replace(report, version=2, details=DetailsSubmission(episode=episode,
                                                                 summary="more")),
            n.person_ids, "notts-police", "u", LATER)  # words may change
    moved = replace(episode, left_at=AT - timedelta(hours=1))
    with pytest.raises(RuleViolation, match="missing team"):
        n.amend(replace(report, version=3, details=DetailsSubmission(episode=moved)),
                n.person_ids, "notts-police", "u", LATER)
    with pytest.raises(RuleViolation, match="missing team"):
        n.amend(replace(report, version=3, details=DetailsSubmission(episode=episode)),
                [uuid4()], "notts-police", "u", LATER)
    with pytest.raises(RuleViolation, match="missing team"):
        n.withdraw(WithdrawalReason.SENT_IN_ERROR, None, "notts-police", "u", LATER)


def test_an_unlinked_notification_takes_its_involvement_with_it() -> None:
    person = PersonRecord(id=uuid4(), kind=PersonKind.CHILD.value, identity={},
                          link_hashes=[], registered_by="notts-police")
    nid = uuid4()
    person.link_notification(nid, "domestic_abuse_incident", "notts-police", "child", AT, AT,
                             None, LinkRule.NEW_PERSON)
    assert person.accept_involvement(nid, {"agency": "city-dart"}, LATER)
    assert person.involved("notts-police", LATER)
    link = person.unlink_notification(nid, LATER)
    assert link["notification_id"] == nid
    assert person.notifications == []
    assert not person.involved("notts-police", LATER)
    with pytest.raises(RuleViolation):
        person.unlink_notification(nid, LATER)


def case() -> DartCase:
    child, victim = uuid4(), uuid4()
    return DartCase(id=uuid4(), notification_id=uuid4(), child_ids=[child],
                    victim_ids=[victim], occurred_at=AT, received_at=AT,
                    triage_due=AT + timedelta(hours=8), encompass=[], holder=child)


def test_a_dart_case_follows_the_amendment_and_says_what_changed() -> None:
    c = case()
    other = uuid4()
    c.follow_amendment(2, [other], c.victim_ids, AT, [], dash_changed=True, at=LATER)
    assert c.child_ids == [other]
    [amendment] = c.amendments
    assert amendment == {"version": 2, "changed": ["children", "dash"],
                         "after_triage": False, "at": LATER}


def test_a_withdrawn_case_leaves_the_queue_and_is_not_triaged() -> None:
    c = case()
    c.withdraw(LATER)
    assert not c.triage_overdue(LATER + timedelta(days=3))
    with pytest.raises(RuleViolation, match="withdrew"):
        c.record_triage(None, [], False, "", {}, LATER, None, None)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation):
        c.follow_amendment(3, c.child_ids, c.victim_ids, AT, [], False, LATER)


def notice() -> EncompassNotice:
    child = uuid4()
    return EncompassNotice.issue(
        uuid4(), uuid4(), child, Recipient.SCHOOL, "riverside", "100001", AT + timedelta(
            hours=10), AT, {"given_name": "Amy", "family_name": "Hart",
                            "date_of_birth": "2016-04-02"}, AT, True, True, "I hid")


def test_a_notice_is_updated_or_withdrawn_and_then_owes_nothing() -> None:
    n = notice()
    content = dict(n.content, child_words=None)
    n.update(content, 2, LATER)
    assert n.content["child_words"] is None
    assert n.updates == [{"version": 2, "at": LATER}]
    with pytest.raises(RuleViolation):
        n.update({"given_name": n.content["given_name"]}, 3, LATER)  # only its own fields
    n.withdraw(LATER)
    assert not n.overdue(AT + timedelta(days=5))
    with pytest.raises(RuleViolation):
        n.acknowledge("riverside", {}, LATER)
    with pytest.raises(RuleViolation):
        n.escalate(AT + timedelta(days=5))
    with pytest.raises(RuleViolation):
        n.withdraw(LATER)


class Clocks:
    def acknowledge_due(self, at: datetime) -> datetime:
        return at + timedelta(days=1)

    def decision_due(self, at: datetime) -> datetime:
        return at + timedelta(days=1)

    def rag_due(self, rag: Rag, at: datetime) -> datetime:
        return at + timedelta(hours=4)


def test_a_closed_contact_runs_no_clock_and_takes_no_work() -> None:
    contact = MashContact.open(uuid4(), "contact", "riverside", [uuid4()], AT, [], [], None,
                               Clocks(), {"agency": "hub"})  # type: ignore[arg-type]
    second = uuid4()
    contact.follow_amendment(2, [second, contact.holder], ["trafficking"], LATER)
    assert contact.child_ids[0] != second  # the holder of its words stays first
    assert contact.indicators == ["trafficking"]
    contact.close("withdrawn-by-sender", LATER)
    assert contact.deadlines() == {}
    with pytest.raises(RuleViolation, match="closed"):
        contact.acknowledge({}, LATER)
    with pytest.raises(RuleViolation, match="closed"):
        contact.rate(Rag.RED, LATER, "A reason for red.", {}, LATER)
    with pytest.raises(RuleViolation, match="closed"):
        contact.request_research(["x"], {}, LATER)
    with pytest.raises(RuleViolation, match="closed"):
        contact.close("withdrawn-by-sender", LATER)


def test_a_marac_referral_whose_incident_is_withdrawn_stands_flagged_for_review() -> None:
    incident = Incident(uuid4(), AT)
    referral = MaracReferral.make(uuid4(), incident, uuid4(), [uuid4()], [uuid4()],
                                  RiskLevel.HIGH, evaluate(incident, grade(15, None, None), []),
                                  {"agency": "city-dart"}, AT)
    assert referral.flagged is None
    referral.flag_incident_withdrawn("notts-police", LATER)
    flag = {"reason": "incident-withdrawn", "level": None, "by": {"agency": "notts-police"},
            "at": LATER}
    assert referral.flagged == flag
    assert referral.flags  # as it was made
    with pytest.raises(RuleViolation, match="withdrawn"):
        referral.flag_incident_withdrawn("notts-police", LATER)
    replayed: MaracReferral | None = None
    for stored in referral.collect_events():
        replayed = stored.mutate(replayed)
    assert replayed is not None
    assert replayed.flagged == flag
