"""The ports: what the application services need from outside the hub, as protocols.

The adapters (``adapters/``) implement them, and only the composition root (``hub.bootstrap``)
names an adapter; a service is given one of these, never a concrete class.

    Keys            named secrets kept by the hub (adapters.keys.KeyFiles, under HUB_HOME/keys)
    DataKeys        per-person data keys, destroyable (adapters.data_keys: memory, SQLite,
                    PostgreSQL)
    EventLog        the store's log, followed in order from a position: the one loop behind
                    the work index, the indicators, the Kafka relay and retention
                    (adapters.event_log.StoreLog)
    StateFiles      where a projection keeps its state between runs (adapters.event_log)
    WitnessTransport  the connection a checkpoint is sent to a witness over
                    (adapters.witness_client.WitnessClient)
    IdentityProvider  the organisation's OpenID Connect provider, that people sign in to the
                    web app with (adapters.oidc.OidcProvider)
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID


class StoreUrlError(ValueError):
    """``HUB_STORE_URL`` is not one of the accepted forms."""


class KeyMissing(RuntimeError):
    """A key that must exist is not in ``HUB_HOME/keys``."""


class Keys(Protocol):
    """Named 256-bit secrets; in production a missing one is an error (``KeyMissing``)."""

    @property
    def folder(self) -> Path: ...

    def path(self, name: str) -> Path: ...

    def secret(self, name: str) -> bytes: ...

    def create(self, name: str) -> bool: ...

    def write(self, name: str, secret: bytes) -> None: ...


@dataclass(frozen=True)
class DataKey:
    holder: UUID
    version: int
    key: bytes


class DataKeys(Protocol):
    """Each person's data key. A destroyed key is gone for good: that is erasure."""

    def get(self, holder: UUID) -> DataKey | None: ...

    def get_or_create(self, holder: UUID) -> DataKey | None: ...

    def ensure(self, holders: list[UUID]) -> None: ...

    def destroy(self, holder: UUID) -> bool: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Logged:
    """One event of the store's log: its position, its aggregate, and the event itself,
    decoded only when asked for (``event()``)."""

    position: int
    originator_id: UUID
    event: Callable[[], Any]


class EventLog(Protocol):
    """The store's log, in the order it was written."""

    def end(self) -> int:
        """The position of the last event (0 when there is none)."""
        ...

    def first(self) -> Logged | None:
        """The first event, which names the store (a projection saved for another store is
        not this one's)."""
        ...

    def follow(self, after: int, topics: Sequence[str] = (),
               batch: int = 1000) -> Iterator[Sequence[Logged]]:
        """The events after position ``after`` (of the ``topics`` only, if any are given),
        batch by batch, until the end of the log."""
        ...


class StateFiles(Protocol):
    """Where a projection's state is kept between runs (nowhere, for a memory:// store)."""

    def load(self, name: str) -> dict[str, Any] | None: ...

    def save(self, name: str, data: dict[str, Any]) -> None: ...


class WitnessUnreachable(OSError):
    """The witness did not answer (connection refused, timed out, broken)."""


class WitnessTransport(Protocol):
    def add_checkpoint(self, body: bytes) -> tuple[int, str, bytes]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PendingSignIn:
    """What the web app keeps in the person's session between sending them to the identity
    provider and their return: three random values, each used once. ``state`` ties the
    return to this session, ``nonce`` the ID token to this request, ``code_verifier`` (PKCE)
    the code to this client."""

    state: str
    nonce: str
    code_verifier: str

    def as_session(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier}

    @classmethod
    def from_session(cls, kept: object) -> "PendingSignIn | None":
        """What the session kept, or None if it kept nothing usable."""
        if not isinstance(kept, dict):
            return None
        state, nonce, verifier = (kept.get(name) for name in ("state", "nonce", "code_verifier"))
        if not (isinstance(state, str) and isinstance(nonce, str)
                and isinstance(verifier, str) and state and nonce and verifier):
            return None
        return cls(state, nonce, verifier)


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the identity provider says signed in: its ``iss`` and ``sub``, from an ID token
    whose signature, issuer, audience, expiry and nonce were checked."""

    issuer: str
    subject: str


class IdentityRefused(Exception):
    """The provider refused, or its answer could not be verified (the message names the
    check that failed, never a claim's value)."""


class IdentityProviderUnreachable(OSError):
    """The identity provider did not answer (or not with its metadata)."""


class IdentityProvider(Protocol):
    @property
    def issuer(self) -> str: ...

    def authorization_url(self, pending: PendingSignIn) -> str:
        """Where to send the person to sign in (IdentityProviderUnreachable)."""
        ...

    def verify(self, code: str, pending: PendingSignIn) -> VerifiedIdentity:
        """Exchange the code and verify the ID token (IdentityRefused,
        IdentityProviderUnreachable)."""
        ...
