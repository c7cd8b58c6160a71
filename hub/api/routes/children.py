"""Children: the identity record and the multi-agency chronology."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from hub.api.deps import HubDep, Reading

router = APIRouter(prefix="/v1/children", tags=["children"])


@router.get("/{child_id}")
def read_child(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """The child's identity record, as entitled (audited)."""
    return hub.disclosure.child(ctx, child_id)


@router.get("/{child_id}/chronology")
def read_chronology(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Newest first; items the caller may not know of are absent (audited)."""
    return hub.disclosure.chronology(ctx, child_id)
