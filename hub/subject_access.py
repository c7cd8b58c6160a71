"""Assembling a subject access pack: what the hub holds about a child, every disclosure of
it, and every redaction with its exemption and reason, for a reviewer to check first."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.audit import AuditKind
from domain.dart import DartCase
from domain.front_door import MashContact, NeedRecord, contact_id, need_id
from domain.lawful_basis import SharingLedger, ledger_id
from domain.missing import MissingRecord, record_id
from domain.notifications import Notification
from domain.personal import reveal, reveal_fields
from domain.subject_access import Exemption, SubjectAccessFile, default_redactions
from hub.audit.history import disclosures
from hub.audit.trail import AuditTrail
from hub.domestic_abuse import case_id
from hub.errors import NotFound
from hub.store import HubStore

REDACTED = "[redacted]"


class SubjectAccess:
    def __init__(self, store: HubStore, audit: AuditTrail,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._audit = audit
        self._clock = clock

    def _file(self, child_id: UUID) -> SubjectAccessFile:
        return (self._store.find(SubjectAccessFile.create_id(child_id), SubjectAccessFile)
                or SubjectAccessFile(child_id=child_id))

    def redact(self, actor: dict[str, str], child_id: UUID, record: str, path: str,
               exemption: str, reason: str) -> None:
        """A reviewer's redaction: which record and field, under which exemption, and why."""
        self._store.child(child_id)
        try:
            chosen = Exemption(exemption)
        except ValueError:
            allowed = ", ".join(e.value for e in Exemption)
            raise NotFound(f"no such exemption; use one of: {allowed}") from None

        def attempt() -> None:
            sar = self._file(child_id)
            sar.redact(record, path, chosen, reason, False, actor)
            self._store.save(sar)

        self._store.write(attempt)
        self._audit.record(kind=AuditKind.SUBJECT_ACCESS, action="record-redaction",
                           actor=actor, child_ids=[child_id],
                           details={"record": record, "path": path, "exemption": exemption})

    def assemble(self, actor: dict[str, str], child_id: UUID, out: Path,
                 requested_by: str = "parent") -> dict[str, Any]:
        child = self._store.child(child_id)
        now = self._clock()
        notifications = [n for link in child.notifications
                         if (n := self._store.find(link["notification_id"], Notification))]

        contacts = [c for n in notifications
                    if (c := self._store.find(contact_id(n.id), MashContact)) is not None]

        def attempt() -> SubjectAccessFile:
            sar = self._file(child_id)
            sar.receive(requested_by, now.date(), actor)
            self._automatic_redactions(sar, child_id, notifications)
            for c in contacts:  # partners' research: their information, theirs to clear
                for i, item in enumerate(c.research):
                    path = f"research[{i}].content"
                    if sar.redaction(str(c.id), path) is None:
                        sar.redact(str(c.id), path, Exemption.THIRD_PARTY,
                                   f"{item['agency']}'s research: ask it before release",
                                   True, {"hub": "default rule"})
            self._store.save(sar)
            return sar

        sar = self._store.write(attempt)
        request = sar.open_request or sar.requests[-1]
        pack = {
            "child_id": str(child_id),
            "request": {"requested_by": request["requested_by"],
                        "received_on": request["received_on"].isoformat(),
                        "due_on": request["due_on"].isoformat(),
                        "overdue": sar.overdue(now.date())},
            "identity": {**reveal_fields(child.identity), "erased": child.erased},
            "records": [self._record(sar, n) for n in notifications],
            "lawful_bases": self._bases(child_id),
            "work": self._work(sar, child_id, notifications, contacts),
            "disclosures": list(disclosures(self._audit, child_id=child_id)),
        }
        out.mkdir(parents=True, exist_ok=False)
        (out / "subject-access.json").write_text(json.dumps(pack, indent=2, default=str))
        (out / "redactions.json").write_text(json.dumps(sar.redactions, indent=2, default=str))
        (out / "README.txt").write_text(
            "Subject access pack. Check redactions.json (each redaction, its exemption and "
            f"reason) before release. Due by {request['due_on'].isoformat()} (one month from "
            f"{request['received_on'].isoformat()}).\n")
        self._audit.record(kind=AuditKind.SUBJECT_ACCESS, action="assemble-subject-access",
                           actor=actor, child_ids=[child_id],
                           details={"records": len(pack["records"]),
                                    "redactions": len(sar.redactions),
                                    "due_on": request["due_on"].isoformat()})
        return {"due_on": request["due_on"].isoformat(), "records": len(pack["records"]),
                "redactions": len(sar.redactions), "disclosures": len(pack["disclosures"])}

    @staticmethod
    def _automatic_redactions(sar: SubjectAccessFile, child_id: UUID,
                              notifications: list[Notification]) -> None:
        """Record the domain's default redactions, once each, as the hub's own."""
        for n in notifications:
            for path, exemption, reason in default_redactions(n.subjects, n.details, child_id):
                sar.redact(str(n.id), path, exemption, reason, True, {"hub": "default rule"})

    @staticmethod
    def _record(sar: SubjectAccessFile, n: Notification) -> Any:
        record = str(n.id)

        def shown(path: str, value: Any) -> Any:
            return REDACTED if sar.redaction(record, path) else value

        subjects = [shown(f"subjects[{i}]", {"role": s["role"], **reveal_fields(s["identity"])})
                    for i, s in enumerate(n.subjects)]
        details = {k: shown(f"details.{k}", reveal(v)) for k, v in n.details.items()}
        return shown("*", {"id": record, "type": n.notification_type, "agency": n.source_agency,
                           "occurred_at": n.occurred_at.isoformat(), "subjects": subjects,
                           "details": details})

    def _work(self, sar: SubjectAccessFile, child_id: UUID, notifications: list[Notification],
              contacts: list[MashContact]) -> dict[str, Any]:
        """What agencies did about the child: DART triage, front-door contacts, levels of
        need, missing episodes and return interviews."""
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        cases = [c for n in notifications
                 if (c := self._store.find(case_id(n.id), DartCase)) is not None]
        missing = self._store.find(record_id(child_id), MissingRecord)
        need = self._store.find(need_id(child_id), NeedRecord)
        return {
            "dart_triage": [{"case_id": str(c.id), "incident_id": str(c.notification_id),
                             "triage": reveal(c.triage) if c.triage else None} for c in cases],
            "front_door": [{
                "contact_id": str(c.id), "kind": c.kind, "referrer": c.referrer,
                "received_at": c.received_at.isoformat(),
                "ratings": [{"rag": r.rag, "at": r.at.isoformat(),
                             "rationale": reveal(r.rationale)} for r in c.ratings],
                "research": [{"agency": r["agency"], "at": r["at"].isoformat(),
                              "content": (REDACTED if sar.redaction(
                                  str(c.id), f"research[{i}].content") else
                                  reveal(r["content"]))} for i, r in enumerate(c.research)],
                "decision": reveal(c.decision)} for c in contacts],
            "levels_of_need": [{**reveal_fields(change), "at": change["at"].isoformat()}
                               for change in (need.changes if need else [])],
            "missing_episodes": [{
                "type": e["type"], "start": when(e["start"]), "end": when(e["end"]),
                "ended_by": e["ended_by"], "rules": [f["rule"] for f in e["flags"]],
                "interview_due": when(e["interview_due"]),
                "interview": [{"step": i["step"], "at": i["at"].isoformat(),
                               "reason": reveal(i["reason"])} for i in e["interview"]]}
                for e in (missing.episodes if missing else [])],
        }

    def _bases(self, child_id: UUID) -> dict[str, Any]:
        ledger = self._store.find(ledger_id(child_id), SharingLedger)
        if ledger is None:
            return {"consents": [], "sharing_decisions": []}
        return {"consents": [{k: v for k, v in c.items() if k != "recorded_by"}
                             for c in ledger.consents],
                "sharing_decisions": [{**{k: v for k, v in d.items() if k != "recorded_by"},
                                       "rationale": reveal(d["rationale"])}
                                      for d in ledger.decisions]}
