"""Settings from the environment: what production refuses, and what Kafka clients are given."""

from pathlib import Path

import pytest

from hub.settings import Settings, SettingsError

KAFKA = {"HUB_KAFKA_BOOTSTRAP": "kafka-1:9093,kafka-2:9093"}


def test_defaults_match_the_contract() -> None:
    settings = Settings.from_env({})
    assert settings.store_url == "sqlite:///var/hub.sqlite3"
    assert settings.home == Path("var")
    # The default store lives in HUB_HOME: a fresh HUB_HOME is a fresh hub.
    fresh = Settings.from_env({"HUB_HOME": "/tmp/elsewhere"})
    assert fresh.store_url == "sqlite:////tmp/elsewhere/hub.sqlite3"
    with pytest.raises(SettingsError, match="HUB_KAFKA_SESSION_TIMEOUT_MS"):
        Settings.from_env({"HUB_KAFKA_SESSION_TIMEOUT_MS": "soon"})
    assert settings.kafka_bootstrap is None
    assert not settings.is_production
    with pytest.raises(SettingsError, match="HUB_KAFKA_BOOTSTRAP"):
        settings.kafka_client()


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(SettingsError, match="HUB_ENV"):
        Settings.from_env({"HUB_ENV": "staging"})


def test_plaintext_kafka_is_for_development_only() -> None:
    assert Settings.from_env(KAFKA).kafka_client() == {
        "bootstrap_servers": KAFKA["HUB_KAFKA_BOOTSTRAP"], "security_protocol": "PLAINTEXT"}
    for protocol in ("PLAINTEXT", "SASL_PLAINTEXT"):
        with pytest.raises(SettingsError, match="unencrypted"):
            Settings.from_env({**KAFKA, "HUB_ENV": "production",
                               "HUB_KAFKA_SECURITY_PROTOCOL": protocol,
                               "HUB_KAFKA_SASL_MECHANISM": "PLAIN",
                               "HUB_KAFKA_SASL_USERNAME": "hub",
                               "HUB_KAFKA_SASL_PASSWORD_FILE": "/run/secrets/kafka"})
    # Without Kafka, production has nothing to refuse.
    assert Settings.from_env({"HUB_ENV": "production"}).is_production


def test_sasl_over_tls_reads_the_password_from_its_file(tmp_path: Path) -> None:
    secret = tmp_path / "kafka-password"
    secret.write_text("s3cret-from-the-vault\n")
    settings = Settings.from_env({
        **KAFKA, "HUB_ENV": "production", "HUB_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
        "HUB_KAFKA_SASL_MECHANISM": "scram-sha-512", "HUB_KAFKA_SASL_USERNAME": "hub-ingest",
        "HUB_KAFKA_SASL_PASSWORD_FILE": str(secret), "HUB_KAFKA_SSL_CAFILE": "/etc/ca.pem"})
    assert settings.kafka_client() == {
        "bootstrap_servers": KAFKA["HUB_KAFKA_BOOTSTRAP"], "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512", "sasl_plain_username": "hub-ingest",
        "sasl_plain_password": "s3cret-from-the-vault", "ssl_check_hostname": True,
        "ssl_cafile": "/etc/ca.pem"}
    assert "s3cret" not in repr(settings)  # the secret stays in its file until a client needs it


def test_a_missing_password_file_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings.from_env({
        **KAFKA, "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "HUB_KAFKA_SASL_MECHANISM": "PLAIN",
        "HUB_KAFKA_SASL_USERNAME": "hub", "HUB_KAFKA_SASL_PASSWORD_FILE":
        str(tmp_path / "absent")})
    with pytest.raises(SettingsError, match="cannot read HUB_KAFKA_SASL_PASSWORD_FILE"):
        settings.kafka_client()


@pytest.mark.parametrize(("extra", "complaint"), [
    ({"HUB_KAFKA_SECURITY_PROTOCOL": "TLS"}, "HUB_KAFKA_SECURITY_PROTOCOL"),
    ({"HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "HUB_KAFKA_SASL_MECHANISM": "GSSAPI"},
     "HUB_KAFKA_SASL_MECHANISM"),
    ({"HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "HUB_KAFKA_SASL_MECHANISM": "PLAIN"},
     "HUB_KAFKA_SASL_USERNAME"),
    ({"HUB_KAFKA_SECURITY_PROTOCOL": "SSL", "HUB_KAFKA_SSL_CERTFILE": "/etc/hub.pem"},
     "HUB_KAFKA_SSL_KEYFILE"),
])
def test_incomplete_kafka_security_is_refused(extra: dict[str, str], complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env({**KAFKA, **extra})


def test_production_never_falls_back_to_a_store_of_its_own(tmp_path: Path) -> None:
    from hub.bootstrap import bootstrap

    settings = Settings.from_env({"HUB_ENV": "production", "HUB_HOME": str(tmp_path)})
    assert settings.store_url_given is False
    with pytest.raises(SettingsError, match="production needs HUB_STORE_URL"):
        bootstrap(settings)
    assert list(tmp_path.iterdir()) == []  # refused before a key or a store was made
