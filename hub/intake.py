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

from domain.errors import DomainError, InvalidContent
from domain.indexes import KeyIndex, is_identifier_link, link_key, source_ref_key
from domain.matching import Demographics, LinkRule, PossibleMatch, Verdict, judge_identifier_match
from domain.notifications import (
    Notification,
    NotificationSubmission,
    SubjectSubmission,
    WithdrawalSubmission,
    validate_submission,
)
from domain.people import IDENTIFIER_FIELDS, PersonKind, PersonRecord
from domain.personal import reveal_fields
from hub.errors import InvalidInput
from hub.store import HubStore

# What a new notification sets going (a DART case, Encompass notices), saved with it.
Workflow = Callable[[Notification, NotificationSubmission, list[PersonRecord]], list[Aggregate]]
# A record with a newer version of a reference the agency has used (hub.corrections): the
# receipt of the amendment, or None when the record is not one.
Amendment = Callable[[str, str, NotificationSubmission, Tracking | None], "Receipt | None"]
Withdrawal = Callable[[str, str, WithdrawalSubmission, Tracking | None], object]


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


@dataclass(frozen=True)
class Link:
    """How one subject was linked: the person, the index keys it claims, the rule that
    linked it, and (for a doubted identifier match) the known person it may be."""

    person: PersonRecord
    claims: list[KeyIndex]
    rule: LinkRule
    doubted: tuple[PersonRecord, Verdict] | None = None
    # The record ``person`` was merged into, when the subject matched a merged person's keys:
    # the notification is that person's (its home), shown on the survivor's record.
    survivor: PersonRecord | None = None


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
        # Set at wiring (hub.bootstrap): how a newer version of a notification, and a
        # withdrawal record, are stored.
        self.amendments: Amendment | None = None
        self.withdrawals: Withdrawal | None = None

    def submit(self, agency_id: str, submitted_by: str, submission: NotificationSubmission,
               tracking: Tracking | None = None, *, amends: bool = True) -> Receipt:
        """Store a notification from ``agency_id`` (taken from the caller, never the body).

        ``tracking`` (a Kafka partition's position) is written in the same transaction, also
        when the notification was already stored: then only the position moves. A newer
        version of a reference held is an amendment when ``amends`` (a Kafka record); over
        HTTP the caller's own amendment (``Corrections.amend_posted``) is tried first, with
        its capability, and ``amends`` is off.
        """
        valid = validate_submission(submission, self._clock())  # InvalidContent, as raised
        if amends and self.amendments is not None and valid.version > 1:
            amended = self.amendments(agency_id, submitted_by, valid, tracking)
            if amended is not None:
                return amended
        try:
            return self._store.write(
                lambda: self._store_once(agency_id, submitted_by, valid, tracking))
        except DomainError as error:  # a workflow's rule (a return before the episode began)
            raise InvalidInput(str(error)) from None

    def withdraw(self, agency_id: str, submitted_by: str, withdrawal: WithdrawalSubmission,
                 tracking: Tracking | None = None) -> None:
        """A withdrawal record (Kafka) of ``agency_id``'s notification with its source_ref,
        stored with ``tracking`` (``hub.corrections``)."""
        if self.withdrawals is None:
            raise InvalidInput("withdrawn: withdrawals are not taken by this intake")
        self.withdrawals(agency_id, submitted_by, withdrawal, tracking)

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

        to_save: list[Aggregate] = []
        people: list[PersonRecord] = []
        links: list[Link] = []
        for subject in submission.subjects:
            link = self._link(subject, agency_id, already=people)
            people.append(link.person)
            links.append(link)
            to_save.extend(link.claims)
        known_before = tuple(dict.fromkeys(
            p.id for p, s in zip(people, submission.subjects, strict=True)
            if s.is_child and not any(isinstance(e, PersonRecord.Registered)
                                      for e in p.pending_events)))
        received_at = self._clock()
        notification, linked, follow_on = self._compose(
            agency_id, submitted_by, submission, people, received_at,
            rules=[link.rule for link in links])
        to_save.extend(self._doubts(notification, links, received_at))
        survivors = self.arrivals(notification, links)
        self._store.cipher.prepare([p.id for p in [*linked, *survivors]])
        self._store.save_tracked(
            [notification, *linked, *survivors, *to_save, *follow_on,
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
            rules=[LinkRule.REFERRED_ON] * len(people), linked_to=linked_to,
            content_class=content_class)
        return notification, [notification, *linked, *follow_on, KeyIndex(
            key=source_ref_key(agency_id, valid.source_ref), target=notification.id)]

    def received_before(self, agency_id: str, submitted_by: str,
                        submission: NotificationSubmission, links: list[Link],
                        received_at: datetime) -> tuple[Notification, list[Aggregate]]:
        """A notification the hub did not receive itself, received at ``received_at`` before
        the hub began (a contact open at the front door at go-live, ``hub.caseload``):
        validated like any other, its subjects linked by ``links`` (from ``link``, one for
        each subject, in order), composed with what it sets going as at that time, and its
        source reference claimed; returned, not saved (the linked people and their keys are
        the caller's to save, in its own write). Only the import reaches this: over HTTP and
        Kafka a notification is received when the hub's clock says (``submit``)."""
        now = self._clock()
        valid = validate_submission(submission, now)
        if received_at > now:
            raise InvalidContent("received_at", "must not be in the future")
        if valid.occurred_at > received_at:
            raise InvalidContent("occurred_at", "must not be after received_at")
        notification, _, follow_on = self._compose(
            agency_id, submitted_by, valid, [link.person for link in links], received_at,
            rules=[link.rule for link in links])
        return notification, [
            notification, *follow_on, *self._doubts(notification, links, received_at),
            KeyIndex(key=source_ref_key(agency_id, valid.source_ref), target=notification.id)]

    def _compose(self, agency_id: str, submitted_by: str, submission: NotificationSubmission,
                 people: list[PersonRecord], received_at: datetime, rules: list[LinkRule],
                 linked_to: UUID | None = None, content_class: str | None = None,
                 ) -> tuple[Notification, list[PersonRecord], list[Aggregate]]:
        """The notification, each of its people once with it linked on their record, and what
        it sets going (the workflows)."""
        notification = Notification.receive(
            uuid4(), submission, agency_id, submitted_by, [p.id for p in people], received_at,
            linked_to=linked_to, content_class=content_class)
        for subject, person, rule in zip(submission.subjects, people, rules, strict=True):
            person.link_notification(
                notification_id=notification.id, notification_type=submission.type.value,
                agency=agency_id, role=subject.role.value, occurred_at=submission.occurred_at,
                received_at=received_at, school_urn=subject.school_urn, rule=rule,
            )
        follow_on = (self._workflows(notification, submission, people)
                     if self._workflows is not None else [])
        return notification, list({p.id: p for p in people}.values()), follow_on

    def link(self, subject: SubjectSubmission, agency_id: str,
             already: list[PersonRecord]) -> Link:
        """How a validated subject links (its person registered if new, not saved; the keys to
        claim; the rule; a doubted known person): the one way the hub links, for other
        services (the caseload import) as for notifications."""
        return self._link(subject, agency_id, already)

    @staticmethod
    def arrivals(notification: Notification, links: list[Link]) -> list[PersonRecord]:
        """For each subject that matched a merged person's keys (linked on that person, its
        home): the notification shown on the survivor's record too, linked there by the
        merge, and the survivor told it came through the merge, so that a split sends it
        back with the rest. The survivors changed, returned."""
        changed: dict[UUID, PersonRecord] = {}
        for link in links:
            survivor = link.survivor
            if survivor is None:
                continue
            held = next(n for n in link.person.notifications
                        if n["notification_id"] == notification.id)
            if not any(n["notification_id"] == notification.id
                       for n in survivor.notifications):
                survivor.link_notification(
                    notification.id, held["notification_type"], held["agency"], held["role"],
                    held["occurred_at"], held["received_at"], None, LinkRule.MERGED)
            survivor.arrived_through(link.person, notification.id)
            changed[survivor.id] = survivor
        return list(changed.values())

    @staticmethod
    def possible_matches(notification: Notification, links: list[Link],
                         at: datetime) -> list[PossibleMatch]:
        """A possible match for each subject held on a provisional person (the intake's own,
        for an amendment's subjects linked again)."""
        return NotificationIntake._doubts(notification, links, at)

    @staticmethod
    def _doubts(notification: Notification, links: list[Link],
                at: datetime) -> list[PossibleMatch]:
        """A possible match for each subject held on a provisional person, saved with it."""
        return [PossibleMatch.raise_doubt(
                    uuid4(), link.person.id, link.doubted[0].id, notification.id,
                    notification.notification_type, notification.source_agency,
                    link.doubted[1], at)
                for link in {id(link.person): link for link in links}.values()
                if link.doubted is not None]

    def _link(self, subject: SubjectSubmission, agency_id: str,
              already: list[PersonRecord]) -> Link:
        """The person record this subject belongs to, the new link keys to claim, and the
        matching rule (``domain.matching``) that decided it.

        A subject matches an existing record on an exact identifier, or on name, date of
        birth and postcode together; the strongest key that matches wins, unless the subject
        carries an identifier that differs from the record's (then it is someone else). An
        identifier match counts only with a confident demographic match: otherwise the
        subject is held on a new provisional person (or on a weaker key's match) and the
        known record is a possible match for the owning team to decide. A record matched by
        identifier takes the sender's other details (a name-and-birth key, a postcode) only
        when the names and date of birth agree with its own.
        """
        keys = subject.link_keys()
        hashes = [self._hash(k) for k in keys]
        identity = subject.identity()
        kind = PersonKind.CHILD if subject.is_child else PersonKind.ADULT
        person: PersonRecord | None = None
        rule = LinkRule.NEW_PERSON
        doubted: tuple[PersonRecord, Verdict] | None = None
        survivor: PersonRecord | None = None
        for key, digest in zip(keys, hashes, strict=True):
            owner, match = self._owner(digest, already)
            if (match is None or owner is None or match.kind != kind.value
                    or owner.conflicts_with(identity) or match.conflicts_with(identity)
                    or (doubted is not None and doubted[0].id == match.id)):
                continue
            if not is_identifier_link(key):
                person, rule = match, LinkRule.DEMOGRAPHIC_EXACT
            else:
                verdict = judge_identifier_match(
                    Demographics.of(reveal_fields(owner.identity)), Demographics.of(identity))
                if not verdict.confident:
                    doubted = doubted or (match, verdict)
                    continue
                person, rule = match, verdict.rule
            if owner.id != match.id:  # the merged person's keys: it stays its home
                person, survivor = owner, match
            break
        unclaimed = [h for h in hashes if self._store.lookup(link_key(h)) is None
                     and not any(h in p.link_hashes for p in already)]
        if person is None and doubted is not None:
            person = self._told_apart(doubted[0], kind, identity)
            if person is not None:
                rule, doubted = LinkRule.TOLD_APART, None
        if person is None:
            person = PersonRecord.register(uuid4(), kind, identity, unclaimed,
                                           registered_by=agency_id)
            if doubted is not None:
                rule = LinkRule.IDENTIFIER_DOUBTED
        else:
            if doubted is not None:  # an identifier held by another child: not this one's
                identity = {k: v for k, v in identity.items() if k not in IDENTIFIER_FIELDS}
            elif not person.agrees_with(identity):
                identifiers = {self._hash(k) for k in keys if is_identifier_link(k)}
                unclaimed = [h for h in unclaimed if h in identifiers]
                identity = {k: v for k, v in identity.items() if k in IDENTIFIER_FIELDS}
            person.add_identifiers(identity, unclaimed, added_by=agency_id)
            doubted = None
        return Link(person, [KeyIndex(key=link_key(h), target=person.id) for h in unclaimed],
                    rule, doubted if rule is LinkRule.IDENTIFIER_DOUBTED else None, survivor)

    def _told_apart(self, known: PersonRecord, kind: PersonKind,
                    identity: dict[str, str]) -> PersonRecord | None:
        """A person the owning team told apart from ``known`` whom the subject confidently
        is (by name and date of birth), if there is one (and it stands on its own: one
        merged or confirmed as another is not taken by this rule)."""
        subject = Demographics.of(identity)
        for person_id in known.told_apart:
            person = self._store.find(person_id, PersonRecord)
            if (person is None or person.erased or person.kind != kind.value
                    or person.same_as is not None or person.conflicts_with(identity)):
                continue
            if judge_identifier_match(Demographics.of(reveal_fields(person.identity)),
                                      subject).confident:
                return person
        return None

    def _owner(self, digest: str, already: list[PersonRecord],
               ) -> tuple[PersonRecord | None, PersonRecord | None]:
        """The record a link key belongs to, and the record it leads to (the survivor, if
        that record was merged into another)."""
        match = next((p for p in already if digest in p.link_hashes), None)
        if match is not None:
            return match, match
        target = self._store.lookup(link_key(digest))
        owner = self._store.find(target, PersonRecord) if target else None
        if owner is not None and owner.merged_into is not None:  # its keys lead on
            return owner, self._store.find(owner.merged_into, PersonRecord)
        return owner, owner
