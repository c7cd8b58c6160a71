"""The web app's sessions through its pages, on the hub's own clock: a session unused for the
idle time (a setting) is signed out and told why; used within it, it goes on; signing out ends
it, and its cookie replayed afterwards signs nobody in; signing in starts a new session, whose
CSRF token the session from before cannot use."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hub.web.sessions import COOKIE
from tests.web_support import csrf_of, demo_web, sign_in

RIVERSIDE = "riverside-primary/dsl"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_idle_for_the_time_out_signs_out_and_says_why(tmp_path: Path) -> None:
    clock = Clock()
    with demo_web(tmp_path, clock=clock, idle_minutes=20) as (_, client):
        sign_in(client, RIVERSIDE, "encompass")
        for _ in range(3):  # each page moves the time-out on
            clock.now += timedelta(minutes=19, seconds=59)
            assert client.get("/encompass").status_code == 200
        clock.now += timedelta(minutes=20)
        gone = client.get("/encompass", follow_redirects=False)
        assert gone.status_code == 303
        assert gone.headers["location"] == "/sign-in?expired=1"
        told = client.get(gone.headers["location"])
        assert re.search(r"did nothing for\s+20 minutes", told.text)
        assert client.get("/", follow_redirects=False).status_code == 303


def test_a_signed_out_session_cannot_be_replayed(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (_, client):
        token = sign_in(client, RIVERSIDE, "encompass")
        cookie = client.cookies[COOKIE]
        out = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303
        assert out.headers["location"] == "/sign-in?signed_out=true"
        assert COOKIE not in client.cookies
        client.cookies.set(COOKIE, cookie)
        replayed = client.get("/encompass", follow_redirects=False)
        assert replayed.status_code == 303
        assert replayed.headers["location"] == "/sign-in"


def test_signing_in_starts_a_new_session(tmp_path: Path) -> None:
    with demo_web(tmp_path) as (_, client):
        before = csrf_of(client.get("/sign-in").text)
        anonymous = client.cookies[COOKIE]
        after = sign_in(client, RIVERSIDE, "encompass")
        assert after != before
        assert client.cookies[COOKIE] != anonymous
        # The token from before signing in is no use to the signed-in session.
        assert client.post("/purpose", data={"csrf_token": before, "purpose": "triage",
                                             "next": "/"}).status_code == 403
        assert client.post("/purpose", data={"csrf_token": after, "purpose": "triage",
                                             "next": "/"}, follow_redirects=False
                           ).status_code == 303
