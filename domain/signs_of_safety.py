"""Signs of Safety as practice records it beyond the front door: the worries, what is working
well, what needs to happen (personal free text, sealed under the child) and the safety scale
from 0 (the child will be harmed) to 10 (safe enough to close), at a MASH decision, an
assessment's completion, a conference or a core group meeting. The scale over time is how
practitioners see whether a plan is working."""

from typing import Any
from uuid import UUID

from domain.front_door.contact import SignsOfSafety
from domain.personal import Personal

__all__ = ["WHERE", "SignsOfSafety", "sealed"]

# Where a safety scale is recorded (the read names it).
WHERE = ("mash-decision", "assessment", "initial-conference", "review-conference",
         "core-group")


def sealed(holder: UUID, signs: SignsOfSafety | None) -> dict[str, Any] | None:
    """The signs checked, their texts sealed under ``holder`` (the child, or the pregnant
    woman for an unborn child's plan); the scale is not personal free text."""
    if signs is None:
        return None
    v = signs.validated()
    return {"worries": Personal(holder, "sos_worries", v.worries),
            "working_well": Personal(holder, "sos_working_well", v.working_well),
            "needs_to_happen": Personal(holder, "sos_needs_to_happen", v.needs_to_happen),
            "scale": v.scale}
