"""A local authority's open caseload at go-live: the rows of its files, and their rules.

When the hub starts, the local authority already has children on child protection plans, on
child in need plans and in its care. Its case management system exports each as a CSV file,
one row per child, with the dates their history began, so that the CP-IS flag and the
indicators are true from the first day. Each row names the child as an agency would (NHS
number, names, date of birth, a postcode if known) and carries the authority's own reference
for the case: with the authority and the kind of file it is the row's key, so that importing
a file again stores nothing twice.

What a row becomes is what the hub already records when social care works a case: an
initial conference with a plan (and a core group, a review), a period in care, a child's level
of need. The rules here check one row, or the rows of one file together; errors name the
column, never the value.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from domain.child_protection import Category
from domain.errors import InvalidContent
from domain.notifications import SubjectRole, SubjectSubmission, validate_subject
from domain.plausibility import check_day
from domain.timescales import LOCAL


class CaseloadKind(StrEnum):
    CP_PLANS = "cp-plans"  # children on a child protection plan
    CIN_PLANS = "cin-plans"  # children on a child in need plan (s17)
    LOOKED_AFTER = "looked-after"  # children in the authority's care


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
}
OPTIONAL: dict[CaseloadKind, tuple[str, ...]] = {
    CaseloadKind.CP_PLANS: (*OPTIONAL_CHILD_COLUMNS, "core_group_date", "last_review_date"),
    CaseloadKind.CIN_PLANS: OPTIONAL_CHILD_COLUMNS,
    CaseloadKind.LOOKED_AFTER: OPTIONAL_CHILD_COLUMNS,
}

# NHS numbers starting 999 are never issued to anyone: test and synthetic data (the hub's own
# simulation uses them). A production store refuses them.
TEST_NHS_PREFIX = "999"

_CASE_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,63}$")
_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class CaseloadRow:
    """One valid row: the child as an agency would name them, and the case's history."""

    line: int
    case_ref: str
    child: SubjectSubmission
    start: datetime  # when the plan or the period in care began (the day's start, in UTC)
    category: Category | None = None
    core_group_at: datetime | None = None
    reviewed_at: datetime | None = None
    legal_status: LegalStatus | None = None


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
    missing = [c for c in REQUIRED[kind] if c not in columns]
    if missing:
        raise InvalidContent("columns", f"a {kind.value} file needs {', '.join(missing)}")
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InvalidContent("columns", f"not a {kind.value} column: {', '.join(unknown)}")
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


def validate_row(kind: CaseloadKind, line: int, values: Mapping[str, str | None],
                 today: date, *, refuse_test_numbers: bool = False) -> CaseloadRow:
    """One row of a ``kind`` file, checked; InvalidContent names the first column at fault.
    ``refuse_test_numbers`` (production) refuses an NHS number from the unissued 999 range."""
    case_ref = _value(values, "case_ref", required=True) or ""
    if not _CASE_REF_RE.fullmatch(case_ref):
        raise InvalidContent("case_ref", "must be 1-64 letters, digits or . _ / : -")
    child = _child(values, today)
    if refuse_test_numbers and (child.nhs_number or "").startswith(TEST_NHS_PREFIX):
        raise InvalidContent("nhs_number", "is a test number (the unissued 999 range): "
                                           "refused in production")
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
    if kind is CaseloadKind.CIN_PLANS:
        return CaseloadRow(line, case_ref, child, start_of(start))
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


def duplicates(rows: Iterable[CaseloadRow]) -> list[RowError]:
    """Rows of one file that repeat an earlier row's case reference, or its child (a child has
    one plan or one period in care in force at a time)."""
    refs: dict[str, int] = {}
    children: dict[str, int] = {}
    errors = []
    for row in rows:
        nhs = row.child.nhs_number or ""
        if row.case_ref in refs:
            errors.append(RowError(row.line, "case_ref", f"repeats line {refs[row.case_ref]}"))
        elif nhs in children:
            errors.append(RowError(row.line, "nhs_number",
                                   f"the same child as line {children[nhs]}"))
        refs.setdefault(row.case_ref, row.line)
        children.setdefault(nhs, row.line)
    return errors
