"""What a child protection conference and core group are made of, as practice names them: the
chair and the independent reviewing officer (the local authority's own staff), the core
group's members (agencies and roles), and where a review that ends the plan steps the child
down to."""

from enum import StrEnum
from typing import Any

from domain.agencies import StaffRole
from domain.errors import InvalidContent

__all__ = ["UNCHAIRED", "StepDown", "check_conference_staff", "check_members"]

# A conference recorded without its chair (imported, or before chairs were recorded).
UNCHAIRED: dict[str, Any] = {"chair": None, "iro": None, "minutes_due": None, "minutes": None,
                             "minutes_at": None, "signs_of_safety": None}


class StepDown(StrEnum):
    """Where a child goes when a review conference ends the plan."""

    CHILD_IN_NEED = "child-in-need"  # a child in need plan (s17)
    EARLY_HELP = "early-help"


def check_conference_staff(chair: dict[str, str], iro: dict[str, str], agency: str) -> None:
    """A conference's chair and independent reviewing officer are the recording local
    authority's staff; the officer holds that role (the chair may be the officer)."""
    for who, field in ((chair, "chair"), (iro, "iro")):
        if who.get("agency") != agency:
            raise InvalidContent(field, "must be a member of the local authority's staff")
    if iro.get("role") != StaffRole.INDEPENDENT_REVIEWING_OFFICER.value:
        raise InvalidContent("iro", "must hold the independent-reviewing-officer role")


def check_members(members: list[dict[str, str]], field: str) -> list[dict[str, str]]:
    """Agencies and roles, each once (the registry checks that they exist)."""
    pairs = list(dict.fromkeys((m["agency"], m["role"]) for m in members))
    if len(pairs) != len(members):
        raise InvalidContent(field, "names an agency and role more than once")
    return [{"agency": a, "role": r} for a, r in pairs]
