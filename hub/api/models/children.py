"""Notifications, children and the lawful bases for sharing about them."""

from typing import Literal

from pydantic import Field

from hub.api.models.base import Actor, Out, Text
from hub.api.models.merging import CorrectionOut

# Notifications and children -------------------------------------------------------------------

class NotificationAccepted(Out):
    id: str
    child_ids: list[str]


class NotificationAmended(Out):
    id: str
    child_ids: list[str] = Field(description="the children the new version names")
    version: int


class NotificationWithdrawn(Out):
    id: str
    version: int
    reason_code: str
    withdrawn: bool


class WithdrawalOut(Out):
    at: str
    reason_code: str | None = Field(default=None, description="to a reader of the whole")
    reason: Text = Field(default=None, description="the sender's words, to a reader of the "
                                                   "whole")


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


class LinkOut(Out):
    rule: str = Field(description="the matching rule that linked the notification to the "
                      "child (`identifier-verified`, `identifier-with-variation`, "
                      "`demographic-exact`, `new-person`, `identifier-doubted`, "
                      "`confirmed-match`, `referred-on`; `unrecorded` before rules were kept)")
    version: int = Field(description="the version of the matching rules (0: unrecorded)")


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
    link: LinkOut | None = Field(default=None, description="in a chronology: which rule "
                                 "linked it to this child")
    version: int | None = Field(default=None, description="the sender's version (1 unless "
                                                          "amended)")
    amended_at: str | None = Field(default=None, description="when the current version came, "
                                                             "if it is an amendment")
    withdrawn: WithdrawalOut | None = Field(default=None, description="withdrawn by its sender")


class VersionOut(Out):
    version: int
    sent_at: str
    occurred_at: str
    subjects: list[SubjectOut]
    details: DetailsOut


class NotificationVersionsOut(Out):
    id: str
    version: int
    amended_at: str | None = None
    withdrawn: WithdrawalOut | None = None
    versions: list[VersionOut] = Field(description="oldest first, the current last")


class IdentityOut(Out):
    """A person as the identity record shows them: the fields the caller may see."""

    id: str
    kind: str
    given_name: Text = None
    family_name: Text = None
    date_of_birth: Text = None
    nhs_number: Text = None
    upn: Text = None
    postcode: Text = None


class ChildOut(IdentityOut):
    erased: bool
    known_to: list[str] | None = Field(default=None, description="the agencies that know the "
                                                                 "child, when the caller may see "
                                                                 "the known-to class")


class ChildMatchOut(IdentityOut):
    """A child a search found, as the identity record shows them."""


class ChildSearchOut(Out):
    result: Literal["found", "none", "match-exists"] = Field(
        description="`found`: the child is in `children`; `none`: no child matches; "
                    "`match-exists`: a child matches whom the caller may not see (no id, no "
                    "detail): contact the MASH")
    message: str = Field(description="the result in words; never personal data")
    children: list[ChildMatchOut] = Field(description="the child found (at most one); empty "
                                                      "unless `result` is `found`")


class ChronologyOut(Out):
    child_id: str
    items: list[NotificationOut]
    corrections: list[CorrectionOut] | None = Field(
        default=None, description="merges and splits of the child's record, oldest first "
        "(present only when there are any)")


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
