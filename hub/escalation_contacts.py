"""Who is told when a disagreement reaches a stage (part of ``FrontDoor``).

Each agency keeps its own escalation contacts: one active member of its staff per stage
(worker, team manager, safeguarding lead, service manager, head of service, director), named
by the agency's managers. When a disagreement with one of the agency's decisions reaches a
stage, whether a person took it there or its clock ran out, the person named for that stage
then is recorded on the stage and sees it among their alerts until the stage moves on or the
disagreement is resolved. At the worker stage, an agency that names nobody has the person who
made the decision told. A stage with no one named is still clocked, and still on the breach
list."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import Visibility
from domain.disagreement import Disagreement, Stage
from domain.errors import InvalidContent
from domain.escalation_contacts import EscalationContacts, contacts_id
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.errors import NotFound
from hub.registry import Caller, Registry
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

ALERTS = "read-disagreement-alerts"


class EscalationAlerts:
    """An agency's escalation contacts, and the alerts of the people named in them."""

    _store: HubStore
    _registry: Registry
    _audit: AuditTrail
    _capabilities: CapabilityPolicy
    _clock: Callable[[], datetime]
    require: Requirement

    def _open_disagreements(self) -> list[Disagreement]:
        raise NotImplementedError  # the disagreements' own

    @staticmethod
    def _disagreement_shown(d: Disagreement, visibility: Visibility,
                            capability: str) -> list[Shown]:
        raise NotImplementedError  # the disagreements' own

    @staticmethod
    def _disagreement_view(d: Disagreement, now: datetime) -> dict[str, Any]:
        raise NotImplementedError  # the disagreements' own

    def _named_for(self, agency: str, stage: Stage,
                   decided_by: dict[str, str] | None = None) -> UUID | None:
        """The person the agency names for the stage; at the worker stage, failing one, the
        person who made the decision."""
        contacts = self._store.find(contacts_id(agency), EscalationContacts)
        named = contacts.for_stage(stage) if contacts is not None else None
        if named is None and stage is Stage.WORKER and decided_by is not None:
            return UUID(decided_by["user_id"])
        return named

    @staticmethod
    def _contacts_view(agency: str, contacts: EscalationContacts | None) -> dict[str, Any]:
        named = contacts.named if contacts is not None else {}
        return {"agency": agency,
                "stages": [{"stage": s.value,
                            "user_id": str(named[s]) if s in named else None}
                           for s in Stage]}

    def escalation_contacts(self, caller: Caller) -> dict[str, Any]:
        """The caller's own agency's contacts (staff ids only: nothing about a child)."""
        self.require(caller, ALERTS, "read-escalation-contacts")
        return self._contacts_view(
            caller.agency_id, self._store.find(contacts_id(caller.agency_id),
                                               EscalationContacts))

    def name_escalation_contact(self, caller: Caller, stage: str,
                                user_id: UUID | None) -> dict[str, Any]:
        """Name (or, with None, stop naming) the caller's agency's person for a stage: an
        active member of the agency whose role may read disagreement alerts."""
        self.require(caller, "name-escalation-contact", "name-escalation-contact")
        level = parse_enum(Stage, stage, "stage")
        if user_id is not None:
            try:
                member = self._registry.member(user_id)
            except NotFound:
                member = None
            if member is None or member.agency_id != caller.agency_id or \
                    not self._capabilities.allows(member.agency_kind, member.role, ALERTS):
                raise InvalidContent("user_id", "must be an active member of your agency "
                                     "whose role may read disagreement alerts")
        at = self._clock()

        def attempt() -> EscalationContacts:
            contacts = self._store.find(contacts_id(caller.agency_id), EscalationContacts)
            if contacts is None:
                contacts = EscalationContacts(agency=caller.agency_id)
            contacts.name(level, user_id, caller.as_actor(), at)
            self._store.save(contacts)
            return contacts

        return self._contacts_view(caller.agency_id, self._store.write(attempt))

    def disagreement_alerts(self, caller: Caller, purpose: str) -> dict[str, Any]:
        """The unresolved disagreements whose stage now names the caller (in their own
        agency), the soonest due first; audited naming each child."""
        self.require(caller, ALERTS, ALERTS)
        now = self._clock()
        mine = sorted((d for d in self._open_disagreements()
                       if d.stage.named == caller.user_id
                       and d.with_agency == caller.agency_id),
                      key=lambda d: (d.stage.due, str(d.id)))
        disclose(self._audit, caller, ALERTS,
                 [s for d in mine
                  for s in self._disagreement_shown(d, Visibility.FULL, ALERTS)],
                 purpose=purpose, details={"disagreements": [str(d.id) for d in mine]})
        return {"items": [self._disagreement_view(d, now) for d in mine]}
