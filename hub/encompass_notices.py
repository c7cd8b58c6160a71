"""Operation Encompass: the notices a police domestic-abuse notification issues to each child's
school (or the education officer, for a child educated at home), their inbox, acknowledgement
and escalation when unacknowledged on time (part of ``DomesticAbuse``)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import AccessQuestion, DataClass, Purpose, Relation
from domain.audit import AuditKind
from domain.encompass import (
    EncompassNotice,
    NotIssued,
    addressee,
    in_age_range,
    words_for_school,
    words_go_in,
)
from domain.errors import RuleViolation
from domain.notifications import Notification, NotificationSubmission, SubjectSubmission
from domain.people import SCHOOL_AUTHORITY_KINDS, PersonRecord
from domain.personal import reveal
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.disclosure import ReadContext
from hub.errors import NotEntitled, NotFound
from hub.projections.work_index import WorkIndex
from hub.purposes import PurposeBinding
from hub.registry import Caller, Registry
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy, DecisionPoint


class EncompassNotices:
    """Encompass notices, on the DART service's store, registry, policies and audit."""

    _store: HubStore
    _registry: Registry
    _decisions: DecisionPoint
    _capabilities: CapabilityPolicy
    _audit: AuditTrail
    _clock: Callable[[], datetime]
    timescales: Timescales
    work: WorkIndex
    require: Requirement

    # At intake ---------------------------------------------------------------------------

    def _notice(self, notification: Notification, submission: NotificationSubmission,
                subject: SubjectSubmission, person: PersonRecord,
                only_child: bool) -> tuple[EncompassNotice | None, dict[str, Any]]:
        outcome: dict[str, Any] = {"child_id": person.id, "notice_id": None, "reason": None}
        dob = subject.date_of_birth
        incident_day = notification.occurred_at.astimezone(UTC).date()
        if dob is None or not in_age_range(dob, incident_day):
            return None, {**outcome, "reason": NotIssued.OUT_OF_AGE_RANGE.value}
        authority = self._school_authority
        to = addressee(
            home_educated=bool(subject.home_educated),
            education_officer=self.timescales.home_education_agency,
            named_urn=subject.school_urn, named_by_authority=authority(
                notification.source_agency),
            known_urn=person.school_at(notification.received_at, authority),
            on_roll=person.on_roll(notification.received_at), school_agency=self._school)
        if isinstance(to, NotIssued):
            return None, {**outcome, "reason": to.value}
        words, withheld = words_for_school(
            submission.details.words_for_school, (subject.given_name, subject.family_name),
            [name for s in submission.subjects if s is not subject
             for name in (s.given_name, s.family_name)],
            submission.details.location, [s.postcode for s in submission.subjects if s.postcode])
        if withheld is not None:
            outcome["words_withheld"] = withheld.value
        notice = EncompassNotice.issue(
            uuid4(), notification.id, person.id, to.recipient, to.agency_id, to.school_urn,
            due_at=self.timescales.encompass_due(to.school_urn, notification.occurred_at),
            issued_at=notification.received_at, identity=subject.identity(),
            incident_at=notification.occurred_at, present=subject.present,
            welfare_check=submission.details.welfare_check,
            child_words=words if words_go_in(bool(subject.spoken_to), only_child) else None)
        return notice, {**outcome, "notice_id": notice.id}

    def _school_authority(self, agency: str) -> bool:
        return self._registry.kind_of(agency) in SCHOOL_AUTHORITY_KINDS

    def _school(self, urn: str) -> str | None:
        """The registered agency of the school with this URN (None: not registered)."""
        school = self._registry.school_by_urn(urn)
        return str(school["id"]) if school is not None else None

    # Whose notice it is ------------------------------------------------------------------

    def _police(self, incident: UUID | None) -> str:
        """The police agency that sent the incident: the owner of its DART case (whose content
        is the incident's) and of its Encompass notices."""
        source = self.work.source(incident) if incident is not None else None
        return source.agency if source is not None else HUB_OWNER

    # The inbox ---------------------------------------------------------------------------

    def inbox(self, ctx: ReadContext, urn: str | None,
              unacknowledged_only: bool = False) -> dict[str, Any]:
        """A school's (or education officer's) notices, newest first; each read audited."""
        return self._inbox(ctx, urn, unacknowledged_only, None)

    def notice(self, ctx: ReadContext, notice_id: UUID) -> dict[str, Any]:
        """One notice of the caller's own inbox (as the inbox shows it), its read audited
        naming its child only; another's notice is not found, as if it did not exist."""
        found = self._inbox(ctx, None, False, notice_id)["items"]
        if not found:
            raise NotFound("no such notice in your inbox")
        notice: dict[str, Any] = found[0]
        return notice

    def _inbox(self, ctx: ReadContext, urn: str | None, unacknowledged_only: bool,
               only: UUID | None) -> dict[str, Any]:
        caller = ctx.caller
        self.require(caller, "read-encompass-inbox", "read-encompass-inbox")
        if urn is not None and urn != caller.school_urn:
            self._audit.record(kind=AuditKind.DENIAL, action="read-encompass-inbox",
                               actor=caller.as_actor(), purpose=ctx.purpose.value,
                               details={"school_urn": urn, "outcome": "not your school"})
            raise NotEntitled("a school reads its own Encompass inbox only")
        self.work.catch_up()
        at = self._clock()
        PurposeBinding(self._store, self._capabilities, self._audit).check(
            caller, ctx.purpose, ctx.case_ref, [], at, "read-encompass-inbox",
            ctx.break_glass_reason is not None)
        decision = self._decisions.decide(AccessQuestion(
            caller.agency_kind, caller.role, Relation.PUPIL, DataClass.ENCOMPASS_NOTICE,
            ctx.purpose), at)
        mine = sorted((n for n in self.work.notices.values()
                       if n.recipient_agency == caller.agency_id
                       and not (unacknowledged_only and n.acknowledged)
                       and only in (None, n.id)),
                      key=lambda n: (n.due, str(n.id)), reverse=True)
        notices = [n for s in mine if (n := self._store.find(s.id, EncompassNotice))]
        # A notice is the incident's police agency's record: they see the school read it.
        # A withdrawn notice shows nothing of its child: it is no disclosure.
        disclose(self._audit, caller, "read-encompass-inbox", [
            Shown(n.id, "encompass-notice", self._police(n.notification_id), n.child_id,
                  (DataClass.ENCOMPASS_NOTICE,), decision.ground, decision.rule,
                  decision.visibility.value, Relation.PUPIL.value, decision.basis.value)
            for n in notices if n.redirected is None], purpose=ctx.purpose.value,
            case_ref=ctx.case_ref,
            policy_version=self._decisions.version_at(at).text.version,
            denied=not decision.allowed)
        if not decision.allowed:
            raise NotEntitled("reading Operation Encompass notices needs the purpose "
                              "'encompass'")
        return {"agency": caller.agency_id, "items": [self._notice_view(n, at)
                                                      for n in notices]}

    @staticmethod
    def _notice_view(n: EncompassNotice, now: datetime) -> dict[str, Any]:
        c = n.content
        ack = n.acknowledgement
        acknowledged = None if ack is None else {"by": ack["by"], "at": ack["at"].isoformat(),
                                                 "late": n.acknowledged_late}
        withdrawn = n.withdrawal or n.redirected
        if withdrawn is not None:  # that a notice was withdrawn, never why, nor whom about
            return {"id": str(n.id), "recipient": n.recipient, "school_urn": n.school_urn,
                    "due_at": n.due_at.isoformat(), "issued_at": n.issued_at.isoformat(),
                    "overdue": False, "acknowledged": acknowledged,
                    "withdrawn": {"at": withdrawn["at"].isoformat()}}
        reissue = n.reissued_from
        return {**({"redirected_from": {"notice_id": str(reissue["from_notice"]),
                                        "original_due": reissue["original_due"].isoformat()}}
                   if reissue is not None else {}),
            "id": str(n.id), "child_id": str(n.child_id), "recipient": n.recipient,
            "school_urn": n.school_urn, "due_at": n.due_at.isoformat(),
            "issued_at": n.issued_at.isoformat(), "overdue": n.overdue(now),
            "child": {"given_name": reveal(c["given_name"]),
                      "family_name": reveal(c["family_name"]),
                      "date_of_birth": reveal(c["date_of_birth"])},
            "incident_at": c["incident_at"].isoformat(), "present": c["present"],
            "welfare_check": c["welfare_check"], "child_words": reveal(c["child_words"]),
            "acknowledged": acknowledged,
            "updated_at": n.updates[-1]["at"].isoformat() if n.updates else None,
            "withdrawn": None,
        }

    def acknowledge(self, caller: Caller, notice_id: UUID) -> dict[str, Any]:
        self.require(caller, "acknowledge-encompass", "acknowledge-encompass")
        at = self._clock()

        def attempt() -> EncompassNotice:
            notice = self._store.find(notice_id, EncompassNotice)
            if notice is None or notice.recipient_agency != caller.agency_id:
                raise NotFound("no such notice in your inbox")  # another's: not even that
            if notice.redirected is not None:
                raise RuleViolation("this notice was withdrawn: there is nothing to "
                                    "acknowledge")
            notice.acknowledge(caller.agency_id, caller.as_actor(), at)
            self._store.save(notice)
            return notice

        notice = self._store.write(attempt)
        self._audit.record(kind=AuditKind.ENCOMPASS, action="acknowledge-encompass",
                           actor=caller.as_actor(), purpose=Purpose.ENCOMPASS.value,
                           child_ids=[notice.child_id],
                           details={"notice": str(notice.id),
                                    "late": notice.acknowledged_late})
        return {"id": str(notice.id), "acknowledged_at": at.isoformat(),
                "late": notice.acknowledged_late}

    def escalate_overdue(self) -> int:
        """Pass every notice unacknowledged past its deadline to the DART coordinator."""
        self.work.catch_up()
        now = self._clock()
        escalated = 0
        for state in list(self.work.notices.values()):
            if state.acknowledged or state.escalated or state.withdrawn or now <= state.due:
                continue

            def attempt(notice_id: UUID = state.id) -> bool:
                notice = self._store.find(notice_id, EncompassNotice)
                if notice is None or notice.escalation is not None or not notice.overdue(now) \
                        or notice.redirected is not None:
                    return False
                notice.escalate(now)
                self._store.save(notice)
                return True

            if self._store.write(attempt):
                escalated += 1
        return escalated
