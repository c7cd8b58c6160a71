"""A&E and unscheduled care: the CP-IS look-up by NHS number (posted, never in a URL), whether
the child is on a plan or looked after and whom to call. The API's look-up
(``hub.child_protection.lookup``): audited, and told to the responsible local authority."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from domain.errors import InvalidContent
from hub.web.context import PageAnswer, reading
from hub.web.pages import page
from hub.web.routes import web

router = APIRouter(include_in_schema=False)
PAGE = page("/cp-is")


@router.get("/cp-is")
async def lookup_page(request: Request) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    reading(session, caller, "/cp-is")
    return w.render(request, "cpis.html", session, {"result": None, "nhs_number": ""},
                    caller=caller)


@router.post("/cp-is")
async def lookup(request: Request) -> Response:
    w = web(request)
    session, caller = await w.on_page(request, PAGE)
    fields = await w.form(request, session)
    ctx = reading(session, caller, "/cp-is")
    number = fields.get("nhs_number", "")

    def attempt() -> dict[str, Any] | None:
        try:
            answer: dict[str, Any] = w.hub.child_protection.lookup(ctx, number)
        except InvalidContent:
            return None
        return answer

    result = await w.call(request, session, attempt)
    if result is None:
        raise PageAnswer(w.render(request, "cpis.html", session, {
            "result": None, "nhs_number": number, "errors": [{
                "text": "Enter a valid NHS number: 10 digits, like 943 476 5919",
                "href": "#nhs_number"}]}, status=422, caller=caller))
    return w.render(request, "cpis.html", session, {"result": result, "nhs_number": number},
                    caller=caller)
