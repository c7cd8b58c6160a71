"""Immediate-referral indicators (the Family Support Pathway): any one rates a contact red at
once, with no one having to notice first."""

from datetime import date
from enum import StrEnum

from domain.errors import InvalidContent
from domain.identifiers import age_on


class Indicator(StrEnum):
    """Indicators that require an immediate referral to social care (Family Support Pathway)."""

    UNEXPLAINED_INJURY = "unexplained-injury"
    UNDER_TWO_UNEXPLAINED_BRUISING = "under-two-unexplained-bruising"
    UNDER_ONE_CARER_SUBSTANCE_MISUSE = "under-one-carer-substance-misuse"
    UNBORN_BABY_SERIOUS_CONCERN = "unborn-baby-serious-concern"
    ADULT_POSING_RISK = "adult-posing-risk"
    REPEATED_DOMESTIC_ABUSE = "repeated-domestic-abuse"
    ABUSE_OR_GROOMING_DISCLOSED = "abuse-or-grooming-disclosed"
    LEFT_HOME_ALONE_AGED_5_OR_UNDER = "left-home-alone-aged-5-or-under"
    TRAFFICKING = "trafficking"


# An indicator defined for young children holds only if a child is below this age.
_UNDER_AGE = {Indicator.UNDER_TWO_UNEXPLAINED_BRUISING: 2,
              Indicator.UNDER_ONE_CARER_SUBSTANCE_MISUSE: 1,
              Indicator.LEFT_HOME_ALONE_AGED_5_OR_UNDER: 6}


def check_indicators(raw: list[str], dates_of_birth: list[date], on: date) -> list[Indicator]:
    """The indicators sent, each known and, where defined by age, true of a child named."""
    indicators = []
    for i, value in enumerate(dict.fromkeys(raw)):
        try:
            indicator = Indicator(value)
        except ValueError:
            raise InvalidContent(f"details.indicators[{i}]", "is not a known immediate-"
                                 "referral indicator") from None
        limit = _UNDER_AGE.get(indicator)
        if limit is not None and not any(age_on(d, on) < limit for d in dates_of_birth):
            raise InvalidContent(f"details.indicators[{i}]",
                                 f"applies to a child under {limit}; no child named is")
        indicators.append(indicator)
    return indicators
