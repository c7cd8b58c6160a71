"""The hub's OpenID Connect relying party, with authlib over httpx2: the provider's metadata
from its discovery document, the authorisation code flow with PKCE (S256), and the ID token
verified (signature against the provider's published keys; issuer, audience, expiry and
nonce) before anyone is taken to have signed in.

The provider is the organisation's identity provider; the hub is a confidential client of it
(client_secret_basic). Its metadata is read once and kept; its keys are read again when an ID
token names a key the hub does not hold (the provider rotated them).
"""

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.httpx_client import OAuth2Client, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from hub.ports import (
    IdentityProviderUnreachable,
    IdentityRefused,
    PendingSignIn,
    VerifiedIdentity,
)

__all__ = ["SIGNING_ALGORITHMS", "OidcProvider", "UnknownSigningKey", "verify_id_token"]

# The ID token's signature: public-key algorithms only (never "none", nor a MAC keyed with
# the client secret), intersected with those the provider says it uses.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                      "ES512", "EdDSA")
# Clock skew allowed between the hub and the provider, for exp, iat and nbf.
LEEWAY_S = 60
DISCOVERY = "/.well-known/openid-configuration"
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def _now() -> datetime:
    return datetime.now(UTC)


class UnknownSigningKey(IdentityRefused):
    """The ID token names a key that is not in the key set (read the provider's keys again)."""


def verify_id_token(id_token: str, keys: Mapping[str, Any], *, issuer: str, client_id: str,
                    nonce: str, access_token: str | None, now: datetime,
                    algorithms: tuple[str, ...] = SIGNING_ALGORITHMS) -> dict[str, Any]:
    """The ID token's claims, once its signature verifies against ``keys`` (a JWK set) and
    its claims are this sign-in's: ``iss`` the issuer, ``aud`` this client (``azp`` too when
    there are other audiences), not expired, ``nonce`` the one sent, ``at_hash`` matching the
    access token. IdentityRefused (naming the check, never a value) otherwise."""
    try:
        key_set = KeySet.import_key_set(cast(KeySetSerialization, dict(keys)))
        token = jwt.decode(id_token, key_set, algorithms=list(algorithms))
    except InvalidKeyIdError:
        raise UnknownSigningKey("the ID token is signed with a key the provider does not "
                                "publish") from None
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise IdentityRefused("the ID token's signature does not verify "
                              f"({type(error).__name__})") from None
    claims = CodeIDToken(
        token.claims, token.header,
        {"iss": {"essential": True, "value": issuer},
         "aud": {"essential": True, "value": client_id},
         "sub": {"essential": True}, "exp": {"essential": True},
         "nonce": {"essential": True, "value": nonce}},
        {"nonce": nonce, "client_id": client_id, "access_token": access_token})
    try:
        claims.validate(now=int(now.timestamp()), leeway=LEEWAY_S)
    except JoseError as error:
        raise IdentityRefused(f"the ID token is not valid for this sign-in "
                              f"({error.error}: {_claim(error)})") from None
    return dict(claims)


def _claim(error: JoseError) -> str:
    """The claim a validation error is about (joserfc names it in its description)."""
    return str(getattr(error, "claim", None) or error.description or "claims")


class OidcProvider:
    """One OpenID Connect provider, as the hub's ``IdentityProvider`` (hub.ports)."""

    def __init__(self, issuer: str, client_id: str, client_secret: Callable[[], str],
                 redirect_url: str, clock: Callable[[], datetime] = _now,
                 timeout: float = 10.0) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_url = redirect_url
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, Any] | None = None

    @property
    def issuer(self) -> str:
        return self._issuer

    def authorization_url(self, pending: PendingSignIn) -> str:
        endpoint = self.metadata()["authorization_endpoint"]
        with self._client() as client:
            url, _ = client.create_authorization_url(
                endpoint, state=pending.state, code_verifier=pending.code_verifier,
                nonce=pending.nonce)
        return str(url)

    def verify(self, code: str, pending: PendingSignIn) -> VerifiedIdentity:
        tokens = self.exchange(code, pending)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityRefused("the provider's answer has no ID token")
        access_token = tokens.get("access_token")
        claims = self.verified_claims(id_token, pending.nonce,
                                      access_token if isinstance(access_token, str) else None)
        return VerifiedIdentity(issuer=claims["iss"], subject=claims["sub"])

    def exchange(self, code: str, pending: PendingSignIn) -> dict[str, Any]:
        """The provider's token response for this code (sent with the PKCE verifier and the
        redirect URL, the client authenticated by its secret)."""
        endpoint = self.metadata()["token_endpoint"]
        with self._client() as client:
            try:
                tokens = client.fetch_token(endpoint, grant_type="authorization_code",
                                            code=code, code_verifier=pending.code_verifier)
            except OAuthError as error:
                raise IdentityRefused(f"the provider refused the code ({error.error})") from None
            except httpx2.TransportError as error:
                raise IdentityProviderUnreachable(f"the identity provider did not answer "
                                                  f"({type(error).__name__})") from None
            except httpx2.HTTPStatusError as error:
                raise IdentityProviderUnreachable(f"the identity provider answered "
                                                  f"{error.response.status_code}") from None
            except ValueError:
                raise IdentityRefused("the provider's token response is not JSON") from None
        return dict(tokens)

    def verified_claims(self, id_token: str, nonce: str,
                        access_token: str | None) -> dict[str, Any]:
        """An ID token's claims, verified (``verify_id_token``) against the provider's keys,
        read again once if the token names a key not held."""
        metadata = self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported")
        algorithms = tuple(a for a in SIGNING_ALGORITHMS
                           if not isinstance(offered, list) or a in offered)
        def verify(keys: dict[str, Any]) -> dict[str, Any]:
            return verify_id_token(id_token, keys, issuer=self._issuer,
                                   client_id=self._client_id, nonce=nonce,
                                   access_token=access_token, now=self._clock(),
                                   algorithms=algorithms)

        try:
            return verify(self._jwks(fresh=False))
        except UnknownSigningKey:
            return verify(self._jwks(fresh=True))

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, read once: it must name this issuer, and its
        endpoints must be on https:// when the issuer is."""
        with self._lock:
            if self._metadata is None:
                document = self._get_json(self._issuer.rstrip("/") + DISCOVERY)
                if document.get("issuer") != self._issuer:
                    raise IdentityRefused("the provider's discovery document names another "
                                          "issuer")
                secure = urlsplit(self._issuer).scheme == "https"
                for name in ENDPOINTS:
                    value = document.get(name)
                    if not isinstance(value, str) or urlsplit(value).scheme not in (
                            ("https",) if secure else ("http", "https")):
                        raise IdentityRefused(f"the provider's discovery document has no "
                                              f"usable {name}")
                self._metadata = document
            return self._metadata

    def _jwks(self, fresh: bool) -> dict[str, Any]:
        with self._lock:
            keys = self._keys
        if keys is None or fresh:
            keys = self._get_json(self.metadata()["jwks_uri"])
            if not isinstance(keys.get("keys"), list):
                raise IdentityRefused("the provider's key set has no keys")
            with self._lock:
                self._keys = keys
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = httpx2.get(url, timeout=self._timeout, follow_redirects=False)
        except httpx2.TransportError as error:
            raise IdentityProviderUnreachable(f"the identity provider did not answer "
                                              f"({type(error).__name__})") from None
        if response.status_code != 200:
            raise IdentityProviderUnreachable(f"the identity provider answered "
                                              f"{response.status_code}")
        try:
            document = response.json()
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise IdentityProviderUnreachable("the identity provider's answer is not a JSON "
                                              "object")
        return document

    def _client(self) -> OAuth2Client:
        return OAuth2Client(client_id=self._client_id, client_secret=self._client_secret(),
                            scope="openid", redirect_uri=self._redirect_url,
                            code_challenge_method="S256", timeout=self._timeout)
