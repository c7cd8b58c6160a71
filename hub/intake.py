"""Receiving notifications: validate, link subjects to person records, store once.

The same agency re-sending the same ``source_ref`` gets the first notification back and
nothing is stored twice: the reference is claimed in the same atomic save as the
notification, so a race between two copies is settled by the event store.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from domain.errors import DomainError
from domain.indexes import KeyIndex, is_identifier_link, link_key, source_ref_key
from domain.notifications import (
    Notification,
    NotificationSubmission,
    SubjectSubmission,
    validate_submission,
)
from domain.people import IDENTIFIER_FIELDS, PersonKind, PersonRecord
from hub.errors import InvalidInput
from hub.store import HubStore

# What a new notification sets going (a DART case, Encompass notices), saved with it.
Workflow = Callable[[Notification, NotificationSubmission, list[PersonRecord]], list[Aggregate]]


@dataclass(frozen=True)
class Receipt:
    id: UUID
    child_ids: list[UUID]
    created: bool
    # Children of the answer whose records existed before it: naming them tells the sender
    # that the hub already held them, so an answer over HTTP is audited under them.
    known_before: tuple[UUID, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"id": str(self.id), "child_ids": [str(c) for c in self.child_ids]}


class LinkHasher:
    """Keyed hashes of link keys, so identifiers are never stored or matched in plaintext."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, link_key: str) -> str:
        return hmac.new(self._secret, link_key.encode(), "sha256").hexdigest()


class NotificationIntake:
    def __init__(self, store: HubStore, link_hasher: LinkHasher,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 workflows: Workflow | None = None) -> None:
        self._store = store
        self._hash = link_hasher
        self._clock = clock
        self._workflows = workflows

    def submit(self, agency_id: str, submitted_by: str, submission: NotificationSubmission,
               tracking: Tracking | None = None) -> Receipt:
        """Store a notification from ``agency_id`` (taken from the caller, never the body).

        ``tracking`` (a Kafka partition's position) is written in the same transaction, also
        when the notification was already stored: then only the position moves.
        """
        valid = validate_submission(submission, self._clock())  # InvalidContent, as raised
        try:
            return self._store.write(
                lambda: self._store_once(agency_id, submitted_by, valid, tracking))
        except DomainError as error:  # a workflow's rule (a return before the episode began)
            raise InvalidInput(str(error)) from None

    def _store_once(self, agency_id: str, submitted_by: str,
                    submission: NotificationSubmission, tracking: Tracking | None) -> Receipt:
        source_key = source_ref_key(agency_id, submission.source_ref)
        existing_id = self._store.lookup(source_key)
        if existing_id is not None:
            existing = self._store.find(existing_id, Notification)
            if existing is not None:
                if tracking is not None:
                    self._store.save_tracked([], tracking)
                return Receipt(existing.id, existing.child_ids, created=False,
                               known_before=tuple(existing.child_ids))

        to_save: list[PersonRecord | Notification | KeyIndex] = []
        people: list[PersonRecord] = []
        for subject in submission.subjects:
            person, claims = self._link(subject, agency_id, already=people)
            people.append(person)
            to_save.extend(claims)
        known_before = tuple(dict.fromkeys(
            p.id for p, s in zip(people, submission.subjects, strict=True)
            if s.is_child and not any(isinstance(e, PersonRecord.Registered)
                                      for e in p.pending_events)))
        notification, linked, follow_on = self._compose(
            agency_id, submitted_by, submission, people, self._clock())
        self._store.cipher.prepare([p.id for p in linked])
        self._store.save_tracked(
            [notification, *linked, *to_save, *follow_on,
             KeyIndex(key=source_key, target=notification.id)], tracking)
        return Receipt(notification.id, notification.child_ids, created=True,
                       known_before=known_before)

    def refer_on(self, agency_id: str, submitted_by: str, submission: NotificationSubmission,
                 people: list[PersonRecord], *, linked_to: UUID,
                 content_class: str) -> tuple[Notification, list[Aggregate]]:
        """A notification a service sends on about people the hub already holds (the DART's
        referral to the MASH, one for each of ``submission``'s subjects, in order): validated
        like any other, its people linked, what it sets going, and its source reference
        claimed; returned, not saved, so the caller saves it in its own write."""
        valid = validate_submission(submission, self._clock())
        notification, linked, follow_on = self._compose(
            agency_id, submitted_by, valid, people, valid.occurred_at,
            linked_to=linked_to, content_class=content_class)
        return notification, [notification, *linked, *follow_on, KeyIndex(
            key=source_ref_key(agency_id, valid.source_ref), target=notification.id)]

    def _compose(self, agency_id: str, submitted_by: str, submission: NotificationSubmission,
                 people: list[PersonRecord], received_at: datetime,
                 linked_to: UUID | None = None, content_class: str | None = None,
                 ) -> tuple[Notification, list[PersonRecord], list[Aggregate]]:
        """The notification, each of its people once with it linked on their record, and what
        it sets going (the workflows)."""
        notification = Notification.receive(
            uuid4(), submission, agency_id, submitted_by, [p.id for p in people], received_at,
            linked_to=linked_to, content_class=content_class)
        for subject, person in zip(submission.subjects, people, strict=True):
            person.link_notification(
                notification_id=notification.id, notification_type=submission.type.value,
                agency=agency_id, role=subject.role.value, occurred_at=submission.occurred_at,
                received_at=received_at, school_urn=subject.school_urn,
            )
        follow_on = (self._workflows(notification, submission, people)
                     if self._workflows is not None else [])
        return notification, list({p.id: p for p in people}.values()), follow_on

    def link(self, subject: SubjectSubmission, agency_id: str,
             already: list[PersonRecord]) -> tuple[PersonRecord, list[KeyIndex]]:
        """The person record a validated subject belongs to (registered if new, not saved),
        and the link keys to claim with it: the one way the hub links, for other services
        (the caseload import) as for notifications."""
        return self._link(subject, agency_id, already)

    def _link(self, subject: SubjectSubmission, agency_id: str,
              already: list[PersonRecord]) -> tuple[PersonRecord, list[KeyIndex]]:
        """The person record this subject belongs to, and the new link keys to claim.

        A subject matches an existing record on an exact identifier, or on name, date of
        birth and postcode together; the strongest key that matches wins, unless the subject
        carries an identifier that differs from the record's (then it is someone else). A
        record matched by identifier takes the sender's other details (a name-and-birth key,
        a postcode) only when the names and date of birth agree with its own.
        """
        keys = subject.link_keys()
        hashes = [self._hash(k) for k in keys]
        identity = subject.identity()
        kind = PersonKind.CHILD if subject.is_child else PersonKind.ADULT
        person: PersonRecord | None = None
        for digest in hashes:
            match = next((p for p in already if digest in p.link_hashes), None)
            if match is None:
                target = self._store.lookup(link_key(digest))
                match = self._store.find(target, PersonRecord) if target else None
            if (match is not None and match.kind == kind.value
                    and not match.conflicts_with(identity)):
                person = match
                break
        unclaimed = [h for h in hashes if self._store.lookup(link_key(h)) is None
                     and not any(h in p.link_hashes for p in already)]
        if person is None:
            person = PersonRecord.register(uuid4(), kind, identity, unclaimed,
                                           registered_by=agency_id)
        elif person.agrees_with(identity):
            person.add_identifiers(identity, unclaimed, added_by=agency_id)
        else:
            identifiers = {self._hash(k) for k in keys if is_identifier_link(k)}
            unclaimed = [h for h in unclaimed if h in identifiers]
            person.add_identifiers({k: v for k, v in identity.items()
                                    if k in IDENTIFIER_FIELDS}, unclaimed, added_by=agency_id)
        return person, [KeyIndex(key=link_key(h), target=person.id) for h in unclaimed]
