"""The web app's sessions: an opaque cookie, sealed (AES-256-GCM) under a key in ``HUB_HOME``,
so any hub process reads it and nobody else can read or forge it.

A session holds a random id, the registered person's id (none before sign-in), when it began
and when it was last used, and the purpose (and case) chosen for reading: nothing personal.
A session unused for the idle time is over, and so is one older than ``LIFETIME``. Every form
carries a CSRF token, an HMAC of the session id: a session's own, checked on every POST.
Signing out ends the session in this process at once; in another process the cookie is
gone from the browser, and its seal runs out at the idle time.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "hub_session"
# However busy, a session ends after a working day and a half.
LIFETIME = timedelta(hours=12)
_AAD = b"hub-web-session/1"


@dataclass(frozen=True)
class WebSession:
    sid: str
    user_id: UUID | None
    began: datetime
    seen: datetime
    purpose: str | None = None
    case_ref: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None


@dataclass(frozen=True)
class Opened:
    """A cookie read: the session (None: there is none to use) and whether one ran out."""

    session: WebSession | None
    expired: bool = False


class SessionCodec:
    def __init__(self, secret: bytes, idle: timedelta, clock: Callable[[], datetime]) -> None:
        self._seal = AESGCM(hmac.new(secret, b"seal", hashlib.sha256).digest())
        self._csrf = hmac.new(secret, b"csrf", hashlib.sha256).digest()
        self.idle = idle
        self._clock = clock
        # Sessions signed out in this process, until their lifetime is over.
        self._ended: dict[str, datetime] = {}

    def new(self, user_id: UUID | None = None) -> WebSession:
        """A fresh session (a new id: signing in never keeps the id from before it)."""
        now = self._clock()
        return WebSession(secrets.token_hex(16), user_id, now, now)

    def seal(self, session: WebSession) -> str:
        body = json.dumps({"sid": session.sid, "uid": str(session.user_id or ""),
                           "began": session.began.isoformat(),
                           "seen": session.seen.isoformat(), "purpose": session.purpose,
                           "case": session.case_ref}, separators=(",", ":")).encode()
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._seal.encrypt(nonce, body, _AAD)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, token: str | None) -> Opened:
        """The session a cookie holds, if it is whole, ours, not ended and not idle too long."""
        session = self._unseal(token)
        if session is None or session.sid in self._ended:
            return Opened(None)
        now = self._clock()
        if now - session.seen >= self.idle or now - session.began >= LIFETIME \
                or session.seen > now + timedelta(minutes=1):
            return Opened(None, expired=session.signed_in)
        return Opened(session)

    def _unseal(self, token: str | None) -> WebSession | None:
        if not token or len(token) > 2048 or not token.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(self._seal.decrypt(raw[:12], raw[12:], _AAD))
            return WebSession(str(body["sid"]), UUID(body["uid"]) if body["uid"] else None,
                              datetime.fromisoformat(body["began"]),
                              datetime.fromisoformat(body["seen"]), body["purpose"],
                              body["case"])
        except (ValueError, InvalidTag, KeyError, TypeError):
            return None

    def touch(self, session: WebSession) -> WebSession:
        return replace(session, seen=self._clock())

    def end(self, session: WebSession) -> None:
        now = self._clock()
        self._ended = {sid: at for sid, at in self._ended.items() if now - at < LIFETIME}
        self._ended[session.sid] = now

    def csrf(self, session: WebSession) -> str:
        return hmac.new(self._csrf, session.sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: WebSession | None, given: str | None) -> bool:
        """Whether a form's token is this session's (compared in constant time)."""
        if session is None or not given or not given.isascii():
            return False
        return hmac.compare_digest(self.csrf(session).encode(), given.encode())


PENDING_COOKIE = "hub_oidc_pending"
# A sign-in at the identity provider not finished in this long is started again.
PENDING_LIFETIME = timedelta(minutes=10)
_PENDING_AAD = b"hub-web-oidc-pending/1"


class PendingCodec:
    """An OpenID Connect sign-in between leaving for the identity provider and coming back:
    its three random values (``PendingSignIn.as_session()``), sealed (AES-256-GCM, under its
    own key from the session key) in a short-lived cookie of this browser, so that only the
    browser that started a sign-in can finish it, once, within ``PENDING_LIFETIME``."""

    def __init__(self, secret: bytes, clock: Callable[[], datetime]) -> None:
        self._seal = AESGCM(hmac.new(secret, b"oidc-pending", hashlib.sha256).digest())
        self._clock = clock

    def seal(self, kept: dict[str, str]) -> str:
        body = json.dumps({**kept, "at": self._clock().isoformat()},
                          separators=(",", ":")).encode()
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._seal.encrypt(nonce, body, _PENDING_AAD)
        return base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, token: str | None) -> dict[str, str] | None:
        """What the cookie kept, if it is whole, ours and young enough; otherwise None."""
        if not token or len(token) > 2048 or not token.isascii():
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(self._seal.decrypt(raw[:12], raw[12:], _PENDING_AAD))
            age = self._clock() - datetime.fromisoformat(body.pop("at"))
        except (ValueError, InvalidTag, KeyError, TypeError, AttributeError):
            return None
        if not timedelta(minutes=-1) <= age < PENDING_LIFETIME:
            return None
        return {str(k): str(v) for k, v in body.items()}
