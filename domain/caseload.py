"""A local authority's open caseload at go-live: the rows of its files, and their rules.

When the hub starts, the local authority already has children on child protection plans, on
child in need plans and in its care, and contacts at its front door (the MASH) not yet
decided. Its case management system exports each as a CSV file, one row per child (per
contact), with the dates their history began, so that the CP-IS flag, the MASH queue, its
clocks and the indicators are true from the first day. Each row names the child as an agency
would (NHS number, names, date of birth, a postcode if known) and carries the authority's own
reference for the case (or contact): with the authority and the kind of file it is the row's
key, so that importing a file again stores nothing twice.

What a row becomes is what the hub already records when social care works a case: an
initial conference with a plan (and a core group, a review), a period in care, a child's level
of need, a concern or referral received at the front door (at the time it was). The rules
here check one row, or the rows of one file together; errors name the column, never the value.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from domain.child_protection import Category
from domain.clocks import Rag
from domain.errors import InvalidContent
from domain.front_door import CONTACT_TYPES, check_indicators
from domain.notifications import (
    NotificationType,
    SubjectRole,
    SubjectSubmission,
    validate_subject,
)
from domain.plausibility import check_day
from domain.timescales import LOCAL, months_before


class CaseloadKind(StrEnum):
    CP_PLANS = "cp-plans"  # children on a child protection plan
    CIN_PLANS = "cin-plans"  # children on a child in need plan (s17)
    LOOKED_AFTER = "looked-after"  # children in the authority's care
    OPEN_CONTACTS = "open-contacts"  # contacts at the front door (the MASH) not yet decided


class LegalStatus(StrEnum):
    """The legal statuses of a looked-after child, as the SSDA903 return codes them."""

    INTERIM_CARE_ORDER = "C1"
    FULL_CARE_ORDER = "C2"
    FREEING_ORDER = "D1"
    PLACEMENT_ORDER = "E1"
    REMANDED = "J1"
    PACE = "J2"
    YOUTH_REHABILITATION_WITH_RESIDENCE = "J3"
    POLICE_PROTECTION = "L1"
    EMERGENCY_PROTECTION_ORDER = "L2"
    CHILD_ASSESSMENT_ORDER = "L3"
    SECTION_20 = "V2"
    SHORT_BREAKS_EPISODES = "V3"
    SHORT_BREAKS_AGREEMENTS = "V4"


# Every file names the child the same way, and the authority's reference for the case.
CHILD_COLUMNS = ("case_ref", "nhs_number", "given_name", "family_name", "date_of_birth")
OPTIONAL_CHILD_COLUMNS = ("postcode",)
REQUIRED: dict[CaseloadKind, tuple[str, ...]] = {
    CaseloadKind.CP_PLANS: (*CHILD_COLUMNS, "plan_start_date", "category"),
    CaseloadKind.CIN_PLANS: (*CHILD_COLUMNS, "plan_start_date"),
    CaseloadKind.LOOKED_AFTER: (*CHILD_COLUMNS, "legal_status", "start_date"),
    CaseloadKind.OPEN_CONTACTS: (*CHILD_COLUMNS, "received_at", "contact_type"),
}
OPTIONAL: dict[CaseloadKind, tuple[str, ...]] = {
    CaseloadKind.CP_PLANS: (*OPTIONAL_CHILD_COLUMNS, "core_group_date", "last_review_date"),
    CaseloadKind.CIN_PLANS: (*OPTIONAL_CHILD_COLUMNS, "last_review_date"),
    CaseloadKind.LOOKED_AFTER: OPTIONAL_CHILD_COLUMNS,
    CaseloadKind.OPEN_CONTACTS: (*OPTIONAL_CHILD_COLUMNS, "indicators", "rag"),
}
# An open contact received longer ago than this is not imported: a contact is decided within
# a working day, so one still open after a year is for the authority to decide or close first.
OPEN_CONTACT_MONTHS = 12
# The immediate-referral indicators in one cell of a row are separated by this.
INDICATOR_SEPARATOR = ";"

# NHS numbers starting 999 are never issued to anyone: test and synthetic data (the hub's own
# simulation uses them). A production store refuses them.
TEST_NHS_PREFIX = "999"

_CASE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$")
_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$")


@dataclass(frozen=True)
class CaseloadRow:
    """One valid row: the child as an agency would name them, and the case's history."""

    line: int
    case_ref: str
    child: SubjectSubmission
    # When the plan or the period in care began (the day's start, in UTC), or when the
    # contact was received (the instant, in UTC).
    start: datetime
    category: Category | None = None
    core_group_at: datetime | None = None
    reviewed_at: datetime | None = None
    legal_status: LegalStatus | None = None
    # An open contact: the notification type it came as, its indicators, its rating if any.
    contact_type: NotificationType | None = None
    indicators: tuple[str, ...] = ()
    rag: Rag | None = None


@dataclass(frozen=True)
class RowError:
    """A row that breaks a rule: its line in the file and the column at fault."""

    line: int
    field: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.rule}"


def check_columns(kind: CaseloadKind, header: Iterable[str]) -> list[str]:
    """The file's columns, tidied; every required one present, none unknown, none twice."""
    columns = [c.strip().lower() for c in header]
    a = "an" if kind.value[0] in "aeiou" else "a"
    missing = [c for c in REQUIRED[kind] if c not in columns]
    if missing:
        raise InvalidContent("columns", f"{a} {kind.value} file needs {', '.join(missing)}")
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InvalidContent("columns", f"not {a} {kind.value} column: {', '.join(unknown)}")
    if len(set(columns)) != len(columns):
        raise InvalidContent("columns", "a column is named twice")
    return columns


def start_of(day: date) -> datetime:
    """A history date as the instant the day began, locally (in UTC)."""
    return datetime.combine(day, time(0), LOCAL).astimezone(UTC)


def _value(values: Mapping[str, str | None], column: str, required: bool) -> str | None:
    value = (values.get(column) or "").strip()
    if not value:
        if required:
            raise InvalidContent(column, "is required")
        return None
    return value


def _day(values: Mapping[str, str | None], column: str, required: bool, today: date,
         born: date) -> date | None:
    raw = _value(values, column, required)
    if raw is None:
        return None
    try:
        if not _DAY_RE.fullmatch(raw):
            raise ValueError
        day = check_day(date.fromisoformat(raw), column)
    except ValueError:
        raise InvalidContent(column, "must be a date, YYYY-MM-DD") from None
    if day > today:
        raise InvalidContent(column, "must not be in the future")
    if day < born:
        raise InvalidContent(column, "must not be before date_of_birth")
    return day


def _child(values: Mapping[str, str | None], today: date) -> SubjectSubmission:
    """The child, checked as the intake checks a notification's child (names, NHS number and
    its check digit, date of birth, postcode), and under 18 today."""
    raw = {c: _value(values, c, required=True) for c in CHILD_COLUMNS}
    try:
        if not _DAY_RE.fullmatch(raw["date_of_birth"] or ""):
            raise ValueError
        born = date.fromisoformat(raw["date_of_birth"] or "")
    except ValueError:
        raise InvalidContent("date_of_birth", "must be a date, YYYY-MM-DD") from None
    subject = SubjectSubmission(
        role=SubjectRole.CHILD, given_name=raw["given_name"] or "",
        family_name=raw["family_name"] or "", date_of_birth=born,
        nhs_number=raw["nhs_number"], postcode=_value(values, "postcode", required=False))
    try:
        # As of today: a child (under 18) with a plan or a period in care in force.
        return validate_subject(subject, 0, datetime.combine(today, time(0), UTC), today)
    except InvalidContent as error:  # named as the intake names it: subjects[0].field
        raise InvalidContent(error.field.removeprefix("subjects[0]."), error.rule) from None


def received_at(raw: str | None, now: datetime, born: date) -> datetime:
    """When an open contact was received, as written in local time (``YYYY-MM-DD HH:MM``,
    seconds optional): in the past, within the last year, not before the child was born;
    returned in UTC."""
    try:
        if not _TIME_RE.fullmatch(raw or ""):
            raise ValueError
        wall = datetime.fromisoformat((raw or "").replace(" ", "T"))
    except ValueError:
        raise InvalidContent("received_at", "must be a date and time, YYYY-MM-DD HH:MM "
                                            "(UK local time)") from None
    check_day(wall.date(), "received_at")
    at = wall.replace(tzinfo=LOCAL).astimezone(UTC)
    if at > now:
        raise InvalidContent("received_at", "must not be in the future")
    if at < months_before(now, OPEN_CONTACT_MONTHS):
        raise InvalidContent("received_at", f"must be within the last {OPEN_CONTACT_MONTHS} "
                                            "months (decide or close an older contact first)")
    if wall.date() < born:
        raise InvalidContent("received_at", "must not be before date_of_birth")
    return at


def _open_contact(line: int, case_ref: str, child: SubjectSubmission,
                  values: Mapping[str, str | None], now: datetime) -> CaseloadRow:
    """A contact still open at the front door: received when, as which type of notification,
    with which immediate-referral indicators, rated or not."""
    born = child.date_of_birth or now.date()
    received = received_at(_value(values, "received_at", required=True), now, born)
    contact_type = (_value(values, "contact_type", required=True) or "").lower()
    if contact_type not in CONTACT_TYPES:
        raise InvalidContent("contact_type", "must be one of " + ", ".join(CONTACT_TYPES))
    raw = _value(values, "indicators", required=False) or ""
    sent = [i.strip().lower() for i in raw.split(INDICATOR_SEPARATOR) if i.strip()]
    try:
        indicators = check_indicators(sent, [born], received.astimezone(LOCAL).date())
    except InvalidContent as error:  # named as the column, not as the intake's field
        raise InvalidContent("indicators", error.rule) from None
    rag = (_value(values, "rag", required=False) or "").lower()
    if rag and rag not in {r.value for r in Rag}:
        raise InvalidContent("rag", "must be red, amber or green (or empty: not rated yet)")
    if indicators and rag not in ("", Rag.RED.value):
        raise InvalidContent("rag", "must be red (or empty): an immediate-referral indicator "
                                    "was given")
    return CaseloadRow(line, case_ref, child, received, contact_type=NotificationType(
        contact_type), indicators=tuple(i.value for i in indicators),
        rag=Rag(rag) if rag else None)


def validate_row(kind: CaseloadKind, line: int, values: Mapping[str, str | None],
                 today: date, *, refuse_test_numbers: bool = False,
                 now: datetime | None = None) -> CaseloadRow:
    """One row of a ``kind`` file, checked; InvalidContent names the first column at fault.
    ``refuse_test_numbers`` (production) refuses an NHS number from the unissued 999 range.
    ``now`` (the hub's clock; by default the end of ``today``) bounds an open contact's
    received time."""
    case_ref = _value(values, "case_ref", required=True) or ""
    if not _CASE_REF_RE.fullmatch(case_ref):
        raise InvalidContent("case_ref", "must be 1-64 letters, digits or . _ / : -")
    child = _child(values, today)
    if refuse_test_numbers and (child.nhs_number or "").startswith(TEST_NHS_PREFIX):
        raise InvalidContent("nhs_number", "is a test number (the unissued 999 range): "
                                           "refused in production")
    if kind is CaseloadKind.OPEN_CONTACTS:
        end_of_today = datetime.combine(today, time.max, LOCAL).astimezone(UTC)
        return _open_contact(line, case_ref, child, values, now or end_of_today)
    born = child.date_of_birth or today
    if kind is CaseloadKind.LOOKED_AFTER:
        status = _value(values, "legal_status", required=True) or ""
        if status.upper() not in {s.value for s in LegalStatus}:
            raise InvalidContent("legal_status", "must be an SSDA903 legal status code (C1, "
                                                 "C2, D1, E1, J1-J3, L1-L3, V2-V4)")
        start = _day(values, "start_date", True, today, born) or today
        return CaseloadRow(line, case_ref, child, start_of(start),
                           legal_status=LegalStatus(status.upper()))
    start = _day(values, "plan_start_date", True, today, born) or today
    if kind is CaseloadKind.CIN_PLANS:  # its last review, if any, restarts its clock
        reviewed = _day(values, "last_review_date", False, today, born)
        if reviewed is not None and reviewed < start:
            raise InvalidContent("last_review_date", "must not be before plan_start_date")
        return CaseloadRow(line, case_ref, child, start_of(start),
                           reviewed_at=start_of(reviewed) if reviewed is not None else None)
    category = (_value(values, "category", required=True) or "").lower()
    if category not in {c.value for c in Category}:
        raise InvalidContent("category", "must be one of "
                             + ", ".join(c.value for c in Category))
    later: dict[str, datetime | None] = {}
    for column in ("core_group_date", "last_review_date"):
        day = _day(values, column, False, today, born)
        if day is not None and day < start:
            raise InvalidContent(column, "must not be before plan_start_date")
        later[column] = start_of(day) if day is not None else None
    return CaseloadRow(line, case_ref, child, start_of(start), Category(category),
                       later["core_group_date"], later["last_review_date"])


def duplicates(rows: Iterable[CaseloadRow], *, one_per_child: bool = True) -> list[RowError]:
    """Rows of one file that repeat an earlier row's case reference, or its child (a child has
    one plan or one period in care in force at a time; ``one_per_child`` False: a child may
    have more than one contact open)."""
    refs: dict[str, int] = {}
    children: dict[str, int] = {}
    errors = []
    for row in rows:
        nhs = row.child.nhs_number or ""
        if row.case_ref in refs:
            errors.append(RowError(row.line, "case_ref", f"repeats line {refs[row.case_ref]}"))
        elif one_per_child and nhs in children:
            errors.append(RowError(row.line, "nhs_number",
                                   f"the same child as line {children[nhs]}"))
        refs.setdefault(row.case_ref, row.line)
        children.setdefault(nhs, row.line)
    return errors
