"""The OpenID Connect settings (HUB_OIDC_*): off unless the issuer is set, then complete or
refused, https:// only in production, the client secret from a file or the environment."""

from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.settings import OidcSettings, Settings, SettingsError

COMPLETE = {"HUB_OIDC_ISSUER": "https://idp.example.org/realms/hub",
            "HUB_OIDC_CLIENT_ID": "hub-web",
            "HUB_OIDC_CLIENT_SECRET": "a-client-secret",
            "HUB_OIDC_REDIRECT_URL": "https://hub.example.org/sign-in/callback"}
PRODUCTION = {"HUB_ENV": "production"}


def oidc(env: dict[str, str]) -> OidcSettings | None:
    return Settings.from_env(env).oidc


def test_sign_in_through_a_provider_is_off_unless_an_issuer_is_set() -> None:
    assert oidc({}) is None
    assert oidc(dict.fromkeys(COMPLETE, "")) is None
    with pytest.raises(SettingsError, match="without HUB_OIDC_ISSUER"):
        oidc({**COMPLETE, "HUB_OIDC_ISSUER": ""})


def test_complete_settings_are_taken_and_the_secret_is_never_shown() -> None:
    settings = oidc({**COMPLETE, **PRODUCTION})
    assert settings is not None
    assert (settings.issuer, settings.client_id, settings.redirect_url) == (
        "https://idp.example.org/realms/hub", "hub-web",
        "https://hub.example.org/sign-in/callback")
    assert settings.client_secret() == "a-client-secret"
    assert "a-client-secret" not in repr(Settings.from_env({**COMPLETE, **PRODUCTION}))


@pytest.mark.parametrize("missing", ["HUB_OIDC_CLIENT_ID", "HUB_OIDC_REDIRECT_URL",
                                     "HUB_OIDC_CLIENT_SECRET"])
@pytest.mark.parametrize("environment", [{}, PRODUCTION])
def test_incomplete_settings_are_refused(missing: str, environment: dict[str, str]) -> None:
    env = {**COMPLETE, **environment}
    del env[missing]
    with pytest.raises(SettingsError, match=f"incomplete: set {missing}"):
        oidc(env)


def test_one_secret_only(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not both"):
        oidc({**COMPLETE, "HUB_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "secret")})


def test_the_secret_file_is_read_when_used(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    env = {**COMPLETE, "HUB_OIDC_CLIENT_SECRET": "", "HUB_OIDC_CLIENT_SECRET_FILE": str(secret)}
    settings = oidc(env)
    assert settings is not None
    with pytest.raises(SettingsError, match="cannot read HUB_OIDC_CLIENT_SECRET_FILE"):
        settings.client_secret()
    secret.write_text("\n")
    with pytest.raises(SettingsError, match="is empty"):
        settings.client_secret()
    secret.write_text("from-a-mounted-secret\n")
    assert settings.client_secret() == "from-a-mounted-secret"
    secret.write_text("rotated\n")
    assert settings.client_secret() == "rotated"


def test_the_hub_does_not_start_with_a_secret_file_it_cannot_read(tmp_path: Path) -> None:
    settings = Settings(store_url="memory://", home=tmp_path / "home",
                        oidc=OidcSettings("https://idp.example.org", "hub-web",
                                          "https://hub.example.org/cb",
                                          client_secret_file=tmp_path / "absent"))
    with pytest.raises(SettingsError, match="HUB_OIDC_CLIENT_SECRET_FILE"):
        bootstrap(settings)


@pytest.mark.parametrize("name", ["HUB_OIDC_ISSUER", "HUB_OIDC_REDIRECT_URL"])
def test_production_refuses_plain_http(name: str) -> None:
    env = {**COMPLETE, name: "http://idp.internal:8080/callback"}
    assert oidc(env) is not None  # development: a provider on the loopback, say
    with pytest.raises(SettingsError, match=f"{name}: production refuses plain HTTP"):
        oidc({**env, **PRODUCTION})


@pytest.mark.parametrize("url", ["idp.example.org", "ftp://idp.example.org", "https://",
                                 "https://idp.example.org/#frag",
                                 "https://user:pw@idp.example.org/", "https://idp:99999/"])
@pytest.mark.parametrize("name", ["HUB_OIDC_ISSUER", "HUB_OIDC_REDIRECT_URL"])
def test_a_url_that_is_not_one_is_refused(name: str, url: str) -> None:
    with pytest.raises(SettingsError, match=name):
        oidc({**COMPLETE, name: url})


def test_an_issuer_has_no_query() -> None:
    with pytest.raises(SettingsError, match="HUB_OIDC_ISSUER must not have a query"):
        oidc({**COMPLETE, "HUB_OIDC_ISSUER": "https://idp.example.org/?tenant=1"})
