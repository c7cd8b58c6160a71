"""Relationships a sender cannot make for itself: involvement and a child's school.

Sending a notification makes an agency the owner of what it sent. It becomes "involved" with
the child (and so learns what else exists) only when an independent team takes the
notification up: the MASH acknowledging or deciding the contact it opened, the DART triaging
the incident, the missing team working the episode. A school is a child's school from the
local authority's roll or from the police; a school naming itself is a claim that the MASH
confirms (on the roll) or not.
"""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.audit import AuditKind
from domain.identifiers import normalise_urn
from domain.people import SCHOOL_AUTHORITY_KINDS, PersonRecord
from hub.audit.trail import AuditTrail
from hub.capabilities import require_capability
from hub.registry import Caller, Registry
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy

ROLL = "local-authority-roll"


def accept_involvement(store: HubStore, person_ids: list[UUID], notification_id: UUID,
                       by: dict[str, str], at: datetime,
                       loaded: Iterable[Aggregate] = ()) -> list[PersonRecord]:
    """Mark the sender of ``notification_id`` involved with each person it names.

    Records already in ``loaded`` (about to be saved by the caller) are changed in place;
    the others are loaded, and those that changed are returned to be saved with the rest.
    """
    known = {a.id: a for a in loaded if isinstance(a, PersonRecord)}
    changed = []
    for person_id in dict.fromkeys(person_ids):
        person = known.get(person_id) or store.find(person_id, PersonRecord)
        if (person is not None and person.accept_involvement(notification_id, by, at)
                and person_id not in known):
            changed.append(person)
    return changed


class Relationships:
    def __init__(self, store: HubStore, registry: Registry, capabilities: CapabilityPolicy,
                 audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._registry = registry
        self._capabilities = capabilities
        self._audit = audit
        self._clock = clock

    def authoritative(self, agency: str) -> bool:
        return self._registry.kind_of(agency) in SCHOOL_AUTHORITY_KINDS

    def record_school(self, caller: Caller, child_id: UUID, urn: str | None) -> dict[str, Any]:
        """The local authority records the child's school from its roll (or no school); any
        claim made before it is settled."""
        require_capability(self._capabilities, self._audit, caller, "record-school-roll",
                           "record-school-roll", [child_id])
        school = normalise_urn(urn, "urn") if urn is not None else None
        at = self._clock()

        def attempt() -> None:
            person = self._store.child(child_id)
            person.record_school(school, ROLL, caller.as_actor(), at)
            self._store.save(person)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.ALLOCATION, action="record-school-roll",
                           actor=caller.as_actor(), child_ids=[child_id],
                           details={"school_urn": school, "source": ROLL})
        return {"child_id": str(child_id), "school_urn": school, "source": ROLL,
                "recorded_at": at.isoformat()}

    def claims(self, child_ids: list[UUID], notification_id: UUID,
               at: datetime) -> list[dict[str, Any]]:
        """Unsettled claims a notification made to be these children's school (a school's
        own concern naming itself), beside the school known: for the MASH to reconcile."""
        found = []
        for child_id in child_ids:
            person = self._store.find(child_id, PersonRecord)
            if person is None:
                continue
            for claim in person.school_claims(at, self.authoritative):
                if claim["notification_id"] == notification_id:
                    found.append({"child_id": str(child_id), "claimed_by": claim["agency"],
                                  "school_urn": claim["school_urn"],
                                  "known_school_urn": person.school_at(at, self.authoritative)})
        return found
