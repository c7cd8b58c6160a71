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
            retention_file=Path(env["HUB_RETENTION_FILE"]) if env.get("HUB_RETENTION_FILE")
            else None,
        )
