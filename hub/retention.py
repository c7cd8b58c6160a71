"""The retention schedule applied: which children's data is due for erasure, and erasing it."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.access import DATA_CLASS_OF_NOTIFICATION, DataClass
from domain.audit import AuditKind
from domain.notifications import NotificationType
from domain.people import ErasureReason, HoldReason, LegalHoldInPlace, PersonRecord
from domain.retention import RetentionRule, check_floors, due_date, parse_schedule
from hub.audit.trail import AuditTrail
from hub.capabilities import parse_enum, require_capability
from hub.erasure import Erasure
from hub.ports import EventLog
from hub.registry import Caller
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

PERSON_REGISTERED = "domain.people:PersonRecord.Registered"


def packaged_schedule() -> dict[DataClass, RetentionRule]:
    text = resources.files("policies").joinpath("retention.csv").read_text(encoding="utf-8")
    return parse_schedule(text)


def load_schedule(path: Path | None) -> dict[DataClass, RetentionRule]:
    """The packaged schedule, or a local one that keeps records at least as long."""
    floors = packaged_schedule()
    if path is None:
        return floors
    schedule = parse_schedule(path.read_text(encoding="utf-8"))
    check_floors(schedule, floors)
    return schedule


@dataclass(frozen=True)
class Due:
    child_id: UUID
    due: date
    rule: RetentionRule
    held: bool


class Retention:
    def __init__(self, store: HubStore, log: EventLog, erasure: Erasure, audit: AuditTrail,
                 capabilities: CapabilityPolicy, schedule: dict[DataClass, RetentionRule],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._log = log
        self._capabilities = capabilities
        self._audit = audit
        self._erasure = erasure
        self._schedule = schedule
        self._clock = clock

    def children(self) -> Iterator[PersonRecord]:
        for logged in self._log.follow(0, [PERSON_REGISTERED]):
            for entry in logged:
                person = self._store.find(entry.originator_id, PersonRecord)
                # A record merged into (or confirmed as) another is due, and erased, with it.
                if person is not None and person.is_child and not person.erased \
                        and person.same_as is None:
                    yield person

    def assess(self, person: PersonRecord) -> Due | None:
        """When this child's data falls due, if it can be known."""
        classes = {DATA_CLASS_OF_NOTIFICATION[NotificationType(n["notification_type"])]
                   for n in person.notifications}
        last = max((n["received_at"] for n in person.notifications), default=None)
        dob_value = person.identity.get("date_of_birth")
        if last is None or dob_value is None or dob_value.value is None:
            return None
        found = due_date(self._schedule, classes, date.fromisoformat(dob_value.value), last)
        if found is None:
            return None
        day, data_class = found
        return Due(person.id, day, self._schedule[data_class], person.held)

    def hold_by(self, caller: Caller, child_id: UUID, held: bool, reason_code: str,
                reason: str | None = None) -> dict[str, Any]:
        """A legal hold placed or released over HTTP, by information governance."""
        require_capability(self._capabilities, self._audit, caller, "legal-hold",
                           "place-hold" if held else "release-hold", [child_id])
        return self.hold(caller.as_actor(), child_id, held, reason_code, reason)

    def hold(self, actor: dict[str, str], child_id: UUID, held: bool, reason_code: str,
             reason: str | None = None) -> dict[str, Any]:
        """Place (or release) a legal hold: a held child's data is never erased, by schedule
        or on request. The reason code is kept in clear; any free text is sealed under the
        child's key, and the audit entry carries the code only."""
        code: HoldReason = parse_enum(HoldReason, reason_code, "reason_code")
        at = self._clock()

        def attempt() -> None:
            person = self._store.child(child_id)
            person.place_hold(held, code, reason, actor, at)
            self._store.save(person)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.LEGAL_HOLD,
                           action="place-hold" if held else "release-hold", actor=actor,
                           child_ids=[child_id],
                           details={"at": at.isoformat(), "reason_code": code.value})
        return {"child_id": str(child_id), "held": held, "reason_code": code.value,
                "at": at.isoformat()}

    def run(self, dry_run: bool) -> dict[str, Any]:
        today = self._clock().date()
        due = [d for p in self.children() if (d := self.assess(p)) and d.due <= today]
        erased = []
        if not dry_run:
            for index, item in enumerate(due):
                if item.held:
                    continue
                try:
                    self._erasure.erase(
                        {"retention": "hub retention run"}, item.child_id,
                        ErasureReason.RETENTION_EXPIRED.value,
                        # The rule's data class only: a due date can give away a birthday.
                        details={"rule": item.rule.data_class.value})
                except LegalHoldInPlace:  # held since it was assessed: kept, and audited
                    due[index] = Due(item.child_id, item.due, item.rule, True)
                    continue
                erased.append(item)
        return {"today": today.isoformat(), "dry_run": dry_run,
                "due": [{"child_id": str(d.child_id), "due": d.due.isoformat(),
                         "rule": f"{d.rule.data_class.value}: {d.rule.years}y after "
                                 f"{d.rule.anchor.value}", "held": d.held} for d in due],
                "erased": len(erased), "held": sum(d.held for d in due)}
