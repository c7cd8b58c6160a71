"""The relay's records of corrections (``adapters.kafka_relay`` publishes them): a notification
amended or withdrawn by its sender, what followed it (the DART case, the Encompass notices,
the MASH contact, a MARAC referral flagged for review), and two records of one child merged
or split.

As every record of the relay: ids, types, codes, agencies and times, never a name, a date of
birth or free text (a withdrawal's words, a merge's reason). A code goes out only when it is
one of the enumerated codes; anything else goes out as None.

``schools.encompass.v1`` is read by every school: a school losing a notice is told only that it
was withdrawn (its id, the school, when), whether the police withdrew it or the DART
coordinator redirected it to another school; the other school is rung as for any new notice
(the reissued notice is issued, so ``encompass.notice`` goes out for it).
"""

from collections.abc import Iterator
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.dart import DartCase
from domain.encompass import EncompassNotice
from domain.front_door import MashContact
from domain.marac import MaracReferral, ReviewReason
from domain.notifications import Notification, SubjectRole, WithdrawalReason
from domain.people import PersonRecord
from hub.followed_corrections import WITHDRAWN_BY_SENDER

EVENTS_TOPIC = "hub.events.v1"
ENCOMPASS_TOPIC = "schools.encompass.v1"

A = TypeVar("A", bound=Aggregate)
Record = tuple[str, str, dict[str, Any]]
# The codes a MASH contact is closed with (the only one, so far).
CLOSURE_CODES = frozenset({WITHDRAWN_BY_SENDER})


class Find(Protocol):
    """The aggregate of that kind as stored (None: not held), for a record that names what
    its event does not carry (a notice's school, a notification's agency and children)."""

    def __call__(self, aggregate_id: UUID, kind: type[A], /) -> A | None: ...


def find_nothing(_aggregate_id: UUID, _kind: type[A], /) -> A | None:
    """Nothing held (the records then name only what their events carry)."""
    return None


def code(value: object, codes: frozenset[str] | type[Any]) -> str | None:
    """``value`` if it is one of ``codes`` (a set, or a StrEnum), else None: never free text."""
    known = codes if isinstance(codes, frozenset) else frozenset(c.value for c in codes)
    return value if isinstance(value, str) and value in known else None


def corrections(event: object, base: dict[str, str], find: Find) -> Iterator[Record]:
    yield from _notification(event, base, find)
    yield from _encompass(event, base, find)
    yield from _dart(event, base)
    yield from _marac(event, base, find)
    yield from _people(event, base)
    if isinstance(event, MashContact.Closed):
        yield EVENTS_TOPIC, str(event.originator_id), {
            **base, "event_type": "mash.contact-closed", "contact_id": str(event.originator_id),
            "reason": code(event.reason, CLOSURE_CODES), "at": event.at.isoformat()}


def _children(subjects: list[dict[str, Any]]) -> list[UUID]:
    return list(dict.fromkeys(s["person_id"] for s in subjects
                              if s["role"] == SubjectRole.CHILD.value))


def _named_before(held: Notification | None, version: int) -> list[UUID]:
    """The children the version before ``version`` named (none known: [])."""
    versions = held.versions() if held is not None else []
    at = next((i for i, v in enumerate(versions) if v["version"] == version), 0)
    return _children(versions[at - 1]["subjects"]) if at > 0 else []


def _notification(event: object, base: dict[str, str], find: Find) -> Iterator[Record]:
    if not isinstance(event, Notification.Amended | Notification.Withdrawn):
        return
    held = find(event.originator_id, Notification)
    common = {**base, "notification_id": str(event.originator_id),
              "agency": held.source_agency if held is not None else None}
    if isinstance(event, Notification.Amended):
        # One record per child it names now, and one per child it no longer names (``named``
        # false), so each child's partition hears of it.
        # A domestic-abuse incident naming adults alone, before and after: one record, keyed
        # by the incident, naming no child.
        now = _children(event.subjects)
        gone = [c for c in _named_before(held, event.notification_version) if c not in now]
        told: list[tuple[UUID | None, bool]] = [*((c, True) for c in now),
                                                *((c, False) for c in gone)]
        for child_id, named in told or [(None, False)]:
            yield EVENTS_TOPIC, str(child_id or event.originator_id), {
                **common, "event_type": "notification.amended",
                "child_id": str(child_id) if child_id else None,
                "named": named, "version": event.notification_version,
                "occurred_at": event.occurred_at.isoformat(),
                "at": event.amended_at.isoformat()}
        return
    children: list[UUID | None] = list(held.child_ids) if held is not None else []
    for child in children or [None]:
        yield EVENTS_TOPIC, str(child or event.originator_id), {
            **common, "event_type": "notification.withdrawn",
            "child_id": str(child) if child else None,
            "reason_code": code(event.reason_code, WithdrawalReason),
            "at": event.withdrawn_at.isoformat()}


def _encompass(event: object, base: dict[str, str], find: Find) -> Iterator[Record]:
    if not isinstance(event, EncompassNotice.Updated | EncompassNotice.Withdrawn
                      | EncompassNotice.Redirected):
        return
    notice = find(event.originator_id, EncompassNotice)
    key = str(notice.child_id if notice is not None else event.originator_id)
    notice_key = str(event.originator_id)
    school = {**base, "notice_id": notice_key,
              "recipient": notice.recipient if notice is not None else None,
              "recipient_agency": notice.recipient_agency if notice is not None else None,
              "school_urn": notice.school_urn if notice is not None else None}
    child = {"child_id": str(notice.child_id) if notice is not None else None}
    at = event.at.isoformat()
    if isinstance(event, EncompassNotice.Updated):
        updated = {**school, "event_type": "encompass.updated", "version": event.version,
                   "due_at": notice.due_at.isoformat() if notice is not None else None,
                   "at": at}
        yield ENCOMPASS_TOPIC, notice_key, updated
        yield EVENTS_TOPIC, key, {**updated, **child}
        return
    # Withdrawn or redirected away: to the school that had it, the same record either way.
    yield ENCOMPASS_TOPIC, notice_key, {**school, "event_type": "encompass.withdrawn", "at": at}
    if isinstance(event, EncompassNotice.Withdrawn):
        yield EVENTS_TOPIC, key, {**school, **child, "event_type": "encompass.withdrawn",
                                  "at": at}
    else:
        yield EVENTS_TOPIC, key, {
            **school, **child, "event_type": "encompass.redirected",
            "to_notice": str(event.to_notice), "to_agency": event.to_agency,
            "to_urn": event.to_urn, "at": at}


def _dart(event: object, base: dict[str, str]) -> Iterator[Record]:
    if not isinstance(event, DartCase.Retriaged | DartCase.IncidentAmended
                      | DartCase.IncidentWithdrawn):
        return
    value: dict[str, Any] = {**base, "case_id": str(event.originator_id)}
    if isinstance(event, DartCase.Retriaged):
        value.update(
            event_type="dart.retriaged", level=event.level,
            previous_level=event.previous.get("level"), direction=event.direction,
            actions=list(event.actions), flags=list(event.flags),
            marac_referral=str(event.marac_referral) if event.marac_referral else None,
            mash_referral=str(event.mash_referral) if event.mash_referral else None)
    elif isinstance(event, DartCase.IncidentAmended):
        value.update(event_type="dart.incident-amended", version=event.version,
                     changed=list(event.changed))
    else:
        value.update(event_type="dart.incident-withdrawn")
    yield EVENTS_TOPIC, str(event.originator_id), {**value, "at": event.at.isoformat()}


def _marac(event: object, base: dict[str, str], find: Find) -> Iterator[Record]:
    if not isinstance(event, MaracReferral.CriteriaNoLongerMet | MaracReferral.IncidentWithdrawn):
        return
    referral = find(event.originator_id, MaracReferral)
    named: list[UUID | None] = list(referral.child_ids) if referral is not None else []
    if isinstance(event, MaracReferral.CriteriaNoLongerMet):
        reason, level, agency = (ReviewReason.CRITERIA_NO_LONGER_MET.value, event.level,
                                 event.by.get("agency"))
    else:
        reason, level, agency = ReviewReason.INCIDENT_WITHDRAWN.value, None, event.agency
    for child in named or [None]:
        yield EVENTS_TOPIC, str(child or event.originator_id), {
            **base, "event_type": "marac.review", "referral_id": str(event.originator_id),
            "child_id": str(child) if child else None, "reason": reason,
            "level": level, "by_agency": agency, "at": event.at.isoformat()}


def _people(event: object, base: dict[str, str]) -> Iterator[Record]:
    """On the survivor's record (its ``MergedIn`` and ``SplitOff``): one record keyed by each
    of the two children."""
    if isinstance(event, PersonRecord.MergedIn):
        value: dict[str, Any] = {
            **base, "event_type": "child.merged", "merge_id": str(event.merge_id),
            "survivor_id": str(event.originator_id), "merged_id": str(event.person_id),
            "notification_ids": [str(n) for n in event.notification_ids],
            "at": event.merged_at.isoformat()}
    elif isinstance(event, PersonRecord.SplitOff):
        value = {
            **base, "event_type": "child.split", "merge_id": str(event.merge_id),
            "survivor_id": str(event.originator_id), "merged_id": str(event.person_id),
            "returned": [str(n) for n in event.returned], "kept": [str(n) for n in event.kept],
            "at": event.split_at.isoformat()}
    else:
        return
    for child_id in (event.originator_id, event.person_id):
        yield EVENTS_TOPIC, str(child_id), {**value, "child_id": str(child_id)}
