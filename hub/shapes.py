"""The wire shape of a notification (CONTRACT.md), shared by HTTP and Kafka.

``parse_notification`` turns raw bytes into a ``NotificationSubmission`` or raises
MalformedInput (not JSON) / InvalidInput (wrong shape). The domain's rules run afterwards.
Error messages name the field, never the value sent.
"""

import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.notifications import (
    DashAssessment,
    DetailsSubmission,
    EpisodeReport,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
)
from hub.errors import InvalidInput, MalformedInput

MAX_SUBJECTS = 50
MAX_TEXT = 20_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, str_max_length=MAX_TEXT)


class SubjectIn(_Strict):
    role: SubjectRole
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    date_of_birth: date | None = None
    nhs_number: str | None = Field(default=None, max_length=20)
    upn: str | None = Field(default=None, max_length=20)
    school_urn: str | None = Field(default=None, max_length=10)
    postcode: str | None = Field(default=None, max_length=10)
    present: bool | None = None
    spoken_to: bool | None = None
    pregnant: bool | None = None
    # Electively home educated: an Operation Encompass notice goes to the local authority.
    home_educated: bool | None = None


class DashIn(_Strict):
    yes_count: int
    answers: list[bool] | None = None


class EpisodeIn(_Strict):
    type: Literal["missing", "away"] | None = None
    left_at: datetime | None = None
    last_seen_at: datetime | None = None
    ended: Literal["found", "returned"] | None = None


class DetailsIn(_Strict):
    summary: str | None = None
    location: str | None = None
    child_words: str | None = None
    # What the child said, as written for the school's Operation Encompass notice.
    words_for_school: str | None = Field(default=None, max_length=2000)
    welfare_check: bool | None = None
    dash: DashIn | None = None
    location_sensitive: bool | None = None
    episode: EpisodeIn | None = None
    indicators: list[str] = Field(default_factory=list, max_length=20)


class NotificationIn(_Strict):
    """A notification or concern, as an agency sends it."""

    type: NotificationType
    source_ref: str = Field(max_length=64)
    occurred_at: datetime
    subjects: list[SubjectIn] = Field(max_length=MAX_SUBJECTS)
    details: DetailsIn = Field(default_factory=DetailsIn)

    def to_submission(self) -> NotificationSubmission:
        d = self.details
        return NotificationSubmission(
            type=self.type,
            source_ref=self.source_ref,
            occurred_at=self.occurred_at,
            subjects=tuple(SubjectSubmission(**s.model_dump()) for s in self.subjects),
            details=DetailsSubmission(
                summary=d.summary, location=d.location, child_words=d.child_words,
                words_for_school=d.words_for_school,
                welfare_check=d.welfare_check, location_sensitive=d.location_sensitive,
                dash=(DashAssessment(d.dash.yes_count,
                                     tuple(d.dash.answers) if d.dash.answers is not None else None)
                      if d.dash else None),
                episode=EpisodeReport(**d.episode.model_dump()) if d.episode else None,
                indicators=tuple(d.indicators),
            ),
        )


class NotificationAccepted(BaseModel):
    id: str
    child_ids: list[str]


def describe(error: ValidationError) -> str:
    """One line naming the first bad field and what is wrong, without the value."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    kind: str = first["type"]
    if kind == "extra_forbidden":
        return f"{where}: is not a known field"
    if kind == "missing":
        return f"{where}: is required"
    message: str = first["msg"]
    return f"{where}: {message}"


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedInput("the body is not valid JSON") from None
    except RecursionError:
        raise MalformedInput("the body nests too deeply") from None


def parse_notification(raw: bytes) -> NotificationSubmission:
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object")
    try:
        return NotificationIn.model_validate(body).to_submission()
    except ValidationError as error:
        raise InvalidInput(describe(error)) from None


SourceKind = Literal["http", "kafka"]
