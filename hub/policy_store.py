"""Policy versions kept in the event store, so the policy in force at any instant is known."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.application import EventSourcedLog

from domain.audit import AuditKind
from domain.policy_versions import PolicyPublished
from hub.audit.trail import AuditTrail
from hub.store import HubStore
from policies.decision_point import DecisionPoint, PolicyText

POLICY_LOG_ID = uuid5(NAMESPACE_URL, "/hub/policy-log/access")


class PolicyStore:
    def __init__(self, store: HubStore, audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._audit = audit
        self._log = EventSourcedLog(store.events, POLICY_LOG_ID, PolicyPublished)
        self._clock = clock

    def history(self) -> list[PolicyPublished]:
        return list(self._log.get())

    def latest(self) -> PolicyPublished | None:
        return self._log.get_last()

    def publish(self, text: PolicyText, author: str, reason: str) -> PolicyPublished:
        """Record a new version (idempotent when the text is already the latest)."""

        def attempt() -> PolicyPublished:
            last = self._log.get_last()
            if last is not None and last.version == text.version:
                return last
            published = PolicyPublished(
                originator_id=POLICY_LOG_ID,
                originator_version=(last.originator_version + 1) if last else 1,
                timestamp=self._clock(), name="access", version=text.version,
                model=text.model, policy=text.policy, author=author, reason=reason,
            )
            self._store.save(published)
            return published

        published = self._store.write(attempt)
        self._audit.record(kind=AuditKind.POLICY, action="publish-policy",
                           actor={"author": author}, policy_version=published.version,
                           details={"reason": reason, "policy": "access",
                                    "in_force_from": published.timestamp.isoformat()})
        return published

    def load_into(self, decisions: DecisionPoint) -> None:
        for published in self.history():
            decisions.adopt(PolicyText(published.model, published.policy), published.timestamp)
