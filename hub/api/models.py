"""What the routes answer, as the OpenAPI document publishes it.

Every route declares one of these as its ``response_model``: FastAPI checks each answer against
it (a shape that drifts fails loudly, in the tests, rather than publishing a false document)
and writes only the fields the service gave (``response_model_exclude_unset``), so a field the
caller may not see stays absent rather than ``null``. The models refuse fields they do not
name (``extra="forbid"``): a field a service adds must be added here too, never dropped.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(Out):
    field: str = Field(description="where: a body field's path (`subjects.0.nhs_number`), "
                                   "or `query.NAME`, `path.NAME`, `header.NAME`")
    reason: str = Field(description="what is wrong with it; never the value sent")


class ErrorDetail(Out):
    code: str = Field(description="`malformed`, `not_authenticated`, `not_entitled`, "
                                  "`not_found`, `method_not_allowed`, `conflict`, "
                                  "`payload_too_large`, `invalid`, `internal`, "
                                  "`audit_unavailable`, `store_unavailable`")
    message: str = Field(description="one line naming the field or rule at fault, never a "
                                     "value sent, never personal data")
    errors: list[FieldError] = Field(
        default_factory=list, description="present when the request fails its declared shape "
                                          "(400 or 422): every invalid field, each once")


class ErrorOut(Out):
    """Every error the hub answers, from every route."""

    error: ErrorDetail


# Shared pieces --------------------------------------------------------------------------------

Text = str | None  # personal text: null once the child's key is destroyed (erasure)


class Actor(Out):
    """Who did it: a person of an agency (an operator's command names none)."""

    user_id: str | None = None
    agency: str | None = None
    agency_kind: str | None = None
    role: str | None = None
    name: str | None = Field(default=None, description="auditors only: the reader's name")


class Due(Out):
    due: str
    overdue: bool


class Rate(Out):
    count: int
    of: int
    rate: float | None = Field(description="count / of, 4 places; null when `of` is 0")


# Operations -----------------------------------------------------------------------------------

class HealthOut(Out):
    status: str


class WitnessStateOut(Out):
    witness: str
    ok: bool | None = Field(description="null until it was first asked")
    cosigned_size: int | None
    problem: str | None
    since: str | None


class AuditHealthOut(Out):
    alarm: bool = Field(description="a witness unreachable or refusing, or the checkpointer "
                                    "stopped")
    alarms: list[str]
    checkpointer: str = Field(description="running or stopped")
    witnesses: list[WitnessStateOut]


class ReadyOut(Out):
    status: str
    audit_entries: int
    audit: AuditHealthOut


# Notifications and children -------------------------------------------------------------------

class NotificationAccepted(Out):
    id: str
    child_ids: list[str]


class ContactOut(Out):
    agency: str
    name: str | None = None


class SubjectOut(Out):
    role: str
    person_id: str | None = Field(default=None, description="shown with the identity only")
    given_name: Text = None
    family_name: Text = None
    date_of_birth: Text = None
    nhs_number: Text = None
    upn: Text = None
    postcode: Text = None
    school_urn: str | None = None
    present: bool | None = None
    spoken_to: bool | None = None
    pregnant: bool | None = None


class DashOut(Out):
    yes_count: int
    answers: list[bool] | None = None


class DetailsOut(Out):
    welfare_check: bool | None = None
    summary: Text = None
    child_words: Text = None
    dash: DashOut | None = None
    location: Text = None
    location_sensitive: bool | None = None


class NotificationOut(Out):
    """A notification as far as the caller is entitled: a `summary` adds only `contact`;
    `full` adds the rest (fields of other data classes left out unless they too are
    allowed)."""

    id: str
    type: str
    agency: str
    occurred_at: str
    visibility: str = Field(description="`full` or `summary`")
    contact: ContactOut | None = Field(default=None, description="summary: whom to ask")
    source_ref: str | None = None
    received_at: str | None = None
    restricted: bool | None = None
    subjects: list[SubjectOut] | None = None
    details: DetailsOut | None = None


class ChildOut(Out):
    id: str
    kind: str
    given_name: Text = None
    family_name: Text = None
    date_of_birth: Text = None
    nhs_number: Text = None
    upn: Text = None
    postcode: Text = None
    erased: bool
    known_to: list[str] | None = Field(default=None, description="the agencies that know the "
                                                                 "child, when the caller may see "
                                                                 "the known-to class")


class ChronologyOut(Out):
    child_id: str
    items: list[NotificationOut]


class ErasureOut(Out):
    child_id: str
    erased_at: str
    reason_code: str
    keys_destroyed: bool


class LegalHoldOut(Out):
    child_id: str
    held: bool
    reason_code: str
    at: str


class SchoolOut(Out):
    child_id: str
    school_urn: str | None
    source: str
    recorded_at: str


# Lawful bases ---------------------------------------------------------------------------------

class ScopeOut(Out):
    data_classes: list[str]
    agencies: list[str]
    purposes: list[str]


class ConsentOut(Out):
    id: str
    child_id: str
    status: str
    given_by: str
    scope: ScopeOut
    valid_from: str
    valid_until: str | None


class WithdrawnOut(Out):
    id: str
    withdrawn_at: str


class SharingDecisionOut(Out):
    id: str
    child_id: str
    share: bool
    deciding_agency: str
    recipient_agency: str
    data_classes: list[str]
    purposes: list[str]
    legal_basis: str
    consent_not_relied: str | None
    rationale: Text
    overrides_refusal: bool
    valid_from: str
    valid_until: str | None


class EnquiryOut(Out):
    id: str
    child_id: str
    kind: str
    participants: list[str]
    opened_at: str


class EnquiryClosedOut(Out):
    id: str
    closed_at: str


class RestrictionOut(Out):
    id: str
    restricted: bool
    at: str


class RecordShownOut(Out):
    record: str
    record_type: str | None = None
    data_classes: list[str]
    visibility: str
    basis: str


class AccessNotificationOut(Out):
    position: int
    at: str
    audit_index: int
    reader_agency: str
    reader_role: str
    purpose: str | None
    child_id: str
    records: list[RecordShownOut]
    break_glass: bool


class AccessFeedOut(Out):
    agency: str
    items: list[AccessNotificationOut]


class BreakGlassReviewOut(Out):
    outcome: str
    notes: Text
    reviewed_by: Actor
    reviewed_at: str


class BreakGlassOut(Out):
    id: str
    child_id: str
    actor: Actor
    purpose: str
    reason: Text
    records: list[str]
    owners: list[str]
    opened_at: str
    review: BreakGlassReviewOut | None


# Domestic abuse -------------------------------------------------------------------------------

class EncompassOutcomeOut(Out):
    child_id: str
    notice_id: str | None
    not_issued: str | None = Field(description="why no notice was issued")
    words_withheld: str | None = Field(description="why the child's words were withheld")


class TriageOut(Out):
    by: Actor
    yes_count: int | None
    dash_level: str | None
    level: str
    judgement_reason: Text
    actions: list[str]
    threshold_met: bool
    rationale: Text
    at: str
    marac_referral: str | None
    mash_referral: str | None


class DartCaseOut(Out):
    id: str
    notification_id: str
    child_ids: list[str]
    victim_ids: list[str]
    occurred_at: str
    received_at: str
    triage_due: str
    overdue: bool
    encompass: list[EncompassOutcomeOut]
    triage: TriageOut | None


class DartQueueOut(Out):
    items: list[DartCaseOut]


class MaracFlagOut(Out):
    rule: str
    version: int
    incidents: list[str] | None = None
    victim_id: str | None = None
    detail: dict[str, Any] | None = Field(default=None, description="what the rule counted")


class MaracReferralOut(Out):
    id: str
    incident_id: str
    case_id: str
    victim_ids: list[str]
    child_ids: list[str]
    level: str
    flags: list[MaracFlagOut]
    referred_by: Actor
    referred_at: str


class MaracReferralsOut(Out):
    items: list[MaracReferralOut]


class TriageBreachOut(Out):
    case_id: str
    due: str
    overdue_hours: float


class EncompassBreachOut(Out):
    notice_id: str
    recipient_agency: str | None
    school_urn: str | None
    due: str
    escalated: bool
    overdue_hours: float


class NotSentOut(Out):
    case_id: str
    child_id: str
    reason: str
    received_at: str


class DartBreachesOut(Out):
    at: str
    triage: list[TriageBreachOut]
    encompass: list[EncompassBreachOut]
    encompass_not_sent: list[NotSentOut]


class NoticeChildOut(Out):
    given_name: Text
    family_name: Text
    date_of_birth: Text


class AcknowledgementOut(Out):
    by: Actor
    at: str
    late: bool


class EncompassNoticeOut(Out):
    id: str
    child_id: str
    recipient: str
    school_urn: str | None
    due_at: str
    issued_at: str
    overdue: bool
    child: NoticeChildOut
    incident_at: str
    present: bool | None
    welfare_check: bool | None
    child_words: Text
    acknowledged: AcknowledgementOut | None


class EncompassInboxOut(Out):
    agency: str
    items: list[EncompassNoticeOut]


class EncompassAcknowledgedOut(Out):
    id: str
    acknowledged_at: str
    late: bool


# Missing children -----------------------------------------------------------------------------

class MissingFlagOut(Out):
    rule: str
    version: int
    episodes: list[str] | None = None


class InterviewStepOut(Out):
    step: str
    at: str
    by: Actor
    independent: bool | None
    reason: Text


class InterviewOut(Out):
    due: str | None
    settled_at: str | None
    overdue: bool
    steps: list[InterviewStepOut]


class EpisodeOut(Out):
    id: str
    child_id: str
    type: str
    start: str | None
    end: str | None
    ended_by: str | None
    open: bool
    hours_missing: float
    reports: list[str]
    reported_by: str | None
    split_from: str | None
    flags: list[MissingFlagOut]
    priority: bool
    informed: Actor | None = Field(description="the allocated worker told of the episode")
    interview: InterviewOut | None
    overdue_hours: float | None = Field(default=None, description="breaches only: hours "
                                                                  "past the interview's due")


class ToReconcileOut(Out):
    child_id: str
    report: str
    type: str
    reason: str
    at: str


class MissingQueueOut(Out):
    at: str
    missing: list[EpisodeOut]
    interviews: list[EpisodeOut]
    to_reconcile: list[ToReconcileOut]


class MissingBreachesOut(Out):
    at: str
    interviews: list[EpisodeOut]


class EpisodesOut(Out):
    child_id: str
    episodes: list[EpisodeOut]


class EpisodeListOut(Out):
    items: list[EpisodeOut]


class ReconciledOut(Out):
    child_id: str
    report: str
    reconciled_at: str


# The MASH front door --------------------------------------------------------------------------

class RatingOut(Out):
    rating: str
    at: str
    by: Actor
    rationale: Text


class RagOut(Out):
    rating: str
    due: str
    at: str
    by: Actor
    forced_by: list[str] = Field(description="the indicators that forced the rating")
    history: list[RatingOut] | None = Field(default=None, description="the MASH's view: "
                                              "every rating given")


class AcknowledgedOut(Out):
    at: str
    by: Actor
    late: bool


class ResearchItemOut(Out):
    id: str
    agency: str
    at: str
    late: bool
    visibility: str
    content: Text = None


class ResearchOut(Out):
    asked: list[str]
    received_from: list[str]
    outstanding: list[str]
    items: list[ResearchItemOut] | None = Field(default=None, description="one contact read: "
                                                "the pieces as the access policy allows")


class SignsOfSafetyOut(Out):
    worries: Text
    working_well: Text
    needs_to_happen: Text
    scale: int


class DecisionOut(Out):
    """The MASH's decision; the MASH's own view of one contact adds `rationale`, `feedback`
    and `signs_of_safety`."""

    level: str
    outcome: str
    at: str
    by: Actor
    step: str | None
    assessment_due: str | None
    enquiry_ids: list[str]
    assessment_completed_at: str | None
    rationale: Text = None
    feedback: Text = None
    signs_of_safety: SignsOfSafetyOut | None = None


class SchoolClaimOut(Out):
    child_id: str
    claimed_by: str
    school_urn: str | None
    known_school_urn: str | None


class MashContactOut(Out):
    """A contact. A partner asked for research sees its clocks and research only: no
    `referrer`, `indicators`, `re_referral`, `re_referral_of`, `linked_to`, `decision` or
    `school_claims`, and only its own agency in `research`."""

    id: str
    kind: str
    notification_id: str
    referrer: str | None = None
    child_ids: list[str]
    received_at: str
    indicators: list[str] | None = None
    re_referral: bool | None = None
    re_referral_of: list[str] | None = None
    linked_to: str | None = None
    rag: RagOut | None
    acknowledged: AcknowledgedOut | None
    deadlines: dict[str, Due] = Field(description="each running clock by name (acknowledge, "
                                                  "rag, decide, ...), the soonest first")
    missed: dict[str, str] = Field(description="each clock that ran out, by name: when")
    research: ResearchOut
    decision: DecisionOut | None = None
    school_claims: list[SchoolClaimOut] | None = None


class MashQueueOut(Out):
    at: str
    items: list[MashContactOut]


class MashBreachOut(Out):
    clock: str
    due: str
    child_ids: list[str]
    overdue_hours: float
    contact_id: str | None = None
    agency: str | None = Field(default=None, description="research: the partner that is late")
    person_id: str | None = Field(default=None, description="child protection clocks")
    disagreement_id: str | None = None


class MashBreachesOut(Out):
    at: str
    items: list[MashBreachOut]


class ResearchAddedOut(Out):
    id: str
    contact_id: str
    outstanding: list[str]


class FeedbackOut(Out):
    contact_id: str
    notification_id: str
    child_ids: list[str]
    received_at: str
    decided_at: str
    level: str
    outcome: str
    feedback: Text


class FeedbackListOut(Out):
    agency: str
    items: list[FeedbackOut]


class LevelOfNeedOut(Out):
    child_id: str
    level: str
    previous: str | None
    direction: str | None = Field(description="`up` or `down`; null for the first level")
    at: str


class WorkerOut(Out):
    user_id: str
    agency: str
    role: str


class AllocationOut(Out):
    child_id: str
    worker: WorkerOut | None
    at: str


class StageOut(Out):
    stage: str
    from_: str = Field(alias="from")
    due: str
    by: Actor | None
    automatic: bool
    reason: Text


class ResolutionOut(Out):
    resolution: Text
    by: Actor
    at: str
    stage: str


class DisagreementOut(Out):
    id: str
    contact_id: str
    child_id: str
    raised_by: Actor
    with_agency: str
    raised_at: str
    reason: Text
    stage: str
    due: str
    overdue: bool
    stages: list[StageOut]
    resolution: ResolutionOut | None


class DisagreementsOut(Out):
    items: list[DisagreementOut]


# Child protection -----------------------------------------------------------------------------

class ReviewConferenceOut(Out):
    at: str | None
    due: str | None
    on_time: bool | None


class PlanOut(Out):
    category: str | None
    unborn: bool
    number: int
    started_at: str | None
    ended_at: str | None
    ended_because: str | None
    core_group_due: str | None
    core_group_at: str | None
    review_due: str | None
    reviews: list[ReviewConferenceOut]


class PeriodOut(Out):
    started_at: str | None
    ended_at: str | None


class OverdueClockOut(Out):
    clock: str
    due: str | None


class ProtectionRecordOut(Out):
    person_id: str
    plans: list[PlanOut]
    looked_after: list[PeriodOut]
    overdue: list[OverdueClockOut]


class FlaggedPlanOut(Out):
    type: str = Field(description="`child-protection` or `unborn`; never the category")
    started_at: str
    ended_at: str | None


class AuthorityOut(Out):
    agency: str
    name: str | None = None
    office_hours: str | None = None
    out_of_hours: str | None = None


class UnscheduledAccessOut(Out):
    at: str
    agency: str
    role: str


class CpIsLookupOut(Out):
    flagged: bool
    child_id: str | None
    plans: list[FlaggedPlanOut]
    looked_after: list[PeriodOut]
    responsible_authorities: list[AuthorityOut]
    recent_unscheduled_care_accesses: list[UnscheduledAccessOut]


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
    acknowledged_within_1_working_day: Rate
    decided_within_1_working_day: Rate
    assessments_within_45_working_days: Rate
    assessments_due: int
    outcomes: dict[str, int]
    levels_of_need: dict[str, int]
    strategy_discussions: int
    s47_enquiries: int


class EncompassIndicatorsOut(Out):
    issued: int
    acknowledged_before_the_school_day: Rate
    acknowledged: int
    not_sent: dict[str, int]


class DomesticAbuseIndicatorsOut(Out):
    incidents: int
    dart_cases: int
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
    decided_within_1_working_day: Rate
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
