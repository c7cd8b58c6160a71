"""The hub's settings, read once from the environment (see CONTRACT.md)."""

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class SettingsError(ValueError):
    """A setting that is missing or not allowed."""


class Environment(StrEnum):
    DEV = "dev"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Settings:
    store_url: str = "sqlite:///var/hub.sqlite3"
    home: Path = Path("var")
    kafka_bootstrap: str | None = None
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

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        raw_env = env.get("HUB_ENV", "dev")
        try:
            environment = Environment(raw_env)
        except ValueError:
            raise SettingsError("HUB_ENV must be 'dev' or 'production'") from None
        return cls(
            store_url=env.get("HUB_STORE_URL", cls.store_url),
            home=Path(env.get("HUB_HOME", "var")),
            kafka_bootstrap=env.get("HUB_KAFKA_BOOTSTRAP") or None,
            environment=environment,
            audit_origin=env.get("HUB_AUDIT_ORIGIN", cls.audit_origin),
            kafka_session_timeout_ms=int(env.get("HUB_KAFKA_SESSION_TIMEOUT_MS", "10000")),
            kafka_idempotent=env.get("HUB_KAFKA_IDEMPOTENT", "true").lower() != "false",
            retention_file=Path(env["HUB_RETENTION_FILE"]) if env.get("HUB_RETENTION_FILE")
            else None,
        )
