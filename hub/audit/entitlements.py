"""Point-in-time answers for auditors: who could see what, and re-making past decisions.

Both work from the records as they stood at an instant: notifications received by then,
consents, sharing decisions and enquiries recorded by then, restrictions in force, and the
policy version in force. Nothing recorded later can change the answer about an earlier time.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import VISIBILITY_RANK, DataClass, Purpose, Visibility, field_classes
from domain.audit import AuditEntryRecorded
from domain.notifications import Notification
from domain.people import PersonRecord
from hub.access import HUB_OWNER, AccessResolver, Judgement, Reader
from hub.audit.trail import AuditTrail
from hub.registry import Registry
from hub.store import HubStore
from policies.decision_point import DecisionPoint

READ_ACTIONS = ("read-notification", "read-child", "read-chronology")


@dataclass(frozen=True)
class Mismatch:
    index: int
    record: str
    data_class: str
    recorded: str
    replayed: str

    def __str__(self) -> str:
        return (f"entry {self.index}: record {self.record} {self.data_class}: recorded "
                f"{self.recorded}, re-decided {self.replayed}")


class Entitlements:
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 audit: AuditTrail) -> None:
        self._store = store
        self._registry = registry
        self._decisions = decisions
        self._audit = audit
        self._resolver = AccessResolver(store, decisions, registry)

    def _judge(self, reader: Reader, purpose: Purpose, child: PersonRecord, owner: str,
               data_class: DataClass, restricted: bool, at: datetime,
               break_glass: bool = False) -> Judgement:
        return self._resolver.judge(reader, purpose, child, self._resolver.ledger(child.id),
                                    owner, data_class, restricted, at, break_glass)

    def could_see(self, child_id: UUID, at: datetime) -> list[dict[str, Any]]:
        """Every agency and role entitled to see something about the child at ``at``."""
        child = self._store.child(child_id)
        records: list[tuple[str, str, str, list[DataClass], bool]] = [
            (str(child.id), "person", HUB_OWNER, [DataClass.IDENTITY], False)]
        for link in child.notifications:
            n = self._store.find(link["notification_id"], Notification)
            if n is not None and n.received_at <= at:
                _, classes = field_classes(n)
                records.append((str(n.id), n.notification_type, n.source_agency, classes,
                                n.restricted_at(at)))
        rows: list[dict[str, Any]] = []
        for agency in self._registry.agencies():
            for role in self._registry.roles_for(agency["kind"]):
                reader = Reader(agency["id"], agency["kind"], role, agency["urn"])
                for record_id, record_type, owner, classes, restricted in records:
                    for data_class in classes:
                        rows.extend(self._entitled(reader, child, record_id, record_type,
                                                   owner, data_class, restricted, at))
        return rows

    def _entitled(self, reader: Reader, child: PersonRecord, record_id: str, record_type: str,
                  owner: str, data_class: DataClass, restricted: bool,
                  at: datetime) -> Iterator[dict[str, Any]]:
        best: dict[Visibility, list[tuple[Purpose, Judgement]]] = {}
        for purpose in Purpose:
            judgement = self._judge(reader, purpose, child, owner, data_class, restricted, at)
            if judgement.decision.allowed:
                best.setdefault(judgement.decision.visibility, []).append((purpose, judgement))
        for visibility in sorted(best, key=VISIBILITY_RANK.__getitem__, reverse=True):
            held = best[visibility]
            yield {"agency": reader.agency, "role": reader.role, "record": record_id,
                   "record_type": record_type, "owner": owner,
                   "data_class": data_class.value, "visibility": visibility.value,
                   "purposes": [p.value for p, _ in held],
                   "grounds": sorted({j.decision.ground for _, j in held}),
                   "relation": held[0][1].relation.value}

    def replay(self) -> tuple[int, list[Mismatch]]:
        """Re-decide every audited read under the policy and bases of its time."""
        checked, mismatches = 0, list[Mismatch]()
        for entry in self._audit.entries():
            if entry.action not in READ_ACTIONS or "at" not in entry.details:
                continue
            checked += 1
            mismatches.extend(self._replay_entry(entry))
        return checked, mismatches

    def _replay_entry(self, entry: AuditEntryRecorded) -> Iterator[Mismatch]:
        index = entry.originator_version - 1
        at = datetime.fromisoformat(entry.details["at"])
        agency = self._registry.agency(entry.actor["agency"])
        reader = Reader(agency["id"], entry.actor["agency_kind"], entry.actor["role"],
                        agency["urn"])
        purpose = Purpose(entry.purpose or "")
        claimed = bool(entry.details.get("break_glass_claimed"))
        in_force = self._decisions.version_at(at).text.version
        if entry.policy_version != in_force:
            yield Mismatch(index, "*", "*", f"policy {entry.policy_version}",
                           f"policy {in_force}")
        for record in entry.records:
            child = self._store.find(UUID(record["child"]), PersonRecord)
            if child is None:
                yield Mismatch(index, record["record"], "*", "a person", "nothing")
                continue
            restricted = False
            if record["record_type"] == "notification":
                n = self._store.find(UUID(record["record"]), Notification)
                if n is None:
                    yield Mismatch(index, record["record"], "*", "a record", "nothing")
                    continue
                restricted = n.restricted_at(at)
            for recorded in record["fields"]:
                judgement = self._judge(reader, purpose, child, record["owner"],
                                        DataClass(recorded["data_class"]), restricted, at,
                                        claimed)
                replayed = judgement.as_record()
                for key in ("visibility", "rule", "basis", "relation", "restriction"):
                    if replayed[key] != recorded[key]:
                        yield Mismatch(index, record["record"], recorded["data_class"],
                                       f"{key}={recorded[key]}", f"{key}={replayed[key]}")
                        break
