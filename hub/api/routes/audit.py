"""For auditors: the signed checkpoint, entries, RFC 9162 proofs and disclosure history; and
for anyone following the log (a witness, a mirror): the checkpoint and the tiles of hashes
(c2sp.org/tlog-tiles), without a token. Entry bundles hold ids, roles, purposes and case
references about pseudonymous children, so they stay with auditors."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from hub.api import models
from hub.api.deps import INT64_MAX, CurrentUser, HubDep, bearer_credentials, current_user
from hub.shapes import Instant

router = APIRouter(prefix="/v1/audit", tags=["audit"])


# Tiles of hashes never change once they exist: anyone may keep them.
IMMUTABLE = "public, max-age=31536000, immutable"


# The checkpoint and the tiles of hashes are public (c2sp.org/tlog-tiles): a token is optional
# on the first (an auditor's answer is fuller) and not asked on the second.
OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}, {"bearer": []}]}
BINARY = {"application/octet-stream": {"schema": {"type": "string",
                                                  "contentMediaType": "application/octet-stream"}}}


@router.get("/checkpoint", response_model=None, openapi_extra=OPTIONAL_TOKEN, responses={
    200: {"description": "the signed note (no token), or the auditor's view", "content": {
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {"schema": models.CheckpointOut.model_json_schema()}}}})
def checkpoint(request: Request, hub: HubDep) -> dict[str, Any] | PlainTextResponse:
    """The latest signed checkpoint. Without a bearer token: the C2SP signed note alone, as
    text (c2sp.org/tlog-tiles `<prefix>/checkpoint`, with the witnesses' cosignatures), for
    anyone following the log. With an auditor's token: origin, tree size, root, the note and
    when it was signed (audited)."""
    if request.headers.get("authorization") is None:
        return PlainTextResponse(hub.auditor.public_checkpoint(),
                                 media_type="text/plain; charset=utf-8")
    caller = current_user(hub, bearer_credentials(request.headers.get("authorization")))
    return hub.auditor.checkpoint(caller)


@router.get("/tile/entries/{path:path}", response_class=Response,
            responses={200: {"description": "an entry bundle", "content": BINARY}})
def entry_bundle(caller: CurrentUser, hub: HubDep, path: str) -> Response:
    """Entries as a c2sp.org/tlog-tiles entry bundle: each a uint16 length, then the leaf
    data (uint64 index and the stored bytes). Auditors only, audited, never cached."""
    return Response(hub.auditor.entry_bundle(caller, path),
                    media_type="application/octet-stream")


@router.get("/tile/{path:path}", response_class=Response, openapi_extra={"security": [{}]},
            responses={200: {"description": "a tile of hashes", "content": BINARY}})
def tile(hub: HubDep, path: str) -> Response:
    """A c2sp.org/tlog-tiles tile of Merkle tree hashes, `<L>/<N>[.p/<W>]`: public (hashes
    only), immutable and cacheable."""
    data, _ = hub.auditor.tile(path)
    return Response(data, media_type="application/octet-stream",
                    headers={"Cache-Control": IMMUTABLE})


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
