"""What every page does: read the session, know the signed-in person (as the API knows a
bearer token's), check the CSRF token of a form, call a service and answer its refusals as
pages, and render a template with the session's cookie refreshed."""

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from domain.access import Purpose
from domain.errors import DomainError
from domain.timescales import LOCAL
from hub.api.errors import http_status
from hub.bootstrap import Hub
from hub.capabilities import require_capability
from hub.child_protection import load_contacts
from hub.disclosure import ReadContext
from hub.errors import HubError, NotAuthenticated, NotFound
from hub.registry import Caller
from hub.web.forms import BadForm, read_form
from hub.web.pages import Page, pages_for
from hub.web.sessions import COOKIE, PendingCodec, SessionCodec, WebSession

TEMPLATES = Path(__file__).parent / "templates"
# Pages load only the hub's own files; nothing is framed, and forms post only to the hub.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
T = TypeVar("T")


class PageAnswer(Exception):
    """A page's answer decided before its end: a refusal, a redirect to sign in."""

    def __init__(self, response: Response) -> None:
        super().__init__("page answer")
        self.response = response


class Web:
    def __init__(self, hub: Hub, secret: bytes) -> None:
        self.hub = hub
        self.codec = SessionCodec(secret, timedelta(minutes=hub.settings.web_idle_minutes),
                                  hub.clock)
        self.pending = PendingCodec(secret, hub.clock)  # an OpenID Connect sign-in's
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=StrictUndefined)
        env.filters["when"] = when
        env.filters["day"] = day
        self.templates = Jinja2Templates(env=env)
        # Whom to call: each local authority's children's social care (as CP-IS shows it).
        self.contacts = load_contacts(hub.settings.contacts_file)

    # Sessions ------------------------------------------------------------------------------

    def session(self, request: Request) -> WebSession:
        """The request's session, or a new one (not signed in) when it has none."""
        opened = self.codec.open(request.cookies.get(COOKIE))
        return opened.session or self.codec.new()

    async def signed_in(self, request: Request) -> tuple[WebSession, Caller]:
        """The signed-in person, checked against the register on every request (a person
        disabled since signing in is signed out); otherwise the sign-in page."""
        opened = self.codec.open(request.cookies.get(COOKIE))
        session = opened.session
        if session is None or session.user_id is None:
            raise PageAnswer(self.to_sign_in(expired=opened.expired))
        try:
            caller = await run_in_threadpool(self.hub.registry.member, session.user_id)
        except NotFound:
            raise PageAnswer(self.to_sign_in()) from None
        return session, caller

    async def on_page(self, request: Request, page: Page) -> tuple[WebSession, Caller]:
        """The signed-in person, on a page of their role's; another role's page is refused
        (403), the refusal audited as the service's own refusals are."""
        session, caller = await self.signed_in(request)
        action = "web-page" + page.path.replace("/", "-")
        await self.call(request, session, require_capability, self.hub.capabilities,
                        self.hub.audit, caller, page.capability, action)
        return session, caller

    @staticmethod
    def to_sign_in(expired: bool = False) -> Response:
        response = RedirectResponse("/sign-in?expired=1" if expired else "/sign-in", 303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def start_session(self, request: Request, user_id: UUID) -> Response:
        """The seam for every way of signing in (the demo's, OpenID Connect's): given a
        verified, registered person's id, a new session for them, and on to choosing the
        purpose. The person must be registered and active now."""
        try:
            await run_in_threadpool(self.hub.registry.member, user_id)
        except NotFound:
            raise NotAuthenticated("this person is not registered with the hub") from None
        old = self.codec.open(request.cookies.get(COOKIE)).session
        if old is not None:
            self.codec.end(old)  # a new id: nothing from before signing in carries over
        response = RedirectResponse("/purpose", 303)
        self.set_cookie(request, response, self.codec.new(user_id))
        return response

    def set_cookie(self, request: Request, response: Response, session: WebSession) -> None:
        response.set_cookie(
            COOKIE, self.codec.seal(self.codec.touch(session)), path="/", httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https" or self.hub.settings.web_secure_cookie)

    async def form(self, request: Request, session: WebSession) -> dict[str, str]:
        """A posted form whose CSRF token is this session's; otherwise 403, nothing done."""
        try:
            fields = await read_form(request)
        except BadForm:
            fields = {}
        if not self.codec.csrf_ok(session, fields.get("csrf_token")):
            raise PageAnswer(self.render(request, "error.html", session, {
                "title": "The form has expired",
                "message": "The form could not be accepted. Go back, reload the page and try "
                           "again."}, status=403))
        return fields

    # Services ------------------------------------------------------------------------------

    async def call(self, request: Request, session: WebSession, work: Callable[..., T],
                   *args: Any) -> T:
        """A service's answer; its refusal as a page (with the service's own words, which
        never hold personal data), having audited it as it does for the API."""
        try:
            return await run_in_threadpool(work, *args)
        except NotAuthenticated:
            raise PageAnswer(self.to_sign_in()) from None
        except (HubError, DomainError) as error:
            status = http_status(error)
            raise PageAnswer(self.render(request, "error.html", session, {
                "title": _TITLES.get(status, "Sorry, there is a problem"),
                "message": error.message if isinstance(error, HubError) else str(error)},
                status=status)) from None

    # Pages ---------------------------------------------------------------------------------

    def render(self, request: Request, template: str, session: WebSession,
               context: dict[str, Any], status: int = 200,
               caller: Caller | None = None) -> Response:
        pages = pages_for(self.hub.capabilities, caller) if caller is not None else []
        response = self.templates.TemplateResponse(request, template, {
            "session": session, "csrf_token": self.codec.csrf(session), "caller": caller,
            "pages": pages, "errors": [], **context}, status_code=status)
        response.headers["Content-Security-Policy"] = CSP
        self.set_cookie(request, response, session)
        return response


def reading(session: WebSession, caller: Caller, path: str) -> ReadContext:
    """The session's purpose (and case) as a read context; no purpose yet: choose one first."""
    if session.purpose is None:
        raise PageAnswer(RedirectResponse(f"/purpose?next={path}", 303))
    return ReadContext(caller, Purpose(session.purpose), session.case_ref, None)


def when(iso: str) -> str:
    """An instant as people here read it: "Friday 27 November 2026, 10:15pm" (UK time)."""
    at = datetime.fromisoformat(iso).astimezone(LOCAL)
    hour = at.strftime("%I").lstrip("0")
    return f"{at:%A} {at.day} {at:%B %Y}, {hour}:{at:%M}{at:%p}".replace("AM", "am").replace(
        "PM", "pm")


def day(iso: object) -> str:
    """A date (or an instant's day in UK time): "2 April 2016"; nothing if it is not one (an
    erased child's)."""
    if not isinstance(iso, str) or not iso:
        return ""
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        return ""
    if len(iso) > 10:
        value = value.astimezone(LOCAL)
    return f"{value.day} {value:%B %Y}"


_TITLES = {403: "You cannot see this page", 404: "Page not found",
           409: "This cannot be done now", 422: "There is a problem",
           503: "Sorry, the service is unavailable"}
