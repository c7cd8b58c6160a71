"""Deciding one field of one record for one reader: relation, bases, restriction, decision.

This is where the records the hub holds (who sent what, consents, sharing decisions, open
enquiries, restrictions) become the discrete attributes the policy decides on, as they stood
at an instant. The same code serves live reads, ``could-see`` and ``replay``.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.access import (
    AccessDecision,
    AccessQuestion,
    Basis,
    DataClass,
    Purpose,
    Relation,
    Restriction,
)
from domain.lawful_basis import MergedBases, SharingLedger, ledger_id
from domain.people import SCHOOL_AUTHORITY_KINDS, PersonRecord
from hub.registry import Registry
from hub.store import HubStore
from policies.decision_point import DecisionPoint, strongest

HUB_OWNER = "hub"  # owner of person records, which gather what many agencies said


@dataclass(frozen=True)
class Reader:
    """Who is asking, as the policy sees them."""

    agency: str
    agency_kind: str
    role: str
    school_urn: str | None = None


@dataclass(frozen=True)
class Judgement:
    """One field class of one record, decided, with every attribute the decision used."""

    data_class: DataClass
    relation: Relation
    restriction: Restriction
    bases: frozenset[Basis]
    decision: AccessDecision

    def as_record(self) -> dict[str, str | list[str]]:
        return field_record(self.data_class.value, self.relation.value,
                            self.restriction.value, sorted(b.value for b in self.bases),
                            self.decision.basis.value, self.decision.ground,
                            self.decision.visibility.value, self.decision.rule)


def field_record(data_class: str, relation: str, restriction: str, bases_held: list[str],
                 basis: str, ground: str, visibility: str,
                 rule: str) -> dict[str, str | list[str]]:
    """One field class of one record as the audit trail keeps it: what was decided, on what."""
    return {"data_class": data_class, "relation": relation, "restriction": restriction,
            "bases_held": bases_held, "basis": basis, "ground": ground,
            "visibility": visibility, "rule": rule}


class AccessResolver:
    def __init__(self, store: HubStore, decisions: DecisionPoint, registry: Registry) -> None:
        self._store = store
        self._decisions = decisions
        self._registry = registry

    def school_authority(self, agency: str) -> bool:
        """Whether what this agency says of a child's school is authoritative (the police);
        a school's word about its own pupils is a claim for the MASH to confirm."""
        return self._registry.kind_of(agency) in SCHOOL_AUTHORITY_KINDS

    def ledger(self, child_id: UUID,
               person: PersonRecord | None = None) -> SharingLedger | MergedBases | None:
        """The child's lawful bases; for a person merged into another (``domain.merging``),
        its own and those recorded for the survivor since the merge (``person``, if given,
        is the child's record, already loaded)."""
        own = self._store.find(ledger_id(child_id), SharingLedger)
        if person is None or person.id != child_id:
            person = self._store.find(child_id, PersonRecord)
        merged = person.merged if person is not None else None
        if merged is None:
            return own
        return MergedBases(own, self._store.find(ledger_id(merged["into"]), SharingLedger),
                           merged["at"])

    def judge(
        self,
        reader: Reader,
        purpose: Purpose,
        child: PersonRecord,
        ledger: SharingLedger | MergedBases | None,
        owner: str,
        data_class: DataClass,
        restricted: bool,
        at: datetime,
        break_glass: bool,
    ) -> Judgement:
        relation = self.relation(reader, child, owner, at)
        bases: set[Basis] = {Basis.NONE}
        restrictions = [Restriction.NONE]
        if relation is not Relation.OWNER:
            if restricted:
                restrictions.append(Restriction.RESTRICTED)
            if ledger is not None:
                standing = ledger.standing(owner, reader.agency, data_class, purpose, at)
                bases |= standing.bases
                if standing.consent_refused:
                    restrictions.append(Restriction.CONSENT_REFUSED)
                if standing.not_shared:
                    restrictions.append(Restriction.NOT_SHARED)
            if break_glass:
                bases.add(Basis.BREAK_GLASS)
        restriction = strongest(restrictions)
        question = AccessQuestion(reader.agency_kind, reader.role, relation, data_class,
                                  purpose, Basis.NONE, restriction)
        decision = self._decisions.decide_best(question, bases, at)
        return Judgement(data_class, relation, restriction, frozenset(bases), decision)

    def relation(self, reader: Reader, child: PersonRecord, owner: str,
                 at: datetime) -> Relation:
        if owner == reader.agency:
            return Relation.OWNER
        if (reader.school_urn is not None
                and child.school_at(at, self.school_authority) == reader.school_urn):
            return Relation.PUPIL
        if child.involved(reader.agency, at):
            return Relation.INVOLVED
        return Relation.NONE
