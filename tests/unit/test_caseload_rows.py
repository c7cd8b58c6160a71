"""The caseload import's rules for one row and for a file's rows together: required columns,
the NHS number's check digit, dates not in the future nor before birth, known categories and
legal statuses, an open contact's received time (past, within the year), type, indicators and
rating; errors name the column, never the value."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from domain.caseload import (
    CaseloadKind,
    LegalStatus,
    check_columns,
    duplicates,
    start_of,
    validate_row,
)
from domain.child_protection import Category
from domain.clocks import Rag
from domain.errors import InvalidContent
from domain.notifications import NotificationType
from tests.caseload_support import CP_COLUMNS, bad_nhs_number, contact_row, cp_row, nhs_number

TODAY = date(2026, 1, 15)
CP = CaseloadKind.CP_PLANS


def row(**changes: str) -> dict[str, str]:
    return {**cp_row(4), **changes}


def test_a_good_cp_plan_row() -> None:
    valid = validate_row(CP, 2, row(nhs_number="999 000 0018", given_name=" amy ",
                                    postcode="ng11aa"), TODAY)
    assert valid.line == 2
    assert valid.case_ref == "CP-00004"
    assert valid.child.nhs_number == "9990000018"  # spaces dropped, check digit checked
    assert valid.child.postcode == "NG1 1AA"
    assert valid.category is Category.MULTIPLE
    assert valid.start == datetime(2025, 6, 4, 23, 0, tzinfo=UTC)  # 5 June began in BST
    assert valid.reviewed_at == start_of(date(2025, 9, 15))
    assert valid.core_group_at == start_of(date(2025, 6, 20))


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"nhs_number": ""}, "nhs_number", "is required"),
    ({"nhs_number": bad_nhs_number(3)}, "nhs_number", "fails the NHS number check digit"),
    ({"nhs_number": "12345"}, "nhs_number", "must be 10 digits"),
    ({"given_name": " "}, "given_name", "is required"),
    ({"case_ref": "has space"}, "case_ref", "must be 1-64 letters, digits or . _ / : -"),
    ({"date_of_birth": "02/04/2016"}, "date_of_birth", "must be a date, YYYY-MM-DD"),
    ({"date_of_birth": "2026-02-01"}, "date_of_birth", "must not be in the future"),
    ({"date_of_birth": "2007-01-01"}, "date_of_birth", "a child must be under 18"),
    ({"plan_start_date": ""}, "plan_start_date", "is required"),
    ({"plan_start_date": "2026-01-16"}, "plan_start_date", "must not be in the future"),
    ({"plan_start_date": "2010-01-01"}, "plan_start_date", "must not be before date_of_birth"),
    ({"plan_start_date": "2025-13-01"}, "plan_start_date", "must be a date, YYYY-MM-DD"),
    ({"category": "bullying"}, "category",
     "must be one of neglect, physical, sexual, emotional, multiple"),
    ({"core_group_date": "2025-05-01"}, "core_group_date", "must not be before plan_start_date"),
    ({"last_review_date": "2027-01-01"}, "last_review_date", "must not be in the future"),
    ({"postcode": "not a postcode"}, "postcode", None),
])
def test_each_bad_value_is_named_by_its_column(changes: dict[str, str], field: str,
                                                rule: str | None) -> None:
    values = row(**changes)
    with pytest.raises(InvalidContent) as raised:
        validate_row(CP, 7, values, TODAY)
    assert raised.value.field == field
    if rule is not None:
        assert raised.value.rule == rule
    for value in changes.values():  # never the value itself
        assert not value.strip() or value not in str(raised.value)


def test_the_other_kinds() -> None:
    child = {k: v for k, v in cp_row(5).items() if k in CP_COLUMNS[:6]}
    looked_after = validate_row(CaseloadKind.LOOKED_AFTER, 2,
                                {**child, "legal_status": "c2", "start_date": "2024-03-01"},
                                TODAY)
    assert looked_after.legal_status is LegalStatus.FULL_CARE_ORDER
    assert looked_after.start == start_of(date(2024, 3, 1))
    with pytest.raises(InvalidContent, match=r"^legal_status: must be an SSDA903"):
        validate_row(CaseloadKind.LOOKED_AFTER, 2,
                     {**child, "legal_status": "X9", "start_date": "2024-03-01"}, TODAY)
    with pytest.raises(InvalidContent, match=r"^start_date: is required"):
        validate_row(CaseloadKind.LOOKED_AFTER, 2, {**child, "legal_status": "V2"}, TODAY)
    cin = validate_row(CaseloadKind.CIN_PLANS, 3, {**child, "plan_start_date": "2025-12-01"},
                       TODAY)
    assert cin.start == start_of(date(2025, 12, 1))
    assert cin.category is None
    assert cin.reviewed_at is None
    reviewed = validate_row(CaseloadKind.CIN_PLANS, 3, {
        **child, "plan_start_date": "2025-06-01", "last_review_date": "2025-09-01"}, TODAY)
    assert reviewed.reviewed_at == start_of(date(2025, 9, 1))
    with pytest.raises(InvalidContent, match=r"^last_review_date: must not be before"):
        validate_row(CaseloadKind.CIN_PLANS, 3, {
            **child, "plan_start_date": "2025-06-01", "last_review_date": "2025-05-01"}, TODAY)


def test_production_refuses_test_numbers() -> None:
    validate_row(CP, 2, row(), TODAY)
    with pytest.raises(InvalidContent, match=r"^nhs_number: is a test number"):
        validate_row(CP, 2, row(), TODAY, refuse_test_numbers=True)
    real = row(nhs_number="9434765919")
    assert validate_row(CP, 2, real, TODAY, refuse_test_numbers=True).child.nhs_number


def test_columns() -> None:
    assert check_columns(CP, [" Case_Ref", *CP_COLUMNS[1:]])[0] == "case_ref"
    with pytest.raises(InvalidContent, match=r"^columns: a cp-plans file needs category$"):
        check_columns(CP, [c for c in CP_COLUMNS if c != "category"])
    with pytest.raises(InvalidContent, match=r"^columns: not a cp-plans column: legal_status$"):
        check_columns(CP, [*CP_COLUMNS, "legal_status"])
    with pytest.raises(InvalidContent, match="named twice"):
        check_columns(CP, [*CP_COLUMNS, "postcode"])


def test_a_file_names_each_case_and_each_child_once() -> None:
    rows = [validate_row(CP, line, values, TODAY) for line, values in [
        (2, cp_row(1)), (3, cp_row(2)), (4, {**cp_row(3), "case_ref": "CP-00001"}),
        (5, {**cp_row(4), "nhs_number": nhs_number(2)}, )]]
    assert [str(e) for e in duplicates(rows)] == [
        "line 4: case_ref: repeats line 2", "line 5: nhs_number: the same child as line 3"]


@pytest.mark.parametrize("kind", list(CaseloadKind))
def test_the_documented_examples_are_valid(kind: CaseloadKind) -> None:
    lines = (Path(__file__).parents[2] / "docs" / "caseload" / f"{kind.value}.csv"
             ).read_text(encoding="utf-8").splitlines()
    columns = check_columns(kind, lines[0].split(","))
    for line, text in enumerate(lines[1:], start=2):
        validate_row(kind, line, dict(zip(columns, text.split(","), strict=True)), TODAY)


NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
CONTACTS = CaseloadKind.OPEN_CONTACTS


def contact(**changes: str) -> dict[str, str]:
    return {**contact_row(4, NOW), **changes}


def test_a_good_open_contact_row() -> None:
    valid = validate_row(CONTACTS, 2, contact(received_at="2025-07-01 08:30", rag="Amber",
                                              contact_type="Police_Concern"), TODAY, now=NOW)
    assert valid.start == datetime(2025, 7, 1, 7, 30, tzinfo=UTC)  # BST, as written locally
    assert valid.contact_type is NotificationType.POLICE_CONCERN
    assert valid.rag is Rag.AMBER
    assert valid.indicators == ()
    seconds = validate_row(CONTACTS, 2, contact(received_at="2026-01-15T09:59:30"), TODAY,
                           now=NOW)
    assert seconds.start == datetime(2026, 1, 15, 9, 59, 30, tzinfo=UTC)
    indicated = validate_row(CONTACTS, 2, contact(
        indicators=" trafficking ; adult-posing-risk", rag="red"), TODAY, now=NOW)
    assert indicated.indicators == ("trafficking", "adult-posing-risk")
    assert indicated.rag is Rag.RED


@pytest.mark.parametrize(("changes", "field", "rule"), [
    ({"received_at": ""}, "received_at", "is required"),
    ({"received_at": "2026-01-15"}, "received_at",
     "must be a date and time, YYYY-MM-DD HH:MM (UK local time)"),
    ({"received_at": "2026-01-15T09:00Z"}, "received_at",
     "must be a date and time, YYYY-MM-DD HH:MM (UK local time)"),
    ({"received_at": "2026-02-30 09:00"}, "received_at",
     "must be a date and time, YYYY-MM-DD HH:MM (UK local time)"),
    ({"received_at": "2026-01-15 10:01"}, "received_at", "must not be in the future"),
    ({"received_at": "2025-01-15 09:59"}, "received_at",
     "must be within the last 12 months (decide or close an older contact first)"),
    ({"received_at": "2025-06-01 09:00", "date_of_birth": "2025-06-02"}, "received_at",
     "must not be before date_of_birth"),
    ({"contact_type": "domestic_abuse_incident"}, "contact_type",
     "must be one of referral, school_concern, health_concern, police_concern"),
    ({"contact_type": ""}, "contact_type", "is required"),
    ({"indicators": "shouting"}, "indicators", "is not a known immediate-referral indicator"),
    ({"indicators": "under-one-carer-substance-misuse"}, "indicators",
     "applies to a child under 1; no child named is"),
    ({"rag": "blue"}, "rag", "must be red, amber or green (or empty: not rated yet)"),
    ({"indicators": "trafficking", "rag": "green"}, "rag",
     "must be red (or empty): an immediate-referral indicator was given"),
])
def test_each_bad_contact_value_is_named_by_its_column(changes: dict[str, str], field: str,
                                                        rule: str) -> None:
    with pytest.raises(InvalidContent) as raised:
        validate_row(CONTACTS, 9, contact(**changes), TODAY, now=NOW)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_a_child_may_have_more_than_one_contact_open() -> None:
    rows = [validate_row(CONTACTS, line, values, TODAY, now=NOW) for line, values in [
        (2, contact_row(1, NOW)), (3, {**contact_row(2, NOW), "nhs_number": nhs_number(1)}),
        (4, {**contact_row(3, NOW), "case_ref": "MC-00001"})]]
    assert [str(e) for e in duplicates(rows, one_per_child=False)] == [
        "line 4: case_ref: repeats line 2"]
