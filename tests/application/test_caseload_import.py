"""The caseload at go-live (every store): a local authority's open child protection plans,
periods in care and child in need plans imported with their history dates, so that the CP-IS
look-up and the indicators are true from the first day; each child linked as the intake links
them, each import audited under its children, and a file imported twice stored once."""

import io
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.access import Purpose
from domain.caseload import CaseloadKind, start_of
from domain.child_in_need import ChildInNeedRecord, cin_id
from domain.front_door import LevelOfNeed, NeedRecord, need_id
from hub.bootstrap import Hub
from hub.caseload import Loaded
from hub.disclosure import ReadContext
from hub.errors import InvalidInput, NotFound
from hub.registry import Caller
from tests.caseload_support import as_csv, cp_row, nhs_number
from tests.support import Clock, child, notification, submit

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
OPERATOR = {"cli_user": "migration", "host": "test"}


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def health(hub: Hub, people: dict[str, Caller]) -> Caller:
    """An emergency department's practitioner (unscheduled care)."""
    hub.registry.register_agency("city-ae", "health", "Emergency Department")
    _, token = hub.registry.register_user("city-ae", "unscheduled-care-clinician", "A&E")
    return hub.registry.authenticate(token)


def load(hub: Hub, kind: CaseloadKind, text: str, *, skip: bool = False) -> Loaded:
    checked = hub.caseload.check(kind, io.StringIO(text))
    assert not checked.errors
    return hub.caseload.load(OPERATOR, "city-mash", kind, checked.rows, skip_bad_rows=skip)


def flag(hub: Hub, health: Caller, nhs: str) -> dict[str, Any]:
    return hub.child_protection.lookup(ReadContext(health, Purpose.UNSCHEDULED_CARE, None), nhs)


def test_cp_plans_answer_cp_is_and_count_in_the_indicators(hub: Hub, health: Caller) -> None:
    rows = [cp_row(n) for n in range(6)]
    assert flag(hub, health, rows[0]["nhs_number"])["flagged"] is False
    loaded = load(hub, CaseloadKind.CP_PLANS, as_csv(rows))
    assert (loaded.stored, loaded.already, loaded.errors) == (6, 0, [])
    for row in rows:
        answer = flag(hub, health, row["nhs_number"])
        assert answer["flagged"] is True
        assert answer["plans"] == [{  # the plan's own start date, never its category
            "type": "child-protection", "ended_at": None,
            "started_at": start_of(date.fromisoformat(row["plan_start_date"])).isoformat()}]
        assert [a["agency"] for a in answer["responsible_authorities"]] == ["city-mash"]
    cp = hub.indicators.report(None, None, None)["child_protection"]
    assert (cp["plans_started"], cp["on_a_plan_at_the_end"]) == (6, 6)
    # Plans that began last June are counted on the days they began.
    june = hub.indicators.report(date(2025, 6, 1), date(2025, 6, 30), None)
    assert june["child_protection"]["plans_started"] == 6

    [entry] = [e for e in hub.audit.entries() if e.kind == "caseload-import"]
    assert entry.action == "import-caseload"
    assert sorted(map(str, entry.child_ids)) == sorted(map(str, loaded.children))
    assert entry.actor == {**OPERATOR, "agency": "city-mash", "agency_kind": "mash"}
    assert entry.details["kind"] == "cp-plans"

    events = hub.store.recorder.max_notification_id()
    again = load(hub, CaseloadKind.CP_PLANS, as_csv(rows))
    assert (again.stored, again.already, again.children) == (0, 6, [])
    assert hub.store.recorder.max_notification_id() == events  # nothing stored twice
    cp = hub.indicators.report(None, None, None)["child_protection"]
    assert cp["plans_started"] == 6


def test_a_child_the_hub_holds_is_linked_not_duplicated(hub: Hub, people: dict[str, Caller],
                                                        health: Caller) -> None:
    row = cp_row(1)
    known = submit(hub, "city-health", notification(
        "H-1", type_="health_concern", occurred_at="2026-01-10T10:00:00Z",
        subjects=[child(row["given_name"], row["family_name"], row["date_of_birth"],
                        nhs_number=row["nhs_number"])],
        summary="Bruising noted.")).child_ids[0]
    loaded = load(hub, CaseloadKind.CP_PLANS, as_csv([row, cp_row(2)]))
    assert known in loaded.children
    assert flag(hub, health, row["nhs_number"])["child_id"] == str(known)
    # The MASH sees the imported plan on the child's protection record.
    record = hub.child_protection.record(people["city-mash/social-worker"], known)
    [plan] = record["plans"]
    assert plan["core_group_at"] == start_of(date(2025, 6, 20)).isoformat()
    assert plan["reviews"] == []


def test_a_child_already_on_a_plan_in_the_hub_stops_the_file(hub: Hub, people: dict[str, Caller],
                                                             health: Caller) -> None:
    rows = [cp_row(n) for n in range(3)]
    load(hub, CaseloadKind.CP_PLANS, as_csv(rows[:1]))
    moved = {**rows[0], "case_ref": "CP-OTHER"}  # the same child under another reference
    text = as_csv([*rows[1:], moved])
    checked = hub.caseload.check(CaseloadKind.CP_PLANS, io.StringIO(text))
    refused = hub.caseload.load(OPERATOR, "city-mash", CaseloadKind.CP_PLANS, checked.rows,
                                skip_bad_rows=False)
    assert [str(e) for e in refused.errors] == [
        "line 4: nhs_number: the child is on a plan in the hub already"]
    assert refused.stored == 0
    assert flag(hub, health, rows[1]["nhs_number"])["flagged"] is False  # nothing stored
    kept = hub.caseload.load(OPERATOR, "city-mash", CaseloadKind.CP_PLANS, checked.rows,
                             skip_bad_rows=True)
    assert (kept.stored, len(kept.errors)) == (2, 1)
    assert flag(hub, health, rows[1]["nhs_number"])["flagged"] is True


def test_looked_after_and_child_in_need(hub: Hub, people: dict[str, Caller], clock: Clock,
                                        health: Caller) -> None:
    columns = ("case_ref", "nhs_number", "given_name", "family_name", "date_of_birth",
               "legal_status", "start_date")
    base = {k: v for k, v in cp_row(7).items() if k in columns}
    loaded = load(hub, CaseloadKind.LOOKED_AFTER, as_csv(
        [{**base, "case_ref": "LAC-1", "legal_status": "C2", "start_date": "2023-02-01"}],
        columns))
    answer = flag(hub, health, base["nhs_number"])
    assert answer["flagged"] is True
    assert answer["plans"] == []
    assert answer["looked_after"] == [{"started_at": start_of(date(2023, 2, 1)).isoformat(),
                                       "ended_at": None}]

    cin_columns = (*columns[:5], "plan_start_date")
    other = {**{k: v for k, v in cp_row(8).items() if k in cin_columns}, "case_ref": "CIN-1",
             "plan_start_date": "2025-11-03"}
    cin = load(hub, CaseloadKind.CIN_PLANS, as_csv([other], cin_columns))
    [child_id] = cin.children
    need = hub.store.find(need_id(child_id), NeedRecord)
    assert need is not None
    assert need.level is LevelOfNeed.CHILD_IN_NEED
    assert need.changes[-1]["at"] == start_of(date(2025, 11, 3))
    # A real plan from its start: its first review is due 3 months on, then on the breach
    # list.
    plans = hub.store.find(cin_id(child_id), ChildInNeedRecord)
    assert plans is not None
    [plan] = plans.plans
    assert (plan["via"], plan["started_at"]) == ("imported", start_of(date(2025, 11, 3)))
    assert plan["review_due"] == start_of(date(2026, 2, 3))
    assert hub.child_in_need.overdue(clock()) == []
    clock.advance(days=20)
    assert [o["clock"] for o in hub.child_in_need.overdue(clock())] == ["cin-review"]
    # A child already on a plan is refused (and the file stores nothing); a plan's last
    # review restarts its clock.
    again = load(hub, CaseloadKind.CIN_PLANS, as_csv([{**other, "case_ref": "CIN-2"}],
                                                     cin_columns))
    assert [e.field for e in again.errors] == ["nhs_number"]
    reviewed = {**{k: v for k, v in cp_row(9).items() if k in cin_columns},
                "case_ref": "CIN-3", "plan_start_date": "2025-10-01",
                "last_review_date": "2026-01-05"}
    [third] = load(hub, CaseloadKind.CIN_PLANS, as_csv(
        [reviewed], (*cin_columns, "last_review_date"))).children
    held = hub.store.find(cin_id(third), ChildInNeedRecord)
    assert held is not None
    assert held.plans[0]["review_due"] == start_of(date(2026, 4, 5))
    assert flag(hub, health, other["nhs_number"])["flagged"] is False  # not CP-IS's business
    assert loaded.children != cin.children


def test_only_a_local_authority_imports(hub: Hub, people: dict[str, Caller]) -> None:
    with pytest.raises(InvalidInput, match="children's social care"):
        hub.caseload.authority("notts-police")
    with pytest.raises(NotFound):
        hub.caseload.authority("nowhere")
    assert nhs_number(0) == "9990000018"
