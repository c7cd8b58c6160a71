"""What the MASH works from: the queue of contacts not yet decided, the clocks that have run
out, and the feedback each referrer reads (part of ``FrontDoor``). Every list is audited as a
summary of each record it shows."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import DATA_CLASS_OF_NOTIFICATION, DataClass, Purpose, Relation, Visibility
from domain.front_door import MashContact
from domain.notifications import NotificationType
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.disagreements import InterAgencyDisagreements
from hub.feedback_calls import FeedbackCalls
from hub.projections.work_index import WorkIndex
from hub.registry import Caller
from hub.relationships import Relationships
from hub.store import HubStore


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class MashQueues(InterAgencyDisagreements, FeedbackCalls):
    """The front door's lists, on its store, work index and audit."""

    _store: HubStore
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    _relationships: Relationships | None
    work: WorkIndex
    require: Requirement
    protection_overdue: Callable[[datetime], list[dict[str, Any]]]

    # What a read shows ----------------------------------------------------------------------

    def _contact_shown(self, c: MashContact, visibility: Visibility, ground: str,
                       capability: str) -> list[Shown]:
        """A contact as a view shows it, about each of its children: the referring agency's
        record (the source notification's sender), of that notification's main data class."""
        source = self.work.source(c.notification_id)
        data_class = (DATA_CLASS_OF_NOTIFICATION[NotificationType(source.notification_type)]
                      if source is not None else DataClass.SOCIAL_CARE)
        return [Shown(c.id, "mash-contact", c.referrer, child, (data_class,), ground,
                      f"capability:{capability}", visibility.value)
                for child in dict.fromkeys(c.child_ids)]

    # The queue and its clocks -------------------------------------------------------------

    def _summary(self, c: MashContact, now: datetime) -> dict[str, Any]:
        """Ids, clocks and states: no free text."""
        rating = c.rating
        return {
            "id": str(c.id), "kind": c.kind, "notification_id": str(c.notification_id),
            "referrer": c.referrer, "child_ids": [str(i) for i in c.child_ids],
            "received_at": c.received_at.isoformat(), "indicators": c.indicators,
            "re_referral": bool(c.re_referral_of),
            "re_referral_of": [str(i) for i in c.re_referral_of],
            "linked_to": str(c.linked_to) if c.linked_to else None,
            "rag": None if rating is None else {
                "rating": rating.rag, "due": rating.due.isoformat(),
                "at": rating.at.isoformat(), "by": rating.by,
                "forced_by": list(rating.forced_by)},
            "acknowledged": None if c.acknowledged is None else {
                "at": c.acknowledged["at"].isoformat(), "by": c.acknowledged["by"],
                "late": c.acknowledged["at"] > c.acknowledge_due},
            "deadlines": {name: {"due": due.isoformat(), "overdue": now > due}
                          for name, due in sorted(c.deadlines().items(),
                                                  key=lambda kv: kv[1])},
            "missed": {name: due.isoformat() for name, due in c.missed().items()},
            "research": {
                "asked": sorted({a for r in c.research_requests for a in r.agencies}),
                "received_from": sorted({r["agency"] for r in c.research}),
                "outstanding": c.research_outstanding()},
            "decision": None if c.decision is None else {
                "level": c.decision["level"], "outcome": c.decision["outcome"],
                "at": c.decision["at"].isoformat(), "by": c.decision["by"],
                "step": c.step, "assessment_due": _iso(c.decision["assessment_due"]),
                "brief_assessment_due": _iso(c.decision.get("brief_assessment_due")),
                "brief_assessment_completed_at": _iso(c.brief_assessment_done_at),
                "enquiry_ids": [str(e) for e in c.decision["enquiry_ids"]],
                "assessment_completed_at": (c.assessment["at"].isoformat()
                                            if c.assessment else None),
                "corrections": [{
                    "level": k["level"], "outcome": k["outcome"],
                    "previous_level": k["previous"]["level"],
                    "previous_outcome": k["previous"]["outcome"],
                    "assessment_due": _iso(k["assessment_due"]),
                    "brief_assessment_due": _iso(k.get("brief_assessment_due")),
                    "at": k["at"].isoformat(), "by": k["by"]} for k in c.corrections]},
            # A school naming itself as the child's school, unlike the roll or the police:
            # the MASH settles it on the roll (PUT /v1/children/{id}/school).
            "school_claims": (self._relationships.claims(c.child_ids, c.notification_id, now)
                              if self._relationships is not None else []),
            # The referrer's corrections: amended (versions followed), or withdrawn (closed).
            "amendments": [{"version": a["version"], "at": a["at"].isoformat()}
                           for a in c.amendments],
            "closed": (None if c.closure is None else {
                "reason": c.closure["reason"], "at": c.closure["at"].isoformat()}),
        }

    def _earliest(self, c: MashContact) -> datetime:
        running = c.deadlines()
        return min(running.values()) if running else c.received_at

    def _in_state(self, *states: str) -> list[MashContact]:
        self.work.catch_up()
        return [c for i, state in list(self.work.contacts.items()) if state in states
                if (c := self._store.find(i, MashContact)) is not None]

    def _undecided(self) -> list[MashContact]:
        return self._in_state("open")

    def queue(self, caller: Caller) -> dict[str, Any]:
        """Contacts not yet decided, the oldest running deadline first."""
        self.require(caller, "read-mash-queue", "read-mash-queue")
        now = self._clock()
        contacts = sorted(self._undecided(), key=lambda c: (self._earliest(c), str(c.id)))
        disclose(self._audit, caller, "read-mash-queue", [
            s for c in contacts for s in self._contact_shown(
                c, Visibility.SUMMARY, "local-authority-safeguarding-duty", "read-mash-queue")],
            purpose=Purpose.TRIAGE.value, details={"contacts": [str(c.id) for c in contacts]})
        return {"at": now.isoformat(), "items": [self._summary(c, now) for c in contacts]}

    def breaches(self, caller: Caller) -> dict[str, Any]:
        """Clocks that have run out with the work not done: acknowledgement, decision, RAG,
        partners' research, the referrer's feedback after a declined referral, and
        disagreement stages; the oldest deadline first. Each is
        audited as a summary of its record: the contact (the referrer's), the protection record
        (its local authority's), the disagreement (the raising agency's)."""
        self.require(caller, "read-mash-queue", "read-mash-breaches")
        now = self._clock()
        items: list[dict[str, Any]] = []
        shown: list[Shown] = []
        summary, duty = Visibility.SUMMARY, "local-authority-safeguarding-duty"
        for c in self._in_state("open", "assessing"):
            listed = len(items)
            for name, due in c.deadlines().items():
                if now > due:
                    items.append({"contact_id": str(c.id), "clock": name,
                                  "due": due.isoformat(),
                                  "child_ids": [str(i) for i in c.child_ids],
                                  "overdue_hours": round((now - due).total_seconds() / 3600, 1)})
            for agency in (c.research_outstanding() if c.decision is None else []):
                asked = c.research_due(agency)
                if asked is not None and now > asked:
                    items.append({"contact_id": str(c.id), "clock": "research",
                                  "agency": agency, "due": asked.isoformat(),
                                  "child_ids": [str(i) for i in c.child_ids],
                                  "overdue_hours": round((now - asked).total_seconds() / 3600,
                                                         1)})
            if len(items) > listed:
                shown += self._contact_shown(c, summary, duty, "read-mash-queue")
        for c, due in self._late_feedback(now):
            items.append({"contact_id": str(c.id), "clock": "referral-feedback",
                          "due": due.isoformat(), "child_ids": [str(i) for i in c.child_ids],
                          "overdue_hours": round((now - due).total_seconds() / 3600, 1)})
            shown += self._contact_shown(c, summary, duty, "read-mash-queue")
        for late in self.protection_overdue(now):
            items.append({"person_id": late["person_id"], "clock": late["clock"],
                          "due": late["due"], "child_ids": [late["person_id"]],
                          "overdue_hours": late["overdue_hours"]})
            shown += [Shown(late["record"], late.get("kind", "protection-record"), owner,
                            UUID(late["person_id"]), (DataClass.SOCIAL_CARE,), duty,
                            "capability:read-mash-queue", summary.value)
                      for owner in late["owners"] or [HUB_OWNER]]
        for d in self._open_disagreements():
            # Only disagreements the caller's agency is party to (raised, or with it).
            if d.overdue(now) and caller.agency_id in (d.raised_by["agency"], d.with_agency):
                shown += self._disagreement_shown(d, summary, "read-mash-queue")
                items.append({"disagreement_id": str(d.id),
                              **({"contact_id": str(d.contact_id)}
                                 if d.contact_id is not None else {}),
                              "clock": f"disagreement:{d.stage.stage.value}",
                              "due": d.stage.due.isoformat(),
                              "child_ids": [str(c) for c in d.child_ids],
                              "overdue_hours": round(
                                  (now - d.stage.due).total_seconds() / 3600, 1)})
        items.sort(key=lambda i: (i["due"], i.get("contact_id", "")))
        disclose(self._audit, caller, "read-mash-breaches", list(dict.fromkeys(shown)),
                 purpose=Purpose.TRIAGE.value,
                 details={"contacts": sorted({i["contact_id"] for i in items
                                              if "contact_id" in i})})
        return {"at": now.isoformat(), "items": items}

    # Feedback to the referrer --------------------------------------------------------------

    def feedback(self, caller: Caller) -> dict[str, Any]:
        """The caller's agency's contacts and referrals, decided: what was decided and the
        MASH's feedback, also on no further action. Newest first."""
        self.require(caller, "read-referral-feedback", "read-referral-feedback")
        self.work.catch_up()
        mine = sorted((c for c in self._in_state("assessing", "done")
                       if c.referrer == caller.agency_id and c.decision is not None),
                      key=lambda c: c.decision["at"] if c.decision else c.received_at,
                      reverse=True)
        # The decision and feedback are the deciding MASH's record, about each child.
        disclose(self._audit, caller, "read-referral-feedback", [
            Shown(c.id, "mash-feedback",
                  (c.decision or {}).get("by", {}).get("agency", HUB_OWNER), child,
                  (DataClass.SOCIAL_CARE,), "feedback-to-referrer",
                  "Working Together 2018: the referrer is told the outcome",
                  relation=Relation.OWNER.value)
            for c in mine for child in dict.fromkeys(c.child_ids)],
            purpose=Purpose.REFERRAL.value)
        items = []
        for c in mine:
            d = c.decision or {}
            items.append({"contact_id": str(c.id), "notification_id": str(c.notification_id),
                          "child_ids": [str(i) for i in c.child_ids],
                          "received_at": c.received_at.isoformat(),
                          "decided_at": d["at"].isoformat(), "level": d["level"],
                          "outcome": d["outcome"], "feedback": reveal(d["feedback"])})
        return {"agency": caller.agency_id, "items": items}
