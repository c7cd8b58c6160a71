"""Records held once per child, each opened the first time anything is recorded about them.

A child's allocation, level of need, sharing ledger, missing record and subject access file
all open the same way: an ``Opened`` event naming the child, the record's identity derived
from the child's (``create_id``), so two writers opening it at once conflict in the event store
instead of making two. ``ChildRecord`` holds that opening once; each record sets its own empty
state in ``opened``, which runs when it opens and each time it is rebuilt from its events.

Stored events are unchanged by the base class: each record's ``Opened`` keeps its name (the
topic ``module:Record.Opened``), its version (1) and its one field, ``child_id``; so no
upcasting is needed (tests/unit/test_stored_events.py loads events stored before it). A
change to the opening's shape would raise ``class_version`` and add ``upcast_v1_v2`` here.
"""

from uuid import UUID

from eventsourcing.domain import Aggregate


class ChildRecord(Aggregate):
    """An aggregate held once per child. Subclasses define ``create_id(child_id)``."""

    class Opened(Aggregate.Created):
        class_version = 1
        child_id: UUID

    def __init__(self, child_id: UUID) -> None:
        self.child_id = child_id
        self.opened()

    def opened(self) -> None:
        """The record's own empty state (none by default)."""
