"""Operation Encompass: a school's key adult is told, before the next school day starts, that
one of its pupils was involved in a domestic-abuse incident (Domestic Abuse Act 2021 s49A,
a duty on the police since 7 November 2025, for children aged 4 to 17).

A notice is minimal by construction: it holds the child's name and date of birth, when the
incident happened, whether the child was present, whether a welfare check was made and the
child's words where recorded. It has no field for who else was involved, where, or what
happened, so nothing that reads a notice can pass those on. A home-educated child's notice
goes to the local authority's education officer instead of a school.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import RuleViolation
from domain.identifiers import age_on
from domain.personal import Personal

YOUNGEST = 4
OLDEST = 17
# What a notice says, and nothing else (the test suite checks every endpoint against this).
NOTICE_FIELDS = ("given_name", "family_name", "date_of_birth", "incident_at", "present",
                 "welfare_check", "child_words")


class Recipient(StrEnum):
    SCHOOL = "school"
    LOCAL_AUTHORITY = "local-authority"  # elective home education


class NotIssued(StrEnum):
    """Why a child in a DA incident has no notice; recorded on the DART case."""

    OUT_OF_AGE_RANGE = "out-of-age-range"
    NO_KNOWN_SCHOOL = "no-known-school"
    SCHOOL_NOT_REGISTERED = "school-not-registered"
    NO_EDUCATION_OFFICER = "no-education-officer"


def in_age_range(date_of_birth: date, on: date) -> bool:
    return YOUNGEST <= age_on(date_of_birth, on) <= OLDEST


def notice_school(named: str | None, named_by_authority: bool, known: str | None,
                  on_roll: bool) -> str | None:
    """Where a child's notice goes: the school on the local authority's roll; with none, the
    school the incident names when an authoritative sender (the police) named it, otherwise
    the school known from the police. A school's own claim to a pupil never redirects a
    notice, and nor does a naming that differs from the roll (the MASH settles it)."""
    if on_roll:
        return known
    return named if named is not None and named_by_authority else known


@dataclass(frozen=True)
class Addressee:
    """Where a child's notice goes: a school (by its registered agency and URN), or the local
    authority's education officer for a home-educated child."""

    recipient: Recipient
    agency_id: str
    school_urn: str | None


def addressee(*, home_educated: bool, education_officer: str | None, named_urn: str | None,
              named_by_authority: bool, known_urn: str | None, on_roll: bool,
              school_agency: Callable[[str], str | None]) -> Addressee | NotIssued:
    """Who gets a child's notice, or why no one can: a home-educated child's goes to the
    education officer (if the local authority named one); any other child's to the school
    ``notice_school`` finds, if that school is registered with the hub (``school_agency``
    gives its agency by URN)."""
    if home_educated:
        if education_officer is None:
            return NotIssued.NO_EDUCATION_OFFICER
        return Addressee(Recipient.LOCAL_AUTHORITY, education_officer, None)
    urn = notice_school(named_urn, named_by_authority, known_urn, on_roll)
    if urn is None:
        return NotIssued.NO_KNOWN_SCHOOL
    agency = school_agency(urn)
    if agency is None:
        return NotIssued.SCHOOL_NOT_REGISTERED
    return Addressee(Recipient.SCHOOL, agency, urn)


class WordsWithheld(StrEnum):
    """Why the words written for the school were kept back (the DART is told)."""

    NAMES_ANOTHER_SUBJECT = "names-another-subject"
    NAMES_THE_LOCATION = "names-the-location"


# Words of an address that say nothing of where on their own.
_ADDRESS_WORDS = frozenset({
    "road", "street", "close", "avenue", "lane", "drive", "way", "court", "crescent", "place",
    "grove", "gardens", "terrace", "walk", "square", "view", "hill", "park", "flat", "house",
    "the", "and", "of", "at", "in", "on", "rd", "st", "ave", "ln", "dr", "ct",
})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Long enough that finding it inside run-together text is not chance.
_RUN_TOGETHER = 4


def _plain(text: str) -> str:
    """Text as it reads: compatibility forms folded (full-width letters), accents and
    invisible characters dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed
                   if unicodedata.category(ch) not in ("Mn", "Me", "Cf"))
    return kept.casefold()


def _words(text: str) -> list[str]:
    return _WORD.findall(_plain(text))


def _said(words: list[str], part: str, joined: str) -> bool:
    """A name or place word said as a word, or run together or spelled out (R.i.c.k)."""
    return part in words or (len(part) >= _RUN_TOGETHER and part in joined)


def check_words_for_school(words: str, other_names: list[str], location: str | None,
                           postcodes: list[str]) -> WordsWithheld | None:
    """Whether text written for a school names another person of the incident or where it
    happened (the postcode, a house number with a street, or any distinctive word of the
    address), however it is spelled: in other widths, with accents or invisible characters,
    spaced out or run together. None when it may go. It errs on the side of keeping words
    back: the DART is told and can pass them on by hand."""
    said = _words(words)
    joined = "".join(said)
    for name in other_names:
        if any(_said(said, part, joined) for part in _words(name) if len(part) > 1):
            return WordsWithheld.NAMES_ANOTHER_SUBJECT
    for postcode in postcodes:
        if postcode and "".join(_words(postcode)) in joined:
            return WordsWithheld.NAMES_THE_LOCATION
    if location:
        place = [w for w in _words(location) if w not in _ADDRESS_WORDS]
        distinctive = [w for w in place if not w.isdigit() and len(w) > 2]
        numbers = [w for w in place if w.isdigit()]
        if any(_said(said, w, joined) for w in distinctive):
            return WordsWithheld.NAMES_THE_LOCATION
        if numbers and any(n in said for n in numbers) and any(
                w in said for w in _words(location) if w in _ADDRESS_WORDS):
            return WordsWithheld.NAMES_THE_LOCATION
    return None


def words_for_school(words: str | None, child_names: Iterable[str],
                     incident_names: Iterable[str], location: str | None,
                     postcodes: list[str]) -> tuple[str | None, WordsWithheld | None]:
    """The words the police wrote for the school, unless they name anyone else of the
    incident (any name of ``incident_names`` that is not one of the child's own) or where it
    happened: then none, and why (the DART is told)."""
    if not words:
        return None, None
    own = {name.casefold() for name in child_names}
    others = [name for name in incident_names if name.casefold() not in own]
    withheld = check_words_for_school(words, others, location, postcodes)
    return (None, withheld) if withheld is not None else (words, None)


def words_go_in(spoken_to: bool, only_child: bool) -> bool:
    """A child's words go in their notice when the police spoke to that child, or when the
    child is the only one of the incident (the words can be no one else's)."""
    return spoken_to or only_child


class EncompassNotice(Aggregate):
    """One notice about one child, to one school (or education officer), with its deadline."""

    class Issued(Aggregate.Created):
        class_version = 1
        notification_id: UUID
        child_id: UUID
        recipient: str
        recipient_agency: str
        school_urn: str | None
        due_at: datetime
        issued_at: datetime
        content: dict[str, Any]

    @event(Issued)
    def __init__(self, id: UUID, notification_id: UUID, child_id: UUID, recipient: str,
                 recipient_agency: str, school_urn: str | None, due_at: datetime,
                 issued_at: datetime, content: dict[str, Any]) -> None:
        self.notification_id = notification_id
        self.child_id = child_id
        self.recipient = recipient
        self.recipient_agency = recipient_agency
        self.school_urn = school_urn
        self.due_at = due_at
        self.issued_at = issued_at
        self.content = content
        self.acknowledgement: dict[str, Any] | None = None
        self.escalation: dict[str, Any] | None = None
        self.updates: list[dict[str, Any]] = []  # the police's amendments of what it says
        self.withdrawal: dict[str, Any] | None = None  # withdrawn by the police
        self.redirection: dict[str, Any] | None = None
        self.reissue: dict[str, Any] | None = None

    @classmethod
    def issue(cls, id: UUID, notification_id: UUID, child_id: UUID, recipient: Recipient,
              recipient_agency: str, school_urn: str | None, due_at: datetime,
              issued_at: datetime, identity: dict[str, str], incident_at: datetime,
              present: bool | None, welfare_check: bool | None,
              child_words: str | None) -> "EncompassNotice":
        content: dict[str, Any] = {
            "given_name": Personal(child_id, "given_name", identity["given_name"]),
            "family_name": Personal(child_id, "family_name", identity["family_name"]),
            "date_of_birth": Personal(child_id, "date_of_birth", identity["date_of_birth"]),
            "incident_at": incident_at,
            "present": present,
            "welfare_check": welfare_check,
            "child_words": (Personal(child_id, "child_words", child_words)
                            if child_words else None),
        }
        if set(content) != set(NOTICE_FIELDS):  # the notice's shape is the rule
            raise RuleViolation("an Encompass notice holds only its defined fields")
        return cls(id=id, notification_id=notification_id, child_id=child_id,
                   recipient=recipient.value, recipient_agency=recipient_agency,
                   school_urn=school_urn, due_at=due_at, issued_at=issued_at, content=content)

    class Acknowledged(Aggregate.Event):
        class_version = 1
        by: dict[str, str]
        at: datetime

    @event(Acknowledged)
    def _acknowledge(self, by: dict[str, str], at: datetime) -> None:
        self.acknowledgement = {"by": by, "at": at}

    def acknowledge(self, agency: str, by: dict[str, str], at: datetime) -> None:
        if agency != self.recipient_agency:
            raise RuleViolation("only the notice's recipient may acknowledge it")
        if self.withdrawal is not None:
            raise RuleViolation("this notice has been withdrawn")
        if self.acknowledgement is not None:
            raise RuleViolation("this notice has already been acknowledged")
        self._acknowledge(by, at)

    class Escalated(Aggregate.Event):
        """Not acknowledged by its deadline: passed to the DART coordinator."""

        class_version = 1
        at: datetime

    @event(Escalated)
    def _escalate(self, at: datetime) -> None:
        self.escalation = {"at": at}

    def escalate(self, now: datetime) -> None:
        if not self.overdue(now):
            raise RuleViolation("only an unacknowledged notice past its deadline escalates")
        if self.escalation is not None:
            raise RuleViolation("this notice has already been escalated")
        self._escalate(now)

    def overdue(self, now: datetime) -> bool:
        return self.acknowledgement is None and self.withdrawal is None and now > self.due_at

    # The police's corrections ------------------------------------------------------------

    class Updated(Aggregate.Event):
        """The police amended the incident: the notice says what its new version says (only
        the notice's own fields, as at issue)."""

        class_version = 1
        content: dict[str, Any]
        version: int
        at: datetime

    @event(Updated)
    def _update(self, content: dict[str, Any], version: int, at: datetime) -> None:
        self.content = content
        self.updates = [*self.updates, {"version": version, "at": at}]

    def update(self, content: dict[str, Any], version: int, at: datetime) -> None:
        if set(content) != set(NOTICE_FIELDS):
            raise RuleViolation("an Encompass notice holds only its defined fields")
        if self.withdrawal is not None:
            raise RuleViolation("this notice has been withdrawn")
        self._update(content, version, at)

    class Withdrawn(Aggregate.Event):
        """The police withdrew the incident (or amended it so that this notice is not owed):
        the school is told that the notice was withdrawn, never why, and no longer sees the
        child's name or words."""

        class_version = 1
        at: datetime

    @event(Withdrawn)
    def _withdraw(self, at: datetime) -> None:
        self.withdrawal = {"at": at}

    def withdraw(self, at: datetime) -> None:
        if self.withdrawal is not None:
            raise RuleViolation("this notice has already been withdrawn")
        self._withdraw(at)

    @property
    def acknowledged_late(self) -> bool:
        ack = self.acknowledgement
        return ack is not None and ack["at"] > self.due_at

    # Redirected to the right school (the DART coordinator's correction) ----------------------

    class Redirected(Aggregate.Event):
        """Sent to the wrong school: withdrawn from it and reissued to the right one as
        ``to_notice``. The wrong school's inbox shows only that a notice was withdrawn; the
        reason is sealed under the child's key."""

        class_version = 1
        to_notice: UUID
        to_agency: str
        to_urn: str | None
        reason: Personal
        by: dict[str, str]
        at: datetime

    @event(Redirected)
    def _redirect(self, to_notice: UUID, to_agency: str, to_urn: str | None,
                  reason: Personal, by: dict[str, str], at: datetime) -> None:
        self.redirection = {"to_notice": to_notice, "to_agency": to_agency, "to_urn": to_urn,
                            "reason": reason, "by": by, "at": at}

    @property
    def redirected(self) -> dict[str, Any] | None:
        """Where the notice went instead, and when (None: it stands)."""
        return self.redirection

    def redirect(self, to_notice: UUID, to_agency: str, to_urn: str | None, reason: str,
                 by: dict[str, str], at: datetime) -> None:
        if self.redirected is not None:
            raise RuleViolation("this notice has already been redirected")
        if self.withdrawal is not None:
            raise RuleViolation("the police withdrew this notice: there is nothing to redirect")
        if to_agency == self.recipient_agency:
            raise RuleViolation("the notice is with that school already")
        if not reason:
            raise RuleViolation("a redirection needs its reason")
        self._redirect(to_notice, to_agency, to_urn,
                       Personal(self.child_id, "redirection_reason", reason), by, at)

    class ReissuedFrom(Aggregate.Event):
        """This notice is the right school's copy of ``from_notice``, sent to the wrong one;
        ``original_due`` is the first notice's deadline."""

        class_version = 1
        from_notice: UUID
        original_due: datetime

    @event(ReissuedFrom)
    def record_reissued_from(self, from_notice: UUID, original_due: datetime) -> None:
        self.reissue = {"from_notice": from_notice, "original_due": original_due}

    @property
    def reissued_from(self) -> dict[str, Any] | None:
        return self.reissue


def redirected_due(original_due: datetime, redirected_at: datetime,
                   next_school_day: datetime) -> datetime:
    """A redirected notice keeps the original deadline while it is still ahead; past it, the
    right school has until its next school day starts after the redirection
    (``next_school_day``), and the first notice's deadline stays on record."""
    return original_due if redirected_at < original_due else next_school_day
