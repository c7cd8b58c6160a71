"""MARAC meetings: the conference behind a MARAC referral (rules in
:mod:`domain.marac_meeting`).

The MARAC coordinator (``manage-marac``: the DART's team manager) schedules a meeting with
the agencies invited to it, lists referrals on its case list, records each case heard (the
risk after the meeting, a summary sealed under the adult victim, the agencies present, and
actions for agencies with due dates) or deferred. Only the agencies invited (the coordinator's
DART among them) read a meeting: to any other it does not exist. Each agency sees the actions
given to it (its queue; those past due on its breach list, from the work index) and records
them done; no other agency can. Every answer naming a case is audited naming each adult victim
and child in it.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from domain.access import DataClass, Purpose, Visibility
from domain.agencies import AgencyKind
from domain.audit import AuditKind
from domain.errors import InvalidContent, NotPermitted
from domain.marac import MaracReferral
from domain.marac_meeting import ActionAssignment, MaracMeeting, action_overdue
from domain.personal import reveal
from domain.risk import RiskLevel
from hub.access import HUB_OWNER
from hub.audit.shown import Shown, disclose
from hub.audit.trail import AuditTrail
from hub.capabilities import Requirement, parse_enum
from hub.errors import NotFound
from hub.projections.work_index import WorkIndex
from hub.registry import Caller, Registry
from hub.store import HubStore
from hub.timescales import Timescales
from policies.decision_point import CapabilityPolicy

# Agencies that never sit at a MARAC: they examine the trail, or run the hub.
_NOT_AT_MARAC = {AgencyKind.AUDITOR.value, AgencyKind.ADMIN.value}
_MEETING_GONE = "no such MARAC meeting"


class MaracMeetings:
    def __init__(self, store: HubStore, registry: Registry, capabilities: CapabilityPolicy,
                 audit: AuditTrail, timescales: Timescales, work: WorkIndex,
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._registry = registry
        self._audit = audit
        self.require = Requirement(capabilities, audit)
        self._timescales = timescales
        self.work = work
        self._clock = clock

    # Finding a meeting (to any agency not invited, it does not exist) ---------------------

    def _meeting(self, meeting_id: UUID) -> MaracMeeting:
        found = self._store.find(meeting_id, MaracMeeting)
        if found is None:
            raise NotFound(_MEETING_GONE)
        return found

    def _coordinated(self, caller: Caller, meeting_id: UUID, action: str) -> MaracMeeting:
        """The meeting, for its coordinator's DART only (manage-marac)."""
        self.require(caller, "manage-marac", action)
        meeting = self._meeting(meeting_id)
        if meeting.coordinator != caller.agency_id:
            self._refused(caller, action, meeting)
        return meeting

    def _refused(self, caller: Caller, action: str, meeting: MaracMeeting) -> None:
        """Audit a refusal (naming nobody: the caller learns nothing) and answer 404."""
        self._audit.record(kind=AuditKind.DENIAL, action=action, actor=caller.as_actor(),
                           child_ids=[], details={"meeting": str(meeting.id),
                                                  "outcome": "not-invited"})
        raise NotFound(_MEETING_GONE)

    def _agencies(self, agencies: list[str]) -> list[str]:
        for agency in agencies:
            kind = self._registry.kind_of(agency)
            if kind is None:
                raise InvalidContent("agencies", "names an agency that is not registered")
            if kind in _NOT_AT_MARAC:
                raise InvalidContent("agencies", "names an agency that does not sit at a "
                                     "MARAC (an auditor or the hub's administration)")
        return agencies

    # The coordinator -----------------------------------------------------------------------

    def schedule(self, caller: Caller, meets_on: date, agencies: list[str]) -> dict[str, Any]:
        """Put a meeting in the diary, with the agencies invited (the caller's DART too)."""
        self.require(caller, "manage-marac", "schedule-marac-meeting")
        at = self._clock()
        meeting = MaracMeeting.schedule(meets_on, caller.agency_id, self._agencies(agencies),
                                        caller.as_actor(), at, self._timescales.working)
        self._store.save(meeting)
        self._audit.record(kind=AuditKind.MARAC, action="schedule-marac-meeting",
                           actor=caller.as_actor(), purpose=Purpose.MARAC.value, child_ids=[],
                           details={"meeting": str(meeting.id),
                                    "meets_on": meeting.meets_on.isoformat(),
                                    "agencies": meeting.agencies})
        return self._view(meeting, {}, at)

    def invite(self, caller: Caller, meeting_id: UUID, agencies: list[str]) -> dict[str, Any]:
        self._coordinated(caller, meeting_id, "invite-marac-agencies")
        chosen = self._agencies(agencies)
        at = self._clock()

        def attempt() -> tuple[MaracMeeting, list[str]]:
            meeting = self._meeting(meeting_id)
            new = meeting.invite(chosen, caller.as_actor(), at)
            self._store.save(meeting)
            return meeting, new

        meeting, new = self._store.write(attempt)
        return self._answer(caller, meeting, "invite-marac-agencies", AuditKind.MARAC,
                            {"agencies": new})

    def list_case(self, caller: Caller, meeting_id: UUID, referral_id: UUID) -> dict[str, Any]:
        """Put a referral on the case list (one meeting at a time; a heard case only once,
        unless deferred)."""
        self._coordinated(caller, meeting_id, "list-marac-case")
        at = self._clock()

        def attempt() -> MaracMeeting:
            meeting = self._meeting(meeting_id)
            referral = self._store.find(referral_id, MaracReferral)
            # A DART lists its own referrals: another DART's are, to it, unknown.
            if referral is None or referral.referred_by.get("agency") != meeting.coordinator:
                raise NotFound("no such MARAC referral")
            referral.list_for(meeting.id, at)
            meeting.list_case(referral.id, referral.victim_ids, referral.child_ids,
                              caller.as_actor(), at)
            self._store.save(meeting, referral)
            return meeting

        meeting = self._store.write(attempt)
        return self._answer(caller, meeting, "list-marac-case", AuditKind.MARAC,
                            {"referral": str(referral_id)})

    def hear(self, caller: Caller, meeting_id: UUID, referral_id: UUID, *, risk: str,
             summary: str, attendance: list[str],
             actions: list[dict[str, Any]]) -> dict[str, Any]:
        """Record a case heard: the risk after the meeting, the summary, who was there, and
        the actions given (each to an invited agency, due on a working day)."""
        self._coordinated(caller, meeting_id, "record-marac-outcome")
        level = parse_enum(RiskLevel, risk, "risk")
        given = [(uuid4(), ActionAssignment(a["agency"], a["action"], a["due_on"]))
                 for a in actions]
        at = self._clock()

        def attempt() -> MaracMeeting:
            meeting = self._meeting(meeting_id)
            referral = self._store.find(referral_id, MaracReferral)
            if referral is None:
                raise NotFound("no such MARAC referral")
            meeting.hear(referral.id, level, summary, attendance, given,
                         self._timescales.working, caller.as_actor(), at)
            referral.record_heard(meeting.id, at)
            self._store.save(meeting, referral)
            return meeting

        meeting = self._store.write(attempt)
        return self._answer(caller, meeting, "record-marac-outcome", AuditKind.MARAC,
                            {"referral": str(referral_id), "risk": level.value,
                             "attendance": list(dict.fromkeys(attendance)),
                             "actions": [{"id": str(i), "agency": a.agency,
                                          "due_on": a.due_on.isoformat()} for i, a in given]})

    def defer(self, caller: Caller, meeting_id: UUID, referral_id: UUID) -> dict[str, Any]:
        """Not heard at this meeting: it may be listed at another."""
        self._coordinated(caller, meeting_id, "defer-marac-case")
        at = self._clock()

        def attempt() -> MaracMeeting:
            meeting = self._meeting(meeting_id)
            referral = self._store.find(referral_id, MaracReferral)
            if referral is None:
                raise NotFound("no such MARAC referral")
            meeting.defer(referral.id, caller.as_actor(), at)
            referral.record_deferred(meeting.id, at)
            self._store.save(meeting, referral)
            return meeting

        meeting = self._store.write(attempt)
        return self._answer(caller, meeting, "defer-marac-case", AuditKind.MARAC,
                            {"referral": str(referral_id)})

    # Reading a meeting -----------------------------------------------------------------------

    def meetings(self, caller: Caller) -> dict[str, Any]:
        """The meetings the caller's agency is invited to, the latest day first: days and
        agencies only (nobody is named)."""
        self.require(caller, "read-marac-meeting", "read-marac-meetings")
        self.work.catch_up()
        mine = [m for i, agencies in list(self.work.marac_meetings.items())
                if caller.agency_id in agencies
                and (m := self._store.find(i, MaracMeeting)) is not None]
        mine.sort(key=lambda m: (m.meets_on, m.scheduled_at), reverse=True)
        return {"items": [{"id": str(m.id), "meets_on": m.meets_on.isoformat(),
                           "coordinator": m.coordinator, "agencies": m.agencies,
                           "cases": len(m.cases)} for m in mine]}

    def meeting(self, caller: Caller, meeting_id: UUID) -> dict[str, Any]:
        """A meeting and its case list, for the agencies invited to it."""
        self.require(caller, "read-marac-meeting", "read-marac-meeting")
        meeting = self._meeting(meeting_id)
        if not meeting.invited(caller.agency_id):
            self._refused(caller, "read-marac-meeting", meeting)
        return self._answer(caller, meeting, "read-marac-meeting", AuditKind.DISCLOSURE, {})

    def _referrals(self, meeting: MaracMeeting) -> dict[UUID, MaracReferral]:
        return {c["referral_id"]: r for c in meeting.cases
                if (r := self._store.find(c["referral_id"], MaracReferral)) is not None}

    def _answer(self, caller: Caller, meeting: MaracMeeting, action: str, kind: AuditKind,
                details: dict[str, Any]) -> dict[str, Any]:
        """The meeting as an invited agency sees it, audited naming each adult victim and
        child on its case list (as ``kind``: a read, or the change that answers with it)."""
        referrals = self._referrals(meeting)
        shown = [Shown(r.id, "marac-case", r.referred_by.get("agency", HUB_OWNER), person,
                       (DataClass.DA_RISK,), "marac-meeting", f"capability:{action}",
                       Visibility.FULL.value)
                 for c in meeting.cases if (r := referrals.get(c["referral_id"])) is not None
                 for person in _people(c)]
        disclose(self._audit, caller, action, shown, purpose=Purpose.MARAC.value, kind=kind,
                 details={"meeting": str(meeting.id),
                          "cases": [str(c["referral_id"]) for c in meeting.cases], **details})
        return self._view(meeting, referrals, self._clock())

    @staticmethod
    def _view(meeting: MaracMeeting, referrals: dict[UUID, MaracReferral],
              now: datetime) -> dict[str, Any]:
        return {"id": str(meeting.id), "meets_on": meeting.meets_on.isoformat(),
                "coordinator": meeting.coordinator, "agencies": meeting.agencies,
                "scheduled_by": meeting.scheduled_by,
                "scheduled_at": meeting.scheduled_at.isoformat(),
                "cases": [_case_view(meeting, c, referrals.get(c["referral_id"]), now)
                          for c in meeting.cases]}

    # An agency's actions ------------------------------------------------------------------

    def _own_actions(self, caller: Caller, overdue_only: bool) -> list[
            tuple[MaracMeeting, dict[str, Any]]]:
        self.work.catch_up()
        now = self._clock()
        states = sorted((a for a in list(self.work.marac_actions.values())
                         if a.agency == caller.agency_id and not a.done
                         and (not overdue_only or now > a.due)),
                        key=lambda a: (a.due, str(a.id)))
        meetings: dict[UUID, MaracMeeting] = {}
        found = []
        for state in states:
            if state.meeting_id not in meetings:
                meetings[state.meeting_id] = self._meeting(state.meeting_id)
            meeting = meetings[state.meeting_id]
            action = meeting.action(state.id)
            if action is not None and action["done"] is None:
                found.append((meeting, action))
        return found

    def _disclose_actions(self, caller: Caller, action: str,
                          found: list[tuple[MaracMeeting, dict[str, Any]]],
                          kind: AuditKind = AuditKind.DISCLOSURE) -> None:
        shown = []
        for meeting, a in found:
            case = meeting.case(a["referral_id"]) or {}
            shown += [Shown(a["id"], "marac-action", meeting.coordinator, person,
                            (DataClass.DA_RISK,), "marac-action", f"capability:{action}",
                            Visibility.FULL.value) for person in _people(case)]
        disclose(self._audit, caller, action, shown, purpose=Purpose.MARAC.value, kind=kind,
                 details={"actions": [str(a["id"]) for _, a in found]})

    def actions(self, caller: Caller) -> dict[str, Any]:
        """The actions given to the caller's agency and not yet done, the earliest due
        first, each saying whether it is overdue."""
        self.require(caller, "read-marac-actions", "read-marac-actions")
        found = self._own_actions(caller, overdue_only=False)
        self._disclose_actions(caller, "read-marac-actions", found)
        now = self._clock()
        return {"at": now.isoformat(),
                "items": [_action_view(m, a, now) for m, a in found]}

    def breaches(self, caller: Caller) -> dict[str, Any]:
        """The caller's agency's actions past their due time and not done, the oldest first."""
        self.require(caller, "read-marac-actions", "read-marac-breaches")
        found = self._own_actions(caller, overdue_only=True)
        self._disclose_actions(caller, "read-marac-breaches", found)
        now = self._clock()
        return {"at": now.isoformat(), "items": [
            {**_action_view(m, a, now),
             "overdue_hours": round((now - a["due_at"]).total_seconds() / 3600, 1)}
            for m, a in found]}

    def complete_action(self, caller: Caller, action_id: UUID) -> dict[str, Any]:
        """The agency given the action records it done (who and when). To any other agency
        the action does not exist."""
        self.require(caller, "complete-marac-action", "complete-marac-action")
        self.work.catch_up()
        state = self.work.marac_actions.get(action_id)
        if state is None or state.agency != caller.agency_id:
            self._audit.record(kind=AuditKind.DENIAL, action="complete-marac-action",
                               actor=caller.as_actor(), child_ids=[],
                               details={"action": str(action_id), "outcome": "not-found"})
            raise NotFound("no such MARAC action for your agency")
        at = self._clock()

        def attempt() -> tuple[MaracMeeting, dict[str, Any]]:
            meeting = self._meeting(state.meeting_id)
            try:
                done = meeting.complete_action(action_id, caller.agency_id, caller.as_actor(),
                                               at)
            except NotPermitted:
                raise NotFound("no such MARAC action for your agency") from None
            self._store.save(meeting)
            return meeting, done

        meeting, done = self._store.write(attempt)
        self._disclose_actions(caller, "complete-marac-action", [(meeting, done)],
                               AuditKind.MARAC)
        return _action_view(meeting, done, at)


def _people(case: dict[str, Any]) -> list[UUID]:
    """The people a case is about: its adult victims, then its children."""
    return list(dict.fromkeys([*case.get("victim_ids", []), *case.get("child_ids", [])]))


def _action_view(meeting: MaracMeeting, a: dict[str, Any], now: datetime) -> dict[str, Any]:
    done = a["done"]
    return {"id": str(a["id"]), "meeting_id": str(meeting.id),
            "referral_id": str(a["referral_id"]), "agency": a["agency"],
            "action": reveal(a["action"]), "due_on": a["due_on"].isoformat(),
            "due_at": a["due_at"].isoformat(), "overdue": action_overdue(a, now),
            "done": None if done is None else {"by": done["by"],
                                               "at": done["at"].isoformat()}}


def _case_view(meeting: MaracMeeting, case: dict[str, Any], referral: MaracReferral | None,
               now: datetime) -> dict[str, Any]:
    outcome = case["outcome"]
    review = referral.flagged if referral is not None else None
    return {
        "referral_id": str(case["referral_id"]),
        "victim_ids": [str(v) for v in case["victim_ids"]],
        "child_ids": [str(c) for c in case["child_ids"]],
        "state": case["state"], "listed_at": case["listed_at"].isoformat(),
        "level": referral.level if referral is not None else None,
        "repeat": referral.repeat if referral is not None else None,
        "flags": referral.flags if referral is not None else [],
        "review": None if review is None else {
            "reason": review["reason"], "level": review["level"], "by": review["by"],
            "at": review["at"].isoformat()},
        "outcome": None if outcome is None else {
            "risk": outcome["risk"], "summary": reveal(outcome["summary"]),
            "attendance": outcome["attendance"], "by": outcome["by"],
            "at": outcome["at"].isoformat()},
        "actions": [_action_view(meeting, a, now)
                    for a in meeting.actions_for(case["referral_id"])]}
