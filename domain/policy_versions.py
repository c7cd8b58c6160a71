"""Access policies as versioned records: who published which text, when and why."""

from dataclasses import dataclass

from eventsourcing.domain import DomainEvent


@dataclass(frozen=True)
class PolicyPublished(DomainEvent):
    """A version of a policy (a Casbin model and its rows) came into force."""

    class_version = 1
    name: str
    version: str
    model: str
    policy: str
    author: str
    reason: str
