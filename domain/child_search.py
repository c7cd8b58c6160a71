"""What a search for a child may ask, and the keys it is matched on.

A search names a child by an NHS number, by a unique pupil number, or by given name, family
name, date of birth and postcode together: the keys the intake links people on
(``domain.indexes``), normalised exactly as a notification's subject is, so a search finds a
record only where a notification naming the same child would have been linked to it. There is
no looser match: no name without a date of birth and a postcode (a name and a date of birth
alone are shared by too many children to name one), no similar-sounding names, no partial
dates. When more than one criterion is given, every one must lead to the same record.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.errors import InvalidContent
from domain.identifiers import (
    normalise_name,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
)
from domain.indexes import demographic_link, nhs_link, upn_link


class SearchBy(StrEnum):
    """A criterion of a search, as the audit trail names it (never its value)."""

    NHS_NUMBER = "nhs-number"
    UPN = "upn"
    NAME_BIRTH_POSTCODE = "name-birth-postcode"


class SearchResult(StrEnum):
    """What a search answers: a child the reader may see, nothing, or only that a child the
    reader may not see matches (whom to ask: the MASH)."""

    FOUND = "found"
    NONE = "none"
    MATCH_EXISTS = "match-exists"


DEMOGRAPHIC_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode")


@dataclass(frozen=True)
class ChildQuery:
    """A search, its values in the canonical form the intake keys people on."""

    nhs_number: str | None = None
    upn: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    postcode: str | None = None

    @classmethod
    def of(cls, *, nhs_number: str | None = None, upn: str | None = None,
           given_name: str | None = None, family_name: str | None = None,
           date_of_birth: date | None = None, postcode: str | None = None) -> "ChildQuery":
        """A query from what a reader sent, normalised; InvalidContent naming the field (never
        the value) when it names no child exactly."""
        given = {"given_name": given_name, "family_name": family_name,
                 "date_of_birth": date_of_birth, "postcode": postcode}
        named = [f for f in DEMOGRAPHIC_FIELDS if given[f] is not None]
        if named and len(named) < len(DEMOGRAPHIC_FIELDS):
            missing = next(f for f in DEMOGRAPHIC_FIELDS if given[f] is None)
            raise InvalidContent(missing, "is required with " + ", ".join(named)
                                 + ": a name is searched for with the date of birth and "
                                   "postcode together")
        if not named and nhs_number is None and upn is None:
            raise InvalidContent("nhs_number", "give an NHS number, a UPN, or given_name, "
                                               "family_name, date_of_birth and postcode")
        return cls(
            nhs_number=(normalise_nhs_number(nhs_number, "nhs_number")
                        if nhs_number is not None else None),
            upn=normalise_upn(upn, "upn") if upn is not None else None,
            given_name=(normalise_name(given_name, "given_name")
                        if given_name is not None else None),
            family_name=(normalise_name(family_name, "family_name")
                         if family_name is not None else None),
            date_of_birth=date_of_birth,
            postcode=normalise_postcode(postcode, "postcode") if postcode is not None else None,
        )

    def link_keys(self) -> list[tuple[SearchBy, str]]:
        """Each criterion and its link key (hashed by the hub before it is looked up), in a
        fixed order."""
        keys = []
        if self.nhs_number is not None:
            keys.append((SearchBy.NHS_NUMBER, nhs_link(self.nhs_number)))
        if self.upn is not None:
            keys.append((SearchBy.UPN, upn_link(self.upn)))
        if (self.given_name is not None and self.family_name is not None
                and self.date_of_birth is not None and self.postcode is not None):
            keys.append((SearchBy.NAME_BIRTH_POSTCODE, demographic_link(
                self.given_name, self.family_name, self.date_of_birth.isoformat(),
                self.postcode)))
        return keys
