"""The MARAC meeting: the conference a MARAC referral goes to.

The MARAC coordinator (the DART) schedules a meeting for a day, invites the agencies that sit
at it, and lists referrals on its case list. A referral is on one case list at a time: once
heard it is not listed again, unless the meeting deferred it (``MaracReferral.listing``). At
the meeting each case is heard: the risk as the meeting assesses it, a summary of the
discussion (sealed under the adult victim's key), the agencies present for it, and actions,
each assigned to one invited agency with a due date. An action is due by the close of working
hours on its due date (a working day); it is done when the agency it was given to says so.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import text
from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.personal import Personal
from domain.risk import RiskLevel
from domain.timescales import LOCAL, WorkingCalendar

# How far from today a meeting may be put in the diary (either way: a meeting already held
# may be entered afterwards, from its minutes).
DIARY_DAYS = 366
MOST_ACTIONS = 30
MOST_AGENCIES = 40


class CaseState(StrEnum):
    """Where a referral stands on a meeting's case list."""

    LISTED = "listed"  # on the case list, not yet heard
    HEARD = "heard"  # heard, with its outcome and actions
    DEFERRED = "deferred"  # not heard at this meeting: it may be listed at another


@dataclass(frozen=True)
class ActionAssignment:
    """One action the meeting gives one agency, by a due date."""

    agency: str
    action: str
    due_on: date


def action_due(due_on: date, calendar: WorkingCalendar) -> datetime:
    """When an action due on ``due_on`` falls due: the close of working hours that day, local
    time (17:00 BST in summer is 16:00 UTC). A due date that is not a working day (a weekend,
    a bank holiday, a local closure) is refused: nobody is there to do it."""
    if not calendar.is_working_day(due_on):
        raise InvalidContent("actions.due_on", "must be a working day (not a weekend, bank "
                             "holiday or closure day)")
    return datetime.combine(due_on, calendar.closes, LOCAL).astimezone(UTC)


def action_overdue(action: dict[str, Any], now: datetime) -> bool:
    """Past its due time and not done (at the due time itself it is not yet overdue)."""
    return action["done"] is None and now > action["due_at"]


def check_meeting_day(meets_on: date, today: date, calendar: WorkingCalendar) -> None:
    if abs((meets_on - today).days) > DIARY_DAYS:
        raise InvalidContent("meets_on", f"must be within {DIARY_DAYS} days of today")
    if not calendar.is_working_day(meets_on):
        raise InvalidContent("meets_on", "must be a working day (not a weekend, bank holiday "
                             "or closure day)")


def _agencies(agencies: list[str], field: str) -> list[str]:
    chosen = list(dict.fromkeys(agencies))
    if not chosen:
        raise InvalidContent(field, "name at least one agency")
    if len(chosen) > MOST_AGENCIES:
        raise InvalidContent(field, f"name at most {MOST_AGENCIES} agencies")
    return chosen


class MaracMeeting(Aggregate):
    """One MARAC meeting: its day, its agencies, its case list, outcomes and actions."""

    class Scheduled(Aggregate.Created):
        class_version = 1
        meets_on: date
        coordinator: str  # the DART that runs it: always among its agencies
        agencies: list[str]
        by: dict[str, str]
        at: datetime

    @event(Scheduled)
    def __init__(self, meets_on: date, coordinator: str, agencies: list[str],
                 by: dict[str, str], at: datetime) -> None:
        self.meets_on = meets_on
        self.coordinator = coordinator
        self.agencies = list(agencies)
        self.scheduled_by = by
        self.scheduled_at = at
        self.cases: list[dict[str, Any]] = []
        self.actions: list[dict[str, Any]] = []

    @classmethod
    def schedule(cls, meets_on: date, coordinator: str, invited: list[str],
                 by: dict[str, str], at: datetime, calendar: WorkingCalendar) -> "MaracMeeting":
        check_meeting_day(meets_on, at.astimezone(LOCAL).date(), calendar)
        agencies = _agencies([coordinator, *invited], "agencies")
        return cls(meets_on=meets_on, coordinator=coordinator, agencies=agencies, by=by, at=at)

    def invited(self, agency: str) -> bool:
        return agency in self.agencies

    # Agencies --------------------------------------------------------------------------

    class AgenciesInvited(Aggregate.Event):
        class_version = 1
        agencies: list[str]
        by: dict[str, str]
        at: datetime

    @event(AgenciesInvited)
    def _invite(self, agencies: list[str], by: dict[str, str], at: datetime) -> None:
        self.agencies = [*self.agencies, *agencies]

    def invite(self, agencies: list[str], by: dict[str, str], at: datetime) -> list[str]:
        """Invite more agencies (those already invited are left as they are)."""
        new = [a for a in _agencies(agencies, "agencies") if a not in self.agencies]
        if len(self.agencies) + len(new) > MOST_AGENCIES:
            raise InvalidContent("agencies", f"a meeting has at most {MOST_AGENCIES} agencies")
        if new:
            self._invite(new, by, at)
        return new

    # The case list -----------------------------------------------------------------------

    def case(self, referral_id: UUID) -> dict[str, Any] | None:
        return next((c for c in self.cases if c["referral_id"] == referral_id), None)

    class CaseListed(Aggregate.Event):
        class_version = 1
        referral_id: UUID
        victim_ids: list[UUID]
        child_ids: list[UUID]
        by: dict[str, str]
        at: datetime

    @event(CaseListed)
    def _list_case(self, referral_id: UUID, victim_ids: list[UUID], child_ids: list[UUID],
                   by: dict[str, str], at: datetime) -> None:
        listed = {"referral_id": referral_id, "victim_ids": list(victim_ids),
                  "child_ids": list(child_ids), "listed_by": by, "listed_at": at,
                  "state": CaseState.LISTED.value, "outcome": None}
        self.cases = [c for c in self.cases if c["referral_id"] != referral_id] + [listed]

    def list_case(self, referral_id: UUID, victim_ids: list[UUID], child_ids: list[UUID],
                  by: dict[str, str], at: datetime) -> None:
        """Put a referral on the case list (the referral says whether it may be listed)."""
        found = self.case(referral_id)
        if found is not None and found["state"] != CaseState.DEFERRED.value:
            raise RuleViolation("this referral is already on this meeting's case list")
        if not victim_ids and not child_ids:
            raise RuleViolation("this referral names nobody to hear a case about")
        self._list_case(referral_id, victim_ids, child_ids, by, at)

    class CasePeopleCorrected(Aggregate.Event):
        """The incident behind a listed case was amended by the police: the case is about the
        people it now names (what was heard stays sealed under whom it was sealed for)."""

        class_version = 1
        referral_id: UUID
        victim_ids: list[UUID]
        child_ids: list[UUID]
        at: datetime

    @event(CasePeopleCorrected)
    def _correct_people(self, referral_id: UUID, victim_ids: list[UUID], child_ids: list[UUID],
                        at: datetime) -> None:
        for case in self.cases:
            if case["referral_id"] == referral_id:
                case["victim_ids"], case["child_ids"] = list(victim_ids), list(child_ids)

    def correct_people(self, referral_id: UUID, victim_ids: list[UUID], child_ids: list[UUID],
                       at: datetime) -> bool:
        """Follow a listed referral's corrected people; whether the case list changed."""
        found = self.case(referral_id)
        if found is None or (found["victim_ids"], found["child_ids"]) == (list(victim_ids),
                                                                          list(child_ids)):
            return False
        self._correct_people(referral_id, list(victim_ids), list(child_ids), at)
        return True

    def _listed(self, referral_id: UUID) -> dict[str, Any]:
        found = self.case(referral_id)
        if found is None:
            raise RuleViolation("this referral is not on this meeting's case list")
        if found["state"] != CaseState.LISTED.value:
            raise RuleViolation(f"this case has been {found['state']} at this meeting already")
        return found

    # At the meeting ----------------------------------------------------------------------

    class CaseHeard(Aggregate.Event):
        """A case heard: the risk after the meeting, the summary (sealed under the adult
        victim), the agencies present for it, and its actions (each sealed the same way)."""

        class_version = 1
        referral_id: UUID
        risk: str
        summary: Personal
        attendance: list[str]
        actions: list[dict[str, Any]]  # id, agency, action (Personal), due_on, due_at
        by: dict[str, str]
        at: datetime

    @event(CaseHeard)
    def _hear(self, referral_id: UUID, risk: str, summary: Personal, attendance: list[str],
              actions: list[dict[str, Any]], by: dict[str, str], at: datetime) -> None:
        self.cases = [{**c, "state": CaseState.HEARD.value, "outcome": {
            "risk": risk, "summary": summary, "attendance": list(attendance), "by": by,
            "at": at}} if c["referral_id"] == referral_id else c for c in self.cases]
        self.actions = [*self.actions, *({**a, "referral_id": referral_id, "done": None}
                                         for a in actions)]

    def hear(self, referral_id: UUID, risk: RiskLevel, summary: str, attendance: list[str],
             actions: list[tuple[UUID, ActionAssignment]], calendar: WorkingCalendar,
             by: dict[str, str], at: datetime) -> None:
        """Record a listed case heard. Only on or after the meeting's day; the agencies
        present and those given actions must be invited; each action is due on a working day
        no earlier than the meeting."""
        found = self._listed(referral_id)
        if at.astimezone(LOCAL).date() < self.meets_on:
            raise RuleViolation("the meeting has not been held yet: record its outcomes on or "
                                "after its day")
        present = list(dict.fromkeys(attendance))
        if not present:
            raise InvalidContent("attendance", "name the agencies present for this case")
        if any(a not in self.agencies for a in present):
            raise InvalidContent("attendance", "names an agency not invited to this meeting")
        if len(actions) > MOST_ACTIONS:
            raise InvalidContent("actions", f"at most {MOST_ACTIONS} actions for one case")
        words = text.reason(summary, "summary", short="give a summary of the discussion in "
                            "10 to 4000 characters")
        holder = [*found["victim_ids"], *found["child_ids"]][0]
        assigned = []
        for action_id, a in actions:
            if a.agency not in self.agencies:
                raise InvalidContent("actions.agency", "must be an agency invited to this "
                                     "meeting")
            if a.due_on < self.meets_on:
                raise InvalidContent("actions.due_on", "must not be before the meeting")
            if a.due_on > self.meets_on + timedelta(days=DIARY_DAYS):
                raise InvalidContent("actions.due_on", f"must be within {DIARY_DAYS} days of "
                                     "the meeting")
            what = text.reason(a.action, "actions.action", most=1000,
                               short="say what is to be done in 10 to 1000 characters")
            assigned.append({"id": action_id, "agency": a.agency,
                             "action": Personal(holder, "marac_action", what),
                             "due_on": a.due_on, "due_at": action_due(a.due_on, calendar)})
        self._hear(referral_id, risk.value, Personal(holder, "marac_summary", words), present,
                   assigned, by, at)

    class CaseDeferred(Aggregate.Event):
        """Not heard at this meeting: the referral may be listed at another."""

        class_version = 1
        referral_id: UUID
        by: dict[str, str]
        at: datetime

    @event(CaseDeferred)
    def _defer(self, referral_id: UUID, by: dict[str, str], at: datetime) -> None:
        self.cases = [{**c, "state": CaseState.DEFERRED.value}
                      if c["referral_id"] == referral_id else c for c in self.cases]

    def defer(self, referral_id: UUID, by: dict[str, str], at: datetime) -> None:
        self._listed(referral_id)
        self._defer(referral_id, by, at)

    # Actions -----------------------------------------------------------------------------

    def action(self, action_id: UUID) -> dict[str, Any] | None:
        return next((a for a in self.actions if a["id"] == action_id), None)

    def actions_for(self, referral_id: UUID) -> list[dict[str, Any]]:
        return [a for a in self.actions if a["referral_id"] == referral_id]

    class ActionDone(Aggregate.Event):
        class_version = 1
        action_id: UUID
        by: dict[str, str]
        at: datetime

    @event(ActionDone)
    def _action_done(self, action_id: UUID, by: dict[str, str], at: datetime) -> None:
        self.actions = [{**a, "done": {"by": by, "at": at}} if a["id"] == action_id else a
                        for a in self.actions]

    def complete_action(self, action_id: UUID, agency: str, by: dict[str, str],
                        at: datetime) -> dict[str, Any]:
        """The agency given the action records it done (no other agency may)."""
        found = self.action(action_id)
        if found is None:
            raise RuleViolation("no such action at this meeting")
        if found["agency"] != agency:
            raise NotPermitted("only the agency given this action may record it done")
        if found["done"] is not None:
            raise RuleViolation("this action has been recorded done already")
        self._action_done(action_id, by, at)
        return self.action(action_id) or found
