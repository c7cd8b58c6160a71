"""Child protection records, child in need plans, and a child's safety scale over time."""

from pydantic import Field

from hub.api.models.base import Out, Text
from hub.api.models.front_door import PeriodOut, SignsOfSafetyOut


class ReviewConferenceOut(Out):
    at: str | None
    due: str | None
    on_time: bool | None


class MemberOut(Out):
    agency: str
    role: str


class CoreGroupMeetingOut(Out):
    at: str | None
    present: list[MemberOut]
    signs_of_safety: SignsOfSafetyOut | None


class PlanOut(Out):
    category: str | None
    unborn: bool
    number: int
    started_at: str | None
    ended_at: str | None
    ended_because: str | None
    stepped_down_to: str | None = Field(
        default=None, description="`child-in-need` or `early-help`: where the review that "
        "ended the plan stepped the child down to")
    core_group_due: str | None
    core_group_at: str | None
    review_due: str | None
    core_group: list[MemberOut] = Field(default_factory=list,
                                        description="the core group's members")
    next_core_group_due: str | None = None
    core_group_meetings: list[CoreGroupMeetingOut] = Field(default_factory=list)
    reviews: list[ReviewConferenceOut]


class StaffOut(Out):
    user_id: str
    agency: str
    role: str


class ConferenceOut(Out):
    id: str
    kind: str = Field(description="`initial` or `review`")
    at: str | None
    plan: bool
    chair: StaffOut | None
    iro: StaffOut | None
    minutes_due: str | None
    minutes_at: str | None
    minutes: Text
    signs_of_safety: SignsOfSafetyOut | None


class OverdueClockOut(Out):
    clock: str
    due: str | None


class ProtectionRecordOut(Out):
    person_id: str
    plans: list[PlanOut]
    conferences: list[ConferenceOut] = Field(default_factory=list)
    looked_after: list[PeriodOut]
    overdue: list[OverdueClockOut]


class CinPlanOut(Out):
    id: str
    number: int
    via: str = Field(description="`assessment`, `step-down` or `imported`")
    conference_id: str | None
    started_at: str | None
    review_due: str | None
    ended_at: str | None
    ended_because: str | None
    reviews: list[ReviewConferenceOut]


class CinRecordOut(Out):
    child_id: str
    plans: list[CinPlanOut]
    overdue: list[OverdueClockOut]


class SafetyScaleItemOut(Out):
    at: str
    where: str = Field(description="`mash-decision`, `assessment`, `initial-conference`, "
                       "`review-conference` or `core-group`")
    record: str
    scale: int
    worries: Text = None
    working_well: Text = None
    needs_to_happen: Text = None


class SafetyScaleOut(Out):
    child_id: str
    texts: bool = Field(description="whether the texts are shown to this reader")
    items: list[SafetyScaleItemOut]
