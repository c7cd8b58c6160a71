"""Reading personal data: decide each field class, audit the answer, then disclose.

No audit, no disclosure: the entry (with the access notifications owed to the agencies whose
records were read) is durable in the store before a view is returned; if it cannot be
written the caller gets AuditUnavailable and no data. Every field of a response is filtered by
its own decision: a notification's content by its type's data class, the people in it by
identity, a DASH score by da-risk, a flagged location by sensitive-location.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import (
    VISIBILITY_RANK,
    Basis,
    DataClass,
    Purpose,
    Visibility,
    content_class,
    field_classes,
)
from domain.audit import AuditKind
from domain.break_glass import BreakGlassAccess
from domain.lawful_basis import MergedBases, SharingLedger
from domain.notifications import Notification
from domain.people import PersonRecord
from domain.personal import reveal, reveal_fields
from hub.access import HUB_OWNER, AccessResolver, Judgement, Reader
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail, Notice
from hub.errors import NotEntitled, NotFound
from hub.intake import Receipt
from hub.purposes import PurposeBinding
from hub.registry import Caller, Registry
from hub.sharing import BreakGlassRegister
from hub.store import HubStore
from policies.decision_point import CapabilityPolicy, DecisionPoint


@dataclass(frozen=True)
class ReadContext:
    """Who is reading and why; every read carries one, and the audit trail keeps it."""

    caller: Caller
    purpose: Purpose
    case_ref: str | None
    break_glass_reason: str | None = None

    @property
    def reader(self) -> Reader:
        c = self.caller
        return Reader(c.agency_id, c.agency_kind, c.role, c.school_urn)


@dataclass(frozen=True)
class JudgedRecord:
    """A notification read in the context of one child, with each field class decided.

    ``fields`` are decided on the context child's bases; ``identities`` decide each subject's
    identity inside the record on that subject's own bases (a basis for one child never opens
    a brother's name or NHS number).
    """

    notification: Notification
    child_id: UUID
    fields: dict[DataClass, Judgement]
    main: DataClass
    identities: dict[UUID, Judgement]

    @property
    def visibility(self) -> Visibility:
        return self.fields[self.main].decision.visibility

    def shows(self, data_class: DataClass) -> bool:
        judgement = self.fields.get(data_class)
        return judgement is not None and judgement.decision.visibility is Visibility.FULL

    def shows_identity(self, person_id: UUID) -> bool:
        judgement = self.identities.get(person_id)
        return (self.visibility is Visibility.FULL and judgement is not None
                and judgement.decision.visibility is Visibility.FULL)

    def judgements(self) -> list[Judgement]:
        return [*self.fields.values(), *self.identities.values()]

    def people_shown(self) -> list[UUID]:
        """The context child (if anything shows) and every subject whose identity shows."""
        shown = [self.child_id] if self.visibility is not Visibility.NONE else []
        return shown + [p for p in self.identities
                        if p != self.child_id and self.shows_identity(p)]

    def audit_records(self) -> list[dict[str, Any]]:
        """One record for the context child, and one per other subject, each under its own
        person, so that who-saw lists the read for every person it named."""
        n = self.notification
        own = self.identities.get(self.child_id)
        main = {"record": str(n.id), "record_type": "notification",
                "owner": n.source_agency, "child": str(self.child_id),
                "visibility": self.visibility.value,
                "fields": [j.as_record() for j in self.fields.values()]
                + ([own.as_record()] if own is not None else [])}
        others = [{"record": str(n.id), "record_type": "notification",
                   "owner": n.source_agency, "child": str(person),
                   "visibility": (Visibility.FULL if self.shows_identity(person)
                                  else Visibility.NONE).value,
                   "fields": [judgement.as_record()]}
                  for person, judgement in self.identities.items() if person != self.child_id]
        return [main, *others]


def corrected(correction: dict[str, Any]) -> dict[str, Any]:
    """A merge or split of a child's record as its chronology shows it (no reason's words:
    those are sealed on the merge)."""
    return {"kind": correction["kind"], "merge_id": str(correction["merge_id"]),
            "other_id": str(correction["other_id"]), "at": correction["at"].isoformat(),
            "by": correction["by"], "notifications": correction["notifications"]}


class Disclosure:
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 capabilities: CapabilityPolicy, audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._registry = registry
        self._decisions = decisions
        self._capabilities = capabilities
        self._audit = audit
        self._resolver = AccessResolver(store, decisions, registry)
        self._purposes = PurposeBinding(store, capabilities, audit)
        self._clock = clock

    # Queries -------------------------------------------------------------------------

    def notification(self, ctx: ReadContext, notification_id: UUID) -> dict[str, Any]:
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        at = self._clock()
        children = self._homes(notification)
        case = self._admit(ctx, children, at, "read-notification")
        candidates = [self._judge_record(ctx, notification, child_id, at)
                      for child_id in children]
        best = max(candidates, key=lambda j: VISIBILITY_RANK[j.visibility])
        self._record(ctx, "read-notification", [best], at, case=case)
        if best.visibility is Visibility.NONE:
            raise NotEntitled("you are not entitled to see this notification")
        return self._notification_view(best)

    def _homes(self, notification: Notification) -> list[UUID]:
        """The children a notification is judged on, for any read of it: a provisional
        person confirmed to be a known child is read as the known child; a person merged
        into another is read on its own record (its bases, its relations)."""
        if not notification.child_ids:  # a domestic-abuse incident naming adults alone
            return [adult_home(notification)]
        return list(dict.fromkeys(self._store.home_child(c).id
                                  for c in notification.child_ids))

    def versions(self, ctx: ReadContext, notification_id: UUID) -> dict[str, Any]:
        """Every version of a notification its sender corrected, oldest first, for a reader
        entitled to the whole of it (each version's fields judged as the current one's);
        audited like a read of the notification, refused (and audited) for anyone else."""
        notification = self._store.find(notification_id, Notification)
        if notification is None:
            raise NotFound("no such notification")
        at = self._clock()
        children = self._homes(notification)
        case = self._admit(ctx, children, at, "read-notification-versions")
        best = max((self._judge_record(ctx, notification, child_id, at)
                    for child_id in children), key=lambda j: VISIBILITY_RANK[j.visibility])
        full = best.visibility is Visibility.FULL
        self._record(ctx, "read-notification-versions", [best], at, case=case,
                     disclosed=full)
        if not full:
            raise NotEntitled("the history of a notification is for readers entitled to the "
                              "whole of it")
        return {"id": str(notification.id), "version": notification.notification_version,
                "amended_at": None, "withdrawn": None, **_corrections(notification, full=True),
                "versions": [{"version": v["version"], "sent_at": v["at"].isoformat(),
                              "occurred_at": v["occurred_at"].isoformat(),
                              **self._content(best, v["subjects"], v["details"])}
                             for v in notification.versions()]}

    def child(self, ctx: ReadContext, child_id: UUID) -> dict[str, Any]:
        person = self._store.same_child(child_id)
        at = self._clock()
        case = self._admit(ctx, [person.id], at, "read-child")
        identity = self._judge_identity(ctx, person, at)
        known_to = self._judge(ctx, person, self._resolver.ledger(person.id), HUB_OWNER,
                               DataClass.KNOWN_TO, False, at)
        shown = identity.decision.visibility is Visibility.FULL
        self._record(ctx, "read-child", [], at, identity=identity, case=case,
                     records=[self._identity_record(person, identity, known_to)],
                     disclosed=shown)
        if not shown:
            raise NotEntitled("you are not entitled to see this child's identity record")
        view = {"id": str(person.id), "kind": person.kind,
                **reveal_fields(dict(sorted(person.identity.items()))),
                "erased": person.erased}
        if known_to.decision.visibility is Visibility.FULL:
            view["known_to"] = list(person.known_to)
        return view

    def chronology(self, ctx: ReadContext, child_id: UUID) -> dict[str, Any]:
        """The child's multi-agency chronology, newest first, holding only what may be known.

        A provisional person confirmed to be a known child reads as the known child (whose
        record holds the provisional one's notifications since the confirmation); each item
        says which matching rule, and version, linked it to the child."""
        person = self._store.same_child(child_id)
        at = self._clock()
        case = self._admit(ctx, [person.id], at, "read-chronology")
        identity = self._judge_identity(ctx, person, at)
        judged = []
        links: dict[UUID, dict[str, Any]] = {}
        for link in person.notifications:
            notification = self._store.find(link["notification_id"], Notification)
            if notification is not None and notification.received_at <= at:
                # A merged person's notification is judged on that person's record.
                home = person.home_of(notification.id)
                judged.append(self._judge_record(ctx, notification, home, at))
                links.setdefault(notification.id, {"rule": link["link_rule"],
                                                   "version": link["link_rule_version"]})
        visible = [j for j in judged if j.visibility is not Visibility.NONE]
        records = [self._identity_record(person, identity)] + [
            record for j in judged for record in j.audit_records()]
        self._record(ctx, "read-chronology", judged, at, identity=identity, records=records,
                     case=case)
        if not visible and identity.decision.visibility is Visibility.NONE:
            raise NotEntitled("you are not entitled to see this child's chronology")
        visible.sort(key=lambda j: (j.notification.occurred_at, str(j.notification.id)),
                     reverse=True)
        answer: dict[str, Any] = {
            "child_id": str(person.id),
            "items": [{**self._notification_view(j), "link": links[j.notification.id]}
                      for j in visible]}
        if person.corrections:
            answer["corrections"] = [corrected(c) for c in person.corrections]
        return answer

    def receipt(self, caller: Caller, receipt: Receipt) -> dict[str, object]:
        """The answer to a sender: the notification's id and its children's ids. Naming a
        child the hub already held tells the sender the hub knows them (a probe with an NHS
        number learns it), so that answer is audited under each such child first."""
        if receipt.known_before:
            disclose(self._audit, caller, "notification-receipt", [
                Shown(child, "person", HUB_OWNER, child, (DataClass.IDENTITY,),
                      "receipt-to-sender", "rule:a sender learns which record its "
                      "notification joined", Visibility.SUMMARY.value)
                for child in receipt.known_before],
                purpose=None, details={"notification": str(receipt.id)})
        return receipt.as_dict()

    # Before a read: the emergency claim, and the case a purpose implies --------------------

    def _admit(self, ctx: ReadContext, people: list[UUID], at: datetime,
               action: str) -> dict[str, str] | None:
        return self._purposes.check(ctx.caller, ctx.purpose, ctx.case_ref, people, at, action,
                                    break_glass=ctx.break_glass_reason is not None)

    # Decisions -----------------------------------------------------------------------

    def _judge_record(self, ctx: ReadContext, n: Notification, child_id: UUID,
                      at: datetime) -> JudgedRecord:
        child = (self._store.child(child_id) if n.child_ids else
                 self._store.find(child_id, PersonRecord))
        if child is None:
            raise NotFound("no such person")
        ledger = self._resolver.ledger(child_id, child)
        main, classes = field_classes(n)
        restricted = n.restricted_at(at)
        fields: dict[DataClass, Judgement] = {
            c: self._judge(ctx, child, ledger, n.source_agency, c, restricted, at)
            for c in classes if c is not DataClass.IDENTITY}
        identities: dict[UUID, Judgement] = {}
        for person_id in dict.fromkeys(n.person_ids):
            person = child if person_id == child_id else self._store.find(person_id,
                                                                          PersonRecord)
            if person is not None and person.same_as == child_id:
                person = child  # confirmed to be the context child: judged as the child
            if person is not None:
                identities[person_id] = self._judge(
                    ctx, person, ledger if person is child else self._resolver.ledger(
                        person_id), n.source_agency, DataClass.IDENTITY, restricted, at)
        return JudgedRecord(n, child_id, fields, main, identities)

    def _judge_identity(self, ctx: ReadContext, person: PersonRecord, at: datetime) -> Judgement:
        return self._judge(ctx, person, self._resolver.ledger(person.id), HUB_OWNER,
                           DataClass.IDENTITY, False, at)

    def _judge(self, ctx: ReadContext, child: PersonRecord,
               ledger: SharingLedger | MergedBases | None,
               owner: str, data_class: DataClass, restricted: bool, at: datetime) -> Judgement:
        return self._resolver.judge(ctx.reader, ctx.purpose, child, ledger, owner, data_class,
                                    restricted, at, break_glass=ctx.break_glass_reason is not None)

    def _record(self, ctx: ReadContext, action: str, judged: list[JudgedRecord], at: datetime,
                identity: Judgement | None = None, records: list[dict[str, Any]] | None = None,
                disclosed: bool | None = None, case: dict[str, str] | None = None) -> None:
        """Write the audit entry (and owners' notices) for this read, before it is answered."""
        judgements = [j for r in judged for j in r.judgements()]
        if identity is not None:
            judgements.append(identity)
        shown = [r for r in judged if r.visibility is not Visibility.NONE]
        allowed = disclosed if disclosed is not None else (
            bool(shown) or (identity is not None and identity.decision.allowed))
        glass = [j for j in judgements
                 if j.decision.allowed and j.decision.basis is Basis.BREAK_GLASS]
        records = records if records is not None else [
            record for r in judged for record in r.audit_records()]
        people = list(dict.fromkeys(
            [UUID(r["child"]) for r in records if r["visibility"] != Visibility.NONE.value]
            or [UUID(r["child"]) for r in records[:1]]))
        details: dict[str, Any] = {"at": at.isoformat(),
                                   "break_glass_claimed": ctx.break_glass_reason is not None}
        if case is not None:
            details["case"] = case
        if glass and allowed:
            details["break_glass"] = str(self._save_break_glass(ctx, people, shown, at))
        self._audit.record(
            kind=AuditKind.DISCLOSURE if allowed else AuditKind.DENIAL,
            action=action, actor=ctx.caller.as_actor(), purpose=ctx.purpose.value,
            case_ref=ctx.case_ref, child_ids=people, records=records,
            policy_version=self._decisions.version_at(at).text.version,
            details=details, notices=self._notices(ctx, records, bool(glass)) if allowed else [],
        )

    def _save_break_glass(self, ctx: ReadContext, child_ids: list[UUID],
                          disclosed: list[JudgedRecord], at: datetime) -> UUID:
        access = BreakGlassAccess.open(
            uuid4(), child_ids[0], ctx.caller.as_actor(), ctx.purpose.value,
            ctx.break_glass_reason or "", [str(r.notification.id) for r in disclosed],
            sorted({r.notification.source_agency for r in disclosed}), at,
        )
        BreakGlassRegister(self._store).register(access)
        return access.id

    @staticmethod
    def _notices(ctx: ReadContext, records: list[dict[str, Any]],
                 break_glass: bool) -> list[Notice]:
        """One notice per agency and person whose records another agency has just read."""
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in records:
            owner = r["owner"]
            if owner in (ctx.caller.agency_id, HUB_OWNER) or r["visibility"] == "none":
                continue
            shown = [f["data_class"] for f in r["fields"] if f["visibility"] != "none"]
            basis = next((f["basis"] for f in r["fields"] if f["visibility"] != "none"),
                         "none")
            grouped.setdefault((owner, r["child"]), []).append({
                "record": r["record"], "data_classes": shown, "visibility": r["visibility"],
                "basis": basis})
        return [Notice(owner, {"reader_agency": ctx.caller.agency_id,
                               "reader_role": ctx.caller.role, "purpose": ctx.purpose.value,
                               "child_id": UUID(person), "records": shown,
                               "break_glass": break_glass})
                for (owner, person), shown in sorted(grouped.items())]

    @staticmethod
    def _identity_record(person: PersonRecord, identity: Judgement,
                         known_to: Judgement | None = None) -> dict[str, Any]:
        fields = [identity.as_record()] + ([known_to.as_record()] if known_to else [])
        return {"record": str(person.id), "record_type": "person", "owner": HUB_OWNER,
                "child": str(person.id), "visibility": identity.decision.visibility.value,
                "fields": fields}

    # Views ---------------------------------------------------------------------------

    def _notification_view(self, r: JudgedRecord) -> dict[str, Any]:
        n = r.notification
        view: dict[str, Any] = {
            "id": str(n.id), "type": n.notification_type, "agency": n.source_agency,
            "occurred_at": n.occurred_at.isoformat(), "visibility": r.visibility.value,
            **_corrections(n, full=r.visibility is Visibility.FULL),
        }
        if r.visibility is Visibility.SUMMARY:
            view["contact"] = self._contact(n.source_agency)
            return view
        view.update(self._content(r, n.subjects, n.details))
        view.update({"source_ref": n.source_ref, "received_at": n.received_at.isoformat(),
                     "restricted": n.restricted_at(self._clock())})
        return view

    def _content(self, r: JudgedRecord, people: list[dict[str, Any]],
                 d: dict[str, Any]) -> dict[str, Any]:
        """The subjects and details of a version of ``r``'s notification, each field as far
        as ``r``'s judgements allow (a person of an earlier version that the current one does
        not name was not judged, and is not shown)."""
        n = r.notification
        subjects = []
        for s in people:
            subject: dict[str, Any] = {"role": s["role"]}
            if r.shows_identity(s["person_id"]):
                subject["person_id"] = str(s["person_id"])
                subject.update(reveal_fields(s["identity"]))
                subject["school_urn"] = s["school_urn"]
            subject.update({"present": s["present"], "spoken_to": s["spoken_to"],
                            "pregnant": s["pregnant"]})
            subjects.append(subject)
        details: dict[str, Any] = {"welfare_check": d.get("welfare_check")}
        copied = content_class(n)
        if copied is None or r.shows(copied):
            details.update(summary=reveal(d.get("summary")),
                           child_words=reveal(d.get("child_words")))
        if d.get("dash") is not None and r.shows(DataClass.DA_RISK):
            details["dash"] = d["dash"]
        location_class = (DataClass.SENSITIVE_LOCATION if d.get("location_sensitive")
                          else r.main)
        if d.get("location") is not None and r.shows(location_class):
            details["location"] = reveal(d["location"])
            details["location_sensitive"] = bool(d.get("location_sensitive"))
        return {"subjects": subjects, "details": details}

    def _contact(self, agency_id: str) -> dict[str, Any]:
        try:
            agency = self._registry.agency(agency_id)
        except NotFound:
            return {"agency": agency_id}
        return {"agency": agency_id, "name": agency["name"]}


def _corrections(n: Notification, *, full: bool) -> dict[str, Any]:
    """What a read shows of the sender's corrections, once there are any (nothing otherwise):
    the version, when it was amended, and whether it was withdrawn (its reason, code and
    words, to a reader of the whole)."""
    w = n.withdrawal
    if w is None and n.amended is None and n.notification_version == 1:
        return {}
    withdrawn: dict[str, Any] | None = None
    if w is not None:
        withdrawn = {"at": w["at"].isoformat()}
        if full:
            withdrawn.update(reason_code=w["reason_code"], reason=reveal(w["reason"]))
    amended = n.amended
    return {"version": n.notification_version,
            "amended_at": amended[0].isoformat() if amended else None, "withdrawn": withdrawn}


def adult_home(notification: Notification) -> UUID:
    """The person a notification naming no child (a domestic-abuse incident naming adults
    alone) is judged on, as its free text is held: the first adult victim, else the first
    pregnant woman who is not the perpetrator (``Notification.about``)."""
    return notification.about
