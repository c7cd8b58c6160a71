"""For auditors: the signed checkpoint, entries, RFC 9162 proofs and disclosure history."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from hub.api import models
from hub.api.deps import INT64_MAX, CurrentUser, HubDep
from hub.shapes import Instant

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/checkpoint", response_model=models.CheckpointOut, response_model_exclude_unset=True)
def checkpoint(caller: CurrentUser, hub: HubDep) -> dict[str, Any]:
    """The latest signed checkpoint: origin, tree size, root, and the signed note."""
    return hub.auditor.checkpoint(caller)


@router.get("/entries", response_model=models.EntriesOut, response_model_exclude_unset=True)
def entries(caller: CurrentUser, hub: HubDep, start: int = Query(0, ge=0, le=INT64_MAX),
            end: int | None = Query(None, ge=0, le=INT64_MAX)) -> dict[str, Any]:
    """Entries [start, end): their exact stored bytes (base64), leaf hashes, and content."""
    return hub.auditor.entries(caller, start, end)


@router.get("/proofs/inclusion",
            response_model=models.InclusionProofOut, response_model_exclude_unset=True)
def inclusion_proof(caller: CurrentUser, hub: HubDep, index: int = Query(ge=0, le=INT64_MAX),
                    size: int = Query(ge=1, le=INT64_MAX)) -> dict[str, Any]:
    return hub.auditor.inclusion(caller, index, size)


@router.get("/proofs/consistency",
            response_model=models.ConsistencyProofOut, response_model_exclude_unset=True)
def consistency_proof(caller: CurrentUser, hub: HubDep, first: int = Query(ge=1, le=INT64_MAX),
                      second: int = Query(ge=1, le=INT64_MAX)) -> dict[str, Any]:
    return hub.auditor.consistency(caller, first, second)


@router.get("/disclosures", response_model=models.DisclosuresOut, response_model_exclude_unset=True)
def disclosure_history(caller: CurrentUser, hub: HubDep, child_id: UUID | None = None,
                       agency: Annotated[str | None, Query(
                           pattern=r"^[a-z0-9][a-z0-9-]{1,62}$",
                           description="an agency id")] = None,
                       from_: Annotated[Instant | None, Query(alias="from")] = None,
                       to: Instant | None = None) -> dict[str, Any]:
    """Who saw what, when and why: for auditors, and for an agency about its own records."""
    return hub.auditor.disclosures(caller, child_id, agency, from_, to)
