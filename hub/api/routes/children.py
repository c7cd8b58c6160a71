"""Children: the identity record and the multi-agency chronology."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hub.api.deps import CurrentUser, HubDep, Reading

router = APIRouter(prefix="/v1/children", tags=["children"])


@router.get("/{child_id}")
def read_child(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """The child's identity record, as entitled (audited)."""
    return hub.disclosure.child(ctx, child_id)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=500)


@router.post("/{child_id}/erasure")
def erase_child(child_id: UUID, body: ErasureIn, caller: CurrentUser,
                hub: HubDep) -> dict[str, Any]:
    """Crypto-shred the child's personal data (information governance only; audited)."""
    return hub.erasure.erase_by(caller, child_id, body.reason)


@router.get("/{child_id}/chronology")
def read_chronology(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Newest first; items the caller may not know of are absent (audited)."""
    return hub.disclosure.chronology(ctx, child_id)


class SchoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    urn: str | None = Field(description="the school's URN on the local authority's roll, or "
                                        "null for none", max_length=6)


@router.put("/{child_id}/school")
def record_school(child_id: UUID, body: SchoolIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    """The child's school from the local authority's roll (the MASH; audited). It settles a
    school's claim to the child; a school's own concern never makes a child its pupil."""
    return hub.relationships.record_school(caller, child_id, body.urn)
