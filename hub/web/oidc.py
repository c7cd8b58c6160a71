"""Signing in to the web app through the organisation's OpenID Connect provider
(``hub.oidc_sign_in``): ``/sign-in/oidc`` sends the browser to the provider, keeping the
sign-in's random values in a sealed cookie of this browser; the provider sends it back to
``/sign-in/oidc/callback``, which uses them once and starts a session for the registered
person the identity is linked to. Each sign-in, and each refusal, is audited (as a staff
access event: ids and reason codes, never a claim). Nothing the provider says about the
person (a name, an email, the subject) is shown, logged or put in a URL."""

import logging
from typing import NoReturn
from uuid import UUID

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from domain.audit import AuditKind
from hub.errors import NotAuthenticated, NotFound, SignInRefused, SignInUnavailable
from hub.oidc_sign_in import OidcSignIn
from hub.web.context import PageAnswer, Web
from hub.web.sessions import PENDING_COOKIE, PENDING_LIFETIME

log = logging.getLogger("hub.web")

router = APIRouter(include_in_schema=False)
PATH = "/sign-in/oidc"
# Who signed in is not known when a sign-in is refused: the audit names the way in instead.
REFUSED_ACTOR = {"web": "oidc-sign-in"}
# What a refused person reads: plain words, never the provider's or a claim's.
NOT_LINKED = ("Your account is not linked to anyone registered with the hub. Ask your "
              "hub administrator to link it.")
NOT_ALLOWED = "Your access to the hub has ended or is not allowed here. Ask your hub " \
              "administrator."
START_AGAIN = "The sign-in could not be completed. Go back to the sign-in page and start again."


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


def oidc(w: Web) -> OidcSignIn:
    """The hub's OpenID Connect sign-in; without one (HUB_OIDC_ISSUER unset), no such page."""
    if w.hub.sign_in is None:
        raise PageAnswer(Response("Not Found", 404, media_type="text/plain"))
    return w.hub.sign_in


def _refuse(request: Request, w: Web, status: int, title: str, message: str) -> NoReturn:
    response = w.render(request, "error.html", w.session(request),
                        {"title": title, "message": message}, status=status)
    response.delete_cookie(PENDING_COOKIE, path=PATH)
    raise PageAnswer(response)


@router.get(PATH)
async def begin(request: Request) -> Response:
    w = web(request)
    sign_in = oidc(w)
    try:
        start = await run_in_threadpool(sign_in.begin)
    except SignInUnavailable:
        log.warning("sign-in unavailable: the identity provider did not answer")
        _refuse(request, w, 503, "Sorry, the service is unavailable",
                "Signing in is not possible at the moment. Try again later.")
    response = RedirectResponse(start.url, 302)
    # Lax, not Strict: the provider's redirect back is a top-level navigation from its site.
    response.set_cookie(
        PENDING_COOKIE, w.pending.seal(start.pending.as_session()), path=PATH,
        max_age=int(PENDING_LIFETIME.total_seconds()), httponly=True, samesite="lax",
        secure=request.url.scheme == "https" or w.hub.settings.web_secure_cookie)
    return response


@router.get(PATH + "/callback")
async def callback(request: Request) -> Response:
    w = web(request)
    sign_in = oidc(w)
    # Used once: read, and dropped from the browser whatever the outcome.
    kept = w.pending.open(request.cookies.get(PENDING_COOKIE))
    query = dict(request.query_params.items())
    try:
        user_id = await run_in_threadpool(sign_in.complete, query, kept)
    except SignInRefused as refused:
        await run_in_threadpool(_audit_refused, w, refused.reason)
        if refused.reason == "not_linked":
            _refuse(request, w, 403, "You cannot sign in to the hub", NOT_LINKED)
        if refused.reason in ("user_disabled", "demo_user"):
            _refuse(request, w, 403, "You cannot sign in to the hub", NOT_ALLOWED)
        _refuse(request, w, 401, "You are not signed in", START_AGAIN)
    except SignInUnavailable:
        _refuse(request, w, 503, "Sorry, the service is unavailable",
                "Signing in is not possible at the moment. Try again later.")
    try:
        response = await w.start_session(request, user_id)
        await run_in_threadpool(_audit_signed_in, w, user_id)
    except (NotAuthenticated, NotFound):  # unregistered, or disabled, since the provider answered
        await run_in_threadpool(_audit_refused, w, "not_registered")
        _refuse(request, w, 403, "You cannot sign in to the hub", NOT_ALLOWED)
    response.headers["location"] = "/"
    response.delete_cookie(PENDING_COOKIE, path=PATH)
    return response


def _audit_signed_in(w: Web, user_id: UUID) -> None:
    caller = w.hub.registry.member(user_id)
    w.hub.audit.record(kind=AuditKind.STAFF, action="web-sign-in-oidc",
                       actor=caller.as_actor(), details={"outcome": "signed-in"})


def _audit_refused(w: Web, reason: str) -> None:
    w.hub.audit.record(kind=AuditKind.STAFF, action="web-sign-in-oidc", actor=REFUSED_ACTOR,
                       details={"outcome": "refused", "reason_code": reason})
