"""The web app's pages for a role's work: each needs a capability of the caller's role (the
same capability policy as the API), and lists itself on the home page for those who have it.
A page that is not the role's answers 403 (and the service behind it audits the refusal)."""

from dataclasses import dataclass

from domain.access import Purpose
from hub.registry import Caller
from policies.decision_point import CapabilityPolicy


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    description: str
    capability: str
    # The purpose the page's reads are for, offered first when the session has none.
    purpose: Purpose


PAGES = (
    Page("/encompass", "Operation Encompass notices",
         "Notices from the police about your pupils after a domestic abuse incident: read and "
         "acknowledge them before the school day.", "read-encompass-inbox", Purpose.ENCOMPASS),
    Page("/cp-is", "Child protection look-up (CP-IS)",
         "Is this child on a child protection plan or looked after, and whom to call.",
         "unscheduled-care", Purpose.UNSCHEDULED_CARE),
    Page("/dart", "DART cases",
         "Domestic abuse incidents awaiting triage, the highest risk first: read each case and "
         "record the triage before it is due.", "read-dart-queue", Purpose.TRIAGE),
)


def pages_for(capabilities: CapabilityPolicy, caller: Caller) -> list[Page]:
    return [p for p in PAGES if capabilities.allows(caller.agency_kind, caller.role,
                                                    p.capability)]


def page_at(path: str) -> Page | None:
    return next((p for p in PAGES if p.path == path), None)


def page(path: str) -> Page:
    """The page at ``path`` (one of ``PAGES``)."""
    found = page_at(path)
    if found is None:
        raise KeyError(path)
    return found
