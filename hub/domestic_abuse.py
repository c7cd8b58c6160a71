"""Domestic abuse, on the clock: the DART's queue and triage, MARAC referrals, and Operation
Encompass notices to schools (:mod:`hub.encompass_notices`).

A police domestic-abuse notification opens its DART case and issues its Encompass notices in
the same atomic save as the notification itself (``on_received``), so a notification is never
stored without them, over HTTP or Kafka. Deadlines are computed from the notification's
timestamps with the hub's calendars; breaches are listed from them, never guessed.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate

from domain.access import DataClass, Purpose, Visibility
from domain.audit import AuditKind
from domain.dart import (
    DartCase,
    RiskGrading,
    RiskLevel,
    TriageAction,
    arrival_level,
    dash_yes_count,
    enters_dart_queue,
    grade,
    pregnant_women,
)
from domain.encompass import (
    EncompassNotice,
    Recipient,
    redirected_due,
)
from domain.errors import InvalidContent, RuleViolation
from domain.marac import Incident, MaracReferral, VictimHistory, evaluate
from domain.notifications import (
    DetailsSubmission,
    Notification,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
)
from domain.people import PersonRecord
from domain.personal import reveal
from domain.text import reason as reason_text
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement
from hub.capabilities import parse_enum as _enum
from hub.encompass_notices import EncompassNotices
from hub.errors import NotFound
from hub.followed_corrections import IncidentCorrections, case_corrections
from hub.intake import NotificationIntake
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.relationships import accept_involvement
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy, DecisionPoint


def case_id(notification_id: UUID) -> UUID:
    """One incident, one DART case."""
    return uuid5(NAMESPACE_URL, f"/hub/dart-case/{notification_id}")


class DomesticAbuse(EncompassNotices, IncidentCorrections):
    def __init__(self, store: HubStore, registry: Registry, decisions: DecisionPoint,
                 capabilities: CapabilityPolicy, audit: AuditTrail, timescales: Timescales,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 work: WorkIndex | None = None, *, intake: NotificationIntake) -> None:
        self._store = store
        self._registry = registry
        self._decisions = decisions
        self._capabilities = capabilities
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self.timescales = timescales
        self._clock = clock
        if work is None:  # the index follows the store's log: hub.bootstrap gives it
            raise TypeError("DomesticAbuse needs the work index")
        self.work = work
        # A referral to the MASH goes in through the intake, like any notification.
        self._intake = intake

    # At intake ---------------------------------------------------------------------------

    def on_received(self, notification: Notification, submission: NotificationSubmission,
                    people: list[PersonRecord]) -> list[Aggregate]:
        """The DART case and Encompass notices a new notification calls for (maybe none)."""
        if not enters_dart_queue(notification.notification_type):
            return []
        received = notification.received_at
        children = [(s, p) for s, p in zip(submission.subjects, people, strict=True)
                    if s.is_child]
        notices: list[EncompassNotice] = []
        outcomes: list[dict[str, Any]] = []
        for subject, person in children:
            notice, outcome = self._notice(notification, submission, subject, person,
                                           only_child=len(children) == 1)
            if notice is not None:
                notices.append(notice)
            outcomes.append(outcome)
        victims = [s["person_id"] for s in notification.subjects
                   if s["role"] == SubjectRole.ADULT_VICTIM.value]
        pregnant = pregnant_women(notification.subjects)
        # The clock follows the risk known on arrival: the police's DASH.
        risk = arrival_level(notification.details.get("dash"))
        case = DartCase(
            id=case_id(notification.id), notification_id=notification.id,
            child_ids=notification.child_ids, victim_ids=list(dict.fromkeys(victims)),
            occurred_at=notification.occurred_at, received_at=received,
            triage_due=self.timescales.triage_due(received, risk),
            encompass=outcomes, holder=notification.about,
            risk=risk.value if risk is not None else None, pregnant_ids=pregnant)
        return [case, *notices]

    # What a read shows -------------------------------------------------------------------

    def _case_shown(self, case: DartCase, visibility: Visibility,
                    capability: str) -> list[Shown]:
        """A DART case as a view shows it, about each child, adult victim and pregnant woman it
        lists: the police's record (police-incident; da-risk too once triaged)."""
        classes = (DataClass.POLICE_INCIDENT,
                   *((DataClass.DA_RISK,) if case.triage is not None else ()))
        owner = self._police(case.notification_id)
        return [Shown(case.id, "dart-case", owner, person, classes,
                      "dart-safeguarding-function", f"capability:{capability}",
                      visibility.value)
                for person in _named(case)]

    # The DART ----------------------------------------------------------------------------

    def _case(self, case: UUID) -> DartCase:
        found = self._store.find(case, DartCase)
        if found is None:
            raise NotFound("no such DART case")
        return found

    def queue(self, caller: Caller, include_triaged: bool = False) -> dict[str, Any]:
        """The DART's cases, the highest risk known on arrival first, then the earliest
        deadline, then the earliest arrival: ids, times and states only (audited as a summary
        of each case), and for a triaged case its triage (audited as full)."""
        self.require(caller, "read-dart-queue", "read-dart-queue")
        self.work.catch_up()
        now = self._clock()
        level = self.timescales.triage_level
        states = sorted((c for c in self.work.cases.values()
                         if include_triaged or not c.triaged),
                        key=lambda c: (-level(RiskLevel(c.risk) if c.risk else None).rank,
                                       c.due, c.received_at, str(c.id)))
        cases = [self._case(c.id) for c in states]
        disclose(self._audit, caller, "read-dart-queue", [
            s for c in cases for s in self._case_shown(
                c, Visibility.SUMMARY if c.triage is None else Visibility.FULL,
                "read-dart-queue")],
            purpose=Purpose.TRIAGE.value, details={"dart_cases": [str(c.id) for c in cases]})
        return {"items": [self._case_view(c, now) for c in cases]}

    def case(self, caller: Caller, case: UUID) -> dict[str, Any]:
        self.require(caller, "read-dart-queue", "read-dart-case")
        found = self._case(case)
        disclose(self._audit, caller, "read-dart-case",
                 self._case_shown(found, Visibility.FULL, "read-dart-queue"),
                 purpose=Purpose.TRIAGE.value, details={"dart_case": str(found.id)})
        return self._case_view(found, self._clock())

    @staticmethod
    def _case_view(case: DartCase, now: datetime) -> dict[str, Any]:
        triage = case.triage
        return {
            "id": str(case.id), "notification_id": str(case.notification_id),
            "child_ids": [str(c) for c in case.child_ids],
            "victim_ids": [str(v) for v in case.victim_ids],
            "pregnant_ids": [str(p) for p in case.pregnant_ids],
            "occurred_at": case.occurred_at.isoformat(),
            "received_at": case.received_at.isoformat(), "risk": case.risk,
            "triage_due": case.triage_due.isoformat(), "overdue": case.triage_overdue(now),
            "encompass": [{"child_id": str(o["child_id"]),
                           "notice_id": str(o["notice_id"]) if o["notice_id"] else None,
                           "not_issued": o["reason"],
                           "words_withheld": o.get("words_withheld"),
                           **({"redirected_from": str(o["redirected_from"])}
                              if o.get("redirected_from") else {})}
                          for o in case.encompass],
            **case_corrections(case),
            "triage": None if triage is None else {
                **{k: reveal(triage[k]) for k in ("by", "yes_count", "dash_level", "level",
                                                  "judgement_reason", "actions",
                                                  "threshold_met", "rationale")},
                "at": triage["at"].isoformat(),
                "marac_referral": (str(triage["marac_referral"])
                                   if triage["marac_referral"] else None),
                "mash_referral": (str(triage["mash_referral"])
                                  if triage["mash_referral"] else None)},
            "corrections": [{
                "by": c["by"], "at": c["at"].isoformat(), "reason": reveal(c["reason"]),
                "previous_level": c["previous"]["level"], "level": c["level"],
                "direction": c["direction"], "actions": c["actions"],
                "threshold_met": c["threshold_met"],
                "marac_referral": str(c["marac_referral"]) if c["marac_referral"] else None,
                "mash_referral": str(c["mash_referral"]) if c["mash_referral"] else None,
                "flags": c["flags"]} for c in case.corrections],
        }

    def triage(self, caller: Caller, case: UUID, *, yes_count: int | None,
               answers: list[bool] | None, level: str | None, judgement_reason: str | None,
               actions: list[str], threshold_met: bool, rationale: str) -> dict[str, Any]:
        """Record the DART's triage: the risk level, MARAC flags, actions, onward referral."""
        self.require(caller, "dart-triage", "dart-triage")
        at = self._clock()
        chosen = [_enum(TriageAction, a, "actions") for a in dict.fromkeys(actions)]
        judged = _enum(RiskLevel, level, "level") if level is not None else None

        def attempt() -> DartCase:
            found = self._case(case)
            incident = self._store.find(found.notification_id, Notification)
            if incident is None:
                raise NotFound("the incident of this case is not held")
            sent = incident.details.get("dash") or {}
            count = dash_yes_count(yes_count if (yes_count is not None or answers) else
                                   sent.get("yes_count"), answers)
            grading = grade(count, judged, judgement_reason)
            victims = [p for v in found.victim_ids
                       if (p := self._store.find(v, PersonRecord)) is not None]
            flags = evaluate(Incident(incident.id, incident.occurred_at), grading, [
                VictimHistory(p.id, tuple(Incident(i, when) for i, when in p.incidents_as(
                    NotificationType.DOMESTIC_ABUSE_INCIDENT.value,
                    SubjectRole.ADULT_VICTIM.value)), tuple(p.marac_referrals))
                for p in victims])
            to_save: list[Aggregate] = [found]
            final = list(chosen)
            marac: MaracReferral | None = None
            if flags or TriageAction.MARAC_REFERRAL in chosen:
                marac = MaracReferral.make(
                    uuid4(), Incident(incident.id, incident.occurred_at), found.id,
                    found.victim_ids, found.child_ids, grading.level, flags,
                    caller.as_actor(), at)
                if TriageAction.MARAC_REFERRAL not in final:
                    final.insert(0, TriageAction.MARAC_REFERRAL)  # the rules decide this
                for victim in victims:
                    victim.record_marac_referral(marac.id, at)
                to_save += [marac, *victims]
            mash: UUID | None = None
            if threshold_met:
                mash, created = self._mash_referral(caller, found, incident, rationale, at)
                to_save += created
            found.record_triage(grading, final, threshold_met, rationale, caller.as_actor(),
                                at, marac.id if marac else None, mash)
            # The DART has taken the incident up: its sender is involved with those named.
            to_save += accept_involvement(self._store, [*found.child_ids, *found.victim_ids],
                                          incident.id, caller.as_actor(), at, loaded=to_save)
            self._store.save(*to_save)
            return found

        triaged = self._store.write(attempt)
        outcome = triaged.triage or {}
        self._audit.record(kind=AuditKind.TRIAGE, action="dart-triage",
                           actor=caller.as_actor(), purpose=Purpose.TRIAGE.value,
                           child_ids=_named(triaged),
                           details={"case": str(triaged.id), "level": outcome.get("level"),
                                    "actions": outcome.get("actions"),
                                    "marac_referral": str(outcome.get("marac_referral")),
                                    "mash_referral": str(outcome.get("mash_referral"))})
        # The answer is the whole case, as read-dart-case shows it.
        disclose(self._audit, caller, "dart-triage",
                 self._case_shown(triaged, Visibility.FULL, "dart-triage"),
                 purpose=Purpose.TRIAGE.value, details={"dart_case": str(triaged.id)})
        return self._case_view(triaged, at)

    def _grading(self, case: DartCase, yes_count: int | None, answers: list[bool] | None,
                 judged: RiskLevel | None,
                 judgement_reason: str | None) -> tuple[Notification, RiskGrading]:
        """The incident, and the grading a (re-)triage gives: the DASH count given, or the
        police's, raised by professional judgement."""
        incident = self._store.find(case.notification_id, Notification)
        if incident is None:
            raise NotFound("the incident of this case is not held")
        sent = incident.details.get("dash") or {}
        count = dash_yes_count(yes_count if (yes_count is not None or answers) else
                               sent.get("yes_count"), answers)
        return incident, grade(count, judged, judgement_reason)

    def retriage(self, caller: Caller, case: UUID, *, yes_count: int | None,
                 answers: list[bool] | None, level: str | None, judgement_reason: str | None,
                 actions: list[str], threshold_met: bool, reason: str) -> dict[str, Any]:
        """Correct the DART's triage, with a reason. A worker may raise the level; lowering
        it takes a team manager (``dart-lower-risk``). A corrected grading that meets MARAC
        criteria with no referral yet makes the referral, as a first triage would; one that
        meets the threshold with no MASH referral yet refers to the MASH. A referral made
        before is never undone: when the correction no longer calls for it, it stands and is
        flagged (on the case's correction, and a MARAC referral for review)."""
        self.require(caller, "dart-retriage", "dart-retriage")
        at = self._clock()
        chosen = [_enum(TriageAction, a, "actions") for a in dict.fromkeys(actions)]
        judged = _enum(RiskLevel, level, "level") if level is not None else None
        known = self._case(case)
        _, first = self._grading(known, yes_count, answers, judged, judgement_reason)
        if known.retriage_direction(first) == "down":  # a refusal here is audited
            self.require(caller, "dart-lower-risk", "dart-retriage",
                         [*known.child_ids, *known.victim_ids])
        may_lower = self._capabilities.allows(caller.agency_kind, caller.role,
                                              "dart-lower-risk")

        def attempt() -> DartCase:
            found = self._case(case)
            incident, grading = self._grading(found, yes_count, answers, judged,
                                              judgement_reason)
            victims = [p for v in found.victim_ids
                       if (p := self._store.find(v, PersonRecord)) is not None]
            flags = evaluate(Incident(incident.id, incident.occurred_at), grading, [
                VictimHistory(p.id, tuple(Incident(i, when) for i, when in p.incidents_as(
                    NotificationType.DOMESTIC_ABUSE_INCIDENT.value,
                    SubjectRole.ADULT_VICTIM.value)), tuple(p.marac_referrals))
                for p in victims])  # (its own referral came after it: never a "repeat")
            before = found.triage or {}
            to_save: list[Aggregate] = [found]
            final = list(chosen)
            marac: MaracReferral | None = None
            wants_marac = bool(flags) or TriageAction.MARAC_REFERRAL in chosen
            if wants_marac and before.get("marac_referral") is None:
                marac = MaracReferral.make(
                    uuid4(), Incident(incident.id, incident.occurred_at), found.id,
                    found.victim_ids, found.child_ids, grading.level, flags,
                    caller.as_actor(), at)
                for victim in victims:
                    victim.record_marac_referral(marac.id, at)
                to_save += [marac, *victims]
            if wants_marac and TriageAction.MARAC_REFERRAL not in final:
                final.insert(0, TriageAction.MARAC_REFERRAL)  # the rules decide this
            if not wants_marac and before.get("marac_referral") is not None:
                made = self._store.find(before["marac_referral"], MaracReferral)
                if made is not None:  # it stands, flagged for review
                    made.flag_criteria_no_longer_met(grading.level, caller.as_actor(), at)
                    to_save.append(made)
            mash: UUID | None = None
            if threshold_met and before.get("mash_referral") is None:
                mash, created = self._mash_referral(caller, found, incident, reason, at)
                to_save += created
            found.record_retriage(grading, final, threshold_met, reason, caller.as_actor(),
                                  at, may_lower=may_lower, marac_criteria_met=wants_marac,
                                  marac_referral=marac.id if marac else None,
                                  mash_referral=mash)
            self._store.save(*to_save)
            return found

        corrected = self._store.write(attempt)
        last = corrected.corrections[-1]
        self._audit.record(kind=AuditKind.TRIAGE, action="dart-retriage",
                           actor=caller.as_actor(), purpose=Purpose.TRIAGE.value,
                           child_ids=_named(corrected),
                           details={"case": str(corrected.id),
                                    "previous_level": last["previous"]["level"],
                                    "level": last["level"], "direction": last["direction"],
                                    "actions": last["actions"], "flags": last["flags"],
                                    "marac_referral": str(last["marac_referral"]),
                                    "mash_referral": str(last["mash_referral"])})
        disclose(self._audit, caller, "dart-retriage",
                 self._case_shown(corrected, Visibility.FULL, "dart-retriage"),
                 purpose=Purpose.TRIAGE.value, details={"dart_case": str(corrected.id)})
        return self._case_view(corrected, at)

    def _mash_referral(self, caller: Caller, case: DartCase, incident: Notification,
                       rationale: str, at: datetime) -> tuple[UUID, list[Aggregate]]:
        """A referral (MARF) from the DART to the MASH front door, linked to the incident."""
        if not case.child_ids:
            raise RuleViolation("this incident names no child: the social care threshold is "
                                "a child's (an unborn child's pre-birth referral is made to "
                                "the MASH by hand; an adult's goes to adult social care)")
        children = [self._store.child(c) for c in case.child_ids]
        subjects = []
        for child in children:
            identity = {k: reveal(v) for k, v in child.identity.items()}
            if identity.get("given_name") is None or identity.get("date_of_birth") is None:
                raise RuleViolation("a child of this incident has been erased; refer by hand")
            subjects.append(SubjectSubmission(
                role=SubjectRole.CHILD, given_name=str(identity["given_name"]),
                family_name=str(identity.get("family_name") or ""),
                date_of_birth=datetime.fromisoformat(str(identity["date_of_birth"])).date()))
        submission = NotificationSubmission(
            type=NotificationType.REFERRAL, source_ref=f"dart-triage-{case.id}",
            occurred_at=at, subjects=tuple(subjects),
            details=DetailsSubmission(summary=rationale))
        # Through the intake, like any notification: validated, linked, its contact opened.
        referral, created = self._intake.refer_on(
            caller.agency_id, f"user:{caller.user_id}", submission, children,
            linked_to=incident.id, content_class=DataClass.DA_RISK.value)
        return referral.id, created

    def redirect_notice(self, caller: Caller, notice_id: UUID, urn: str,
                        reason: str) -> dict[str, Any]:
        """The DART coordinator redirects a notice sent to the wrong school: withdrawn from
        that school (whose inbox then shows only that a notice was withdrawn) and reissued to
        the school with this URN, with the same content, due by the original deadline while
        it is ahead, else by the start of that school's next school day. The DART case lists
        the new notice. Audited naming the child; the reason sealed under the child's key."""
        self.require(caller, "redirect-encompass", "redirect-encompass")
        why = reason_text(reason, "reason")
        school = self._registry.school_by_urn(urn)
        if school is None:
            raise InvalidContent("school_urn", "no school with that URN is registered")
        at = self._clock()
        new_id = uuid4()

        def attempt() -> tuple[EncompassNotice, EncompassNotice]:
            old = self._store.find(notice_id, EncompassNotice)
            if old is None:
                raise NotFound("no such notice")
            c = old.content
            identity = {k: reveal(c[k]) for k in ("given_name", "family_name",
                                                  "date_of_birth")}
            if any(v is None for v in identity.values()):
                raise RuleViolation("the child has been erased: the notice cannot be sent on")
            old.redirect(new_id, str(school["id"]), urn, why, caller.as_actor(), at)
            new = EncompassNotice.issue(
                new_id, old.notification_id, old.child_id, Recipient.SCHOOL,
                str(school["id"]), urn,
                due_at=redirected_due(old.due_at, at, self.timescales.encompass_due(urn, at)),
                issued_at=at, identity={k: str(v) for k, v in identity.items()},
                incident_at=c["incident_at"], present=c["present"],
                welfare_check=c["welfare_check"],
                child_words=str(words) if (words := reveal(c["child_words"])) else None)
            new.record_reissued_from(old.id, old.due_at)
            to_save: list[Aggregate] = [old, new]
            case = self._store.find(case_id(old.notification_id), DartCase)
            if case is not None:
                case.record_encompass_redirect(old.child_id, old.id, new.id)
                to_save.append(case)
            self._store.save(*to_save)
            return old, new

        old, new = self._store.write(attempt)
        self._audit.record(kind=AuditKind.ENCOMPASS, action="redirect-encompass",
                           actor=caller.as_actor(), purpose=Purpose.ENCOMPASS.value,
                           child_ids=[old.child_id],
                           details={"notice": str(old.id), "to_notice": str(new.id),
                                    "from_agency": old.recipient_agency,
                                    "to_agency": new.recipient_agency,
                                    "due_at": new.due_at.isoformat()})
        return {"id": str(old.id), "withdrawn_at": at.isoformat(),
                "from_agency": old.recipient_agency, "to_notice": str(new.id),
                "to_agency": new.recipient_agency, "school_urn": urn,
                "due_at": new.due_at.isoformat(), "original_due": old.due_at.isoformat()}

    def marac_referrals(self, caller: Caller) -> dict[str, Any]:
        """MARAC referrals, newest first: each the referring DART's record (da-risk), about
        each child and adult victim it lists."""
        self.require(caller, "read-marac-referrals", "read-marac-referrals")
        self.work.catch_up()
        referrals = [r for i in reversed(self.work.referrals)
                     if (r := self._store.find(i, MaracReferral)) is not None]
        disclose(self._audit, caller, "read-marac-referrals", [
            Shown(r.id, "marac-referral", r.referred_by.get("agency", HUB_OWNER), person,
                  (DataClass.DA_RISK,), "dart-safeguarding-function",
                  "capability:read-marac-referrals")
            for r in referrals for person in dict.fromkeys([*r.child_ids, *r.victim_ids])],
            purpose=Purpose.MARAC.value,
            details={"marac_referrals": [str(r.id) for r in referrals]})
        return {"items": [{
            "id": str(r.id), "incident_id": str(r.incident_id), "case_id": str(r.case_id),
            "victim_ids": [str(v) for v in r.victim_ids],
            "child_ids": [str(c) for c in r.child_ids], "level": r.level, "flags": r.flags,
            "referred_by": r.referred_by, "referred_at": r.referred_at.isoformat(),
            "review": _review(r), "repeat": r.repeat, "listing": _listing(r)}
            for r in referrals]}

    def breaches(self, caller: Caller) -> dict[str, Any]:
        """Everything past its deadline and not done, the oldest deadline first: a summary of
        each DART case (the police's record) and Encompass notice (the police's too), from the
        work index, naming each child."""
        self.require(caller, "read-breaches", "read-breaches")
        self.work.catch_up()
        now = self._clock()
        triage = sorted((c for c in self.work.cases.values() if not c.triaged and now > c.due),
                        key=lambda c: (c.due, str(c.id)))
        notices = sorted((n for n in self.work.notices.values()
                          if not n.acknowledged and not n.withdrawn and now > n.due),
                         key=lambda n: (n.due, str(n.id)))
        undelivered = [{"case_id": str(state.id), "child_id": str(child), "reason": reason,
                        "received_at": state.received_at.isoformat()}
                       for state in list(self.work.cases.values())
                       for child, reason in state.not_sent]
        summary, rule = Visibility.SUMMARY.value, "capability:read-breaches"
        # An overdue case is named for everyone it is about (an adult-only incident too).
        shown = [s for c in triage for s in self._case_shown(
            self._case(c.id), Visibility.SUMMARY, "read-breaches")]
        shown += [Shown(n.id, "encompass-notice", self._police(n.notification_id), n.child_id,
                        (DataClass.ENCOMPASS_NOTICE,), "dart-safeguarding-function", rule,
                        summary) for n in notices if n.child_id is not None]
        shown += [Shown(state.id, "dart-case", self._police(state.notification_id), child,
                        (DataClass.POLICE_INCIDENT,), "dart-safeguarding-function", rule,
                        summary) for state in list(self.work.cases.values())
                  for child, _ in state.not_sent]
        disclose(self._audit, caller, "read-breaches", list(dict.fromkeys(shown)),
                 purpose=Purpose.TRIAGE.value,
                 details={"dart_cases": [str(c.id) for c in triage],
                          "encompass_notices": [str(n.id) for n in notices]})
        return {"at": now.isoformat(), "triage": [
            {"case_id": str(c.id), "due": c.due.isoformat(),
             "overdue_hours": round((now - c.due).total_seconds() / 3600, 1)} for c in triage],
            "encompass": [
            {"notice_id": str(n.id), "recipient_agency": n.recipient_agency,
             "school_urn": n.school_urn, "due": n.due.isoformat(), "escalated": n.escalated,
             "overdue_hours": round((now - n.due).total_seconds() / 3600, 1)}
            for n in notices],
            "encompass_not_sent": sorted(undelivered, key=lambda u: u["received_at"])}


def _named(case: DartCase) -> list[UUID]:
    """The people a DART case is about: its children, adult victims and pregnant women."""
    return list(dict.fromkeys([*case.child_ids, *case.victim_ids, *case.pregnant_ids]))


def _listing(referral: MaracReferral) -> dict[str, Any] | None:
    """Where a referral stands on a MARAC meeting's case list (None: never listed)."""
    listing = referral.listing
    if listing is None:
        return None
    return {"meeting_id": str(listing["meeting_id"]), "state": listing["state"],
            "at": listing["at"].isoformat()}


def _review(referral: MaracReferral) -> dict[str, Any] | None:
    """A referral's flag for review (a re-triage that no longer meets the criteria, or the
    incident withdrawn by the police)."""
    flagged = referral.flagged
    if flagged is None:
        return None
    return {"reason": flagged["reason"], "level": flagged["level"], "by": flagged["by"],
            "at": flagged["at"].isoformat()}
