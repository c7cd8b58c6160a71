"""Reports and the audit trail."""

from typing import Any

from pydantic import Field

from hub.api.models.base import Actor, Out, Rate

# Reports --------------------------------------------------------------------------------------

class PeriodDaysOut(Out):
    from_: str | None = Field(alias="from")
    to: str | None
    days: int


class ReferralsIndicatorsOut(Out):
    """Referrals to children's social care: contacts the MASH decided for an assessment or a
    strategy discussion, one for each child the contact names, on the day it arrived."""

    children: int = Field(description="referrals in the period (one per child)")
    per_10000_children_a_year: float | None
    re_referrals_within_12_months: Rate = Field(
        description="referrals of a child whose previous referral arrived in the 12 months "
                    "before")


class FrontDoorIndicatorsOut(Out):
    contacts: int = Field(description="contacts and referrals arrived (each contact once)")
    by_kind: dict[str, int]
    per_10000_children: float | None = Field(description="contacts, per 10,000 children")
    per_10000_children_a_year: float | None
    re_referrals_within_12_months: Rate = Field(
        description="contacts about a child seen at the front door in the re-referral window")
    referrals: ReferralsIndicatorsOut
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


class StockOut(Out):
    at_the_end: int = Field(description="children, at the end of the period's last day")
    per_10000_children: float | None


class BoardFigureOut(Out):
    """One of the figures a Children's Partnership Board reads, beside its seed figure (the
    published figure the area profile gives, `HUB_BOARD_PROFILE`)."""

    figure: str
    label: str
    unit: str = Field(description="`share ...` (a fraction between 0 and 1) or `per 10,000 "
                                  "children ...`")
    value: float | None = Field(description="the period's figure; null with nothing to "
                                            "count, or no `HUB_CHILD_POPULATION` for a rate")
    seed: float | None = Field(description="the published figure; null when the profile "
                                           "gives none")
    difference: float | None = Field(description="`value` less `seed`")
    source: str | None = Field(description="where the seed figure comes from, in words")


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
    children_in_need: StockOut = Field(description="children whose level of need is child in "
                                       "need or protection, on a plan or looked after (each "
                                       "once)")
    looked_after: StockOut
    sharing: SharingIndicatorsOut
    access: AccessIndicatorsOut
    board: list[BoardFigureOut] = Field(description="the board's figures, each beside its "
                                                    "seed figure")


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
