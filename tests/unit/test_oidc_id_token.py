"""The ID token is taken as a sign-in only once its signature verifies against the provider's
published keys and its claims are this sign-in's: issued by the configured issuer, to this
client, not expired, with the nonce sent. Tokens signed here with keys made for the test."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from adapters.oidc import LEEWAY_S, UnknownSigningKey, verify_id_token
from hub.ports import IdentityRefused

ISSUER = "https://idp.example.org/realms/hub"
CLIENT = "hub-web"
NONCE = "n-0S6_WzA2Mj"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
PUBLISHED = KeySet([KEY]).as_dict(private=False)


def claims(**changed: Any) -> dict[str, Any]:
    at = int(NOW.timestamp())
    found = {"iss": ISSUER, "sub": "248289761001", "aud": CLIENT, "exp": at + 300,
             "iat": at - 5, "nonce": NONCE}
    found.update(changed)
    return {k: v for k, v in found.items() if v is not None}


def signed(body: dict[str, Any], key: Any = KEY, alg: str = "RS256", kid: str = "k1") -> str:
    return jwt.encode({"alg": alg, "kid": kid}, body, key, algorithms=[alg])


def verify(token: str, now: datetime = NOW, access_token: str | None = None) -> dict[str, Any]:
    return verify_id_token(token, PUBLISHED, issuer=ISSUER, client_id=CLIENT, nonce=NONCE,
                           access_token=access_token, now=now)


def test_a_token_for_this_sign_in_verifies() -> None:
    assert verify(signed(claims()))["sub"] == "248289761001"
    # Several audiences, this client the authorised party among them.
    assert verify(signed(claims(aud=[CLIENT, "api"], azp=CLIENT)))["aud"] == [CLIENT, "api"]


@pytest.mark.parametrize(("changed", "check"), [
    ({"iss": "https://idp.example.org/realms/other"}, "iss"),
    ({"aud": "other-app"}, "aud"),
    ({"aud": ["other-app", "api"]}, "aud"),
    ({"aud": [CLIENT, "api"]}, "azp"),  # several audiences: azp must say it was this client
    ({"aud": [CLIENT, "api"], "azp": "api"}, "azp"),
    ({"nonce": "another-nonce"}, "nonce"),
    ({"nonce": None}, "nonce"),
    ({"sub": None}, "sub"),
    ({"exp": None}, "exp"),
])
def test_a_claim_that_is_not_this_sign_ins_is_refused(changed: dict[str, Any],
                                                      check: str) -> None:
    with pytest.raises(IdentityRefused, match=check):
        verify(signed(claims(**changed)))


def test_expiry_at_its_boundary_with_the_leeway() -> None:
    token = signed(claims())
    expires = NOW + timedelta(seconds=300)
    assert verify(token, now=expires + timedelta(seconds=LEEWAY_S - 1))
    with pytest.raises(IdentityRefused, match="expired"):
        verify(token, now=expires + timedelta(seconds=LEEWAY_S + 1))


def test_a_token_issued_in_the_future_is_refused() -> None:
    with pytest.raises(IdentityRefused, match="iat"):
        verify(signed(claims(iat=int(NOW.timestamp()) + 3600)))


def test_a_signature_by_another_key_is_refused() -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(IdentityRefused, match="signature"):
        verify(signed(claims(), key=impostor))


def test_a_key_the_provider_does_not_publish_is_asked_for_again() -> None:
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2"})
    with pytest.raises(UnknownSigningKey):
        verify(signed(claims(), key=rotated, kid="k2"))


def test_an_unsigned_token_or_one_keyed_with_a_shared_secret_is_refused() -> None:
    def b64(part: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    unsigned = f"{b64({'alg': 'none', 'kid': 'k1'})}.{b64(claims())}."
    with pytest.raises(IdentityRefused, match="signature"):
        verify(unsigned)
    secret = OctKey.import_key(b"s" * 64, {"kid": "k1"})
    shared = KeySet([KEY, secret]).as_dict(private=True)
    with pytest.raises(IdentityRefused, match="signature"):
        verify_id_token(signed(claims(), key=secret, alg="HS256"), shared, issuer=ISSUER,
                        client_id=CLIENT, nonce=NONCE, access_token=None, now=NOW)


def test_the_access_token_hash_must_match_when_given() -> None:
    access_token = "SlAV32hkKG"
    digest = hashlib.sha256(access_token.encode()).digest()[:16]
    at_hash = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert verify(signed(claims(at_hash=at_hash)), access_token=access_token)
    with pytest.raises(IdentityRefused, match="at_hash"):
        verify(signed(claims(at_hash=at_hash)), access_token="another-token")


def test_a_malformed_token_is_refused() -> None:
    for token in ("", "not-a-jwt", "a.b.c", signed(claims())[:-8]):
        with pytest.raises(IdentityRefused):
            verify(token)
