"""A placing authority's view of its children missing from care placed in the area.

The local authority that placed a child (children's social care, kind mash) answers for the
child's return home interview, wherever the child lives: the interviews it owes are on ITS
queue and breach list, with what each interview learned (the child's corporate parent reads
it). It sees only the children it placed: that its child is missing now, its interviews, and
(with the child's allocated social worker) the child's episodes it answers for, afterwards.
The area's missing team sees these episodes too (its police report them) under ``hosted``:
when the interview is due and whether it is late, never what the child said.
"""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.access import DataClass, Purpose
from domain.audit import AuditKind
from domain.missing import MissingRecord, record_id
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.errors import NotEntitled
from hub.registry import Caller

if TYPE_CHECKING:
    from hub.missing import MissingChildren

CAPABILITY = "read-placed-missing-interviews"
GROUND = "local-authority-safeguarding-duty"  # the placing authority: the child's parent


def _placed(service: "MissingChildren", caller: Caller
            ) -> list[tuple[MissingRecord, dict[str, Any]]]:
    """The caller's authority's placed children's episodes with work remaining."""
    return [(r, e) for r, e in service._active()
            if service.responsible(e) == caller.agency_id]


def _disclose(service: "MissingChildren", caller: Caller, action: str,
              shown: list[tuple[MissingRecord, dict[str, Any]]]) -> None:
    disclose(service._audit, caller, action, [
        Shown(e["id"], "missing-episode", e["reported_by"] or HUB_OWNER, r.child_id,
              (DataClass.MISSING_EPISODE,), GROUND, f"capability:{CAPABILITY}")
        for r, e in shown],
        purpose=Purpose.MISSING.value,
        details={"missing_episodes": [str(e["id"]) for _, e in shown],
                 "placing_authority": caller.agency_id})


def placed_queue(service: "MissingChildren", caller: Caller) -> dict[str, Any]:
    """The placing authority's children missing now and the interviews it owes."""
    service.require(caller, CAPABILITY, "read-missing-queue")
    now = service._clock()
    mine = _placed(service, caller)
    missing = sorted((a for a in mine if a[1]["end"] is None),
                     key=lambda a: (a[1]["start"], str(a[1]["id"])))
    interviews = sorted((a for a in mine if a[1]["end"] is not None),
                        key=lambda a: (a[1]["interview_due"],
                                       not MissingRecord.priority(a[1]), str(a[1]["id"])))
    _disclose(service, caller, "read-missing-queue", missing + interviews)
    return {"at": now.isoformat(),
            "missing": [service._view(r, e, now, content=True) for r, e in missing],
            "interviews": [service._view(r, e, now, content=True) for r, e in interviews],
            "hosted": [], "strategy_meetings": [], "to_reconcile": []}


def placed_breaches(service: "MissingChildren", caller: Caller) -> dict[str, Any]:
    """The interviews the placing authority owes that are past their deadline."""
    service.require(caller, CAPABILITY, "read-missing-breaches")
    now = service._clock()
    late = sorted(((r, e) for r, e in _placed(service, caller)
                   if MissingRecord.interview_overdue(e, now)),
                  key=lambda a: (a[1]["interview_due"], str(a[1]["id"])))
    _disclose(service, caller, "read-missing-breaches", late)
    return {"at": now.isoformat(), "interviews": [
        {**service._view(r, e, now, content=True),
         "overdue_hours": round((now - e["interview_due"]).total_seconds() / 3600, 1)}
        for r, e in late], "strategy_meetings": []}


def social_worker_history(service: "MissingChildren", caller: Caller, child_id: UUID,
                          purpose: Purpose, case_ref: str | None) -> dict[str, Any]:
    """The child's episodes, newest first, with what each interview learned: all of them for
    the child's allocated social worker; those it placed the child for, for a placing
    authority. Anyone else in children's social care is refused (audited naming the child)."""
    service.require(caller, CAPABILITY, "read-missing-history", [child_id])
    service._for_missing(caller, purpose, case_ref, "read-missing-history", [child_id])
    allocated = (service._allocated(child_id) or {}).get("user_id") == str(caller.user_id)
    record = service._store.find(record_id(child_id), MissingRecord)
    episodes = list(reversed(record.episodes)) if record is not None else []
    theirs = [e for e in episodes if allocated or service.responsible(e) == caller.agency_id]
    if record is None or not theirs:
        service._audit.record(kind=AuditKind.DENIAL, action="read-missing-history",
                              actor=caller.as_actor(), purpose=purpose.value,
                              case_ref=case_ref, child_ids=[child_id],
                              details={"outcome": "not the child's social worker or "
                                                  "placing authority"})
        raise NotEntitled("only the child's social worker or placing authority reads this")
    ground, rule = (("allocated-worker", "allocation:allocated-worker") if allocated
                    else (GROUND, f"capability:{CAPABILITY}"))
    disclose(service._audit, caller, "read-missing-history", [
        Shown(e["id"], "missing-episode", e["reported_by"] or HUB_OWNER, child_id,
              (DataClass.MISSING_EPISODE,), ground, rule) for e in theirs],
        purpose=purpose.value, case_ref=case_ref, about=[child_id],
        details={"missing_episodes": [str(e["id"]) for e in theirs]})
    now = service._clock()
    return {"child_id": str(child_id),
            "episodes": [service._view(record, e, now, content=True) for e in theirs]}
