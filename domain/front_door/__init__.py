"""The MASH front door: contacts and referrals (``contact``), the immediate-referral
indicators (``indicators``), levels of need (``level_of_need``) and allocation
(``allocation``), one module each.

Until issue 16 all of it was one module, ``domain/front_door.py``, and the event store holds
its events under topics of that module (``domain.front_door:MashContact.Rated``). Each
aggregate is registered under its old topic here, so those events still load
(tests/unit/test_stored_events.py).
"""

from eventsourcing.utils import register_topic

from domain.clocks import Rag
from domain.front_door.allocation import (
    ALLOCATABLE_ROLES,
    Allocation,
    allocation_id,
    check_allocatable,
)
from domain.front_door.contact import (
    CONTACT_TYPES,
    MashContact,
    SignsOfSafety,
    contact_id,
    earlier_contacts,
)
from domain.front_door.indicators import Indicator, check_indicators
from domain.front_door.level_of_need import (
    OUTCOME_LEVELS,
    LevelOfNeed,
    NeedRecord,
    Outcome,
    need_id,
    step,
)

__all__ = [
    "ALLOCATABLE_ROLES",
    "CONTACT_TYPES",
    "OUTCOME_LEVELS",
    "Allocation",
    "Indicator",
    "LevelOfNeed",
    "MashContact",
    "NeedRecord",
    "Outcome",
    "Rag",
    "SignsOfSafety",
    "allocation_id",
    "check_allocatable",
    "check_indicators",
    "contact_id",
    "earlier_contacts",
    "need_id",
    "step",
]

# The topics the event store holds, from when these were one module: an event's topic is
# resolved through its aggregate's (``domain.front_door:MashContact`` then ``.Rated``).
OLD_MODULE = "domain.front_door"
for _moved in (MashContact, Allocation, NeedRecord):
    register_topic(f"{OLD_MODULE}:{_moved.__qualname__}", _moved)
