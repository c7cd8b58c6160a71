"""Domestic abuse (the DART, Encompass) and missing children."""

from typing import Any

from pydantic import Field

from hub.api.models.base import Actor, Out, Text

# Domestic abuse -------------------------------------------------------------------------------

class EncompassOutcomeOut(Out):
    child_id: str
    notice_id: str | None
    not_issued: str | None = Field(description="why no notice was issued")
    words_withheld: str | None = Field(description="why the child's words were withheld")
    redirected_from: str | None = Field(default=None, description="the notice this one "
                                        "replaced, redirected from the wrong school")


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


class RetriageOut(Out):
    by: Actor
    at: str
    reason: Text
    previous_level: str
    level: str
    direction: str | None = Field(description="up, down, or null (the same level)")
    actions: list[str]
    threshold_met: bool
    marac_referral: str | None = Field(description="the MARAC referral this correction made")
    mash_referral: str | None = Field(description="the MASH referral this correction made")
    flags: list[str] = Field(description="`marac-referral-stands`, `mash-referral-stands`: a "
                             "referral made before that the correction no longer calls for")


class CaseAmendmentOut(Out):
    version: int
    changed: list[str] = Field(description="what the case rests on that changed: children, "
                                           "victims, pregnant, occurred_at, dash")
    after_triage: bool
    at: str


class WithdrawnAtOut(Out):
    at: str


class DartCaseOut(Out):
    id: str
    notification_id: str
    child_ids: list[str]
    victim_ids: list[str]
    pregnant_ids: list[str] = Field(description="the women named pregnant: the unborn "
                                    "child, recorded on the mother's record")
    occurred_at: str
    received_at: str
    risk: str | None = Field(description="the risk the police's DASH gave on arrival (or as "
                             "they amended it before the triage), which set `triage_due`; "
                             "null: no DASH sent")
    triage_due: str
    overdue: bool
    encompass: list[EncompassOutcomeOut]
    triage: TriageOut | None
    corrections: list[RetriageOut] = Field(default_factory=list,
                                           description="each re-triage, oldest first")
    amendments: list[CaseAmendmentOut] = Field(
        default_factory=list, description="the police's amendments the case followed")
    withdrawn: WithdrawnAtOut | None = Field(
        default=None, description="the police withdrew the incident: out of the queue")


class DartQueueOut(Out):
    items: list[DartCaseOut]


class MaracFlagOut(Out):
    rule: str
    version: int
    incidents: list[str] | None = None
    victim_id: str | None = None
    detail: dict[str, Any] | None = Field(default=None, description="what the rule counted")


class MaracReviewOut(Out):
    reason: str = Field(description="criteria-no-longer-met (a re-triage meets no MARAC "
                        "criterion) or incident-withdrawn (the police withdrew the incident)")
    level: str | None = Field(description="the corrected level (null: incident-withdrawn)")
    by: Actor
    at: str


class MaracListingOut(Out):
    meeting_id: str
    state: str = Field(description="listed, heard or deferred")
    at: str


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
    review: MaracReviewOut | None = Field(default=None, description="flagged for the MARAC "
                                          "coordinator's review: a re-triage that no longer "
                                          "meets the criteria, or the incident withdrawn")
    repeat: bool | None = Field(default=None, description="a repeat referral: an incident "
                                "within 12 months of the adult victim's last MARAC referral")
    listing: MaracListingOut | None = Field(default=None, description="its place on a MARAC "
                                            "meeting's case list (null: never listed)")


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


class NoticeWithdrawnOut(Out):
    at: str


class RedirectedFromOut(Out):
    notice_id: str
    original_due: str


class EncompassNoticeOut(Out):
    """A notice; a withdrawn one (redirected to another school) holds only `id`,
    `recipient`, `school_urn`, `due_at`, `issued_at`, `overdue`, `acknowledged` and
    `withdrawn`: nothing of the child any more."""

    id: str
    child_id: str | None = None
    recipient: str
    school_urn: str | None
    due_at: str
    issued_at: str
    overdue: bool
    child: NoticeChildOut | None = Field(default=None, description="null once the notice "
                                         "is withdrawn")
    incident_at: str | None = None
    present: bool | None = None
    welfare_check: bool | None = None
    child_words: Text = None
    acknowledged: AcknowledgementOut | None
    updated_at: str | None = Field(default=None, description="when the police last amended "
                                                             "what it says")
    withdrawn: NoticeWithdrawnOut | None = Field(default=None, description="the notice was "
                                           "withdrawn from this recipient (by the police, or "
                                           "redirected to another school): never why")
    redirected_from: RedirectedFromOut | None = Field(
        default=None, description="this school's copy of a notice first sent to another")


class EncompassRedirectedOut(Out):
    id: str
    withdrawn_at: str
    from_agency: str
    to_notice: str
    to_agency: str
    school_urn: str
    due_at: str
    original_due: str


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


class InterviewContentOut(Out):
    whereabouts: Text = None
    with_whom: Text = None
    push_factors: Text = None
    pull_factors: Text = None


class InterviewStepOut(Out):
    step: str
    at: str
    by: Actor
    independent: bool | None
    reason: Text
    exploitation_indicators: list[str] = Field(
        default_factory=list, description="held: the exploitation indicators found (codes)")
    content: InterviewContentOut | None = Field(
        default=None, description="held: what the interview learned (entitled readers only)")
    content_withheld: bool | None = Field(
        default=None, description="content is held that this reader is not entitled to")
    reason_withheld: bool | None = Field(
        default=None, description="a reason is held that this reader is not entitled to")


class InterviewOut(Out):
    due: str | None
    settled_at: str | None
    overdue: bool
    steps: list[InterviewStepOut]


class EpisodePreviousOut(Out):
    start: str | None = None
    end: str | None = None
    interview_due: str | None = None


class EpisodeCorrectionOut(Out):
    kind: str = Field(description="`times`, `merge`, `merged-into`, `split`, `split-from`")
    at: str
    by: Actor
    reason: Text
    other: str | None = Field(description="the other episode of a merge or split")
    previous: EpisodePreviousOut


class EpisodeOut(Out):
    id: str
    child_id: str
    type: str
    start: str | None
    end: str | None
    ended_by: str | None
    open: bool
    hours_missing: float
    missing_from: str | None = Field(default=None, description="home, care or education "
                                     "(not said: null)")
    placing_authority: str | None = Field(default=None, description="from care: the local "
                                          "authority that placed the child")
    reports: list[str]
    reported_by: str | None
    split_from: str | None
    merged_into: str | None = Field(default=None, description="merged into this episode: "
                                    "no longer one of its own")
    corrections: list[EpisodeCorrectionOut] = Field(default_factory=list)
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


class StrategyMeetingHeldOut(Out):
    at: str
    participants: list[str] = Field(description="the agencies taking part (ids)")
    outcome: str
    note: Text
    absent: list[str] | None = Field(default=None, description="the agencies practice "
                                     "expects (social-care, police, health) that took no part")
    by: Actor


class StrategyMeetingOut(Out):
    id: str
    child_id: str
    episodes: list[str] = Field(description="the episodes the strategy-meeting flag counted")
    flagged_at: str
    due: str
    overdue: bool
    overdue_hours: float | None = Field(default=None, description="not yet held: hours past "
                                                                  "the due time")
    held: StrategyMeetingHeldOut | None


class MissingQueueOut(Out):
    at: str
    missing: list[EpisodeOut]
    interviews: list[EpisodeOut]
    hosted: list[EpisodeOut] = Field(default_factory=list, description="interviews of "
                                     "children placed here by another authority, which "
                                     "answers for them (when due; never what was said)")
    to_reconcile: list[ToReconcileOut]
    strategy_meetings: list[StrategyMeetingOut]


class MissingBreachesOut(Out):
    at: str
    interviews: list[EpisodeOut]
    strategy_meetings: list[StrategyMeetingOut]


class EpisodesOut(Out):
    child_id: str
    episodes: list[EpisodeOut]


class EpisodeListOut(Out):
    items: list[EpisodeOut]


class ReconciledOut(Out):
    child_id: str
    report: str
    reconciled_at: str
