"""Corrections by the sender: a notification amended (a new version) or withdrawn, and the work
it set going following it (the DART case and Encompass notices, the MASH contact).

Only the agency that sent a notification corrects it: over HTTP the caller's own agency, over
Kafka the agency the topic is mapped to. An amendment is validated like any notification and
each subject whose identity changed is linked again by the intake's own rules
(``NotificationIntake.link``), possible matches included; a subject that is unchanged keeps its
person. A person the new version no longer names loses the link (and any involvement accepted
on it), so amending never leaves the sender involved with a child its record was not about,
and never makes it involved with one it now names. Every correction is audited (codes and ids,
never the words).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from domain.audit import AuditKind
from domain.errors import DomainError, InvalidContent
from domain.indexes import source_ref_key
from domain.marac import MaracReferral
from domain.matching import LinkRule
from domain.notifications import (
    Notification,
    NotificationSubmission,
    StaleVersion,
    WithdrawalReason,
    WithdrawalSubmission,
    validate_submission,
)
from domain.people import PersonRecord
from domain.personal import reveal_fields
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.errors import InvalidInput, NotEntitled, NotFound
from hub.intake import Link, NotificationIntake, Receipt
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

T = TypeVar("T")

# What an amendment or a withdrawal sets going downstream, saved with it.
Amended = Callable[[Notification, NotificationSubmission, list[PersonRecord], datetime],
                   list[Aggregate]]
Withdrawn = Callable[[Notification, datetime], list[Aggregate]]


@dataclass(frozen=True)
class Downstream:
    amended: Amended
    withdrawn: Withdrawn


@dataclass(frozen=True)
class Corrected:
    """A correction as stored: the notification, its version, the children named before and
    now (the answer names only those now)."""

    receipt: Receipt
    version: int
    children_before: tuple[UUID, ...]
    withdrawn: bool = False
    # MARAC referrals a withdrawal left flagged for the coordinator's review.
    marac_flagged: tuple[UUID, ...] = ()


class Corrections:
    def __init__(self, store: HubStore, intake: NotificationIntake, audit: AuditTrail,
                 capabilities: CapabilityPolicy, downstream: Downstream,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._intake = intake
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self._downstream = downstream
        self._clock = clock

    # Over HTTP: the caller's own agency ---------------------------------------------------

    def amend(self, caller: Caller, notification_id: UUID, submission: NotificationSubmission,
              if_match: int | None = None) -> Corrected:
        """A new version of the caller's agency's notification. ``if_match`` is the version
        the caller read (then the new one is the next); otherwise the body's ``version``
        must be newer than the one held (409 if not)."""
        held = self._owned(caller, notification_id, "amend-notification")
        valid = validate_submission(submission, self._clock())
        if if_match is not None:
            if if_match != held.notification_version:
                self._stale(held, if_match)
            valid = NotificationSubmission(valid.type, valid.source_ref, valid.occurred_at,
                                           valid.subjects, valid.details, if_match + 1)
        done = self._store.write(lambda: self._amend_once(
            caller.agency_id, f"user:{caller.user_id}", notification_id, valid, None))
        self._audited(caller.as_actor(), "amend-notification", done, None)
        return done

    def amend_posted(self, caller: Caller, submission: NotificationSubmission) -> Receipt | None:
        """A ``POST`` of a newer version of a notification the caller's agency sent: the
        caller's amendment, as ``PUT`` makes it (the capability checked, the caller audited).
        None when it is not one (a new reference, or a repeat of a version held)."""
        valid = validate_submission(submission, self._clock())
        if valid.version <= 1:
            return None
        held_id = self._store.lookup(source_ref_key(caller.agency_id, valid.source_ref))
        held = self._store.find(held_id, Notification) if held_id else None
        if held is None or valid.version <= held.notification_version:
            return None
        return self.amend(caller, held.id, submission).receipt

    def withdraw(self, caller: Caller, notification_id: UUID, reason_code: str,
                 reason: str | None) -> Corrected:
        self._owned(caller, notification_id, "withdraw-notification")
        code = parse_enum(WithdrawalReason, reason_code, "reason_code")
        done = self._store.write(lambda: self._withdraw_once(
            caller.agency_id, f"user:{caller.user_id}", notification_id, code, reason, None))
        self._audited(caller.as_actor(), "withdraw-notification", done, code)
        return done

    def _owned(self, caller: Caller, notification_id: UUID, action: str) -> Notification:
        """The notification, if the caller's role corrects notifications and its agency sent
        this one; any other caller is refused (403) and the refusal audited."""
        held = self._store.find(notification_id, Notification)
        if held is None:
            raise NotFound("no such notification")
        self.require(caller, "correct-notification", action, held.child_ids)
        if held.source_agency != caller.agency_id:
            self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                               child_ids=held.child_ids,
                               details={"record": str(held.id),
                                        "outcome": "not the sending agency"})
            raise NotEntitled("only the agency that sent a notification may amend or "
                              "withdraw it")
        return held

    @staticmethod
    def _stale(held: Notification, given: int) -> None:
        raise StaleVersion(f"version {given} is not the current version "
                           f"({held.notification_version}): read it again")

    # Over Kafka (and a POST of a newer version): the record's agency ------------------------

    def amend_by_ref(self, agency: str, submitted_by: str, valid: NotificationSubmission,
                     tracking: Tracking | None) -> Receipt | None:
        """A record whose ``source_ref`` the agency has used, with a newer version: an
        amendment (stored with ``tracking``). None when it is not one (a new reference, or a
        repeat of a version held), for the intake to handle as it always has."""
        def attempt() -> Corrected | None:
            held_id = self._store.lookup(source_ref_key(agency, valid.source_ref))
            held = self._store.find(held_id, Notification) if held_id else None
            if held is None or valid.version <= held.notification_version:
                return None
            return self._amend_once(agency, submitted_by, held.id, valid, tracking)

        done = self._as_input(lambda: self._store.write(attempt))
        if done is None:
            return None
        self._audited(_system(agency, submitted_by), "amend-notification", done, None)
        return done.receipt

    def withdraw_by_ref(self, agency: str, submitted_by: str, withdrawal: WithdrawalSubmission,
                        tracking: Tracking | None) -> Corrected:
        """A withdrawal record: the agency's notification with that ``source_ref``."""
        code = parse_enum(WithdrawalReason, withdrawal.reason_code, "reason_code")

        def attempt() -> Corrected:
            held_id = self._store.lookup(source_ref_key(agency, withdrawal.source_ref))
            held = self._store.find(held_id, Notification) if held_id else None
            if held is None:
                raise InvalidInput("source_ref: no notification from this agency has it")
            if held.withdrawal is not None:  # a repeat: only the position moves
                if tracking is not None:
                    self._store.save_tracked([], tracking)
                return Corrected(Receipt(held.id, held.child_ids, created=False),
                                 held.notification_version, tuple(held.child_ids), withdrawn=False)
            return self._withdraw_once(agency, submitted_by, held.id, code, withdrawal.reason,
                                       tracking)

        done = self._as_input(lambda: self._store.write(attempt))
        if done.withdrawn:
            self._audited(_system(agency, submitted_by), "withdraw-notification", done, code)
        return done

    @staticmethod
    def _as_input(work: Callable[[], T]) -> T:
        """A rule broken by a record is bad input (its dead letter names the rule)."""
        try:
            return work()
        except InvalidContent:
            raise
        except DomainError as error:
            raise InvalidInput(str(error)) from None

    # The one way a correction is made -------------------------------------------------------

    def _amend_once(self, agency: str, by: str, notification_id: UUID,
                    valid: NotificationSubmission, tracking: Tracking | None) -> Corrected:
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        notification.check_sender(agency)
        at = self._clock()
        before = list(notification.person_ids)
        children_before = tuple(notification.child_ids)
        loaded: dict[UUID, PersonRecord] = {}
        people: list[PersonRecord] = []
        links: list[Link] = []
        rules: dict[UUID, LinkRule] = {}
        for index, subject in enumerate(valid.subjects):
            kept = self._unchanged(notification, index, subject.role.value, subject.identity(),
                                   loaded)
            if kept is not None:
                person, rule = kept
            else:
                link = self._intake.link(subject, agency, already=people)
                person, rule = link.person, link.rule
                links.append(link)
            loaded[person.id] = person
            people.append(person)
            rules.setdefault(person.id, rule)
        known_before = tuple(dict.fromkeys(
            p.id for p, s in zip(people, valid.subjects, strict=True)
            if s.is_child and not any(isinstance(e, PersonRecord.Registered)
                                      for e in p.pending_events)))
        notification.amend(valid, [p.id for p in people], agency, by, at)
        self._relink(notification, valid, people, before, rules, loaded, at)
        follow_on = self._downstream.amended(notification, valid, people, at)
        doubts = NotificationIntake.possible_matches(notification, links, at)
        for merged in NotificationIntake.arrivals(notification, links):
            loaded[merged.id] = merged
        self._store.cipher.prepare(list(loaded))
        self._store.save_tracked([notification, *loaded.values(),
                                  *[claim for link in links for claim in link.claims],
                                  *doubts, *follow_on], tracking)
        return Corrected(Receipt(notification.id, notification.child_ids, created=False,
                                 known_before=known_before), notification.notification_version,
                         children_before)

    def _unchanged(self, notification: Notification, index: int, role: str,
                   identity: dict[str, str], loaded: dict[UUID, PersonRecord],
                   ) -> tuple[PersonRecord, LinkRule] | None:
        """The person a subject at this position was linked to, and the rule that linked
        them, if the subject is as the version held said (role and identity the same)."""
        if index >= len(notification.subjects):
            return None
        held = notification.subjects[index]
        if held["role"] != role or reveal_fields(held["identity"]) != identity:
            return None
        person = loaded.get(held["person_id"]) or self._store.find(held["person_id"],
                                                                    PersonRecord)
        if person is None or person.erased:
            return None
        link = next((n for n in person.notifications
                     if n["notification_id"] == notification.id), None)
        if link is None:
            return None
        return person, LinkRule(link["link_rule"])

    def _relink(self, notification: Notification, valid: NotificationSubmission,
                people: list[PersonRecord], before: list[UUID], rules: dict[UUID, LinkRule],
                loaded: dict[UUID, PersonRecord], at: datetime) -> None:
        """Each person of the new version linked as it names them (an unchanged link stays);
        each person it no longer names unlinked."""
        named: dict[UUID, tuple[str, str | None]] = {}
        for subject, person in zip(valid.subjects, people, strict=True):
            named.setdefault(person.id, (subject.role.value, subject.school_urn))
        for person_id in dict.fromkeys(before):
            if person_id in named:
                continue
            gone = loaded.get(person_id) or self._store.find(person_id, PersonRecord)
            if gone is not None and any(n["notification_id"] == notification.id
                                        for n in gone.notifications):
                gone.unlink_notification(notification.id, at)
                loaded[gone.id] = gone
                self._unlink_home(gone, notification.id, loaded, at)
        for person in {p.id: p for p in people}.values():
            role, school = named[person.id]
            link = next((n for n in person.notifications
                         if n["notification_id"] == notification.id), None)
            if link is not None and (link["role"], link["school_urn"], link["occurred_at"]) \
                    == (role, school, valid.occurred_at):
                continue
            if link is not None:
                person.unlink_notification(notification.id, at)
            person.link_notification(
                notification_id=notification.id,
                notification_type=notification.notification_type, agency=notification.source_agency,
                role=role, occurred_at=valid.occurred_at, received_at=notification.received_at,
                school_urn=school, rule=rules[person.id])

    def _unlink_home(self, person: PersonRecord, notification_id: UUID,
                     loaded: dict[UUID, PersonRecord], at: datetime) -> None:
        """A notification no longer names ``person``, merged into (or confirmed as) another
        record: that record no longer shows it either, nor any it is part of in turn."""
        current = person
        for _ in range(8):
            if current.same_as is None:
                return
            joined = loaded.get(current.same_as) or self._store.find(current.same_as,
                                                                     PersonRecord)
            if joined is None:
                return
            if any(n["notification_id"] == notification_id for n in joined.notifications):
                joined.unlink_notification(notification_id, at)
                loaded[joined.id] = joined
            current = joined

    def _withdraw_once(self, agency: str, by: str, notification_id: UUID,
                       code: WithdrawalReason, reason: str | None,
                       tracking: Tracking | None) -> Corrected:
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        at = self._clock()
        notification.withdraw(code, reason, agency, by, at)
        follow_on = self._downstream.withdrawn(notification, at)
        self._store.save_tracked([notification, *follow_on], tracking)
        return Corrected(Receipt(notification.id, notification.child_ids, created=False),
                         notification.notification_version, tuple(notification.child_ids),
                         withdrawn=True, marac_flagged=tuple(
                             a.id for a in follow_on if isinstance(a, MaracReferral)))

    def _audited(self, actor: dict[str, str], action: str, done: Corrected,
                 code: WithdrawalReason | None) -> None:
        """An entry naming every child the notification named before and names now; the
        version, and a withdrawal's code (never its words) and the MARAC referrals it left
        flagged for review."""
        details: dict[str, Any] = {"record": str(done.receipt.id), "version": done.version}
        if code is not None:
            details["reason_code"] = code.value
        if done.marac_flagged:
            details["marac_review"] = [str(r) for r in done.marac_flagged]
        self._audit.record(kind=AuditKind.SENDER_CORRECTION, action=action, actor=actor,
                           child_ids=list(dict.fromkeys([*done.children_before,
                                                         *done.receipt.child_ids])),
                           details=details)


def _system(agency: str, submitted_by: str) -> dict[str, str]:
    """The actor of a correction that came over Kafka: the agency the topic is mapped to."""
    return {"user_id": "", "agency": agency, "agency_kind": "", "role": submitted_by}


