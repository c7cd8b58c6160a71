"""Point-in-time answers for auditors: who could see what, and re-making past decisions.

Both work from the records as they stood at an instant: notifications received by then,
consents, sharing decisions and enquiries recorded by then, restrictions in force, and the
policy version in force. Nothing recorded later can change the answer about an earlier time.
"""

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import (
    VISIBILITY_RANK,
    AccessQuestion,
    DataClass,
    Purpose,
    Relation,
    Visibility,
    field_classes,
    research_class,
)
from domain.audit import AuditEntryRecorded
from domain.notifications import Notification
from domain.people import PersonRecord
from hub.access import HUB_OWNER, AccessResolver, Judgement, Reader
from hub.audit.trail import AuditTrail
from hub.errors import NotFound
from hub.registry import Registry
from hub.store import HubStore
from policies.decision_point import DecisionPoint

READ_ACTIONS = ("read-notification", "read-child", "read-chronology", "search-children",
                "read-notification-versions")
# Answers the access policy decided directly; for those whose refusal is the policy's, the
# question that decided it and the visibility it needed.
DIRECT_ACTIONS: dict[str, tuple[Relation, DataClass, Visibility] | None] = {
    "read-mash-contact": None,
    "read-encompass-inbox": (Relation.PUPIL, DataClass.ENCOMPASS_NOTICE, Visibility.SUMMARY),
    "cp-is-lookup": (Relation.NONE, DataClass.CP_FLAG, Visibility.FULL),
}
FIELD_KEYS = ("visibility", "rule", "basis", "relation", "restriction", "ground", "bases_held")


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
        """Re-decide every judgement the decision point made for an audited answer, under the
        policy and the bases of its time, and compare it with what the entry recorded:

        * reads decided on lawful bases (a notification, a child, a chronology, a search for a
          child): every field of every record, the record's own visibility against its
          fields' (a notification shows as its main class allows; another person named in it,
          only if the record shows in full and that person's identity may be seen; a person
          record, as its identity), the classes that had to be decided, and whether the read
          was answered or refused;
        * answers the access policy decided directly: a partner's MASH research, Operation
          Encompass notices and the CP-IS flag, including whether the answer was refused.

        Rules of a role's own work ("capability:...") are not the decision point's and are
        not re-decided, nor are refusals made before the access policy was asked (a role
        without the capability, a purpose without its case: their entries say ``outcome``).
        Returns how many entries were re-decided, and every mismatch.
        """
        checked, mismatches = 0, list[Mismatch]()
        for entry in self._audit.entries():
            if "outcome" in entry.details:
                continue  # refused before the access policy was asked (a role, a purpose)
            if entry.action in READ_ACTIONS and "at" in entry.details:
                checked += 1
                mismatches.extend(self._replay_read(entry))
            elif entry.action in DIRECT_ACTIONS and entry.kind in ("disclosure", "denial") and (
                    DIRECT_ACTIONS[entry.action] is not None
                    or any(self._direct_question(entry, r) for r in entry.records)):
                checked += 1
                mismatches.extend(self._replay_direct(entry))
        return checked, mismatches

    def _replay_read(self, entry: AuditEntryRecorded) -> Iterator[Mismatch]:
        index = entry.originator_version - 1
        try:
            at = datetime.fromisoformat(entry.details["at"])
            agency = self._registry.agency(entry.actor["agency"])
            reader = Reader(agency["id"], entry.actor["agency_kind"], entry.actor["role"],
                            agency["urn"])
            purpose = Purpose(entry.purpose or "")
        except (KeyError, ValueError, TypeError, NotFound) as error:
            yield Mismatch(index, "*", "*", "a read", f"unreadable ({type(error).__name__})")
            return
        claimed = bool(entry.details.get("break_glass_claimed"))
        in_force = self._decisions.version_at(at).text.version
        if entry.policy_version != in_force:
            yield Mismatch(index, "*", "*", f"policy {entry.policy_version}",
                           f"policy {in_force}")
        main_shown: dict[str, Visibility] = {}  # notification id -> its main record's
        identity: Judgement | None = None
        for record in entry.records:
            child = self._store.find(UUID(record["child"]), PersonRecord)
            if child is None:
                yield Mismatch(index, record["record"], "*", "a person", "nothing")
                continue
            restricted, notification = False, None
            if record["record_type"] == "notification":
                notification = self._store.find(UUID(record["record"]), Notification)
                if notification is None:
                    yield Mismatch(index, record["record"], "*", "a record", "nothing")
                    continue
                restricted = notification.restricted_at(at)
            replayed: dict[str, Judgement] = {}
            for recorded in record["fields"]:
                judgement = self._judge(reader, purpose, child, record["owner"],
                                        DataClass(recorded["data_class"]), restricted, at,
                                        claimed)
                replayed[recorded["data_class"]] = judgement
                again = judgement.as_record()
                for key in FIELD_KEYS:
                    if again[key] != recorded.get(key):
                        yield Mismatch(index, record["record"], recorded["data_class"],
                                       f"{key}={recorded.get(key)}", f"{key}={again[key]}")
                        break
            expected = yield from self._record_shown(index, record, notification, replayed,
                                                     main_shown)
            if expected is not None and record["visibility"] != expected.value:
                yield Mismatch(index, record["record"], "record",
                               f"visibility={record['visibility']}",
                               f"visibility={expected.value}")
            if record["record_type"] == "person" and identity is None:
                identity = replayed.get(DataClass.IDENTITY.value)
        answered = self._answered(entry.action, main_shown, identity)
        if answered is not None and entry.kind != answered:
            yield Mismatch(index, "*", "answer", f"kind={entry.kind}", f"kind={answered}")

    @staticmethod
    def _record_shown(index: int, record: dict[str, Any], notification: Notification | None,
                      replayed: dict[str, Judgement],
                      main_shown: dict[str, Visibility]) -> Generator[Mismatch, None,
                                                                       Visibility | None]:
        """What the record as a whole may show, from its re-decided fields."""
        identity = replayed.get(DataClass.IDENTITY.value)
        if notification is None:  # a person record: as its identity
            if identity is None:
                yield Mismatch(index, record["record"], "identity", "not decided", "decided")
                return None
            return identity.decision.visibility
        main, classes = field_classes(notification)
        if record["record"] not in main_shown:  # the record under the child read about
            missing = [c.value for c in classes
                       if c is not DataClass.IDENTITY and c.value not in replayed]
            if missing:
                yield Mismatch(index, record["record"], ",".join(missing), "not decided",
                               "decided")
                main_shown[record["record"]] = Visibility.NONE
                return None
            shown = replayed[main.value].decision.visibility
            main_shown[record["record"]] = shown
            return shown
        # Another person named in the record: their identity, only within a record in full.
        if identity is None:
            yield Mismatch(index, record["record"], "identity", "not decided", "decided")
            return None
        full = (main_shown[record["record"]] is Visibility.FULL
                and identity.decision.visibility is Visibility.FULL)
        return Visibility.FULL if full else Visibility.NONE

    @staticmethod
    def _answered(action: str, main_shown: dict[str, Visibility],
                  identity: Judgement | None) -> str | None:
        """Whether the read was answered ("disclosure") or refused ("denial")."""
        shown = any(v is not Visibility.NONE for v in main_shown.values())
        if action == "search-children" and identity is None:
            return None  # no child matched: the search named no one, and shows nothing
        if action in ("read-child", "search-children"):
            allowed = identity is not None and identity.decision.visibility is Visibility.FULL
        elif action == "read-chronology":
            allowed = shown or (identity is not None and identity.decision.allowed)
        else:
            allowed = shown
        return "disclosure" if allowed else "denial"

    def _replay_direct(self, entry: AuditEntryRecorded) -> Iterator[Mismatch]:
        """Answers the access policy decided without lawful bases: the question follows from
        the reader, the purpose and the kind of record."""
        index = entry.originator_version - 1
        at = entry.timestamp
        try:
            purpose = Purpose(entry.purpose or "")
            kind, role = entry.actor["agency_kind"], entry.actor["role"]
        except (KeyError, ValueError) as error:
            yield Mismatch(index, "*", "*", "an answer", f"unreadable ({type(error).__name__})")
            return
        in_force = self._decisions.version_at(at).text.version
        if entry.policy_version != in_force:
            yield Mismatch(index, "*", "*", f"policy {entry.policy_version}",
                           f"policy {in_force}")
        for record in entry.records:
            question = self._direct_question(entry, record)
            if question is None:
                continue  # a record the reader's own work shows (a capability)
            relation, data_class = question
            decision = self._decisions.decide(AccessQuestion(kind, role, relation, data_class,
                                                             purpose), at)
            again = {"data_class": data_class.value, "relation": relation.value,
                     "visibility": decision.visibility.value, "rule": decision.rule,
                     "ground": decision.ground, "basis": decision.basis.value}
            for recorded in record["fields"]:
                for key, value in again.items():
                    if recorded.get(key) != value:
                        yield Mismatch(index, record["record"], str(recorded.get("data_class")),
                                       f"{key}={recorded.get(key)}", f"{key}={value}")
                        break
            if record["visibility"] != decision.visibility.value:
                yield Mismatch(index, record["record"], "record",
                               f"visibility={record['visibility']}",
                               f"visibility={decision.visibility.value}")
        answer = DIRECT_ACTIONS[entry.action]
        if answer is not None:
            relation, data_class, needs = answer
            decision = self._decisions.decide(AccessQuestion(kind, role, relation, data_class,
                                                             purpose), at)
            allowed = (decision.visibility is Visibility.FULL if needs is Visibility.FULL
                       else decision.allowed)
            expected = "disclosure" if allowed else "denial"
            if entry.kind != expected:
                yield Mismatch(index, "*", "answer", f"kind={entry.kind}", f"kind={expected}")

    def _direct_question(self, entry: AuditEntryRecorded,
                         record: dict[str, Any]) -> tuple[Relation, DataClass] | None:
        record_type = record["record_type"]
        if record_type == "mash-research":  # the research is the answering agency's record
            try:
                owner_kind = self._registry.agency(record["owner"])["kind"]
            except NotFound:
                owner_kind = ""
            relation = (Relation.OWNER if record["owner"] == entry.actor.get("agency")
                        else Relation.NONE)
            return relation, research_class(owner_kind)
        if record_type == "encompass-notice":
            return Relation.PUPIL, DataClass.ENCOMPASS_NOTICE
        if record_type == "cp-flag":
            return Relation.NONE, DataClass.CP_FLAG
        return None
