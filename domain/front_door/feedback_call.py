"""The referrer told, by word of mouth, that their referral was declined.

When the MASH decides not to accept a referral (no further action, or early help rather than
social care), the worker rings the referrer within 24 hours of the decision (a local setting)
to explain it: that is where a disagreement can start, before it drifts. The call is recorded
once per contact, with when it was made and whether it was late; until it is, a declined
contact whose clock has run out is on the MASH's breach list.
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent
from domain.front_door.level_of_need import Outcome
from domain.personal import Personal
from domain.text import SENTENCE, optional_text

# Outcomes that decline the referral: social care does not take it on.
DECLINING = frozenset({Outcome.NO_FURTHER_ACTION.value, Outcome.EARLY_HELP.value})


def declines(outcome: str) -> bool:
    return outcome in DECLINING


def feedback_call_id(contact: UUID) -> UUID:
    """One call recorded per contact."""
    return uuid5(NAMESPACE_URL, f"hub:feedback-call:{contact}")


class FeedbackCall(Aggregate):
    class Recorded(Aggregate.Created):
        class_version = 1
        contact_id: UUID
        told_at: datetime
        due: datetime
        by: dict[str, str]
        note: Personal | None
        recorded_at: datetime

    @event(Recorded)
    def __init__(self, contact_id: UUID, told_at: datetime, due: datetime,
                 by: dict[str, str], note: Personal | None, recorded_at: datetime) -> None:
        self.contact_id = contact_id
        self.told_at = told_at
        self.due = due
        self.by = by
        self.note = note
        self.recorded_at = recorded_at

    @staticmethod
    def create_id(contact_id: UUID) -> UUID:
        return feedback_call_id(contact_id)

    @classmethod
    def record(cls, contact_id: UUID, holder: UUID, decided_at: datetime, told_at: datetime,
               due: datetime, by: dict[str, str], note: str | None,
               now: datetime) -> "FeedbackCall":
        """The call, made at ``told_at``: after the decision, and not in the future."""
        if told_at < decided_at:
            raise InvalidContent("at", "the referrer is told after the decision")
        if told_at > now:
            raise InvalidContent("at", "is in the future")
        said = optional_text(note, "note", least=SENTENCE)
        return cls(contact_id=contact_id, told_at=told_at, due=due, by=by,
                   note=Personal(holder, "feedback_note", said) if said else None,
                   recorded_at=now)

    @property
    def late(self) -> bool:
        return self.told_at > self.due
