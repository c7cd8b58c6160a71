"""Contacts open at the front door at go-live (``hub import --kind open-contacts``).

Each row is a concern or referral the local authority's MASH received before the hub began
and has not decided. It becomes what the intake makes of one received over HTTP or Kafka (a
notification, the child linked to it, the contact it opens at the front door), except that
it was received at the time the row gives, not now: the contact's clocks (acknowledge,
decide, and the RAG rating's) run from that time, so a contact that is late already is on the
breach list from the first day. An immediate-referral indicator rates it red at once, by the
hub's rule, as at intake; a rating the row gives is recorded by the importing authority. The
notification is the authority's own, under its reference for the contact.
"""

from collections.abc import Callable
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.caseload import CaseloadRow
from domain.errors import InvalidContent
from domain.front_door import MashContact
from domain.indexes import source_ref_key
from domain.notifications import DetailsSubmission, NotificationSubmission
from hub.intake import Link, NotificationIntake
from hub.store import HubStore
from hub.timescales import Timescales

# Who sent an imported notification, as the notification records it (the operator and the
# authority are in the import's audit entry).
IMPORTED_BY = "import:open-contacts"


def open_contact(store: HubStore, intake: NotificationIntake, timescales: Timescales,
                 clock: Callable[[], datetime], agency_id: str, row: CaseloadRow, link: Link,
                 by: dict[str, str]) -> tuple[MashContact, list[Aggregate]]:
    """The contact a row opens, received at its time, and what is saved with it (the
    notification, its source reference claimed); unsaved. InvalidContent: the authority has
    already sent a notification under the row's reference."""
    if row.contact_type is None:
        raise ValueError("not an open contact's row")
    if store.lookup(source_ref_key(agency_id, row.case_ref)) is not None:
        raise InvalidContent("case_ref", "the authority has sent the hub a notification "
                                         "under this reference already")
    submission = NotificationSubmission(
        type=row.contact_type, source_ref=row.case_ref, occurred_at=row.start,
        subjects=(row.child,), details=DetailsSubmission(indicators=row.indicators))
    _, made = intake.received_before(agency_id, IMPORTED_BY, submission, [link], row.start)
    contact = next(a for a in made if isinstance(a, MashContact))
    rating = contact.rating
    if row.rag is not None and (rating is None or rating.rag != row.rag.value):
        contact.rate(row.rag, timescales.rag_due(row.rag, contact.received_at), None, by,
                     clock())
    return contact, [a for a in made if a is not contact]
