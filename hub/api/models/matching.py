"""Possible matches: an identifier that matched a known person whose names or date of birth
did not (domain/matching.py)."""

from pydantic import Field

from hub.api.models.base import Actor, Out, Text
from hub.api.models.children import IdentityOut


class ComparisonOut(Out):
    field: str = Field(description="`given_name`, `family_name` or `date_of_birth`")
    agreement: str = Field(description="`same`, `variant`, `differs` or `missing`")
    variation: str | None = Field(description="for a variant: `one-letter-typo`, `nickname`, "
                                  "`one-of-several-given-names`, "
                                  "`part-of-a-hyphenated-name`, `day-and-month-transposed`")


class MatchDecisionOut(Out):
    outcome: str = Field(description="`confirmed` or `rejected`")
    by: Actor
    at: str
    reason: Text


class PossibleMatchOut(Out):
    id: str
    provisional_id: str = Field(description="the person the notification was held on")
    known_id: str = Field(description="the person whose identifier it carried")
    notification_id: str
    notification_type: str
    sender: str
    team: str = Field(description="who decides: `dart` or `mash`")
    rule: str = Field(description="the matching rule that doubted the link")
    rule_version: int
    comparisons: list[ComparisonOut] = Field(description="field by field, never a value")
    raised_at: str
    decision: MatchDecisionOut | None


class MatchPersonOut(IdentityOut):
    erased: bool


class PossibleMatchesOut(Out):
    items: list[PossibleMatchOut]


class MatchEvidenceOut(PossibleMatchOut):
    provisional: MatchPersonOut = Field(description="as the sender described the subject")
    known: MatchPersonOut = Field(description="the person record the hub holds")
