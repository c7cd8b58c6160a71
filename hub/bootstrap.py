"""Wires the hub together from settings. Nothing connects or reads files before this runs."""

from dataclasses import dataclass

from adapters.keys import KeyFiles
from adapters.store import store_environment
from hub.audit.trail import AuditTrail
from hub.disclosure import Disclosure
from hub.intake import LinkHasher, NotificationIntake
from hub.registry import Registry
from hub.settings import Settings, SettingsError
from hub.store import HubStore
from policies.decision_point import DecisionPoint, MembershipPolicy, packaged_policy


@dataclass
class Hub:
    """The application services, ready for the HTTP API, the CLI and the Kafka adapters."""

    settings: Settings
    store: HubStore
    keys: KeyFiles
    registry: Registry
    intake: NotificationIntake
    disclosure: Disclosure
    audit: AuditTrail
    decisions: DecisionPoint

    def close(self) -> None:
        self.store.close()


def bootstrap(settings: Settings) -> Hub:
    if settings.is_production and settings.store_url == "memory://":
        raise SettingsError("HUB_STORE_URL=memory:// keeps nothing; not allowed in production")
    keys = KeyFiles(settings.home, may_generate=not settings.is_production)
    link_secret = keys.secret("link")
    store = HubStore(env=store_environment(settings.store_url))
    decisions = DecisionPoint(packaged_policy("access"))
    registry = Registry(store, MembershipPolicy(packaged_policy("membership")))
    audit = AuditTrail(store)
    return Hub(
        settings=settings,
        store=store,
        keys=keys,
        registry=registry,
        intake=NotificationIntake(store, LinkHasher(link_secret)),
        disclosure=Disclosure(store, registry, decisions, audit),
        audit=audit,
        decisions=decisions,
    )
