"""Notifications and concerns that agencies send to the hub.

A submission is validated here by the rules of the domain (check digits, ages, dates);
its shape (types, unknown fields) is checked by the caller before it gets this far.
"""

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.front_door import CONTACT_TYPES, check_indicators
from domain.identifiers import (
    age_on,
    normalise_name,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    normalise_urn,
)
from domain.indexes import demographic_link, nhs_link, upn_link
from domain.missing_practice import check_missing_from
from domain.personal import Personal
from domain.plausibility import check_born_by, check_date_of_birth, check_past
from domain.text import optional_text

# How far ahead of the hub's clock a sender's clock may run before a time is "in the future".
CLOCK_SKEW = timedelta(minutes=5)
ADULTHOOD = 18
_SOURCE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$")


class NotificationType(StrEnum):
    DOMESTIC_ABUSE_INCIDENT = "domestic_abuse_incident"
    MISSING = "missing"
    FOUND = "found"
    HEALTH_CONCERN = "health_concern"
    SCHOOL_CONCERN = "school_concern"
    POLICE_CONCERN = "police_concern"
    DART_TRIAGE = "dart_triage"
    REFERRAL = "referral"


class SubjectRole(StrEnum):
    CHILD = "child"
    ADULT_VICTIM = "adult_victim"
    PERPETRATOR = "perpetrator"
    PARENT = "parent"
    CARER = "carer"
    OTHER_ADULT = "other_adult"


@dataclass(frozen=True)
class SubjectSubmission:
    """A person named in a notification, as the sender described them."""

    role: SubjectRole
    given_name: str
    family_name: str
    date_of_birth: date | None = None
    nhs_number: str | None = None
    upn: str | None = None
    school_urn: str | None = None
    postcode: str | None = None
    present: bool | None = None
    spoken_to: bool | None = None
    pregnant: bool | None = None
    home_educated: bool | None = None

    @property
    def is_child(self) -> bool:
        return self.role is SubjectRole.CHILD

    def identity(self) -> dict[str, str]:
        """The personal identity fields that were given, as strings."""
        values = {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "nhs_number": self.nhs_number,
            "upn": self.upn,
            "postcode": self.postcode,
        }
        return {k: v for k, v in values.items() if v is not None}

    def link_keys(self) -> list[str]:
        """Keys on which this person matches an existing record, strongest first.

        An identifier matches exactly; otherwise name, date of birth and postcode together.
        The caller hashes these with a secret key before they are stored or looked up.
        """
        keys = []
        if self.nhs_number:
            keys.append(nhs_link(self.nhs_number))
        if self.upn:
            keys.append(upn_link(self.upn))
        if self.date_of_birth and self.postcode:
            keys.append(demographic_link(self.given_name, self.family_name,
                                         self.date_of_birth.isoformat(), self.postcode))
        return keys


@dataclass(frozen=True)
class DashAssessment:
    """The DASH risk checklist as sent: a count of "yes" answers, or the 24 answers."""

    yes_count: int
    answers: tuple[bool, ...] | None = None


@dataclass(frozen=True)
class EpisodeReport:
    """What a 'missing' or 'found' report says of the episode."""

    type: str | None = None  # a 'missing' report: missing (whereabouts unknown) or away
    left_at: datetime | None = None
    last_seen_at: datetime | None = None
    ended: str | None = None  # a 'found' report: found or returned
    # Either report: where the child went missing from (home, care or education:
    # domain/missing_practice.py) and, from care, the local authority that placed them.
    missing_from: str | None = None
    placing_authority: str | None = None


@dataclass(frozen=True)
class DetailsSubmission:
    summary: str | None = None
    location: str | None = None
    child_words: str | None = None
    # Text entered for the school (the Encompass notice's child's words): its own field, so
    # what the police record holds never reaches a school by being copied.
    words_for_school: str | None = None
    welfare_check: bool | None = None
    dash: DashAssessment | None = None
    # The location must be protected (a refuge, a reporting neighbour's address).
    location_sensitive: bool | None = None
    episode: EpisodeReport | None = None
    # Immediate-referral indicators (Family Support Pathway) a contact or referral names.
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationSubmission:
    """A notification or concern as an agency sent it, before the hub has linked anyone."""

    type: NotificationType
    source_ref: str
    occurred_at: datetime
    subjects: tuple[SubjectSubmission, ...]
    details: DetailsSubmission = field(default_factory=DetailsSubmission)
    # The sender's version of this notification (1 unless it says): a record with the same
    # source_ref and a higher version is an amendment.
    version: int = 1


class WithdrawalReason(StrEnum):
    """Why a sender withdrew a notification: kept in clear (the words are sealed)."""

    SENT_IN_ERROR = "sent-in-error"
    WRONG_PERSON = "wrong-person"
    DUPLICATE = "duplicate"
    NOT_A_CONCERN = "not-a-concern"
    OTHER = "other"


@dataclass(frozen=True)
class WithdrawalSubmission:
    """A withdrawal as a record on an agency's topic carries it (``withdrawn: true``)."""

    source_ref: str
    reason_code: str
    reason: str | None = None


class StaleVersion(RuleViolation):
    """An amendment that is not newer than the version the hub holds."""


MAX_VERSION = 1_000_000


def validate_subject(subject: SubjectSubmission, index: int, occurred_at: datetime,
                     today: date) -> SubjectSubmission:
    """Apply the identifier and age rules to one subject; return it in canonical form."""
    where = f"subjects[{index}]"
    dob = subject.date_of_birth
    if dob is not None:
        check_date_of_birth(dob, f"{where}.date_of_birth", today)
        check_born_by(occurred_at.date(), "occurred_at", dob, f"{where}.date_of_birth")
    if subject.is_child:
        if dob is None:
            raise InvalidContent(f"{where}.date_of_birth", "is required for a child")
        if age_on(dob, occurred_at.date()) >= ADULTHOOD:
            raise InvalidContent(f"{where}.date_of_birth", "a child must be under 18")
    elif subject.school_urn is not None:
        raise InvalidContent(f"{where}.school_urn", "only a child has a school")
    elif subject.home_educated is not None:
        raise InvalidContent(f"{where}.home_educated", "only a child is home educated")
    if subject.home_educated and subject.school_urn is not None:
        raise InvalidContent(f"{where}.home_educated", "a home-educated child has no school")
    return SubjectSubmission(
        role=subject.role,
        given_name=normalise_name(subject.given_name, f"{where}.given_name"),
        family_name=normalise_name(subject.family_name, f"{where}.family_name"),
        date_of_birth=dob,
        nhs_number=(normalise_nhs_number(subject.nhs_number, f"{where}.nhs_number")
                    if subject.nhs_number is not None else None),
        upn=normalise_upn(subject.upn, f"{where}.upn") if subject.upn is not None else None,
        school_urn=(normalise_urn(subject.school_urn, f"{where}.school_urn")
                    if subject.school_urn is not None else None),
        postcode=(normalise_postcode(subject.postcode, f"{where}.postcode")
                  if subject.postcode is not None else None),
        present=subject.present,
        spoken_to=subject.spoken_to,
        pregnant=subject.pregnant,
        home_educated=subject.home_educated,
    )


def _check_who(submission: NotificationSubmission) -> None:
    """Whom a notification is about: a child; a domestic-abuse incident may name adults
    alone (adult victims, a pregnant woman: the DART's too), but someone its work is about,
    whom its reads and audit entries name."""
    if not submission.subjects:
        raise InvalidContent("subjects", "at least one subject is required")
    if any(s.is_child for s in submission.subjects):
        return
    if submission.type is not NotificationType.DOMESTIC_ABUSE_INCIDENT:
        raise InvalidContent("subjects", "at least one subject must be a child")
    if not any(_holder_rank(s.role.value, bool(s.pregnant)) < 3 for s in submission.subjects):
        raise InvalidContent("subjects", "at least one subject must be a child, an adult "
                                         "victim or a pregnant woman who is not the "
                                         "perpetrator")


def validate_submission(submission: NotificationSubmission,
                        now: datetime) -> NotificationSubmission:
    """Apply the domain's rules; return the submission with identifiers in canonical form."""
    if not _SOURCE_REF_RE.fullmatch(submission.source_ref):
        raise InvalidContent("source_ref", "must be 1-64 letters, digits or . _ / : -")
    occurred_at = check_past(submission.occurred_at, "occurred_at", now, CLOCK_SKEW)
    _check_who(submission)
    dash = submission.details.dash
    if dash is not None:
        if not 0 <= dash.yes_count <= 24:
            raise InvalidContent("details.dash.yes_count", "must be between 0 and 24")
        if dash.answers is not None:
            if len(dash.answers) != 24:
                raise InvalidContent("details.dash.answers", "must hold 24 answers")
            if sum(dash.answers) != dash.yes_count:
                raise InvalidContent("details.dash.yes_count", "must equal the yes answers")
    subjects = tuple(
        validate_subject(s, i, submission.occurred_at, now.date())
        for i, s in enumerate(submission.subjects)
    )
    episode = _validate_episode(submission.type, submission.details.episode, now)
    if episode is not None and submission.details.episode is not None:
        for name in ("left_at", "last_seen_at"):
            sent: datetime | None = getattr(submission.details.episode, name)
            for index, subject in enumerate(subjects):
                if sent is not None and subject.date_of_birth is not None:
                    # The day as the sender wrote it, as for occurred_at.
                    check_born_by(sent.date(), f"details.episode.{name}",
                                  subject.date_of_birth, f"subjects[{index}].date_of_birth")
    indicators: tuple[str, ...] = ()
    if submission.details.indicators:
        if submission.type.value not in CONTACT_TYPES:
            raise InvalidContent("details.indicators", "belong to a referral or a concern")
        indicators = tuple(i.value for i in check_indicators(
            list(submission.details.indicators),
            [s.date_of_birth for s in subjects if s.is_child and s.date_of_birth],
            submission.occurred_at.date()))
    return NotificationSubmission(
        type=submission.type,
        source_ref=submission.source_ref,
        occurred_at=occurred_at,
        subjects=subjects,
        details=replace(submission.details, episode=episode, indicators=indicators),
        version=_check_version(submission.version),
    )


def _check_version(version: int) -> int:
    if not 1 <= version <= MAX_VERSION:
        raise InvalidContent("version", f"must be between 1 and {MAX_VERSION}")
    return version


_EPISODE_TYPES = {"missing": ("missing", "away"), "found": ("found", "returned")}


def _validate_episode(kind: "NotificationType", report: EpisodeReport | None,
                      now: datetime) -> EpisodeReport | None:
    """A missing report says missing or away (missing if not said); a found report, found or
    returned (found if not said); either may say when the child left and was last seen."""
    if kind.value not in _EPISODE_TYPES:
        if report is not None:
            raise InvalidContent("details.episode", "belongs to a missing or found report")
        return None
    report = report or EpisodeReport()
    where, placed = check_missing_from(report.missing_from, report.placing_authority,
                                       "details.episode")
    times: dict[str, Any] = {"missing_from": where.value if where else None,
                             "placing_authority": placed}
    for name in ("left_at", "last_seen_at"):
        value = getattr(report, name)
        if value is not None:
            value = check_past(value, f"details.episode.{name}", now, CLOCK_SKEW)
        times[name] = value
    if kind.value == "missing":
        if report.ended is not None:
            raise InvalidContent("details.episode.ended", "belongs to a found report")
        if (report.type or "missing") not in _EPISODE_TYPES["missing"]:
            raise InvalidContent("details.episode.type", "must be missing or away")
        return EpisodeReport(type=report.type or "missing", ended=None, **times)
    if report.type is not None:
        raise InvalidContent("details.episode.type", "belongs to a missing report")
    if (report.ended or "found") not in _EPISODE_TYPES["found"]:
        raise InvalidContent("details.episode.ended", "must be found or returned")
    return EpisodeReport(type=None, ended=report.ended or "found", **times)


class Notification(Aggregate):
    """A notification or concern received from an agency, as stored by the hub.

    Subjects are linked to person records (``person_id``); their identity fields and the
    free text are ``Personal`` values held for the person they concern.
    """

    class Received(Aggregate.Created):
        """v2: the sender's version of what it sent (v1 reads as version 1)."""

        class_version = 2
        notification_type: str
        source_agency: str
        source_ref: str
        occurred_at: datetime
        received_at: datetime
        submitted_by: str
        subjects: list[dict[str, Any]]
        details: dict[str, Any]
        notification_version: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["notification_version"] = 1

    @event(Received)
    def __init__(
        self,
        id: UUID,
        notification_type: str,
        source_agency: str,
        source_ref: str,
        occurred_at: datetime,
        received_at: datetime,
        submitted_by: str,
        subjects: list[dict[str, Any]],
        details: dict[str, Any],
        notification_version: int = 1,
    ) -> None:
        self.notification_type = notification_type
        self.source_agency = source_agency
        self.source_ref = source_ref
        self.occurred_at = occurred_at
        self.received_at = received_at
        self.submitted_by = submitted_by
        self.subjects = subjects
        self.details = details
        # The sender's version (the aggregate's own ``version`` counts its events).
        self.notification_version = notification_version
        self.restrictions: list[dict[str, Any]] = []
        self._history: list[dict[str, Any]] = []
        self._amended: tuple[datetime, str] | None = None
        self._withdrawal: dict[str, Any] | None = None

    class RestrictionChanged(Aggregate.Event):
        """Version 2 holds the reason sealed for the record's first child (erasing the child
        erases it); version 1 held it in clear and is read as it was written."""

        class_version = 2
        restricted: bool
        reason: Personal | str
        changed_at: datetime
        changed_by: dict[str, str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Same fields: only new reasons are sealed (an upcaster has no key to seal)."""

    @event(RestrictionChanged)
    def _change_restriction(self, restricted: bool, reason: Personal | str, changed_at: datetime,
                            changed_by: dict[str, str]) -> None:
        self.restrictions.append({"restricted": restricted, "reason": reason,
                                  "changed_at": changed_at, "changed_by": changed_by})

    def restrict(self, restricted: bool, reason: str, agency: str, at: datetime,
                 by: dict[str, str]) -> None:
        """Only the owning agency marks its record restricted (summary-only to others)."""
        if agency != self.source_agency:
            raise RuleViolation("only the agency that sent a record may restrict it")
        if not reason.strip():
            raise InvalidContent("reason", "is required")
        if self.restricted_at(at) == restricted:
            raise RuleViolation("the record is already " +
                                ("restricted" if restricted else "unrestricted"))
        holder = self.about
        self._change_restriction(restricted, Personal(holder, "restriction_reason",
                                                      reason.strip()[:500]), at, by)

    def restricted_at(self, at: datetime) -> bool:
        state = False
        for change in self.restrictions:
            if change["changed_at"] <= at:
                state = change["restricted"]
        return state

    @classmethod
    def receive(
        cls,
        id: UUID,
        submission: NotificationSubmission,
        source_agency: str,
        submitted_by: str,
        person_ids: list[UUID],
        received_at: datetime,
        linked_to: UUID | None = None,
        content_class: str | None = None,
    ) -> "Notification":
        """Record a validated submission whose subjects are linked to ``person_ids``."""
        subjects, details = _recorded(submission, person_ids, linked_to, content_class)
        return cls(
            id=id,
            notification_type=submission.type.value,
            source_agency=source_agency,
            source_ref=submission.source_ref,
            occurred_at=submission.occurred_at,
            received_at=received_at,
            submitted_by=submitted_by,
            subjects=subjects,
            details=details,
            notification_version=submission.version,
        )

    # Corrections by the sender -----------------------------------------------------------

    class Amended(Aggregate.Event):
        """The sending agency corrected what it sent: ``version`` replaces when it happened,
        the people named and the details (each personal value sealed for its person, as at
        intake); what it said before stays, as the record's history."""

        class_version = 1
        notification_version: int
        occurred_at: datetime
        subjects: list[dict[str, Any]]
        details: dict[str, Any]
        amended_at: datetime
        amended_by: str

    @event(Amended)
    def _amend(self, notification_version: int, occurred_at: datetime,
               subjects: list[dict[str, Any]], details: dict[str, Any], amended_at: datetime,
               amended_by: str) -> None:
        self.history = [*self.history, self._current()]
        self.notification_version = notification_version
        self.occurred_at = occurred_at
        self.subjects = subjects
        self.details = details
        self.amended = (amended_at, amended_by)

    def _current(self) -> dict[str, Any]:
        at, by = self.amended or (self.received_at, self.submitted_by)
        return {"version": self.notification_version, "occurred_at": self.occurred_at,
                "subjects": self.subjects, "details": self.details, "at": at, "by": by}

    @property
    def history(self) -> list[dict[str, Any]]:
        """The versions this one replaced, oldest first (each as ``versions`` gives it)."""
        return list(self._history)

    @history.setter
    def history(self, value: list[dict[str, Any]]) -> None:
        self._history = value

    @property
    def amended(self) -> tuple[datetime, str] | None:
        """When, and by whom, the current version was sent, if it is an amendment."""
        return self._amended

    @amended.setter
    def amended(self, value: tuple[datetime, str] | None) -> None:
        self._amended = value

    def versions(self) -> list[dict[str, Any]]:
        """Every version, oldest first, the current last: version, occurred_at, subjects,
        details, when and by whom it was sent."""
        return [*self.history, self._current()]

    def check_sender(self, agency: str) -> None:
        """Only the agency that sent a notification corrects it."""
        if agency != self.source_agency:
            raise NotPermitted("only the agency that sent a notification may amend or "
                               "withdraw it")

    def amend(self, submission: NotificationSubmission, person_ids: list[UUID], agency: str,
              by: str, at: datetime) -> None:
        """A new version from the sender: newer than the one held, of the same type and
        reference, while the notification stands; its people already linked (by the same
        rules as the intake) to ``person_ids``."""
        self.check_sender(agency)
        if self.withdrawal is not None:
            raise RuleViolation("this notification has been withdrawn: send a new one")
        if submission.version <= self.notification_version:
            raise StaleVersion(f"version {submission.version} is not newer than version "
                               f"{self.notification_version}, the one held")
        if submission.type.value != self.notification_type:
            raise InvalidContent("type", "an amendment keeps the notification's type "
                                         "(withdraw it and send another)")
        if submission.source_ref != self.source_ref:
            raise InvalidContent("source_ref", "an amendment keeps the notification's "
                                               "source_ref")
        if self.details.get("episode") is not None and (
                _episode(submission) != self.details["episode"]
                or list(person_ids) != self.person_ids):
            raise RuleViolation("a missing episode (its times, its child) is corrected by the "
                                "missing team, not by amending the report")
        subjects, details = _recorded(submission, person_ids, self.details.get("linked_to"),
                                      self.details.get("content_class"))
        self._amend(submission.version, submission.occurred_at, subjects, details, at, by)

    class Withdrawn(Aggregate.Event):
        """The sending agency withdrew the notification: the reason's code in clear, its
        words (if any) sealed for the record's first child."""

        class_version = 1
        reason_code: str
        reason: Personal | None
        withdrawn_at: datetime
        withdrawn_by: str

    @event(Withdrawn)
    def _withdraw(self, reason_code: str, reason: Personal | None, withdrawn_at: datetime,
                  withdrawn_by: str) -> None:
        self.withdrawal = {"reason_code": reason_code, "reason": reason, "at": withdrawn_at,
                           "by": withdrawn_by}

    @property
    def withdrawal(self) -> dict[str, Any] | None:
        return self._withdrawal

    @withdrawal.setter
    def withdrawal(self, value: dict[str, Any] | None) -> None:
        self._withdrawal = value

    def withdraw(self, code: WithdrawalReason, reason: str | None, agency: str, by: str,
                 at: datetime) -> None:
        """Withdraw with a reason: a code, and words (required with ``other``)."""
        self.check_sender(agency)
        if self.withdrawal is not None:
            raise RuleViolation("this notification has already been withdrawn")
        if self.details.get("episode") is not None:
            raise RuleViolation("a missing or found report is corrected by the missing team, "
                                "not withdrawn")
        words = optional_text(reason, "reason", most=1000)
        if code is WithdrawalReason.OTHER and words is None:
            raise InvalidContent("reason", "is required with the reason code other")
        holder = self.about
        self._withdraw(code.value, Personal(holder, "withdrawal_reason", words)
                       if words is not None else None, at, by)

    @property
    def child_ids(self) -> list[UUID]:
        return [s["person_id"] for s in self.subjects if s["role"] == SubjectRole.CHILD.value]

    @property
    def person_ids(self) -> list[UUID]:
        return [s["person_id"] for s in self.subjects]

    @property
    def about(self) -> UUID:
        """The person whose key holds this record's free text (its summary, and the words of
        a restriction or a withdrawal): the first child named; in an incident naming no child,
        the first adult victim, else the first pregnant woman who is not the perpetrator."""
        return _text_holder([(s["role"], bool(s.get("pregnant")), s["person_id"])
                             for s in self.subjects])


def _episode(submission: NotificationSubmission) -> dict[str, Any] | None:
    e = submission.details.episode
    if e is None:
        return None
    return {"type": e.type, "left_at": e.left_at, "last_seen_at": e.last_seen_at,
            "ended": e.ended,
            **({"missing_from": e.missing_from, "placing_authority": e.placing_authority}
               if e.missing_from else {})}  # as stored before where from was said


def _holder_rank(role: str, pregnant: bool) -> int:
    """Whose key holds a notification's free text: a child, an adult victim, a pregnant
    woman (not the perpetrator), anyone named (in that order)."""
    if role == SubjectRole.CHILD.value:
        return 0
    if role == SubjectRole.ADULT_VICTIM.value:
        return 1
    return 2 if pregnant and role != SubjectRole.PERPETRATOR.value else 3


def _text_holder(named: list[tuple[str, bool, UUID]]) -> UUID:
    """The first person of the best rank: ``named`` is (role, pregnant, person id)."""
    return min(enumerate(named), key=lambda n: (_holder_rank(n[1][0], n[1][1]), n[0]))[1][2]


def _recorded(submission: NotificationSubmission, person_ids: list[UUID],
              linked_to: UUID | None, content_class: str | None,
              ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A validated submission's subjects (linked to ``person_ids``) and details as a
    notification holds them, each personal value sealed for the person it concerns."""
    subjects: list[dict[str, Any]] = []
    for subject, person_id in zip(submission.subjects, person_ids, strict=True):
        subjects.append({
            "person_id": person_id,
            "role": subject.role.value,
            "identity": {k: Personal(person_id, k, v) for k, v in subject.identity().items()},
            "school_urn": subject.school_urn,
            "present": subject.present,
            "spoken_to": subject.spoken_to,
            "pregnant": subject.pregnant,
            "home_educated": subject.home_educated,
        })
    # Free text is held for the first child named (erasing that child erases it); in a
    # domestic-abuse incident naming no child, for the first adult victim, else the first
    # pregnant woman, else the first person named.
    holder = _text_holder([(s.role.value, bool(s.pregnant), p)
                           for s, p in zip(submission.subjects, person_ids, strict=True)])
    d = submission.details
    details: dict[str, Any] = {
        "welfare_check": d.welfare_check,
        "location_sensitive": bool(d.location_sensitive),
        "dash": ({"yes_count": d.dash.yes_count,
                  "answers": list(d.dash.answers) if d.dash.answers else None}
                 if d.dash else None),
    }
    for name in ("summary", "location", "child_words", "words_for_school"):
        text = getattr(d, name)
        details[name] = Personal(holder, name, text) if text is not None else None
    if d.episode is not None:
        details["episode"] = _episode(submission)
    if d.indicators:
        details["indicators"] = list(d.indicators)
    if linked_to is not None:  # a referral made from another record (a DA incident)
        details["linked_to"] = linked_to
    if content_class is not None:  # its text was copied from a record of that class
        details["content_class"] = content_class
    return subjects, details
