"""Subject access: the one-month clock, and redactions recorded with reasons.

One file per child holds every request made about them, the redactions a reviewer (or the
hub's own rules) recorded, and when each request was answered. Recorded redactions keep
applying to later requests.
"""

import calendar
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidContent
from domain.records import ChildRecord


class Exemption(StrEnum):
    CHILD_ABUSE_DATA = "child-abuse-data"  # DPA 2018 Sch 3 para 21
    SERIOUS_HARM = "serious-harm"  # DPA 2018 Sch 3 paras 5, 7, 11
    THIRD_PARTY = "third-party"  # DPA 2018 Sch 2 para 16: another person's information


def one_month_after(day: date) -> date:
    """The same day next month, or that month's last day when it has no such day (ICO)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class SubjectAccessFile(ChildRecord):
    def opened(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.redactions: list[dict[str, Any]] = []

    @staticmethod
    def create_id(child_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"/hub/subject-access/{child_id}")

    class RequestReceived(Aggregate.Event):
        class_version = 1
        requested_by: str
        received_on: date
        due_on: date
        recorded_by: dict[str, str]

    @event(RequestReceived)
    def _receive(self, requested_by: str, received_on: date, due_on: date,
                 recorded_by: dict[str, str]) -> None:
        self.requests.append({"requested_by": requested_by, "received_on": received_on,
                              "due_on": due_on, "recorded_by": recorded_by,
                              "answered_at": None})

    def receive(self, requested_by: str, received_on: date, by: dict[str, str]) -> None:
        """A new request, unless one is still open (then that one stands)."""
        if requested_by not in ("child", "parent", "representative"):
            raise InvalidContent("requested_by", "must be child, parent or representative")
        if self.open_request is None:
            self._receive(requested_by, received_on, one_month_after(received_on), by)

    @property
    def open_request(self) -> dict[str, Any] | None:
        last = self.requests[-1] if self.requests else None
        return last if last is not None and last["answered_at"] is None else None

    class Redacted(Aggregate.Event):
        class_version = 1
        record: str
        path: str
        exemption: str
        reason: str
        automatic: bool
        recorded_by: dict[str, str]

    @event(Redacted)
    def _redact(self, record: str, path: str, exemption: str, reason: str, automatic: bool,
                recorded_by: dict[str, str]) -> None:
        self.redactions.append({"record": record, "path": path, "exemption": exemption,
                                "reason": reason, "automatic": automatic,
                                "recorded_by": recorded_by})

    def redact(self, record: str, path: str, exemption: Exemption, reason: str,
               automatic: bool, by: dict[str, str]) -> None:
        if not reason.strip():
            raise InvalidContent("reason", "every redaction needs a reason a reviewer can read")
        if self.redaction(record, path) is None:
            self._redact(record, path, exemption.value, reason.strip()[:500], automatic, by)

    def redaction(self, record: str, path: str) -> dict[str, Any] | None:
        return next((r for r in self.redactions
                     if r["record"] == record and r["path"] == path), None)

    class Answered(Aggregate.Event):
        class_version = 1
        answered_at: datetime
        answered_by: dict[str, str]

    @event(Answered)
    def _answer(self, answered_at: datetime, answered_by: dict[str, str]) -> None:
        self.requests[-1]["answered_at"] = answered_at

    def answer(self, at: datetime, by: dict[str, str]) -> None:
        if self.open_request is not None:
            self._answer(at, by)

    def overdue(self, today: date) -> bool:
        request = self.open_request
        return request is not None and today > request["due_on"]


def default_redactions(subjects: list[dict[str, Any]], details: dict[str, Any],
                       child_id: UUID) -> list[tuple[str, Exemption, str]]:
    """What a pack withholds unless a reviewer decides otherwise: (path, exemption, reason).

    Other people's identities (third parties), and a protected location (a refuge) whose
    disclosure could bring serious harm.
    """
    withheld = [(f"subjects[{i}]", Exemption.THIRD_PARTY, "identifies another person")
                for i, subject in enumerate(subjects) if subject["person_id"] != child_id]
    if details.get("location_sensitive"):
        withheld.append(("details.location", Exemption.SERIOUS_HARM,
                         "a protected location (e.g. a refuge)"))
    return withheld
