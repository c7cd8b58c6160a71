"""Reports and the audit trail."""

from typing import Any

from pydantic import Field

from hub.api.models.base import Actor, Out, Rate

# Reports --------------------------------------------------------------------------------------

class PeriodDaysOut(Out):
    from_: str | None = Field(alias="from")
    to: str | None
    days: int


class FrontDoorIndicatorsOut(Out):
    contacts: int
    by_kind: dict[str, int]
    per_10000_children: float | None
    per_10000_children_a_year: float | None
    re_referrals_within_12_months: Rate
    rag: dict[str, Rate]
    withdrawn_by_referrer: int
    acknowledged_within_1_working_day: Rate
    decided_within_rag_timescale: Rate
    assessments_within_45_working_days: Rate
    assessments_due: int
    brief_assessments_within_10_working_days: Rate
    brief_assessments_due: int
    outcomes: dict[str, int]
    levels_of_need: dict[str, int]
    strategy_discussions: int
    s47_enquiries: int


class EncompassIndicatorsOut(Out):
    issued: int
    acknowledged_before_the_school_day: Rate
    withdrawn: int
    acknowledged: int
    not_sent: dict[str, int]


class DomesticAbuseIndicatorsOut(Out):
    incidents: int
    dart_cases: int
    incidents_withdrawn: int
    triaged: int
    triaged_in_time: Rate
    by_dash_level: dict[str, int]
    by_risk_level_after_judgement: dict[str, int]
    marac_referrals: int
    marac_by_rule: dict[str, int]
    encompass: EncompassIndicatorsOut


class MissingIndicatorsOut(Out):
    episodes: int
    by_type: dict[str, int]
    by_age_band: dict[str, int] = Field(description="the child's age on the day the episode "
                                        "began: `under-11`, `11-13`, `14-15`, `16-17`; "
                                        "`unknown` without a date of birth (or recorded "
                                        "before bands were)")
    by_missing_from: dict[str, int] = Field(default_factory=dict, description="where the "
                                            "child went missing from: `home`, `care`, "
                                            "`education`; `not-said`")
    home_within_24_hours: Rate
    return_interviews_within_72_hours: Rate
    interviews: dict[str, int]
    strategy_meeting_flags: int


class ChildProtectionIndicatorsOut(Out):
    plans_started: int
    second_or_subsequent_plans: Rate
    on_a_plan_at_the_end: int
    on_a_plan_per_10000_children: float | None
    plans_ended: int
    ended_plans_lasting_over_2_years: Rate
    reviews_on_time: Rate


class SharingIndicatorsOut(Out):
    decisions_to_share: dict[str, int]
    decisions_not_to_share: dict[str, int]
    consent: dict[str, int]


class AccessIndicatorsOut(Out):
    disclosures: int
    by_agency_and_purpose: dict[str, dict[str, int]]
    by_agency_kind_and_purpose: dict[str, dict[str, int]]
    refusals: int
    break_glass: int


class WeekOut(Out):
    """One week (Monday to Sunday, cut to the period): volumes, and the timeliness of what fell
    due that week (`rate` null: nothing fell due, shown as "no data", never 0%)."""

    week: str
    from_: str = Field(alias="from")
    to: str
    contacts: int
    da_incidents: int
    missing_episodes: int
    decided_within_rag_timescale: Rate
    dart_triaged_in_time: Rate
    encompass_acknowledged_in_time: Rate
    return_interviews_within_72_hours: Rate


class IndicatorsOut(Out):
    period: PeriodDaysOut
    by_week: list[WeekOut] = Field(description="figures over time, by week")
    children: int | None
    position: int
    front_door: FrontDoorIndicatorsOut
    domestic_abuse: DomesticAbuseIndicatorsOut
    missing: MissingIndicatorsOut
    child_protection: ChildProtectionIndicatorsOut
    sharing: SharingIndicatorsOut
    access: AccessIndicatorsOut


# The audit trail ------------------------------------------------------------------------------

class CheckpointOut(Out):
    origin: str
    size: int
    root: str = Field(description="base64")
    note: str = Field(description="the signed note (C2SP signed-note)")
    signed_at: str


class EntryOut(Out):
    index: int
    stored: str = Field(description="base64 of the entry's exact stored bytes")
    leaf_hash: str = Field(description="base64")
    entry: dict[str, Any] = Field(description="the same bytes decoded, for people to read; "
                                              "nothing checks it")


class EntriesOut(Out):
    start: int
    end: int
    entries: list[EntryOut]


class InclusionProofOut(Out):
    index: int
    size: int
    proof: list[str] = Field(description="base64 hashes")


class ConsistencyProofOut(Out):
    first: int
    second: int
    proof: list[str] = Field(description="base64 hashes")


class DisclosureOut(Out):
    audit_index: int
    at: str
    child_id: str
    reader: Actor
    purpose: str | None
    case_ref: str | None
    record: str
    record_type: str
    owner: str
    visibility: str
    data_classes: list[str]
    grounds: list[str]
    bases: list[str]
    break_glass: bool


class DisclosuresOut(Out):
    items: list[DisclosureOut]
    count: int
