"""Child in need plans: started by social care after an assessment, or when a review
conference steps a child down from a child protection plan; reviewed on their clock; ended
with a reason. The child's level of need follows a start (child in need) and a step-down to
early help (extensive: a team around the child). Late reviews are on the MASH's breach list."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from domain.access import DataClass, Purpose
from domain.audit import AuditKind
from domain.child_in_need import ChildInNeedRecord, CinEnd, CinStart, cin_id
from domain.conferences import StepDown
from domain.errors import InvalidContent
from domain.front_door import LevelOfNeed, NeedRecord, need_id
from domain.timescales import in_utc
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.errors import NotFound
from hub.projections.work_index import WorkIndex
from hub.purposes import PurposeBinding
from hub.registry import Caller
from hub.social_care_records import SocialCareRecords
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy

STEP_DOWN_REASON = {
    StepDown.CHILD_IN_NEED: "A review conference ended the child protection plan and stepped "
                            "the child down to a child in need plan.",
    StepDown.EARLY_HELP: "A review conference ended the child protection plan and stepped "
                         "the child down to early help.",
}
START_REASON = "Social care's assessment found the child in need: a child in need plan starts."
# The level a step-down to early help leaves the child at: a team around the child.
EARLY_HELP_LEVEL = LevelOfNeed.EXTENSIVE


def _level(store: HubStore, child_id: UUID, level: LevelOfNeed, why: str,
           by: dict[str, str], at: datetime) -> list[Aggregate]:
    need = store.find(need_id(child_id), NeedRecord) or NeedRecord(child_id=child_id)
    return [need] if need.set_level(level, why, None, by, at) else []


def stepped_down(store: HubStore, child_id: UUID, to: StepDown, at: datetime,
                 conference: UUID, timescales: Timescales,
                 by: dict[str, str]) -> list[Aggregate]:
    """What a review conference's step-down changes besides the protection record: a child
    in need plan started (to child in need), and the child's level of need."""
    if to is StepDown.EARLY_HELP:
        return _level(store, child_id, EARLY_HELP_LEVEL, STEP_DOWN_REASON[to], by, at)
    record = store.find(cin_id(child_id), ChildInNeedRecord) or ChildInNeedRecord(
        child_id=child_id)
    record.start(uuid4(), at, CinStart.STEP_DOWN, conference, timescales, by)
    return [record, *_level(store, child_id, LevelOfNeed.CHILD_IN_NEED, STEP_DOWN_REASON[to],
                            by, at)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def cin_view(record: ChildInNeedRecord, now: datetime) -> dict[str, Any]:
    return {"child_id": str(record.child_id),
            "plans": [{"id": str(p["id"]), "number": p["number"], "via": p["via"],
                       "conference_id": str(p["conference_id"]) if p["conference_id"] else None,
                       "started_at": _iso(p["started_at"]), "review_due": _iso(p["review_due"]),
                       "ended_at": _iso(p["ended_at"]), "ended_because": p["ended_because"],
                       "reviews": [{"at": _iso(r["at"]), "due": _iso(r["due"]),
                                    "on_time": r["on_time"]} for r in p["reviews"]]}
                      for p in record.plans],
            "overdue": [{"clock": o["clock"], "due": _iso(o["due"])}
                        for o in record.overdue(now)]}


class ChildInNeed:
    def __init__(self, store: HubStore, capabilities: CapabilityPolicy, audit: AuditTrail,
                 timescales: Timescales, work: WorkIndex,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._audit = audit
        self._capabilities = capabilities
        self.require = Requirement(capabilities, audit)
        self.held = SocialCareRecords(store, work, audit)
        self.timescales = timescales
        self.work = work
        self._clock = clock

    @staticmethod
    def owners(record: ChildInNeedRecord) -> list[str]:
        """The local authorities that recorded its plans (the hub's, if none)."""
        agencies = {p["by"].get("agency", "") for p in record.plans}
        return sorted(a for a in agencies if a) or [HUB_OWNER]

    def _shown(self, record: ChildInNeedRecord, capability: str) -> list[Shown]:
        return [Shown(record.id, "child-in-need-record", owner, record.child_id,
                      (DataClass.SOCIAL_CARE,), "local-authority-safeguarding-duty",
                      f"capability:{capability}") for owner in self.owners(record)]

    @staticmethod
    def _when(value: datetime | None, at: datetime) -> datetime:
        if value is not None and value.tzinfo is None:
            raise InvalidContent("at", "must carry a time zone")
        when = in_utc(value or at, "at")
        if when > at:
            raise InvalidContent("at", "must not be in the future")
        return when

    def _change(self, caller: Caller, child_id: UUID, action: str,
                change: Callable[[ChildInNeedRecord, datetime], list[Aggregate]],
                ) -> dict[str, Any]:
        self._may(caller, child_id, action)
        self._store.child(child_id)
        now = self._clock()

        def attempt() -> ChildInNeedRecord:
            record = (self._store.find(cin_id(child_id), ChildInNeedRecord)
                      or ChildInNeedRecord(child_id=child_id))
            more = change(record, now)
            self._store.save(record, *more)
            return record

        record = self._store.write(attempt)
        disclose(self._audit, caller, action, self._shown(record, "record-cin-plan"),
                 purpose=None, kind=AuditKind.CHILD_PROTECTION,
                 details={"agency": caller.agency_id})
        return cin_view(record, now)

    def _may(self, caller: Caller, child_id: UUID, action: str) -> None:
        """The capability first (before the content is judged), then that no other authority
        holds the child's records: refused as for an unknown child, audited."""
        self.require(caller, "record-cin-plan", action, [child_id])
        self.held.check(caller, child_id, action, "no such child")

    def start(self, caller: Caller, child_id: UUID, *, at: datetime | None) -> dict[str, Any]:
        """Social care starts a plan after its assessment; the level of need follows."""
        def change(record: ChildInNeedRecord, now: datetime) -> list[Aggregate]:
            when = self._when(at, now)
            record.start(uuid4(), when, CinStart.ASSESSMENT, None, self.timescales,
                         caller.as_actor())
            return _level(self._store, child_id, LevelOfNeed.CHILD_IN_NEED, START_REASON,
                          caller.as_actor(), when)

        return self._change(caller, child_id, "start-cin-plan", change)

    def review(self, caller: Caller, child_id: UUID, *, at: datetime | None) -> dict[str, Any]:
        def change(record: ChildInNeedRecord, now: datetime) -> list[Aggregate]:
            record.review(self._when(at, now), self.timescales, caller.as_actor())
            return []

        return self._change(caller, child_id, "review-cin-plan", change)

    def end(self, caller: Caller, child_id: UUID, *, at: datetime | None,
            because: str) -> dict[str, Any]:
        self._may(caller, child_id, "end-cin-plan")
        reason = parse_enum(CinEnd, because, "because")

        def change(record: ChildInNeedRecord, now: datetime) -> list[Aggregate]:
            record.end(self._when(at, now), reason, caller.as_actor())
            return []

        return self._change(caller, child_id, "end-cin-plan", change)

    def record(self, caller: Caller, child_id: UUID, purpose: Purpose = Purpose.ASSESSMENT,
               case_ref: str | None = None) -> dict[str, Any]:
        """Social care's view of the child's child in need plans (audited naming the child,
        with the reader's purpose); another authority's plans are answered as none."""
        action, unknown = "read-cin-plans", "no child in need plan for this child"
        self.require(caller, "record-cin-plan", action, [child_id])
        PurposeBinding(self._store, self._capabilities, self._audit).check(
            caller, purpose, case_ref, [child_id], self._clock(), action)
        self.held.check(caller, child_id, action, unknown, purpose.value)
        record = self._store.find(cin_id(child_id), ChildInNeedRecord)
        if record is None:
            raise NotFound(unknown)
        disclose(self._audit, caller, action, self._shown(record, "record-cin-plan"),
                 purpose=purpose.value, case_ref=case_ref)
        return cin_view(record, self._clock())

    def overdue(self, now: datetime) -> list[dict[str, Any]]:
        """Reviews past their date, on every plan in force."""
        self.work.catch_up()
        records = [r for i, in_force in list(self.work.cin_plans.items()) if in_force
                   if (r := self._store.find(i, ChildInNeedRecord)) is not None]
        return [{"person_id": str(r.child_id), "clock": o["clock"], "record": r.id,
                 "kind": "child-in-need-record",
                 "owners": self.owners(r), "due": o["due"].isoformat(),
                 "overdue_hours": round((now - o["due"]).total_seconds() / 3600, 1)}
                for r in records for o in r.overdue(now)]
