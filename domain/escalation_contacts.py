"""An agency's escalation contacts: the person it names for each stage of an inter-agency
disagreement (its team manager, its safeguarding lead, its service manager...).

Partnerships keep such a list (the escalation policy's contact sheet): when a disagreement
with one of the agency's decisions reaches a stage, by a person or by the clock, the person
named for that stage is the one told. The agency keeps its own list; the person who made the
decision is told at the worker stage unless the agency names someone else for it.
"""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.disagreement import Stage


def contacts_id(agency: str) -> UUID:
    """One list per agency."""
    return uuid5(NAMESPACE_URL, f"hub:escalation-contacts:{agency}")


class EscalationContacts(Aggregate):
    class Opened(Aggregate.Created):
        class_version = 1
        agency: str

    @event(Opened)
    def __init__(self, agency: str) -> None:
        self.agency = agency
        self.named: dict[Stage, UUID] = {}

    @staticmethod
    def create_id(agency: str) -> UUID:
        return contacts_id(agency)

    class Named(Aggregate.Event):
        """The person named for a stage (None: nobody any more)."""

        class_version = 1
        stage: str
        user_id: UUID | None
        by: dict[str, str]
        at: datetime

    @event(Named)
    def _name(self, stage: str, user_id: UUID | None, by: dict[str, str], at: datetime) -> None:
        if user_id is None:
            self.named.pop(Stage(stage), None)
        else:
            self.named[Stage(stage)] = user_id

    def name(self, stage: Stage, user_id: UUID | None, by: dict[str, str],
             at: datetime) -> None:
        self._name(stage.value, user_id, by, at)

    def for_stage(self, stage: Stage) -> UUID | None:
        return self.named.get(stage)
