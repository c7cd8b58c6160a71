"""The practitioners' web app, served by ``hub serve`` under ``/``: server-rendered pages
(Jinja2, the GOV.UK Design System's styles and scripts served by the hub itself) that call the
same services as the API, so every page read is decided, purpose-checked and audited as an API
read is. Sign-in makes a session (``hub.web.sessions``); every form carries a CSRF token."""

import logging
from pathlib import Path

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from hub.bootstrap import Hub
from hub.ports import KeyMissing
from hub.web import cpis, dart, encompass, oidc, routes
from hub.web.context import PageAnswer, Web

log = logging.getLogger("hub.web")

HERE = Path(__file__).parent
# Installed by `make web` from package-lock.json (npm ci): the design system's built files.
GOVUK = HERE / "node_modules" / "govuk-frontend" / "dist" / "govuk"
SESSION_KEY = "web-session"


def install(app: FastAPI, hub: Hub) -> None:
    """The pages, and the files they load, on ``app``. Without the session key (production
    makes none by itself: `hub keys init`) there are no pages, and the log says why."""
    try:
        secret = hub.keys.secret(SESSION_KEY)
    except KeyMissing:
        log.warning("the web app is off: its session key is missing; run 'hub keys init'")
        return
    if not GOVUK.is_dir():
        log.warning("the web app has no styles: run 'make web' (npm ci) to install them")
    app.state.web = Web(hub, secret)

    async def answered(_: Request, exc: Exception) -> Response:
        if not isinstance(exc, PageAnswer):  # only ever called for one
            raise exc
        return exc.response

    app.add_exception_handler(PageAnswer, answered)
    app.include_router(routes.router)
    app.include_router(oidc.router)
    app.include_router(encompass.router)
    app.include_router(cpis.router)
    app.include_router(dart.router)
    # The design system's fonts and images are where its style sheet looks: /assets.
    app.mount("/assets", StaticFiles(directory=GOVUK / "assets", check_dir=False),
              name="govuk-assets")
    app.mount("/static/govuk", StaticFiles(directory=GOVUK, check_dir=False), name="govuk")
    app.mount("/static/web", StaticFiles(directory=HERE / "static"), name="web")
