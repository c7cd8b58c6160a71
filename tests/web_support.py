"""The web app in process, on the demo's agencies, people and data: signing in through its
pages as a person would, with the CSRF token each page's form carries."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import UUID

from fastapi.testclient import TestClient

from hub.api.app import create_app
from hub.bootstrap import Hub, bootstrap
from hub.demo import seed_demo
from hub.settings import Settings

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@contextmanager
def demo_web(home: Path, secure_cookie: bool = False, base_url: str = "http://testserver",
             clock: Callable[[], datetime] | None = None, idle_minutes: int = 15,
             ) -> Iterator[tuple[Hub, TestClient]]:
    settings = Settings(store_url="memory://", home=home, web_secure_cookie=secure_cookie,
                        web_idle_minutes=idle_minutes)
    hub = bootstrap(settings, clock) if clock is not None else bootstrap(settings)
    seed_demo(hub)
    try:
        with TestClient(create_app(hub, checkpointer=False), base_url=base_url,
                        raise_server_exceptions=False) as client:
            yield hub, client
    finally:
        hub.close()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found[1]


def sign_in(client: TestClient, user: str, purpose: str | None = None,
            case_ref: str = "") -> str:
    """Sign in as a demo user ("agency/role"), choose the purpose; the session's CSRF token."""
    page = client.get("/sign-in")
    assert page.status_code == 200, page.text
    signed = client.post("/sign-in", data={"csrf_token": csrf_of(page.text), "user": user},
                         follow_redirects=False)
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/purpose"
    chooser = client.get("/purpose")
    token = csrf_of(chooser.text)
    if purpose is not None:
        chosen = client.post("/purpose", data={"csrf_token": token, "purpose": purpose,
                                               "case_ref": case_ref, "next": "/"},
                             follow_redirects=False)
        assert chosen.status_code == 303, chosen.text
    return token


def notice_for(hub: Hub, agency: str) -> UUID:
    """The id of the demo's Encompass notice to a school (from the work index: no read)."""
    hub.work.catch_up()
    [notice] = [n.id for n in hub.work.notices.values() if n.recipient_agency == agency]
    return notice


def acknowledged(hub: Hub, notice: UUID) -> bool:
    hub.work.catch_up()
    return bool(hub.work.notices[notice].acknowledged)
