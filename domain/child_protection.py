"""Child protection plans and looked-after status, on the clocks of Working Together.

After an s47 enquiry, an initial child protection conference (ICPC) decides whether the child
needs a plan, and under which category of abuse. With a plan, the core group first meets
within 10 working days of the conference; the first review conference is within 3 months of
it, each later one within 6 months of the one before; the plan ends at a review (or when the
child moves away, turns 18, or comes into care with a plan of its own). An unborn child's plan
is held on the pregnant woman's record until the child is born and has a record of their own.
Looked-after status (in care) runs from its start to its end. Each is an event with who and
when. Nothing here is the plan's content: the hub holds the facts CP-IS shares, and the clocks.

Each conference has its chair and the local authority's independent reviewing officer; its
minutes (sealed under the person) are due within working days of it. The core group's members
(agencies and roles) are named at the initial conference and may change; it meets first
within 10 working days, then within weeks of each meeting. A review that ends the plan may
step the child down to a child in need plan or to early help (``domain.child_in_need``).
Signs of Safety may be recorded at a conference or a core group meeting.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.clocks import Timescales, core_group_due, review_conference_due
from domain.conferences import UNCHAIRED, StepDown, check_conference_staff, check_members
from domain.errors import InvalidContent, RuleViolation
from domain.personal import Personal
from domain.signs_of_safety import SignsOfSafety, sealed
from domain.text import reason
from domain.timescales import WorkingCalendar, months_before

CP_IS_LOOK_BACK_MONTHS = 12  # CP-IS shows plans and care in force, or ended this recently



class Category(StrEnum):
    NEGLECT = "neglect"
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    EMOTIONAL = "emotional"
    MULTIPLE = "multiple"


class PlanEnd(StrEnum):
    NO_LONGER_NEEDED = "no-longer-needed"  # decided at a review conference
    MOVED_AWAY = "moved-away"  # transferred to another authority
    ADULTHOOD = "adulthood"  # turned 18
    BORN = "born"  # an unborn plan ends at birth (a new plan follows on the baby's record)
    OTHER = "other"


def protection_id(person_id: UUID) -> UUID:
    """One protection record per person (a child, or a pregnant woman for an unborn child)."""
    return uuid5(NAMESPACE_URL, f"/hub/protection/{person_id}")


class ProtectionRecord(Aggregate):
    """A person's conferences, plans and looked-after periods, over time."""

    class Opened(Aggregate.Created):
        class_version = 1
        person_id: UUID

    @event(Opened)
    def __init__(self, person_id: UUID) -> None:
        self.person_id = person_id
        self.plans: list[dict[str, Any]] = []
        self.conferences: list[dict[str, Any]] = []
        self.looked_after: list[dict[str, Any]] = []
        self.accesses: list[dict[str, Any]] = []

    @staticmethod
    def create_id(person_id: UUID) -> UUID:
        return protection_id(person_id)

    @property
    def current_plan(self) -> dict[str, Any] | None:
        return next((p for p in reversed(self.plans) if p["ended_at"] is None), None)

    @property
    def currently_looked_after(self) -> dict[str, Any] | None:
        return next((p for p in reversed(self.looked_after) if p["ended_at"] is None), None)

    # Conferences --------------------------------------------------------------------------

    class InitialConferenceHeld(Aggregate.Event):
        class_version = 1
        conference_id: UUID
        at: datetime
        plan: bool
        category: str | None
        unborn: bool
        enquiry_id: UUID | None
        core_group_due: datetime | None
        review_due: datetime | None
        by: dict[str, str]

    @event(InitialConferenceHeld)
    def _initial(self, conference_id: UUID, at: datetime, plan: bool, category: str | None,
                 unborn: bool, enquiry_id: UUID | None, core_group_due: datetime | None,
                 review_due: datetime | None, by: dict[str, str]) -> None:
        self.conferences.append({"id": conference_id, "kind": "initial", "at": at,
                                 "plan": plan, "by": by, "enquiry_id": enquiry_id,
                                 **UNCHAIRED})
        if plan:
            self.plans.append({
                "id": conference_id, "category": category, "unborn": unborn,
                "started_at": at, "core_group_due": core_group_due, "core_group_at": None,
                "review_due": review_due, "reviews": [], "ended_at": None,
                "ended_because": None, "number": len(self.plans) + 1, "core_group": [],
                "core_groups": [], "next_core_group_due": None, "stepped_down_to": None})

    def initial_conference(self, conference_id: UUID, at: datetime, plan: bool,
                           category: Category | None, unborn: bool, enquiry_id: UUID | None,
                           working: WorkingCalendar, by: dict[str, str]) -> None:
        if self.current_plan is not None:
            raise RuleViolation("a plan is in force: hold a review conference instead")
        if plan and category is None:
            raise InvalidContent("category", "a plan has a category of abuse")
        if not plan and category is not None:
            raise InvalidContent("category", "only a plan has a category")
        self._initial(conference_id, at, plan, category.value if category else None, unborn,
                      enquiry_id,
                      core_group_due(working, at) if plan else None,
                      review_conference_due(at, first=True) if plan else None, by)

    class CoreGroupMet(Aggregate.Event):
        """v2: who was there, when the next meeting is due, and any Signs of Safety."""

        class_version = 2
        at: datetime
        by: dict[str, str]
        present: list[dict[str, str]]
        next_due: datetime | None
        signs_of_safety: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Met before attendance and the later meetings' clock were kept.
            state.update(present=[], next_due=None, signs_of_safety=None)

    @event(CoreGroupMet)
    def _core_group(self, at: datetime, by: dict[str, str], present: list[dict[str, str]],
                    next_due: datetime | None, signs_of_safety: dict[str, Any] | None) -> None:
        plan = self.current_plan
        if plan is None:
            return
        if plan["core_group_at"] is None:
            plan["core_group_at"] = at
        plan.setdefault("core_groups", []).append(
            {"at": at, "present": present, "by": by, "signs_of_safety": signs_of_safety})
        plan["next_core_group_due"] = next_due

    def core_group_met(self, at: datetime, by: dict[str, str], timescales: Timescales,
                       present: list[dict[str, str]] | None = None,
                       signs: SignsOfSafety | None = None) -> None:
        """A core group meeting: the first is due within 10 working days of the conference,
        each later one within weeks of the one before."""
        plan = self.current_plan
        if plan is None:
            raise RuleViolation("there is no plan in force")
        if at < plan["started_at"]:
            raise InvalidContent("at", "the core group meets after the conference")
        meetings = plan.get("core_groups", [])
        if meetings and at < meetings[-1]["at"]:
            raise InvalidContent("at", "a core group meeting follows the one before")
        self._core_group(at, by, check_members(present or [], "present"),
                         timescales.next_core_group_due(at),
                         sealed(self.person_id, signs))

    class CoreGroupSet(Aggregate.Event):
        """The core group's members: agencies and named roles."""

        class_version = 1
        members: list[dict[str, str]]
        at: datetime
        by: dict[str, str]

    @event(CoreGroupSet)
    def _core_group_set(self, members: list[dict[str, str]], at: datetime,
                        by: dict[str, str]) -> None:
        plan = self.current_plan
        if plan is not None:
            plan["core_group"] = members

    def set_core_group(self, members: list[dict[str, str]], at: datetime,
                       by: dict[str, str]) -> None:
        plan = self.current_plan
        if plan is None:
            raise RuleViolation("there is no plan in force")
        if not members:
            raise InvalidContent("members", "a core group has at least one member")
        if at < plan["started_at"]:
            raise InvalidContent("at", "the core group is set at or after the conference")
        self._core_group_set(check_members(members, "members"), at, by)

    # Chairs and minutes ---------------------------------------------------------------------

    class ConferenceChaired(Aggregate.Event):
        """A conference's chair and independent reviewing officer, its minutes' deadline and
        any Signs of Safety (recorded with the conference)."""

        class_version = 1
        conference_id: UUID
        chair: dict[str, str]
        iro: dict[str, str]
        minutes_due: datetime
        signs_of_safety: dict[str, Any] | None
        by: dict[str, str]

    @event(ConferenceChaired)
    def _chaired(self, conference_id: UUID, chair: dict[str, str], iro: dict[str, str],
                 minutes_due: datetime, signs_of_safety: dict[str, Any] | None,
                 by: dict[str, str]) -> None:
        conference = self.conference(conference_id)
        if conference is not None:
            conference.update(chair=chair, iro=iro, minutes_due=minutes_due,
                              signs_of_safety=signs_of_safety)

    def chaired(self, conference_id: UUID, chair: dict[str, str], iro: dict[str, str],
                signs: SignsOfSafety | None, timescales: Timescales,
                by: dict[str, str]) -> None:
        conference = self.conference(conference_id)
        if conference is None:
            raise RuleViolation("there is no such conference")
        check_conference_staff(chair, iro, by.get("agency", ""))
        self._chaired(conference_id, chair, iro, timescales.minutes_due(conference["at"]),
                      sealed(self.person_id, signs), by)

    class MinutesRecorded(Aggregate.Event):
        class_version = 1
        conference_id: UUID
        minutes: Personal
        at: datetime
        by: dict[str, str]

    @event(MinutesRecorded)
    def _minutes(self, conference_id: UUID, minutes: Personal, at: datetime,
                 by: dict[str, str]) -> None:
        conference = self.conference(conference_id)
        if conference is not None:
            conference.update(minutes=minutes, minutes_at=at)

    def record_minutes(self, conference_id: UUID, minutes: str, at: datetime,
                       by: dict[str, str]) -> None:
        """The conference's minutes, which stop its clock."""
        conference = self.conference(conference_id)
        if conference is None:
            raise RuleViolation("there is no such conference")
        if conference["minutes_due"] is None:
            raise RuleViolation("the conference has no chair recorded: its minutes are not "
                                "clocked")
        if conference["minutes_at"] is not None:
            raise RuleViolation("the conference's minutes are recorded already")
        if at < conference["at"]:
            raise InvalidContent("at", "minutes follow the conference")
        self._minutes(conference_id, Personal(self.person_id, "conference_minutes",
                                              reason(minutes, "minutes")), at, by)

    def conference(self, conference_id: UUID) -> dict[str, Any] | None:
        return next((c for c in self.conferences if c["id"] == conference_id), None)

    class ReviewHeld(Aggregate.Event):
        """v2: where a review that ends the plan steps the child down to, if anywhere."""

        class_version = 2
        conference_id: UUID
        at: datetime
        plan_continues: bool
        category: str | None
        next_due: datetime | None
        by: dict[str, str]
        step_down: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["step_down"] = None  # held before step-downs were recorded

    @event(ReviewHeld)
    def _review(self, conference_id: UUID, at: datetime, plan_continues: bool,
                category: str | None, next_due: datetime | None, by: dict[str, str],
                step_down: str | None) -> None:
        plan = self.current_plan
        self.conferences.append({"id": conference_id, "kind": "review", "at": at,
                                 "plan": plan_continues, "by": by, "enquiry_id": None,
                                 **UNCHAIRED})
        if plan is None:
            return
        plan["reviews"].append({"at": at, "due": plan["review_due"],
                                "on_time": at <= plan["review_due"]})
        if category is not None:
            plan["category"] = category
        if plan_continues:
            plan["review_due"] = next_due
        else:
            plan.update(ended_at=at, ended_because=PlanEnd.NO_LONGER_NEEDED.value,
                        review_due=None, next_core_group_due=None, stepped_down_to=step_down)

    def review(self, conference_id: UUID, at: datetime, plan_continues: bool,
               category: Category | None, by: dict[str, str],
               step_down: StepDown | None = None) -> None:
        plan = self.current_plan
        if plan is None:
            raise RuleViolation("there is no plan in force to review")
        if at < plan["started_at"]:
            raise InvalidContent("at", "a review follows the initial conference")
        if step_down is not None and plan_continues:
            raise InvalidContent("step_down", "only a review that ends the plan steps down")
        self._review(conference_id, at, plan_continues, category.value if category else None,
                     review_conference_due(at, first=False) if plan_continues else None, by,
                     step_down.value if step_down else None)

    class PlanEnded(Aggregate.Event):
        class_version = 1
        at: datetime
        because: str
        by: dict[str, str]

    @event(PlanEnded)
    def _end(self, at: datetime, because: str, by: dict[str, str]) -> None:
        plan = self.current_plan
        if plan is not None:
            plan.update(ended_at=at, ended_because=because, review_due=None,
                        next_core_group_due=None)

    def end_plan(self, at: datetime, because: PlanEnd, by: dict[str, str]) -> None:
        plan = self.current_plan
        if plan is None:
            raise RuleViolation("there is no plan in force")
        if because is PlanEnd.NO_LONGER_NEEDED:
            raise InvalidContent("because", "a plan no longer needed ends at a review")
        if because is PlanEnd.BORN and not plan["unborn"]:
            raise InvalidContent("because", "only an unborn child's plan ends at birth")
        self._end(at, because.value, by)

    # Looked after ---------------------------------------------------------------------------

    class LookedAfterChanged(Aggregate.Event):
        class_version = 1
        looked_after: bool
        at: datetime
        by: dict[str, str]

    @event(LookedAfterChanged)
    def _looked_after(self, looked_after: bool, at: datetime, by: dict[str, str]) -> None:
        if looked_after:
            self.looked_after.append({"started_at": at, "ended_at": None, "by": by})
        else:
            current = self.currently_looked_after
            if current is not None:
                current["ended_at"] = at

    def set_looked_after(self, looked_after: bool, at: datetime, by: dict[str, str]) -> None:
        current = self.currently_looked_after
        if looked_after and current is not None:
            raise RuleViolation("the child is already looked after")
        if not looked_after and current is None:
            raise RuleViolation("the child is not looked after")
        if current is not None and at < current["started_at"]:
            raise InvalidContent("at", "a period in care ends after it starts")
        self._looked_after(looked_after, at, by)

    # Who has looked (CP-IS) -----------------------------------------------------------------

    class Accessed(Aggregate.Event):
        """Unscheduled care looked the child up (the local authority is told as well)."""

        class_version = 1
        at: datetime
        agency: str
        role: str

    @event(Accessed)
    def _accessed(self, at: datetime, agency: str, role: str) -> None:
        self.accesses.append({"at": at, "agency": agency, "role": role})

    def accessed(self, at: datetime, agency: str, role: str) -> None:
        self._accessed(at, agency, role)

    def cp_is_flag(self, at: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The plans and periods in care CP-IS shows at ``at``: in force, or ended within the
        last 12 months."""
        since = months_before(at, CP_IS_LOOK_BACK_MONTHS)
        return ([p for p in self.plans if p["ended_at"] is None or p["ended_at"] >= since],
                [p for p in self.looked_after
                 if p["ended_at"] is None or p["ended_at"] >= since])

    @property
    def responsible_authorities(self) -> list[str]:
        """The local authorities that recorded its conferences and periods in care."""
        agencies = [c["by"].get("agency", "") for c in self.conferences]
        agencies += [p["by"].get("agency", "") for p in self.looked_after]
        return sorted({a for a in agencies if a})

    # Clocks ---------------------------------------------------------------------------------

    def overdue(self, now: datetime) -> list[dict[str, Any]]:
        """The clocks that have run out: the plan's first core group, its next core group
        meeting, its next review; any conference's minutes."""
        late = [{"clock": "minutes", "due": c["minutes_due"], "conference_id": c["id"]}
                for c in self.conferences
                if c.get("minutes_due") is not None and c.get("minutes_at") is None
                and now > c["minutes_due"]]
        plan = self.current_plan
        if plan is None:
            return late
        if plan["core_group_at"] is None and now > plan["core_group_due"]:
            late.append({"clock": "core-group", "due": plan["core_group_due"]})
        following = plan.get("next_core_group_due")
        if plan["core_group_at"] is not None and following is not None and now > following:
            late.append({"clock": "next-core-group", "due": following})
        if plan["review_due"] is not None and now > plan["review_due"]:
            late.append({"clock": "review", "due": plan["review_due"]})
        return late

    @property
    def minutes_outstanding(self) -> bool:
        return any(c.get("minutes_due") is not None and c.get("minutes_at") is None
                   for c in self.conferences)
