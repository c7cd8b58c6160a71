"""The MASH front door and child protection."""


from pydantic import Field

from hub.api.models.base import Actor, Due, Out, Text

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


class DecisionCorrectionOut(Out):
    level: str
    outcome: str
    previous_level: str
    previous_outcome: str
    assessment_due: str | None
    brief_assessment_due: str | None = None
    at: str
    by: Actor
    reason: Text = Field(default=None, description="the MASH's own view of one contact")


class DecisionOut(Out):
    """The MASH's decision; the MASH's own view of one contact adds `rationale`, `feedback`
    and `signs_of_safety`."""

    level: str
    outcome: str
    at: str
    by: Actor
    step: str | None
    assessment_due: str | None
    brief_assessment_due: str | None = Field(
        default=None, description="an assessment's brief stage: 10 working days from arrival")
    enquiry_ids: list[str]
    assessment_completed_at: str | None
    brief_assessment_completed_at: str | None = Field(
        default=None, description="recorded as brief, or the assessment completed outright")
    rationale: Text = None
    feedback: Text = None
    signs_of_safety: SignsOfSafetyOut | None = None
    corrections: list[DecisionCorrectionOut] = Field(
        default_factory=list, description="each correction by a team manager, oldest first; "
                                          "`level` and `outcome` above are the corrected ones")


class SchoolClaimOut(Out):
    child_id: str
    claimed_by: str
    school_urn: str | None
    known_school_urn: str | None


class AmendmentFollowedOut(Out):
    version: int
    at: str


class ClosedOut(Out):
    reason: str
    at: str


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
    amendments: list[AmendmentFollowedOut] | None = Field(
        default=None, description="the referrer's amendments the contact followed")
    closed: ClosedOut | None = Field(
        default=None, description="closed without a decision (`withdrawn-by-sender`)")


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


class FeedbackCallOut(Out):
    contact_id: str
    told_at: str
    due: str = Field(description="within 24 elapsed hours of the decision (a local setting)")
    late: bool
    by: Actor
    note: Text


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
    named: str | None = Field(description="the deciding agency's person told at this stage")


class ResolutionOut(Out):
    resolution: Text
    by: Actor
    at: str
    stage: str


class DecisionRefOut(Out):
    kind: str = Field(description="mash-contact, dart-triage, missing-episode, cp-conference "
                      "or sharing-refusal")
    id: str


class RiskChangeOut(Out):
    risk: str
    previous: str | None
    stage: str
    due: str = Field(description="the open stage's deadline from then on")
    by: Actor
    at: str
    reason: Text


class DisagreementOut(Out):
    id: str
    subject: DecisionRefOut
    contact_id: str | None = Field(default=None, description="a MASH contact's decision")
    child_id: str
    child_ids: list[str]
    raised_by: Actor
    with_agency: str
    raised_at: str
    reason: Text
    risk: str | None = Field(description="high, medium or standard: the stage clocks "
                             "follow it (null: raised before a risk was stated: standard)")
    stage: str
    due: str
    overdue: bool
    named: str | None = Field(description="the person told at the current stage")
    stages: list[StageOut]
    risk_changes: list[RiskChangeOut]
    resolution: ResolutionOut | None


class DisagreementsOut(Out):
    items: list[DisagreementOut]


class EscalationContactOut(Out):
    stage: str
    user_id: str | None


class EscalationContactsOut(Out):
    agency: str
    stages: list[EscalationContactOut]


# Child protection -----------------------------------------------------------------------------

class PeriodOut(Out):
    started_at: str | None
    ended_at: str | None


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
