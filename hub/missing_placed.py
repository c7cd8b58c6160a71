"""A placing authority's view of its children missing from care placed in the area.

The local authority that placed a child (children's social care, kind mash) answers for the
child's return home interview, wherever the child lives: the interviews it owes are on ITS
queue and breach list, with what each interview learned (the child's corporate parent reads
it). It sees only the children it placed: that its child is missing now, and its interviews.
The area's missing team sees these episodes too (its police report them) under ``hosted``:
when the interview is due and whether it is late, never what the child said.
"""

from typing import TYPE_CHECKING, Any

from domain.access import DataClass, Purpose
from domain.missing import MissingRecord
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
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
