"""The web app's sessions: sealed cookies nobody else can read or forge, idle and absolute
time-outs at their boundaries, CSRF tokens bound to one session, and signing out."""

import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from hub.settings import Settings, SettingsError
from hub.web.sessions import LIFETIME, SessionCodec

SECRET = bytes(range(32))
IDLE = timedelta(minutes=15)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(clock: Clock) -> SessionCodec:
    return SessionCodec(SECRET, IDLE, clock)


def test_a_sealed_session_opens_as_it_was(codec: SessionCodec) -> None:
    user = uuid4()
    session = codec.new(user)
    opened = codec.open(codec.seal(session)).session
    assert opened == session
    assert opened is not None
    assert opened.signed_in
    assert not codec.new().signed_in


def test_the_cookie_holds_nothing_readable(codec: SessionCodec) -> None:
    user = uuid4()
    session = codec.new(user)
    token = codec.seal(session)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for clear in (str(user).encode(), session.sid.encode(), b"uid", b"purpose"):
        assert clear not in raw
    assert codec.seal(session) != token  # a fresh nonce every time


def test_a_changed_or_foreign_cookie_is_no_session(codec: SessionCodec, clock: Clock) -> None:
    token = codec.seal(codec.new(uuid4()))
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    other = SessionCodec(bytes(32), IDLE, clock).seal(codec.new(uuid4()))
    for bad in (flipped, other, "", None, "not a cookie", "é" * 10, "A" * 5000):
        assert codec.open(bad).session is None
        assert not codec.open(bad).expired


def test_idle_for_less_than_the_time_out_stays_signed_in(codec: SessionCodec,
                                                          clock: Clock) -> None:
    token = codec.seal(codec.new(uuid4()))
    clock.now += IDLE - timedelta(seconds=1)
    assert codec.open(token).session is not None


def test_idle_for_the_time_out_is_signed_out(codec: SessionCodec, clock: Clock) -> None:
    token = codec.seal(codec.new(uuid4()))
    clock.now += IDLE
    opened = codec.open(token)
    assert opened.session is None
    assert opened.expired  # the sign-in page says why


def test_each_use_moves_the_idle_time_out_on(codec: SessionCodec, clock: Clock) -> None:
    session = codec.new(uuid4())
    for _ in range(3):
        clock.now += IDLE - timedelta(minutes=1)
        opened = codec.open(codec.seal(session)).session
        assert opened is not None
        session = codec.touch(opened)
    assert clock.now - session.began > IDLE


def test_no_session_outlives_its_lifetime_however_busy(codec: SessionCodec,
                                                       clock: Clock) -> None:
    session = codec.new(uuid4())
    while clock.now - session.began < LIFETIME - timedelta(minutes=10):
        clock.now += timedelta(minutes=10)
        session = codec.touch(session)
    assert codec.open(codec.seal(session)).session is not None
    clock.now = session.began + LIFETIME
    session = codec.touch(session)
    assert codec.open(codec.seal(session)).session is None


def test_a_session_last_used_in_the_future_is_refused(codec: SessionCodec,
                                                      clock: Clock) -> None:
    session = codec.new(uuid4())
    clock.now += timedelta(minutes=5)
    token = codec.seal(codec.touch(session))
    clock.now -= timedelta(minutes=5)
    assert codec.open(token).session is None


def test_the_idle_time_out_is_not_a_wall_clock_matter_across_bst(clock: Clock) -> None:
    # Sunday 25 October 2026, 01:50 BST; ten minutes later is 01:00 GMT, and still ten minutes.
    clock.now = datetime(2026, 10, 25, 0, 50, tzinfo=UTC)
    codec = SessionCodec(SECRET, IDLE, clock)
    token = codec.seal(codec.new(uuid4()))
    clock.now += timedelta(minutes=10)
    assert codec.open(token).session is not None


def test_csrf_tokens_belong_to_one_session(codec: SessionCodec) -> None:
    one, two = codec.new(uuid4()), codec.new(uuid4())
    assert codec.csrf_ok(one, codec.csrf(one))
    assert not codec.csrf_ok(one, codec.csrf(two))
    assert not codec.csrf_ok(None, codec.csrf(one))
    for bad in (None, "", "0" * 64, codec.csrf(one)[:-1], "é"):
        assert not codec.csrf_ok(one, bad)


def test_signing_out_ends_the_session(codec: SessionCodec) -> None:
    session = codec.new(uuid4())
    token = codec.seal(session)
    codec.end(session)
    assert codec.open(token).session is None
    assert codec.open(codec.seal(codec.new(uuid4()))).session is not None


def test_the_idle_time_out_is_a_setting() -> None:
    assert Settings.from_env({}).web_idle_minutes == 15
    assert Settings.from_env({"HUB_WEB_IDLE_MINUTES": "30"}).web_idle_minutes == 30
    for bad in ("0", "481", "ten", "-5", "1.5"):
        with pytest.raises(SettingsError, match="HUB_WEB_IDLE_MINUTES"):
            Settings.from_env({"HUB_WEB_IDLE_MINUTES": bad})
    assert not Settings.from_env({}).web_secure_cookie
    assert Settings.from_env({"HUB_WEB_SECURE_COOKIE": "true"}).web_secure_cookie
