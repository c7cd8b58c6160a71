"""Purposes bound to work: a reader names a purpose, and some purposes need a case behind them.

Saying "s47" does not make an s47 enquiry. A purpose that implies a case (an s47 enquiry, a
strategy discussion, a MARAC, a missing episode) holds only while such a case is open about
the child and names the reader's agency, and the reader names it (``X-Case-Ref``). The
unscheduled-care purpose (the CP-IS look-up) is bound instead to the roles that work in
unscheduled care. The audit entry records the case a read relied on.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.access import Purpose


class CaseKind(StrEnum):
    S47_ENQUIRY = "s47-enquiry"
    STRATEGY_DISCUSSION = "strategy-discussion"
    MARAC_REFERRAL = "marac-referral"
    MISSING_EPISODE = "missing-episode"


# The cases each bound purpose may rest on.
CASES_FOR_PURPOSE: dict[Purpose, tuple[CaseKind, ...]] = {
    Purpose.S47: (CaseKind.S47_ENQUIRY,),
    Purpose.STRATEGY_DISCUSSION: (CaseKind.STRATEGY_DISCUSSION, CaseKind.S47_ENQUIRY),
    Purpose.MARAC: (CaseKind.MARAC_REFERRAL,),
    Purpose.MISSING: (CaseKind.MISSING_EPISODE,),
}

# Purposes bound to a role instead of a case: the capability the role must hold.
ROLE_BOUND_PURPOSES: dict[Purpose, str] = {Purpose.UNSCHEDULED_CARE: "unscheduled-care"}

# A MARAC referral stays a case for the repeat-referral window; a missing episode for this
# long after the child is back (the return home interview and what follows it).
MARAC_CASE_WINDOW = timedelta(days=365)
MISSING_CASE_AFTER_RETURN = timedelta(days=30)

# The team that works every missing episode, whoever reported it.
MISSING_TEAM_KIND = "missing"


@dataclass(frozen=True)
class WorkCase:
    """A case as the binding rule sees it: about whom, who takes part, and when it is open."""

    kind: CaseKind
    id: UUID
    people: frozenset[UUID]
    agencies: frozenset[str]
    agency_kinds: frozenset[str]
    opened_at: datetime
    closed_at: datetime | None
    # The agencies whose own reports make up the case (a missing episode's reporters): a
    # case that only the reader's own agency reported is not a case for the reader.
    reported_by: frozenset[str] = frozenset()


def needs_case(purpose: Purpose) -> bool:
    return purpose in CASES_FOR_PURPOSE


def case_supports(purpose: Purpose, case: WorkCase, people: list[UUID], agency: str,
                  agency_kind: str, at: datetime) -> str | None:
    """Why ``case`` does not support reading about ``people`` for ``purpose`` (None if it
    does): the kind must suit the purpose, the case be open at ``at``, be about one of the
    people and name the reader's agency (or its kind, for a team that works every case)."""
    if case.kind not in CASES_FOR_PURPOSE.get(purpose, ()):
        return f"a {case.kind.value} does not support the purpose {purpose.value}"
    if case.opened_at > at or (case.closed_at is not None and at >= case.closed_at):
        return "the case is not open"
    if not case.people.intersection(people):
        return "the case is not about this child"
    if agency not in case.agencies and agency_kind not in case.agency_kinds:
        return "the case does not name your agency"
    if case.reported_by and case.reported_by == {agency}:
        return "only your own agency's reports make up this case"
    return None
