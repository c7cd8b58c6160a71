"""Children: the identity record, the multi-agency chronology, and the search for a child."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from domain.child_search import ChildQuery
from domain.people import ErasureReason, HoldReason
from hub.api import models
from hub.api.deps import CurrentUser, HubDep, Reading
from hub.errors import MalformedInput
from hub.shapes import Day

router = APIRouter(prefix="/v1/children", tags=["children"])


class ChildSearchIn(BaseModel):
    """Whom to look for: in the body, never in a URL (a URL reaches logs and browsers)."""

    model_config = ConfigDict(extra="forbid")
    nhs_number: str | None = Field(None, max_length=20)
    upn: str | None = Field(None, max_length=20)
    given_name: str | None = Field(None, max_length=100)
    family_name: str | None = Field(None, max_length=100)
    date_of_birth: Day | None = None
    postcode: str | None = Field(None, max_length=10)


@router.post("/search",
             response_model=models.ChildSearchOut, response_model_exclude_unset=True)
def search_children(body: ChildSearchIn, ctx: Reading, hub: HubDep,
                    request: Request) -> dict[str, Any]:
    """Find a child by NHS number, by UPN, or by given name, family name, date of birth and
    postcode together (exactly, as a notification would be linked): the child if the caller
    may see their identity record, otherwise only that a match exists and to contact the MASH.
    Every search is audited, naming the child that matched. A query string is refused: the
    criteria go in the body, so that no URL (in a proxy's log, a browser's history) holds
    them."""
    if request.url.query:
        raise MalformedInput("query: not taken here; send the search in the body")
    query = ChildQuery.of(nhs_number=body.nhs_number, upn=body.upn,
                          given_name=body.given_name, family_name=body.family_name,
                          date_of_birth=body.date_of_birth, postcode=body.postcode)
    return hub.child_search.search(ctx, query)


@router.get("/{child_id}", response_model=models.ChildOut, response_model_exclude_unset=True)
def read_child(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """The child's identity record, as entitled (audited)."""
    return hub.disclosure.child(ctx, child_id)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason_code: ErasureReason = Field(description="why the child's data is erased")
    reason: str | None = Field(None, max_length=500, description="free text, sealed under "
                               "the child's key and destroyed with it (required with other)")


@router.post("/{child_id}/erasure",
             response_model=models.ErasureOut, response_model_exclude_unset=True)
def erase_child(child_id: UUID, body: ErasureIn, caller: CurrentUser,
                hub: HubDep) -> dict[str, Any]:
    """Crypto-shred the child's personal data (information governance only; audited).
    Refused (409, audited) while a legal hold is in place."""
    return hub.erasure.erase_by(caller, child_id, body.reason_code, body.reason)


class LegalHoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    held: bool = Field(description="true places a hold, false releases it")
    reason_code: HoldReason = Field(description="why the hold is placed or released")
    reason: str | None = Field(None, max_length=500, description="free text, sealed under "
                               "the child's key (required with other)")


@router.post("/{child_id}/legal-hold",
             response_model=models.LegalHoldOut, response_model_exclude_unset=True)
def legal_hold(child_id: UUID, body: LegalHoldIn, caller: CurrentUser,
               hub: HubDep) -> dict[str, Any]:
    """Place or release a legal hold: while held, nothing of the child is erased, by schedule
    or on request (information governance only; audited)."""
    return hub.retention.hold_by(caller, child_id, body.held, body.reason_code, body.reason)


@router.get("/{child_id}/chronology",
            response_model=models.ChronologyOut, response_model_exclude_unset=True)
def read_chronology(child_id: UUID, ctx: Reading, hub: HubDep) -> dict[str, Any]:
    """Newest first; items the caller may not know of are absent (audited)."""
    return hub.disclosure.chronology(ctx, child_id)


class SchoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    urn: str | None = Field(description="the school's URN on the local authority's roll, or "
                                        "null for none", max_length=6)


@router.put("/{child_id}/school",
            response_model=models.SchoolOut, response_model_exclude_unset=True)
def record_school(child_id: UUID, body: SchoolIn, caller: CurrentUser,
                  hub: HubDep) -> dict[str, Any]:
    """The child's school from the local authority's roll (the MASH; audited). It settles a
    school's claim to the child; a school's own concern never makes a child its pupil."""
    return hub.relationships.record_school(caller, child_id, body.urn)


class ChildMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    into: UUID = Field(description="the child's record that stays")
    reason: str = Field(max_length=1000, description="why the two records are one child "
                        "(sealed under the surviving child's key; never audited)")


@router.post("/{child_id}/merge",
             response_model=models.MergeOut, response_model_exclude_unset=True)
def merge_child(child_id: UUID, body: ChildMergeIn, caller: CurrentUser,
                hub: HubDep) -> dict[str, Any]:
    """Merge this child's record into another of the same child (a MASH team manager; never
    an agency that sent a notification about either). Its notifications follow, each still
    judged on its own bases; audited naming both; the owners of the moved records are told."""
    return hub.merging.merge(caller, child_id, body.into, body.reason)


class ChildSplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    notifications: list[UUID] = Field(min_length=1, max_length=1000, description=(
        "the notifications, among those a merge into this child moved, that go back to the "
        "record they came from; the rest stay with this child"))
    reason: str = Field(max_length=1000, description="why the merge was wrong (sealed)")


@router.post("/{child_id}/split",
             response_model=models.MergeOut, response_model_exclude_unset=True)
def split_child(child_id: UUID, body: ChildSplitIn, caller: CurrentUser,
                hub: HubDep) -> dict[str, Any]:
    """Undo a merge into this child: the notifications chosen go back to the record they
    came from, which stands on its own again (a MASH team manager; audited naming both)."""
    return hub.merging.split(caller, child_id, body.notifications, body.reason)
