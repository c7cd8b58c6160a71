"""MARAC meetings: a meeting and its case list, and the actions it gave an agency."""

from pydantic import Field

from hub.api.models.base import Actor, Out, Text
from hub.api.models.safety import MaracFlagOut, MaracReviewOut


class MaracActionDoneOut(Out):
    by: Actor
    at: str


class MaracActionOut(Out):
    id: str
    meeting_id: str
    referral_id: str
    agency: str = Field(description="the agency given the action")
    action: Text = Field(description="what is to be done (sealed under the adult victim)")
    due_on: str = Field(description="the due date (a working day)")
    due_at: str = Field(description="the close of working hours on the due date")
    overdue: bool
    done: MaracActionDoneOut | None = Field(description="who recorded it done, and when")
    overdue_hours: float | None = Field(default=None, description="breaches only")


class MaracOutcomeOut(Out):
    risk: str = Field(description="the risk as the meeting assessed it")
    summary: Text = Field(description="the discussion (sealed under the adult victim)")
    attendance: list[str] = Field(description="the agencies present for this case")
    by: Actor
    at: str


class MaracCaseOut(Out):
    referral_id: str
    victim_ids: list[str]
    child_ids: list[str]
    state: str = Field(description="listed, heard or deferred")
    listed_at: str
    level: str | None = Field(description="the referral's risk level")
    repeat: bool | None = Field(description="a repeat referral (within 12 months of the "
                                "adult victim's last MARAC referral)")
    flags: list[MaracFlagOut]
    review: MaracReviewOut | None = Field(description="the referral's flag for the "
                                          "coordinator's review, if any")
    outcome: MaracOutcomeOut | None
    actions: list[MaracActionOut]


class MaracMeetingOut(Out):
    id: str
    meets_on: str
    coordinator: str = Field(description="the DART that runs the meeting")
    agencies: list[str] = Field(description="the agencies invited (the coordinator's too)")
    scheduled_by: Actor
    scheduled_at: str
    cases: list[MaracCaseOut]


class MaracMeetingSummaryOut(Out):
    id: str
    meets_on: str
    coordinator: str
    agencies: list[str]
    cases: int


class MaracMeetingsOut(Out):
    items: list[MaracMeetingSummaryOut]


class MaracActionsOut(Out):
    at: str
    items: list[MaracActionOut]

