"""The safeguarding indicators, for the MASH, the teams' managers and auditors."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from domain.audit import AuditKind
from hub.api import models
from hub.api.deps import CurrentUser, HubDep
from hub.capabilities import require_capability
from hub.errors import InvalidInput
from hub.shapes import Day

router = APIRouter(tags=["reports"])


@router.get("/v1/reports/indicators",
            response_model=models.IndicatorsOut, response_model_exclude_unset=True)
def indicators(caller: CurrentUser, hub: HubDep,
               first: Annotated[Day | None, Query(alias="from")] = None,
               last: Annotated[Day | None, Query(alias="to")] = None) -> dict[str, Any]:
    """Counts and rates for the days from `from` to `to` (inclusive; default: everything),
    from the indicator projection; no personal data."""
    require_capability(hub.capabilities, hub.audit, caller, "read-indicators",
                       "read-indicators")
    if first is not None and last is not None and first > last:
        raise InvalidInput("from: must not be after to")
    report = hub.indicators.report(first, last, hub.settings.child_population)
    report["by_week"] = hub.indicators.by_week(first, last)
    hub.audit.record(kind=AuditKind.AUDIT_ACCESS, action="read-indicators",
                     actor=caller.as_actor(),
                     details={"from": report["period"]["from"], "to": report["period"]["to"]})
    return report
