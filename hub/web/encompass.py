"""The school's designated safeguarding lead: the Operation Encompass inbox (new first, with
when each is due), a notice, acknowledging it, and whom to call. Every read is the API's
(``hub.domestic_abuse``): the same decision, purpose rules and write-ahead audit."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from hub.web.context import Web, reading
from hub.web.pages import page
from hub.web.routes import web

router = APIRouter(include_in_schema=False)
PAGE = page("/encompass")


@router.get("/encompass")
async def inbox(request: Request) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    ctx = reading(session, caller, "/encompass")
    answer = await w.call(request, session, w.hub.domestic_abuse.inbox, ctx, None)
    return w.render(request, "encompass_inbox.html", session, {
        "notices": answer["items"]}, caller=caller)


@router.get("/encompass/notices/{notice_id}")
async def notice(request: Request, notice_id: UUID, done: str | None = None) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    ctx = reading(session, caller, "/encompass")
    found: dict[str, Any] = await w.call(request, session, w.hub.domestic_abuse.notice, ctx,
                                         notice_id)
    return w.render(request, "encompass_notice.html", session, {
        "notice": found, "acknowledged_now": done == "acknowledged",
        "contacts": _contacts(w)}, caller=caller)


@router.post("/encompass/notices/{notice_id}/acknowledge")
async def acknowledge(request: Request, notice_id: UUID) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    await w.form(request, session)
    await w.call(request, session, w.hub.domestic_abuse.acknowledge, caller, notice_id)
    return RedirectResponse(f"/encompass/notices/{notice_id}?done=acknowledged", 303)


def _contacts(w: Web) -> list[dict[str, str]]:
    """Children's social care of each local authority, as the hub's contacts list them."""
    return [{"agency": agency, **entry} for agency, entry in sorted(w.contacts.items())]
