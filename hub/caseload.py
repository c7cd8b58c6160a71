"""A local authority's open caseload loaded at go-live (``hub import``).

A file is read and every row checked first (``domain.caseload``); a file with errors stores
nothing unless the operator asks for the good rows alone. Each child is linked to a person
record by the intake's own linking (``NotificationIntake.link``), and each row becomes what
social care records on a working day, dated from the history it carries: an initial
conference with a plan (and the core group, the last review), a period in care, the child in
need plan (its review clock running from its start) and level of need, a contact open at the
front door received at the time it was
(``hub.open_contacts``). All the rows of a file are saved in one transaction, each with its key
(the authority, the kind, its reference) claimed, so that a file imported twice is stored
once. The import is audited under every child it names.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.audit import AuditKind
from domain.caseload import (
    CaseloadKind,
    CaseloadRow,
    RowError,
    check_columns,
    duplicates,
    validate_row,
)
from domain.child_in_need import ChildInNeedRecord, CinStart, cin_id
from domain.child_protection import ProtectionRecord, protection_id
from domain.errors import DomainError, InvalidContent
from domain.front_door import LevelOfNeed, NeedRecord, need_id
from domain.indexes import KeyIndex, caseload_key
from domain.people import PersonRecord
from domain.timescales import LOCAL
from hub.audit.trail import AuditTrail
from hub.errors import InvalidInput
from hub.intake import Link, NotificationIntake
from hub.open_contacts import open_contact
from hub.registry import Registry
from hub.store import HubStore
from hub.timescales import Timescales

# The agency kind whose caseload this is: the local authority's children's social care.
AUTHORITY_KIND = "mash"
# Children named in one audit entry at most (an entry stays well under 64 KiB).
CHILDREN_PER_ENTRY = 250
CIN_REASON = "Child in need plan in force when the hub started (imported caseload)"

Progress = Callable[[int, int], None]
R = TypeVar("R", bound=Aggregate)


@dataclass
class Checked:
    """A file read and checked: its valid rows, and the bad rows' errors."""

    rows: list[CaseloadRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows) + len({e.line for e in self.errors})


@dataclass
class Loaded:
    """What an import stored: rows stored, rows imported before, refused rows, children."""

    stored: int = 0
    already: int = 0
    errors: list[RowError] = field(default_factory=list)
    children: list[UUID] = field(default_factory=list)


@dataclass
class _Batch:
    rows: int = 0
    already: int = 0
    people: list[PersonRecord] = field(default_factory=list)
    linked: set[UUID] = field(default_factory=set)
    records: dict[UUID, Aggregate] = field(default_factory=dict)
    made: list[Aggregate] = field(default_factory=list)  # saved with the records
    claims: list[KeyIndex] = field(default_factory=list)
    children: list[UUID] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class CaseloadImport:
    def __init__(self, store: HubStore, intake: NotificationIntake, registry: Registry,
                 audit: AuditTrail, timescales: Timescales,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._intake = intake
        self._registry = registry
        self._audit = audit
        self._timescales = timescales
        self._clock = clock

    # Reading and checking -------------------------------------------------------------------

    def check(self, kind: CaseloadKind, lines: IO[str], progress: Progress | None = None,
              *, production: bool = False) -> Checked:
        """Every row of the file checked (the header on line 1); InvalidContent for a file
        whose columns or text cannot be read at all. In ``production`` test NHS numbers are
        bad rows."""
        now = self._clock()
        today = now.astimezone(LOCAL).date()
        reader = csv.reader(lines)
        checked = Checked()
        try:
            header = next(reader, None)
            if header is None:
                raise InvalidContent("file", "is empty (a header line is needed)")
            columns = check_columns(kind, header)
            start = reader.line_num + 1
            for values in reader:
                line, start = start, reader.line_num + 1
                if not any(v.strip() for v in values):
                    continue  # a blank line
                if len(values) > len(columns):
                    checked.errors.append(RowError(line, "row", "has more values than "
                                                                 "the header has columns"))
                    continue
                try:
                    checked.rows.append(validate_row(kind, line, dict(
                        zip(columns, values, strict=False)), today,
                        refuse_test_numbers=production, now=now))
                except InvalidContent as error:
                    checked.errors.append(RowError(line, error.field, error.rule))
                if progress is not None:
                    progress(checked.total, 0)
        except csv.Error:
            raise InvalidContent("file", f"line {reader.line_num}: not readable as CSV "
                                         "(a stray quote or a NUL byte?)") from None
        # A child may have more than one contact open; one plan, or period in care, at a time.
        repeated = duplicates(checked.rows,
                              one_per_child=kind is not CaseloadKind.OPEN_CONTACTS)
        bad = {e.line for e in repeated}
        checked.rows = [r for r in checked.rows if r.line not in bad]
        checked.errors = sorted([*checked.errors, *repeated], key=lambda e: e.line)
        return checked

    # Storing ------------------------------------------------------------------------------

    def authority(self, agency_id: str) -> dict[str, Any]:
        """The local authority whose caseload it is: a registered children's social care."""
        agency = self._registry.agency(agency_id)
        if agency["kind"] != AUTHORITY_KIND:
            raise InvalidInput("agency: must be a local authority's children's social care "
                               f"(an agency of kind {AUTHORITY_KIND})")
        return agency

    def load(self, actor: dict[str, str], agency_id: str, kind: CaseloadKind,
             rows: list[CaseloadRow], *, skip_bad_rows: bool,
             progress: Progress | None = None) -> Loaded:
        """Store the rows, all in one transaction. A row the hub's records refuse (the child
        is on a plan already) is an error too: then nothing is stored, unless
        ``skip_bad_rows``, when the other rows are."""
        self.authority(agency_id)
        by = {**actor, "agency": agency_id, "agency_kind": AUTHORITY_KIND}

        def attempt() -> _Batch:
            batch = self._prepare(agency_id, kind, rows, by, set(), progress)
            refused = batch.errors
            if refused and skip_bad_rows:
                batch = self._prepare(agency_id, kind, rows, by,
                                      {e.line for e in refused}, progress)
                batch.errors = refused
            if batch.errors and not skip_bad_rows:
                return batch  # nothing saved
            self._store.cipher.prepare([p.id for p in batch.people])
            self._store.save_tracked(
                [*batch.people, *batch.records.values(), *batch.made, *batch.claims], None)
            return batch

        batch = self._store.write(attempt)
        if batch.errors and not skip_bad_rows:
            return Loaded(errors=batch.errors)
        children = list(dict.fromkeys(batch.children))
        for part, first in enumerate(range(0, len(children), CHILDREN_PER_ENTRY), start=1):
            self._audit.record(
                kind=AuditKind.CASELOAD_IMPORT, action="import-caseload", actor=by,
                child_ids=children[first:first + CHILDREN_PER_ENTRY],
                details={"kind": kind.value, "agency": agency_id, "rows": batch.rows,
                         "part": part,
                         "parts": -(-len(children) // CHILDREN_PER_ENTRY)})
        return Loaded(batch.rows, batch.already, batch.errors, children)

    def _prepare(self, agency_id: str, kind: CaseloadKind, rows: Iterable[CaseloadRow],
                 by: dict[str, str], leave_out: set[int],
                 progress: Progress | None) -> _Batch:
        """The aggregates the rows make, unsaved; the rows the records refuse, as errors (in
        line order). Open contacts are opened oldest first, so that a child's later contact
        is a re-referral of an earlier one whatever the order of the file."""
        batch = _Batch()
        todo = sorted((r for r in rows if r.line not in leave_out),
                      key=lambda r: (r.start, r.line) if kind is CaseloadKind.OPEN_CONTACTS
                      else (0, r.line))
        for done, row in enumerate(todo, start=1):
            if progress is not None:
                progress(done, len(todo))
            key = caseload_key(agency_id, kind.value, row.case_ref)
            if self._store.lookup(key) is not None:
                batch.already += 1
                continue
            link = self._intake.link(row.child, agency_id, batch.people)
            if link.doubted is not None:  # never a provisional child from a caseload file
                batch.errors.append(RowError(
                    row.line, "nhs_number", "the hub holds this NHS number for a child whose "
                    "name or date of birth disagrees: check the row"))
                continue
            person, claims = link.person, link.claims
            if person.id not in batch.linked:
                batch.linked.add(person.id)
                batch.people.append(person)
            batch.claims.extend(claims)
            try:
                record = self._apply(kind, row, link, agency_id, batch, by)
            except DomainError as error:
                batch.errors.append(RowError(row.line, getattr(error, "field", "nhs_number"),
                                             str(getattr(error, "rule", error))))
                continue
            batch.records[record.id] = record
            batch.claims.append(KeyIndex(key=key, target=record.id))
            batch.children.append(person.id)
            batch.rows += 1
        batch.errors.sort(key=lambda e: e.line)
        return batch

    def _apply(self, kind: CaseloadKind, row: CaseloadRow, link: Link, agency_id: str,
               batch: _Batch, by: dict[str, str]) -> Aggregate:
        """The row recorded as social care records it, at the dates it gives."""
        child_id = link.person.id
        if kind is CaseloadKind.OPEN_CONTACTS:
            contact, made = open_contact(self._store, self._intake, self._timescales,
                                         self._clock, agency_id, row, link, by)
            batch.made.extend(made)
            return contact
        if kind is CaseloadKind.CIN_PLANS:
            need = self._record(batch, need_id(child_id), NeedRecord,
                                lambda: NeedRecord(child_id=child_id))
            level = need.level
            if level is not None and level.rank > LevelOfNeed.CHILD_IN_NEED.rank:
                raise InvalidContent("nhs_number", f"the child's level of need is "
                                                   f"{level.value} in the hub already")
            plans = self._record(batch, cin_id(child_id), ChildInNeedRecord,
                                 lambda: ChildInNeedRecord(child_id=child_id))
            if plans.current_plan is not None:
                raise InvalidContent("nhs_number", "the child is on a child in need plan in "
                                                   "the hub already")
            plans.start(uuid4(), row.start, CinStart.IMPORTED, None, self._timescales, by)
            if row.reviewed_at is not None:
                plans.review(row.reviewed_at, self._timescales, by)
            need.set_level(LevelOfNeed.CHILD_IN_NEED, CIN_REASON, None, by, row.start)
            batch.made.append(need)
            return plans
        record = self._record(batch, protection_id(child_id), ProtectionRecord,
                              lambda: ProtectionRecord(person_id=child_id))
        if kind is CaseloadKind.LOOKED_AFTER:
            if record.currently_looked_after is not None:
                raise InvalidContent("nhs_number", "the child is looked after in the hub "
                                                   "already")
            record.set_looked_after(True, row.start, by)
            return record
        if record.current_plan is not None:
            raise InvalidContent("nhs_number", "the child is on a plan in the hub already")
        record.initial_conference(uuid4(), row.start, True, row.category, False, None,
                                  self._timescales.working, by)
        if row.core_group_at is not None:
            record.core_group_met(row.core_group_at, by, self._timescales)
        if row.reviewed_at is not None:
            record.review(uuid4(), row.reviewed_at, True, None, by)
        return record

    def _record(self, batch: _Batch, record_id: UUID, kind: type[R],
                new: Callable[[], R]) -> R:
        """The child's record: from this batch, from the store, or opened now."""
        held = batch.records.get(record_id)
        if isinstance(held, kind):
            return held
        return self._store.find(record_id, kind) or new()
