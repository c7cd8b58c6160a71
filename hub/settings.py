"""The hub's settings, read once from the environment (docs/interface.md lists them)."""

import hmac
import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from hub.audit.witnesses import WitnessConfig, parse_witnesses
from hub.files import private_text
from hub.urls import http_url


class SettingsError(ValueError):
    """A setting that is missing or not allowed."""


KAFKA_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
# A metrics token shorter than this is too easily guessed (secrets.token_urlsafe(32) is 43).
MIN_METRICS_TOKEN = 32


@dataclass(frozen=True)
class KafkaSecurity:
    """How the hub authenticates to Kafka and protects what it sends there.

    Outbound records can carry personal data (an Operation Encompass notice names the child),
    so production refuses a connection that is not encrypted. The SASL password is read from
    a file (a mounted secret) when a client is built, never from the environment itself.
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password_file: Path | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str], production: bool) -> "KafkaSecurity":
        def path(name: str) -> Path | None:
            return Path(env[name]) if env.get(name) else None

        protocol = env.get("HUB_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper()
        if protocol not in KAFKA_PROTOCOLS:
            raise SettingsError(f"HUB_KAFKA_SECURITY_PROTOCOL must be one of "
                                f"{', '.join(KAFKA_PROTOCOLS)}")
        if production and env.get("HUB_KAFKA_BOOTSTRAP") and not protocol.endswith("SSL"):
            raise SettingsError("production refuses unencrypted Kafka: set "
                                "HUB_KAFKA_SECURITY_PROTOCOL to SSL or SASL_SSL")
        security = cls(protocol=protocol,
                       sasl_mechanism=env.get("HUB_KAFKA_SASL_MECHANISM", "").upper() or None,
                       sasl_username=env.get("HUB_KAFKA_SASL_USERNAME") or None,
                       sasl_password_file=path("HUB_KAFKA_SASL_PASSWORD_FILE"),
                       ssl_cafile=path("HUB_KAFKA_SSL_CAFILE"),
                       ssl_certfile=path("HUB_KAFKA_SSL_CERTFILE"),
                       ssl_keyfile=path("HUB_KAFKA_SSL_KEYFILE"))
        if protocol.startswith("SASL"):
            if security.sasl_mechanism not in KAFKA_SASL_MECHANISMS:
                raise SettingsError(f"HUB_KAFKA_SASL_MECHANISM must be one of "
                                    f"{', '.join(KAFKA_SASL_MECHANISMS)}")
            if not security.sasl_username or not security.sasl_password_file:
                raise SettingsError("SASL needs HUB_KAFKA_SASL_USERNAME and "
                                    "HUB_KAFKA_SASL_PASSWORD_FILE")
        if bool(security.ssl_certfile) != bool(security.ssl_keyfile):
            raise SettingsError("a Kafka client certificate needs both HUB_KAFKA_SSL_CERTFILE "
                                "and HUB_KAFKA_SSL_KEYFILE")
        return security

    def client_options(self) -> dict[str, object]:
        """kafka-python's connection options, for producers, consumers and admin clients."""
        options: dict[str, object] = {"security_protocol": self.protocol}
        if self.protocol.startswith("SASL"):
            if self.sasl_password_file is None:
                raise SettingsError("SASL needs HUB_KAFKA_SASL_PASSWORD_FILE")
            try:
                password = self.sasl_password_file.read_text().strip()
            except OSError as error:
                raise SettingsError(f"cannot read HUB_KAFKA_SASL_PASSWORD_FILE "
                                    f"({error.strerror})") from None
            options.update(sasl_mechanism=self.sasl_mechanism,
                           sasl_plain_username=self.sasl_username,
                           sasl_plain_password=password)
        if self.protocol.endswith("SSL"):
            options["ssl_check_hostname"] = True
            for option, value in (("ssl_cafile", self.ssl_cafile),
                                  ("ssl_certfile", self.ssl_certfile),
                                  ("ssl_keyfile", self.ssl_keyfile)):
                if value is not None:
                    options[option] = str(value)
        return options


@dataclass(frozen=True)
class OidcSettings:
    """Sign-in to the web app through the organisation's OpenID Connect provider (its identity
    provider: Entra ID, Keycloak, ...), as a confidential client using the authorisation code
    flow with PKCE. Enabled by HUB_OIDC_ISSUER; then every other setting is required, in
    development too (a half-configured sign-in is a mistake wherever it is). Production
    refuses anything but https:// for the issuer and the redirect URL.

    The client secret comes from HUB_OIDC_CLIENT_SECRET_FILE (a mounted secret, read when
    the client is built) or HUB_OIDC_CLIENT_SECRET; never both."""

    issuer: str
    client_id: str
    redirect_url: str
    client_secret_file: Path | None = None
    client_secret_value: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], production: bool) -> "OidcSettings | None":
        given = {name: env[name].strip() for name in OIDC_SETTINGS if env.get(name, "").strip()}
        if not given:
            return None
        if "HUB_OIDC_ISSUER" not in given:
            raise SettingsError("HUB_OIDC_ settings without HUB_OIDC_ISSUER: set the issuer "
                                "to enable OpenID Connect sign-in, or remove the others")
        missing = [name for name in ("HUB_OIDC_CLIENT_ID", "HUB_OIDC_REDIRECT_URL")
                   if name not in given]
        secrets_given = [name for name in ("HUB_OIDC_CLIENT_SECRET_FILE",
                                           "HUB_OIDC_CLIENT_SECRET") if name in given]
        if not secrets_given:
            missing.append("HUB_OIDC_CLIENT_SECRET_FILE (or HUB_OIDC_CLIENT_SECRET)")
        if missing:
            raise SettingsError(f"OpenID Connect sign-in is enabled (HUB_OIDC_ISSUER) but "
                                f"incomplete: set {', '.join(missing)}")
        if len(secrets_given) > 1:
            raise SettingsError("set one of HUB_OIDC_CLIENT_SECRET_FILE and "
                                "HUB_OIDC_CLIENT_SECRET, not both")
        issuer = _oidc_url("HUB_OIDC_ISSUER", given["HUB_OIDC_ISSUER"], production)
        if urlsplit(issuer).query:
            raise SettingsError("HUB_OIDC_ISSUER must not have a query")
        secret_file = given.get("HUB_OIDC_CLIENT_SECRET_FILE")
        return cls(issuer=issuer, client_id=given["HUB_OIDC_CLIENT_ID"],
                   redirect_url=_oidc_url("HUB_OIDC_REDIRECT_URL",
                                          given["HUB_OIDC_REDIRECT_URL"], production),
                   client_secret_file=Path(secret_file) if secret_file else None,
                   client_secret_value=given.get("HUB_OIDC_CLIENT_SECRET"))

    def client_secret(self) -> str:
        """The client secret (read from its file each time the client is built)."""
        if self.client_secret_file is None:
            return self.client_secret_value or ""
        try:
            secret = self.client_secret_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
            raise SettingsError(f"cannot read HUB_OIDC_CLIENT_SECRET_FILE ({reason})") from None
        if not secret:
            raise SettingsError("HUB_OIDC_CLIENT_SECRET_FILE is empty")
        return secret


OIDC_SETTINGS = ("HUB_OIDC_ISSUER", "HUB_OIDC_CLIENT_ID", "HUB_OIDC_CLIENT_SECRET_FILE",
                 "HUB_OIDC_CLIENT_SECRET", "HUB_OIDC_REDIRECT_URL")


def _oidc_url(name: str, raw: str, production: bool) -> str:
    """An absolute http(s) URL without a fragment; https:// only, in production."""
    try:
        parts = http_url(raw, name)
    except ValueError:
        raise SettingsError(f"{name} is not a URL") from None
    if parts.fragment or parts.username or parts.password:
        raise SettingsError(f"{name} must be an http:// or https:// URL with a host, without "
                            "a fragment or credentials")
    if production and parts.scheme != "https":
        raise SettingsError(f"{name}: production refuses plain HTTP; give its https:// URL")
    return raw


class Environment(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Settings:
    store_url: str = "sqlite:///var/hub.sqlite3"
    # Whether HUB_STORE_URL named the store (production refuses to fall back to the default).
    store_url_given: bool = True
    home: Path = Path("var")
    kafka_bootstrap: str | None = None
    kafka_security: KafkaSecurity = field(default_factory=KafkaSecurity)
    environment: Environment = Environment.DEV
    # Larger bodies are refused before they are read (413).
    max_body_bytes: int = 1_048_576
    # The name signed into every audit checkpoint, and the signing key's name.
    audit_origin: str = "safeguarding-hub/audit"
    # How long the Kafka group waits for a silent consumer before giving its partitions to
    # another (kafka-python's default, 45 s, delays recovery after a crash).
    kafka_session_timeout_ms: int = 10_000
    # Idempotent producers (with acks=all), as production Kafka should have; a broker without
    # reliable producer ids (the in-memory test broker) runs with it off.
    kafka_idempotent: bool = True
    # A local retention schedule (CSV like policies/retention.csv); never shorter than it.
    retention_file: Path | None = None
    # Local calendars and timescales (TOML like policies/timescales.toml).
    timescales_file: Path | None = None
    # Children living in the area: the denominator of the "per 10,000 children" indicators.
    child_population: int | None = None
    # The area profile whose seed figures the board's figures are compared with (a packaged
    # profile's name or a profile file; HUB_BOARD_PROFILE, "" for none).
    board_profile: str = "nottingham"
    # Whom unscheduled care calls, per local authority (TOML like policies/contacts.toml).
    contacts_file: Path | None = None
    # How long a bearer token works after it is issued (HUB_TOKEN_DAYS).
    token_days: int = 90
    # The bearer token that Prometheus shows to read /metrics (and the metrics of hub ingest
    # and hub relay); unset: see resolved_metrics_token().
    metrics_token: str | None = field(default=None, repr=False)
    # The witnesses every audit checkpoint is submitted to (HUB_AUDIT_WITNESSES: one or more
    # <witness verifier key>@<submission URL>, comma-separated); none: no witnessing.
    audit_witnesses: tuple[WitnessConfig, ...] = ()
    # For `hub witness`: the witness's key name (HUB_WITNESS_NAME), and the verifier keys of
    # the logs it witnesses (HUB_WITNESS_LOGS, comma-separated).
    witness_name: str = "hub-witness"
    witness_logs: tuple[str, ...] = ()
    # Sign-in to the web app through an OpenID Connect provider (HUB_OIDC_*); None: not
    # enabled.
    oidc: OidcSettings | None = None
    # The web app (hub.web): a session unused this long is signed out (HUB_WEB_IDLE_MINUTES),
    # and its cookie is Secure on every answer, not only over TLS (HUB_WEB_SECURE_COOKIE,
    # behind a proxy that ends TLS and does not say so).
    web_idle_minutes: int = 15
    web_secure_cookie: bool = False

    def kafka_client(self) -> dict[str, object]:
        """Everything a kafka-python client needs to reach the brokers."""
        if not self.kafka_bootstrap:
            raise SettingsError("set HUB_KAFKA_BOOTSTRAP to the Kafka brokers")
        return {"bootstrap_servers": self.kafka_bootstrap,
                **self.kafka_security.client_options()}

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    def resolved_metrics_token(self) -> str:
        """The bearer token a metrics scraper must show: HUB_METRICS_TOKEN. In development,
        when it is unset, one is made once into HUB_HOME/metrics.token (0600) and read from
        there; production refuses to serve metrics without it."""
        if self.metrics_token:
            return self.metrics_token
        if self.is_production:
            raise SettingsError("production needs HUB_METRICS_TOKEN: the bearer token "
                                "Prometheus shows to read the metrics")
        return private_text(self.home / "metrics.token", lambda: secrets.token_urlsafe(32))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        raw_env = env.get("HUB_ENV", "dev")
        try:
            environment = Environment(raw_env)
        except ValueError:
            raise SettingsError("HUB_ENV must be 'dev' or 'production'") from None
        home = Path(env.get("HUB_HOME") or "var")
        return cls(
            # A fresh HUB_HOME is a fresh hub: the default store lives inside it.
            store_url=env.get("HUB_STORE_URL") or default_store_url(home),
            store_url_given=bool(env.get("HUB_STORE_URL")),
            home=home,
            kafka_bootstrap=env.get("HUB_KAFKA_BOOTSTRAP") or None,
            kafka_security=KafkaSecurity.from_env(env, environment is Environment.PRODUCTION),
            environment=environment,
            audit_origin=env.get("HUB_AUDIT_ORIGIN", cls.audit_origin),
            kafka_session_timeout_ms=_session_timeout(env.get("HUB_KAFKA_SESSION_TIMEOUT_MS")),
            kafka_idempotent=env.get("HUB_KAFKA_IDEMPOTENT", "true").lower() != "false",
            retention_file=Path(env["HUB_RETENTION_FILE"]) if env.get("HUB_RETENTION_FILE")
            else None,
            timescales_file=(Path(env["HUB_TIMESCALES_FILE"]) if env.get("HUB_TIMESCALES_FILE")
                             else None),
            child_population=_population(env.get("HUB_CHILD_POPULATION")),
            board_profile=env.get("HUB_BOARD_PROFILE", cls.board_profile),
            contacts_file=(Path(env["HUB_CONTACTS_FILE"]) if env.get("HUB_CONTACTS_FILE")
                           else None),
            token_days=_token_days(env.get("HUB_TOKEN_DAYS")),
            metrics_token=_metrics_token(env.get("HUB_METRICS_TOKEN")),
            audit_witnesses=_witnesses(env.get("HUB_AUDIT_WITNESSES"),
                                       environment is Environment.PRODUCTION),
            witness_name=_witness_name(env.get("HUB_WITNESS_NAME")),
            witness_logs=tuple(k.strip() for k in env.get("HUB_WITNESS_LOGS", "").split(",")
                               if k.strip()),
            oidc=OidcSettings.from_env(env, environment is Environment.PRODUCTION),
            web_idle_minutes=_idle_minutes(env.get("HUB_WEB_IDLE_MINUTES")),
            web_secure_cookie=env.get("HUB_WEB_SECURE_COOKIE", "false").lower() == "true",
        )


def _session_timeout(raw: str | None) -> int:
    if not raw:
        return 10_000
    if not raw.isdigit() or not 1_000 <= int(raw) <= 3_600_000:
        raise SettingsError("HUB_KAFKA_SESSION_TIMEOUT_MS must be milliseconds, from 1000 to "
                            "3600000")
    return int(raw)


def _idle_minutes(raw: str | None) -> int:
    if not raw:
        return Settings.web_idle_minutes
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 480:
        raise SettingsError("HUB_WEB_IDLE_MINUTES must be a whole number of minutes from 1 to "
                            "480")
    return int(raw)


def default_store_url(home: Path) -> str:
    """The embedded store, inside HUB_HOME."""
    return f"sqlite:///{home / 'hub.sqlite3'}"


def _token_days(raw: str | None) -> int:
    if not raw:
        return Settings.token_days
    try:
        days = int(raw)
    except ValueError:
        days = 0
    if not 1 <= days <= 3660:
        raise SettingsError("HUB_TOKEN_DAYS must be a whole number of days from 1 to 3660")
    return days


def _metrics_token(raw: str | None) -> str | None:
    if not raw:
        return None
    token = raw.strip()
    if len(token) < MIN_METRICS_TOKEN or not token.isascii() or not token.isprintable() \
            or " " in token:
        raise SettingsError(f"HUB_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN} printable "
                            "ASCII characters without spaces (openssl rand -hex 32)")
    return token


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether an Authorization header is 'Bearer TOKEN' for this token, compared in constant
    time (the metrics endpoints' gate)."""
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "surrogateescape"), token.encode())


def _population(raw: str | None) -> int | None:
    if not raw:
        return None
    try:
        population = int(raw)
    except ValueError:
        population = 0
    if population < 1:
        raise SettingsError("HUB_CHILD_POPULATION must be a whole number of children, above 0")
    return population


def _witnesses(raw: str | None, production: bool) -> tuple[WitnessConfig, ...]:
    """Production refuses a witness over plain HTTP: anyone on the path could answer for it
    (a made-up larger size stops the checkpointer; a made-up refusal hides the witness)."""
    try:
        witnesses = parse_witnesses(raw)
    except ValueError as error:
        raise SettingsError(f"HUB_AUDIT_WITNESSES: {error}") from None
    plain = [w.name for w in witnesses if not w.url.startswith("https://")]
    if production and plain:
        raise SettingsError(f"HUB_AUDIT_WITNESSES: production refuses a witness over plain "
                            f"HTTP ({', '.join(plain)}): give its https:// URL")
    return witnesses


def _witness_name(raw: str | None) -> str:
    name = (raw or "").strip() or f"{socket.gethostname()}/hub-witness"
    if "+" in name or any(c.isspace() or not c.isprintable() for c in name):
        raise SettingsError("HUB_WITNESS_NAME must be a name without spaces or '+' (a "
                            "schema-less URL naming the witness, e.g. witness.example.org/w1)")
    return name
