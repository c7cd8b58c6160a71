"""Signing in and out, choosing the purpose of the session's reads, and the home page listing
the pages the signed-in role has."""

from dataclasses import replace
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.access import Purpose, parse_case_ref
from domain.errors import InvalidContent
from domain.purposes import needs_case
from hub.demo import USERS, demo_token
from hub.errors import NotAuthenticated
from hub.web.context import PageAnswer, Web
from hub.web.pages import page_at
from hub.web.sessions import COOKIE, WebSession

router = APIRouter(include_in_schema=False)

PURPOSES = {
    Purpose.ENCOMPASS: "Operation Encompass: a notice about a pupil",
    Purpose.UNSCHEDULED_CARE: "Unscheduled care: A&E, urgent care, out-of-hours",
    Purpose.TRIAGE: "Triage of a contact or referral",
    Purpose.ASSESSMENT: "Assessment",
    Purpose.REFERRAL: "Making a referral",
    Purpose.STRATEGY_DISCUSSION: "Strategy discussion (name the case)",
    Purpose.S47: "Section 47 enquiry (name the case)",
    Purpose.MARAC: "MARAC (name the case)",
    Purpose.MISSING: "A missing episode (name the case)",
    Purpose.AUDIT: "Audit",
    Purpose.SUBJECT_ACCESS: "A subject access request",
}


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def _demo_refused(request: Request) -> None:
    """The demo's sign-in is for `make run` only: production has no such page."""
    if web(request).hub.settings.is_production:
        raise PageAnswer(Response("Not Found", 404, media_type="text/plain"))


def provider_name(w: Web) -> str | None:
    """The identity provider, as the sign-in page names it (its host), if there is one."""
    if w.hub.sign_in is None:
        return None
    return urlsplit(w.hub.sign_in.issuer).hostname or w.hub.sign_in.issuer


def _sign_in_page(request: Request, session: WebSession, status: int = 200,
                  **context: object) -> Response:
    w = web(request)
    demo = not w.hub.settings.is_production
    return w.render(request, "sign_in.html", session, {
        "provider": provider_name(w),
        "users": [(f"{agency}/{role}", name, agency, role) for agency, role, name in USERS]
        if demo else [],
        "expired": False, "signed_out": False, "idle": w.hub.settings.web_idle_minutes,
        **context}, status=status)


@router.get("/sign-in")
async def sign_in_page(request: Request, expired: bool = False,
                       signed_out: bool = False) -> Response:
    if web(request).hub.sign_in is None:
        _demo_refused(request)  # production without OpenID Connect has no sign-in page
    return _sign_in_page(request, web(request).session(request), expired=expired,
                         signed_out=signed_out)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    _demo_refused(request)
    w = web(request)
    session = w.session(request)
    fields = await w.form(request, session)
    chosen = next(((a, r) for a, r, _ in USERS if f"{a}/{r}" == fields.get("user")), None)
    if chosen is None:
        return _sign_in_page(request, session, 422, errors=[
            {"text": "Select who you are signing in as", "href": "#user"}])
    # The demo person, exactly as their bearer token signs them in to the API.
    token = demo_token(w.hub.keys.secret("demo"), *chosen)
    try:
        caller = await run_in_threadpool(w.hub.registry.authenticate, token)
    except NotAuthenticated:
        return w.render(request, "error.html", session, {
            "title": "The demo is not set up",
            "message": "No demo users are registered with this hub: `make run` (or `hub "
                       "demo`) registers them."}, status=409)
    return await w.start_session(request, caller.user_id)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    w = web(request)
    session = w.session(request)
    await w.form(request, session)
    w.codec.end(session)
    response = RedirectResponse("/sign-in?signed_out=true", 303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    w = web(request)
    session, caller = await w.signed_in(request)
    return w.render(request, "home.html", session, {
        "purpose_label": PURPOSES.get(Purpose(session.purpose)) if session.purpose else None},
        caller=caller)


def next_page(raw: str | None) -> str:
    """Where to go after choosing a purpose: one of the pages, or home (never elsewhere)."""
    page = page_at(raw or "")
    return page.path if page is not None else "/"


@router.get("/purpose")
async def purpose_page(request: Request, next: str | None = None) -> Response:
    w = web(request)
    session, caller = await w.signed_in(request)
    page = page_at(next or "")
    chosen = session.purpose or (page.purpose.value if page is not None else None)
    return w.render(request, "purpose.html", session, {
        "purposes": PURPOSES, "chosen": chosen, "case_ref": session.case_ref or "",
        "next": next_page(next)}, caller=caller)


@router.post("/purpose")
async def choose_purpose(request: Request) -> Response:
    w = web(request)
    session, caller = await w.signed_in(request)
    fields = await w.form(request, session)
    errors = []
    raw_purpose = fields.get("purpose", "")
    purpose = next((p for p in PURPOSES if p.value == raw_purpose), None)
    raw_case = fields.get("case_ref", "").strip()
    case_ref = None
    if purpose is None:
        errors.append({"text": "Select why you are reading", "href": "#purpose"})
    try:
        case_ref = parse_case_ref(raw_case)
    except InvalidContent:
        errors.append({"text": "Enter the case reference as your system shows it, such as "
                               "MASH-2026/000123, or its id", "href": "#case_ref"})
    if purpose is not None and needs_case(purpose) and not raw_case:
        errors.append({"text": "Enter the case reference: this purpose needs the case",
                       "href": "#case_ref"})
    if errors or purpose is None:
        return w.render(request, "purpose.html", session, {
            "purposes": PURPOSES, "chosen": raw_purpose, "case_ref": raw_case,
            "next": next_page(fields.get("next")), "errors": errors}, status=422, caller=caller)
    response = RedirectResponse(next_page(fields.get("next")), 303)
    w.set_cookie(request, response, replace(session, purpose=purpose.value, case_ref=case_ref))
    return response
