"""Domestic-abuse risk levels (DASH: 0-9 "yes" standard, 10-13 medium, 14+ high), on their
own so that the clocks (``domain.clocks``) can name them without the DART's case."""

from enum import StrEnum


class RiskLevel(StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)
