"""Sign-in to the web app through the organisation's OpenID Connect provider, for registered
people only.

The provider says who signed in: its issuer and the person's subject there, from a verified
ID token (``hub.ports.IdentityProvider``). The hub alone says who that is in the hub: an
identity counts only once an administrator has linked it to a registered person
(``hub users link-oidc --user ID --subject SUB``), and that person acts in the agency and role
they were registered with. No claim (an email, a group, a role) chooses an agency or a role,
or finds a person by itself; an identity not linked to an active person is refused. The link
is kept as a keyed hash of the issuer and subject, never the subject itself.

The web app's part:

    start = sign_in.begin()             # keep start.pending.as_session() in the session,
                                        # then redirect to start.url
    user_id = sign_in.complete(request.query_params, session.pop("oidc"))
                                        # SignInRefused (401), SignInUnavailable (503)
"""

import hmac
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.agencies import StaffChangeReason
from domain.errors import InvalidContent
from hub.errors import SignInRefused, SignInUnavailable
from hub.ports import (
    IdentityProvider,
    IdentityProviderUnreachable,
    IdentityRefused,
    PendingSignIn,
)
from hub.registry import Registry

log = logging.getLogger("hub.sign_in")


@dataclass(frozen=True)
class SignInStart:
    """Where to send the person (``url``), and what to keep in their session until they come
    back (``pending.as_session()``)."""

    url: str
    pending: PendingSignIn


class OidcSignIn:
    def __init__(self, provider: IdentityProvider, registry: Registry,
                 hasher: Callable[[str], str]) -> None:
        self._provider = provider
        self._registry = registry
        self._hash = hasher

    @property
    def issuer(self) -> str:
        return self._provider.issuer

    def sign_in_hash(self, subject: str) -> str:
        """The keyed hash an identity is linked and found by (the issuer's subject)."""
        return self._hash(f"oidc:{self._provider.issuer}\n{subject}")

    def link(self, actor: dict[str, str], user_id: UUID, subject: str,
             reason: StaffChangeReason = StaffChangeReason.OTHER) -> dict[str, object]:
        """The registered person signs in as ``subject`` at this issuer from now on (an
        administrator's act, audited); NotFound, Conflict, or RuleViolation if disabled."""
        if not subject or subject != subject.strip() or len(subject) > 255:
            raise InvalidContent("subject", "must be the provider's subject identifier (the "
                                 "ID token's sub), at most 255 characters")
        return self._registry.link_sign_in(actor, user_id, self.sign_in_hash(subject), reason)

    def begin(self) -> SignInStart:
        """A new sign-in: fresh state, nonce and PKCE verifier (SignInUnavailable if the
        provider cannot be reached for its metadata)."""
        pending = PendingSignIn(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                                code_verifier=secrets.token_urlsafe(64))
        try:
            url = self._provider.authorization_url(pending)
        except IdentityProviderUnreachable as error:
            raise SignInUnavailable(f"the identity provider cannot be reached: {error}") from None
        except IdentityRefused as error:
            raise SignInUnavailable(f"the identity provider is not usable: {error}") from None
        return SignInStart(url, pending)

    def complete(self, query: Mapping[str, str], kept: object) -> UUID:
        """The registered person who signed in, from the provider's redirect back (its query
        parameters) and what the session kept from ``begin`` (use it once: drop it from the
        session whatever happens). SignInRefused says why not; SignInUnavailable when the
        provider did not answer."""
        pending = PendingSignIn.from_session(kept)
        if pending is None:
            raise self._refused("no_sign_in_pending", "no sign-in was started in this session; "
                                "start again")
        state = query.get("state") or ""
        if not hmac.compare_digest(state.encode(), pending.state.encode()):
            raise self._refused("state_mismatch", "the sign-in does not belong to this "
                                "session; start again")
        if query.get("error"):
            # The provider's error text is not echoed: it comes back through the browser.
            raise self._refused("provider_refused", "the identity provider did not sign you in")
        code = query.get("code")
        if not code:
            raise self._refused("no_code", "the identity provider sent no authorisation code")
        try:
            identity = self._provider.verify(code, pending)
        except IdentityRefused as error:
            raise self._refused("token_invalid", f"the sign-in could not be verified: "
                                f"{error}") from None
        except IdentityProviderUnreachable as error:
            raise SignInUnavailable(f"the identity provider cannot be reached: {error}") from None
        if identity.issuer != self._provider.issuer:
            raise self._refused("token_invalid", "the ID token is from another issuer")
        try:
            caller = self._registry.signed_in(self.sign_in_hash(identity.subject))
        except SignInRefused as refused:
            log.warning("sign-in refused: %s", refused.reason)
            raise
        log.info("signed in through the identity provider: user %s", caller.user_id)
        return caller.user_id

    @staticmethod
    def _refused(reason: str, message: str) -> SignInRefused:
        log.warning("sign-in refused: %s", reason)
        return SignInRefused(reason, message)
