"""Person records: the children (and adults) the hub holds information about.

A record gathers the identifiers agencies have given for one person and the notifications
that name them. Linking (which record a new subject belongs to) is decided by the
application from keyed hashes of ``SubjectSubmission.link_keys``.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent, RuleViolation
from domain.matching import RULES_VERSION, LinkRule
from domain.personal import Personal
from domain.text import optional_text

# An agency counts as actively involved with a child for this long after it last sent
# something about them.
INVOLVEMENT_WINDOW = timedelta(days=365)

# Identifiers that name one person only, and the fields a record's identity rests on.
IDENTIFIER_FIELDS = ("nhs_number", "upn")
CORE_FIELDS = ("given_name", "family_name", "date_of_birth")

# Whose word about a child's school is taken without confirmation: the police (who name the
# school in an incident), beside the local authority's roll (``SchoolRecorded``).
SCHOOL_AUTHORITY_KINDS = frozenset({"police"})


class PersonKind(StrEnum):
    CHILD = "child"
    ADULT = "adult"


class ErasureReason(StrEnum):
    """Why a person's data was erased: kept in clear (the free text is sealed)."""

    RETENTION_EXPIRED = "retention-expired"
    SUBJECT_REQUEST = "subject-request"
    COURT_ORDER = "court-order"
    RECORDED_IN_ERROR = "recorded-in-error"
    OTHER = "other"


class HoldReason(StrEnum):
    """Why a legal hold was placed (or released): kept in clear (the free text is sealed)."""

    LITIGATION = "litigation"
    INQUIRY = "inquiry"
    COMPLAINT = "complaint"
    SUBJECT_ACCESS = "subject-access"
    OTHER = "other"


class LegalHoldInPlace(RuleViolation):
    """Erasure refused: the person's records are under a legal hold."""


class PersonRecord(Aggregate):
    """What the hub knows of one person's identity, and which notifications name them."""

    class Registered(Aggregate.Created):
        class_version = 1
        kind: str
        identity: dict[str, Personal]
        link_hashes: list[str]
        registered_by: str

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        kind: str,
        identity: dict[str, Personal],
        link_hashes: list[str],
        registered_by: str,
    ) -> None:
        self.kind = kind
        self.identity = dict(identity)
        self.link_hashes = list(link_hashes)
        self.known_to = [registered_by]
        self.notifications: list[dict[str, Any]] = []
        # People the owning team told apart from this one (a possible match rejected).
        self.told_apart: list[UUID] = []
        # State later events set (plain state: a stored record replays this first too).
        self._same_as: UUID | None = None
        self._marac_referrals: list[datetime] = []
        self._accepted: list[dict[str, Any]] = []
        self._roll: list[dict[str, Any]] = []
        self._merged_in: list[dict[str, Any]] = []
        self._merged: dict[str, Any] | None = None
        self._corrections: list[dict[str, Any]] = []
        self.hold: dict[str, Any] | None = None
        self.erasure: dict[str, Any] | None = None

    class IdentifiersAdded(Aggregate.Event):
        class_version = 1
        identity: dict[str, Personal]
        link_hashes: list[str]
        added_by: str

    @event(IdentifiersAdded)
    def _add_identifiers(
        self, identity: dict[str, Personal], link_hashes: list[str], added_by: str
    ) -> None:
        self.identity.update(identity)
        self.link_hashes.extend(link_hashes)
        if added_by not in self.known_to:
            self.known_to.append(added_by)

    def conflicts_with(self, identity: dict[str, str]) -> bool:
        """The subject carries an identifier (an NHS number, a UPN) that differs from the one
        this record holds: whatever else matches, it is someone else."""
        for name in IDENTIFIER_FIELDS:
            held = self.identity.get(name)
            given = identity.get(name)
            if held is not None and held.value is not None and given is not None \
                    and held.value != given:
                return True
        return False

    def agrees_with(self, identity: dict[str, str]) -> bool:
        """The subject's names and date of birth are this record's own (where both say):
        only then may what the sender adds (a postcode, a name-and-birth key) join it, so a
        sender cannot plant another child's details on a record it matched by identifier."""
        for name in CORE_FIELDS:
            held = self.identity.get(name)
            given = identity.get(name)
            if held is not None and held.value is not None and given is not None \
                    and held.value.casefold() != given.casefold():
                return False
        return True

    def add_identifiers(
        self, identity: dict[str, str], link_hashes: list[str], added_by: str
    ) -> None:
        """Fill in identity fields this record lacks; values already held are kept."""
        new_fields = {k: Personal(self.id, k, v) for k, v in identity.items()
                      if k not in self.identity}
        new_hashes = [h for h in link_hashes if h not in self.link_hashes]
        if new_fields or new_hashes:
            self._add_identifiers(new_fields, new_hashes, added_by)

    class NotificationLinked(Aggregate.Event):
        """A notification names this person. v2: the matching rule (and its version) that
        linked it (``domain.matching.LinkRule``); a v1 link reads as ``unrecorded``, 0."""

        class_version = 2
        notification_id: UUID
        notification_type: str
        agency: str
        role: str
        occurred_at: datetime
        received_at: datetime
        school_urn: str | None
        link_rule: str
        link_rule_version: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["link_rule"] = LinkRule.UNRECORDED.value
            state["link_rule_version"] = 0

    @event(NotificationLinked)
    def _link_notification(
        self,
        notification_id: UUID,
        notification_type: str,
        agency: str,
        role: str,
        occurred_at: datetime,
        received_at: datetime,
        school_urn: str | None,
        link_rule: str,
        link_rule_version: int,
    ) -> None:
        self.notifications.append({
            "notification_id": notification_id,
            "notification_type": notification_type,
            "agency": agency,
            "role": role,
            "occurred_at": occurred_at,
            "received_at": received_at,
            "school_urn": school_urn,
            "link_rule": link_rule,
            "link_rule_version": link_rule_version,
        })
        if agency not in self.known_to:
            self.known_to.append(agency)

    def link_notification(self, notification_id: UUID, notification_type: str, agency: str,
                          role: str, occurred_at: datetime, received_at: datetime,
                          school_urn: str | None, rule: LinkRule,
                          rule_version: int = RULES_VERSION) -> None:
        """Record that a notification names this person, and which rule linked it."""
        self._link_notification(notification_id, notification_type, agency, role,
                                occurred_at, received_at, school_urn, rule.value, rule_version)

    class NotificationUnlinked(Aggregate.Event):
        """The sender amended a notification so that it no longer names this person in the
        way it did (someone else, another role, another time): the link goes, and with it any
        involvement accepted on it, so a correction never leaves the sender involved with a
        child its record was not about."""

        class_version = 1
        notification_id: UUID
        at: datetime

    @event(NotificationUnlinked)
    def _unlink_notification(self, notification_id: UUID, at: datetime) -> None:
        self.notifications = [n for n in self.notifications
                              if n["notification_id"] != notification_id]
        self.accepted = [a for a in self.accepted if a["notification_id"] != notification_id]

    def unlink_notification(self, notification_id: UUID, at: datetime) -> dict[str, Any]:
        """Remove this person's link to a notification; the link removed is returned."""
        link = next((n for n in self.notifications
                     if n["notification_id"] == notification_id), None)
        if link is None:
            raise RuleViolation("this notification does not name this person")
        self._unlink_notification(notification_id, at)
        return link

    class ConfirmedSameAs(Aggregate.Event):
        """The owning team confirmed a possible match: this provisional person is the known
        person ``known_id``, and reads of either are reads of the known one."""

        class_version = 1
        known_id: UUID
        match_id: UUID
        confirmed_by: dict[str, str]
        confirmed_at: datetime

    @event(ConfirmedSameAs)
    def _confirm_same_as(self, known_id: UUID, match_id: UUID, confirmed_by: dict[str, str],
                         confirmed_at: datetime) -> None:
        self.same_as = known_id

    @property
    def same_as(self) -> UUID | None:
        """The known person this provisional one was confirmed to be, if any."""
        return self._same_as

    @same_as.setter
    def same_as(self, value: UUID | None) -> None:
        self._same_as = value

    def take_in(self, provisional: "PersonRecord", match_id: UUID, by: dict[str, str],
                at: datetime) -> None:
        """The confirmed provisional person's notifications (and the involvement accepted on
        them) join this record, each link saying that a confirmed match made it; the
        provisional record points here from now on."""
        if provisional.id == self.id or provisional.kind != self.kind:
            raise RuleViolation("a person can only be confirmed as another of the same kind")
        if provisional.same_as is not None or self.same_as is not None:
            raise RuleViolation("this person has already been confirmed as another")
        held = {n["notification_id"] for n in self.notifications}
        for n in provisional.notifications:
            if n["notification_id"] not in held:
                self.link_notification(n["notification_id"], n["notification_type"],
                                       n["agency"], n["role"], n["occurred_at"],
                                       n["received_at"], n["school_urn"],
                                       LinkRule.CONFIRMED_MATCH)
        for a in provisional.accepted:
            if not any(mine["notification_id"] == a["notification_id"]
                       for mine in self.accepted):
                self._accept_involvement(a["agency"], a["notification_id"], a["received_at"],
                                         a["accepted_by"], a["accepted_at"])
        provisional._confirm_same_as(self.id, match_id, by, at)

    class ToldApart(Aggregate.Event):
        """The owning team rejected a possible match: ``person_id`` (the provisional person)
        is not this person. Remembered, so that the next notification naming that person
        with this person's identifier joins that person's record instead of raising the same
        doubt again on a new provisional person."""

        class_version = 1
        person_id: UUID
        match_id: UUID
        at: datetime

    @event(ToldApart)
    def _tell_apart(self, person_id: UUID, match_id: UUID, at: datetime) -> None:
        if person_id not in self.told_apart:
            self.told_apart = [*self.told_apart, person_id]

    def tell_apart(self, other: "PersonRecord", match_id: UUID, at: datetime) -> None:
        if other.id == self.id:
            raise RuleViolation("a person cannot be told apart from itself")
        self._tell_apart(other.id, match_id, at)

    class MaracReferred(Aggregate.Event):
        """This adult victim was referred to the MARAC (the repeat rule counts from here)."""

        class_version = 1
        referral_id: UUID
        referred_at: datetime

    @event(MaracReferred)
    def record_marac_referral(self, referral_id: UUID, referred_at: datetime) -> None:
        self.marac_referrals = [*self.marac_referrals, referred_at]

    @property
    def marac_referrals(self) -> list[datetime]:
        return list(self._marac_referrals)

    @marac_referrals.setter
    def marac_referrals(self, value: list[datetime]) -> None:
        self._marac_referrals = value

    def incidents_as(self, notification_type: str, role: str) -> list[tuple[UUID, datetime]]:
        """The (notification, occurred at) of every linked notification of that type that
        names this person in that role."""
        return [(n["notification_id"], n["occurred_at"]) for n in self.notifications
                if n["notification_type"] == notification_type and n["role"] == role]

    class Erased(Aggregate.Event):
        """The person's data keys were destroyed: their personal data is unreadable.

        v2: a reason code in clear and the free text sealed under the person's own key (which
        the erasure destroys with everything else). v1 held the reason in clear: it reads as
        code ``other`` with no text (an upcaster cannot encrypt it, so it is left out of the
        record rather than shown)."""

        class_version = 2
        reason_code: str
        reason: Personal | None
        erased_by: dict[str, str]
        erased_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.pop("reason", None)
            state["reason_code"] = ErasureReason.OTHER.value
            state["reason"] = None

    @event(Erased)
    def _erase(self, reason_code: str, reason: Personal | None, erased_by: dict[str, str],
               erased_at: datetime) -> None:
        self.erasure = {"reason_code": reason_code, "reason": reason, "erased_by": erased_by,
                        "erased_at": erased_at}

    def record_erasure(self, code: "ErasureReason", reason: str | None, by: dict[str, str],
                       at: datetime) -> None:
        """Record an erasure; never while a legal hold is in place."""
        if self.erased:
            raise RuleViolation("this person's data has already been erased")
        if self.held:
            raise LegalHoldInPlace("a legal hold is in place: release it before erasing")
        self._erase(code.value, self._sealed_reason("erasure_reason", code, reason), by, at)

    def _sealed_reason(self, field: str, code: StrEnum, reason: str | None) -> Personal | None:
        """The optional free text of a reason, sealed under this person's key ("other" needs
        it)."""
        said = optional_text(reason, "reason", most=500,
                             long="give the reason in at most 500 characters")
        if said is None and code.value == "other":
            raise InvalidContent("reason", "is required when the reason code is 'other'")
        return Personal(self.id, field, said) if said else None

    class HoldChanged(Aggregate.Event):
        """A legal hold placed on (or released from) the person's records.

        v2: a reason code in clear and the free text sealed under the person's key. v1 held
        the reason in clear: it reads as code ``other`` with no text."""

        class_version = 2
        held: bool
        reason_code: str
        reason: Personal | None
        changed_by: dict[str, str]
        changed_at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.pop("reason", None)
            state["reason_code"] = HoldReason.OTHER.value
            state["reason"] = None

    @event(HoldChanged)
    def _change_hold(self, held: bool, reason_code: str, reason: Personal | None,
                     changed_by: dict[str, str], changed_at: datetime) -> None:
        self.hold = ({"reason_code": reason_code, "reason": reason, "by": changed_by,
                      "since": changed_at} if held else None)

    def place_hold(self, held: bool, code: "HoldReason", reason: str | None,
                   by: dict[str, str], at: datetime) -> None:
        if self.erased:
            raise RuleViolation("this person's data has already been erased")
        if held == self.held:
            raise RuleViolation("a legal hold is " + ("already" if held else "not") + " in place")
        self._change_hold(held, code.value, self._sealed_reason("hold_reason", code, reason),
                          by, at)

    @property
    def held(self) -> bool:
        return self.hold is not None

    @property
    def erased(self) -> bool:
        return self.erasure is not None

    @classmethod
    def register(
        cls, id: UUID, kind: PersonKind, identity: dict[str, str],
        link_hashes: list[str], registered_by: str,
    ) -> "PersonRecord":
        return cls(
            id=id,
            kind=kind.value,
            identity={k: Personal(id, k, v) for k, v in identity.items()},
            link_hashes=link_hashes,
            registered_by=registered_by,
        )

    @property
    def is_child(self) -> bool:
        return self.kind == PersonKind.CHILD.value

    # Relationships that a sender cannot make for itself --------------------------------------

    class InvolvementAccepted(Aggregate.Event):
        """An independent team (the MASH, the DART, the missing team) took up what an agency
        sent about this person: from then the sender counts as involved with them."""

        class_version = 1
        agency: str
        notification_id: UUID
        received_at: datetime
        accepted_by: dict[str, str]
        accepted_at: datetime

    @event(InvolvementAccepted)
    def _accept_involvement(self, agency: str, notification_id: UUID, received_at: datetime,
                            accepted_by: dict[str, str], accepted_at: datetime) -> None:
        self.accepted = [*self.accepted, {
            "agency": agency, "notification_id": notification_id, "received_at": received_at,
            "accepted_by": accepted_by, "accepted_at": accepted_at}]

    def accept_involvement(self, notification_id: UUID, by: dict[str, str],
                           at: datetime) -> bool:
        """Accept the sender of a linked notification as involved; False if already done or
        if the acceptor is the sender itself (no agency vouches for its own involvement)."""
        link = next((n for n in self.notifications
                     if n["notification_id"] == notification_id), None)
        if link is None:
            raise RuleViolation("this notification does not name this person")
        if link["agency"] == by.get("agency") or any(
                a["notification_id"] == notification_id for a in self.accepted):
            return False
        self._accept_involvement(link["agency"], notification_id, link["received_at"], by, at)
        return True

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return list(self._accepted)

    @accepted.setter
    def accepted(self, value: list[dict[str, Any]]) -> None:
        self._accepted = value

    def involved(self, agency: str, at: datetime) -> bool:
        """The agency sent something about this person within the involvement window, and an
        independent team had taken it up by ``at``. Sending alone makes an agency the owner
        of what it sent, never "involved" with what others hold."""
        return any(a["agency"] == agency and a["accepted_at"] <= at
                   and at - INVOLVEMENT_WINDOW <= a["received_at"] <= at
                   for a in self.accepted)

    class SchoolRecorded(Aggregate.Event):
        """The child's school from an authoritative source (the local authority's roll)."""

        class_version = 1
        urn: str | None
        source: str
        recorded_by: dict[str, str]
        recorded_at: datetime

    @event(SchoolRecorded)
    def _record_school(self, urn: str | None, source: str, recorded_by: dict[str, str],
                       recorded_at: datetime) -> None:
        self.roll = [*self.roll, {"urn": urn, "source": source, "recorded_by": recorded_by,
                                  "recorded_at": recorded_at}]

    def record_school(self, urn: str | None, source: str, by: dict[str, str],
                      at: datetime) -> None:
        if not self.is_child:
            raise RuleViolation("only a child has a school")
        self._record_school(urn, source, by, at)

    @property
    def roll(self) -> list[dict[str, Any]]:
        return list(self._roll)

    @roll.setter
    def roll(self, value: list[dict[str, Any]]) -> None:
        self._roll = value

    def school_at(self, at: datetime, authoritative: Callable[[str], bool]) -> str | None:
        """The child's school at ``at``: the latest entry on the local authority's roll; with
        none, the first school an authoritative sender (``authoritative(agency)``: the police)
        named. A later, different naming (by a school about itself, or by another force) is a
        claim (``school_claims``) for the MASH to settle on the roll: no sender can move a
        child to another school, or cut its school off, by naming one."""
        rolled = [e for e in self.roll if e["recorded_at"] <= at]
        if rolled:
            urn: str | None = max(rolled, key=lambda e: e["recorded_at"])["urn"]
            return urn
        first = min((n for n in self.notifications
                     if n["received_at"] <= at and n["school_urn"] is not None
                     and authoritative(n["agency"])),
                    key=lambda n: n["received_at"], default=None)
        named: str | None = first["school_urn"] if first is not None else None
        return named

    def on_roll(self, at: datetime) -> bool:
        return any(e["recorded_at"] <= at for e in self.roll)

    def school_claims(self, at: datetime,
                      authoritative: Callable[[str], bool]) -> list[dict[str, Any]]:
        """Schools named by any sender that differ from the school known when it was named,
        and that no later roll entry has settled: for the MASH to reconcile."""
        settled = max((e["recorded_at"] for e in self.roll if e["recorded_at"] <= at),
                      default=None)
        claims = []
        for n in self.notifications:
            urn = n["school_urn"]
            if (urn is None or n["received_at"] > at
                    or (settled is not None and n["received_at"] <= settled)):
                continue
            if self.school_at(n["received_at"], authoritative) != urn:
                claims.append({"notification_id": n["notification_id"], "agency": n["agency"],
                               "school_urn": urn, "received_at": n["received_at"]})
        return claims

    # Merge and split (``domain.merging``): two records of one child made one, and undone ----

    class MergedIn(Aggregate.Event):
        """Another record of this child (``person_id``) was merged into this one: its
        notifications are linked here (each link saying a merge made it), its link keys
        lead here, and those notifications keep their home on that person (its bases, its
        relations, its data key) until a split."""

        class_version = 1
        merge_id: UUID
        person_id: UUID
        notification_ids: list[UUID]
        link_hashes: list[str]
        merged_by: dict[str, str]
        merged_at: datetime

    @event(MergedIn)
    def _merge_in(self, merge_id: UUID, person_id: UUID, notification_ids: list[UUID],
                  link_hashes: list[str], merged_by: dict[str, str],
                  merged_at: datetime) -> None:
        self.link_hashes.extend(h for h in link_hashes if h not in self.link_hashes)
        self.merged_in = [*self.merged_in, {
            "merge_id": merge_id, "person_id": person_id,
            "notification_ids": list(notification_ids), "link_hashes": list(link_hashes),
            "at": merged_at}]
        self._note_correction("merge", merge_id, person_id, merged_by, merged_at,
                              notification_ids)

    class MergedInto(Aggregate.Event):
        """This record was merged into ``survivor_id``: reads of it are reads of the
        survivor's, and new notifications that match it join the survivor."""

        class_version = 1
        merge_id: UUID
        survivor_id: UUID
        merged_by: dict[str, str]
        merged_at: datetime

    @event(MergedInto)
    def _merge_into(self, merge_id: UUID, survivor_id: UUID, merged_by: dict[str, str],
                    merged_at: datetime) -> None:
        self.same_as = survivor_id
        self.merged = {"merge_id": merge_id, "into": survivor_id, "at": merged_at}
        self._note_correction("merged-into", merge_id, survivor_id, merged_by, merged_at,
                              [n["notification_id"] for n in self.notifications])

    class SplitOff(Aggregate.Event):
        """A merge undone on the survivor: the notifications ``returned`` go back to the
        person split off; those ``kept`` stay here, as this child's own."""

        class_version = 1
        merge_id: UUID
        person_id: UUID
        returned: list[UUID]
        kept: list[UUID]
        split_by: dict[str, str]
        split_at: datetime

    @event(SplitOff)
    def _split_off(self, merge_id: UUID, person_id: UUID, returned: list[UUID],
                   kept: list[UUID], split_by: dict[str, str], split_at: datetime) -> None:
        merge = next(m for m in self.merged_in if m["merge_id"] == merge_id)
        self.merged_in = [m for m in self.merged_in if m["merge_id"] != merge_id]
        self.notifications = [n for n in self.notifications
                              if n["notification_id"] not in set(returned)]
        self.link_hashes = [h for h in self.link_hashes if h not in merge["link_hashes"]]
        self._note_correction("split", merge_id, person_id, split_by, split_at, returned)

    class SplitFrom(Aggregate.Event):
        """This record, merged into another, stands on its own again with the notifications
        returned to it (those ``kept`` by the survivor are no longer linked here)."""

        class_version = 1
        merge_id: UUID
        survivor_id: UUID
        returned: list[UUID]
        kept: list[UUID]
        split_by: dict[str, str]
        split_at: datetime

    @event(SplitFrom)
    def _split_from(self, merge_id: UUID, survivor_id: UUID, returned: list[UUID],
                    kept: list[UUID], split_by: dict[str, str], split_at: datetime) -> None:
        self.same_as = None
        self.merged = None
        self.notifications = [n for n in self.notifications
                              if n["notification_id"] not in set(kept)]
        self._note_correction("split-from", merge_id, survivor_id, split_by, split_at,
                              returned)

    class ArrivedThroughMerge(Aggregate.Event):
        """A notification that matched the merged person's keys after the merge (and so
        joined this record) came through that merge: its home is that person, and a split
        of the merge sends it back there (its keys said whose it is)."""

        class_version = 1
        merge_id: UUID
        notification_id: UUID

    @event(ArrivedThroughMerge)
    def _arrived_through(self, merge_id: UUID, notification_id: UUID) -> None:
        self.merged_in = [
            {**m, "arrived": [*m.get("arrived", []), notification_id]}
            if m["merge_id"] == merge_id and notification_id not in m.get("arrived", [])
            else m for m in self.merged_in]

    def arrived_through(self, merged: "PersonRecord", notification_id: UUID) -> None:
        """Record that a notification linked here came by ``merged``'s keys (merged in)."""
        merge = next((m for m in self.merged_in if m["person_id"] == merged.id), None)
        if merge is None:
            raise RuleViolation("that record is not merged into this one")
        if notification_id not in merge["notification_ids"] \
                and notification_id not in merge.get("arrived", []):
            self._arrived_through(merge["merge_id"], notification_id)

    def _note_correction(self, kind: str, merge_id: UUID, other: UUID, by: dict[str, str],
                         at: datetime, notification_ids: list[UUID]) -> None:
        self.corrections = [*self.corrections, {
            "kind": kind, "merge_id": merge_id, "other_id": other, "at": at,
            "by": {"agency": by.get("agency", ""), "role": by.get("role", "")},
            "notifications": len(notification_ids)}]

    @property
    def merged_in(self) -> list[dict[str, Any]]:
        """The records merged into this one and not split off again."""
        return list(self._merged_in)

    @merged_in.setter
    def merged_in(self, value: list[dict[str, Any]]) -> None:
        self._merged_in = value

    @property
    def merged(self) -> dict[str, Any] | None:
        """The merge that made this record part of another (into, merge_id, at), if any."""
        return self._merged

    @merged.setter
    def merged(self, value: dict[str, Any] | None) -> None:
        self._merged = value

    @property
    def merged_into(self) -> UUID | None:
        merged = self.merged
        return None if merged is None else UUID(str(merged["into"]))

    @property
    def corrections(self) -> list[dict[str, Any]]:
        """Merges and splits of this record, oldest first (shown in the chronology)."""
        return list(self._corrections)

    @corrections.setter
    def corrections(self, value: list[dict[str, Any]]) -> None:
        self._corrections = value

    def home_of(self, notification_id: UUID) -> UUID:
        """The person whose record a linked notification is judged on: the person merged in
        that it came from (its bases, its relations), or this one."""
        for merge in self.merged_in:
            if notification_id in merge["notification_ids"] \
                    or notification_id in merge.get("arrived", []):
                person: UUID = merge["person_id"]
                return person
        return self.id
