"""Reading personal data: decide each record, audit the whole answer, then disclose.

No audit, no disclosure: the entry is durable in the store before a view is returned, and
if it cannot be written the caller gets AuditUnavailable and no data.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.access import (
    DATA_CLASS_OF_NOTIFICATION,
    AccessDecision,
    AccessQuestion,
    DataClass,
    Purpose,
    Relation,
    Visibility,
)
from domain.audit import AuditKind
from domain.notifications import Notification, NotificationType
from domain.people import PersonRecord
from domain.personal import reveal_fields
from hub.audit.trail import AuditTrail
from hub.errors import NotEntitled, NotFound
from hub.registry import Caller, Registry
from hub.store import HubStore
from policies.decision_point import DecisionPoint


@dataclass(frozen=True)
class ReadContext:
    """Who is reading and why; every read carries one, and the audit trail keeps it."""

    caller: Caller
    purpose: Purpose
    case_ref: str | None


@dataclass(frozen=True)
class _Judged:
    record_id: UUID
    record_type: str
    owner: str
    data_class: DataClass
    decision: AccessDecision

    def audit_record(self) -> dict[str, Any]:
        return {"record": str(self.record_id), "record_type": self.record_type,
                "owner": self.owner, "data_class": self.data_class.value,
                "visibility": self.decision.visibility.value, "rule": self.decision.rule}


class Disclosure:
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 audit: AuditTrail) -> None:
        self._store = store
        self._registry = registry
        self._decisions = decisions
        self._audit = audit

    # Queries -------------------------------------------------------------------------

    def notification(self, ctx: ReadContext, notification_id: UUID) -> dict[str, Any]:
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        judged = self._judge_notification(ctx, notification)
        self._record(ctx, "read-notification", notification.child_ids, [judged])
        if not judged.decision.allowed:
            raise NotEntitled("you are not entitled to see this notification")
        return self._notification_view(notification, judged.decision.visibility)

    def child(self, ctx: ReadContext, child_id: UUID) -> dict[str, Any]:
        person = self._child(child_id)
        judged = self._judge_identity(ctx, person)
        self._record(ctx, "read-child", [person.id], [judged])
        if judged.decision.visibility is not Visibility.FULL:
            raise NotEntitled("you are not entitled to see this child's identity record")
        return {"id": str(person.id), "kind": person.kind,
                **reveal_fields(dict(sorted(person.identity.items()))),
                "known_to": list(person.known_to)}

    def chronology(self, ctx: ReadContext, child_id: UUID) -> dict[str, Any]:
        """The child's multi-agency chronology, newest first, holding only what may be known."""
        person = self._child(child_id)
        identity = self._judge_identity(ctx, person)
        items: list[tuple[Notification, _Judged]] = []
        for link in person.notifications:
            notification = self._store.find(link["notification_id"], Notification)
            if notification is not None:
                items.append((notification, self._judge_notification(ctx, notification)))
        judged = [identity] + [j for _, j in items]
        visible = [(n, j) for n, j in items if j.decision.allowed]
        if not visible and not identity.decision.allowed:
            self._record(ctx, "read-chronology", [person.id], judged)
            raise NotEntitled("you are not entitled to see this child's chronology")
        self._record(ctx, "read-chronology", [person.id], judged)
        visible.sort(key=lambda pair: (pair[0].occurred_at, str(pair[0].id)), reverse=True)
        return {
            "child_id": str(person.id),
            "items": [self._notification_view(n, j.decision.visibility) for n, j in visible],
        }

    # Decisions -----------------------------------------------------------------------

    def _judge_notification(self, ctx: ReadContext, notification: Notification) -> _Judged:
        data_class = DATA_CLASS_OF_NOTIFICATION[NotificationType(notification.notification_type)]
        relation = (Relation.OWNER if notification.source_agency == ctx.caller.agency_id
                    else Relation.OTHER)
        return _Judged(notification.id, "notification", notification.source_agency, data_class,
                       self._decide(ctx, relation, data_class))

    def _judge_identity(self, ctx: ReadContext, person: PersonRecord) -> _Judged:
        # A person record gathers what many agencies said; no single agency owns it.
        return _Judged(person.id, "person", "hub", DataClass.IDENTITY,
                       self._decide(ctx, Relation.OTHER, DataClass.IDENTITY))

    def _decide(self, ctx: ReadContext, relation: Relation, data_class: DataClass
                ) -> AccessDecision:
        return self._decisions.decide(AccessQuestion(
            agency_kind=ctx.caller.agency_kind, role=ctx.caller.role, relation=relation,
            data_class=data_class, purpose=ctx.purpose,
        ))

    def _record(self, ctx: ReadContext, action: str, child_ids: list[UUID],
                judged: list[_Judged]) -> None:
        disclosed = any(j.decision.allowed for j in judged)
        self._audit.record(
            kind=AuditKind.DISCLOSURE if disclosed else AuditKind.DENIAL,
            action=action,
            actor=ctx.caller.as_actor(),
            purpose=ctx.purpose.value,
            case_ref=ctx.case_ref,
            child_ids=child_ids,
            records=[j.audit_record() for j in judged],
            policy_version=self._decisions.policy_version,
        )

    # Views ---------------------------------------------------------------------------

    def _child(self, child_id: UUID) -> PersonRecord:
        person = self._store.find(child_id, PersonRecord)
        if person is None or not person.is_child:
            raise NotFound("no such child")
        return person

    def _notification_view(self, n: Notification, visibility: Visibility) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": str(n.id),
            "type": n.notification_type,
            "agency": n.source_agency,
            "occurred_at": n.occurred_at.isoformat(),
            "visibility": visibility.value,
        }
        if visibility is Visibility.SUMMARY:
            view["contact"] = self._contact(n.source_agency)
            return view
        view["source_ref"] = n.source_ref
        view["received_at"] = n.created_on.isoformat()
        view["subjects"] = [
            {"person_id": str(s["person_id"]), "role": s["role"],
             **reveal_fields(s["identity"]),
             "school_urn": s["school_urn"], "present": s["present"],
             "spoken_to": s["spoken_to"], "pregnant": s["pregnant"]}
            for s in n.subjects
        ]
        view["details"] = reveal_fields(n.details)
        return view

    def _contact(self, agency_id: str) -> dict[str, Any]:
        try:
            agency = self._registry.agency(agency_id)
        except NotFound:
            return {"agency": agency_id}
        return {"agency": agency_id, "name": agency["name"]}
