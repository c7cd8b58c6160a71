"""The wire shape of a notification (docs/interface.md), shared by HTTP and Kafka.

``parse_notification`` turns raw bytes into a ``NotificationSubmission`` or raises
MalformedInput (not JSON) / InvalidInput (wrong shape). The domain's rules run afterwards.
Error messages name the field, never the value sent.
"""

import json
import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from domain.errors import InvalidContent
from domain.front_door import Indicator
from domain.identifiers import normalise_urn
from domain.notifications import (
    MAX_VERSION,
    DashAssessment,
    DetailsSubmission,
    EpisodeReport,
    NotificationSubmission,
    NotificationType,
    SubjectRole,
    SubjectSubmission,
    WithdrawalReason,
    WithdrawalSubmission,
)
from domain.plausibility import check_day, check_instant
from hub.errors import InvalidInput, MalformedInput

MAX_SUBJECTS = 50
MAX_TEXT = 20_000


def _iso_text(value: Any) -> Any:
    """Dates and times come as ISO 8601 text: a number is not taken for a Unix time."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("iso_text", "must be an ISO 8601 string")
    return value


def _plausible_instant(value: datetime) -> datetime:
    try:
        check_instant(value, "")
    except InvalidContent as error:
        raise PydanticCustomError("implausible_time", error.rule) from None
    return value


def _plausible_day(value: date) -> date:
    try:
        check_day(value, "")
    except InvalidContent as error:
        raise PydanticCustomError("implausible_date", error.rule) from None
    return value


# Every date and time in a request, body or query, is one of these: ISO 8601 text; a time
# carries a time zone; both fall between 1900 and 2200 (domain.plausibility), so that no value
# can overflow the calendar when it is compared or converted. Whether a past event is in the
# future, or before a date of birth, is the domain's rule for that field.
Instant = Annotated[AwareDatetime, BeforeValidator(_iso_text),
                    AfterValidator(_plausible_instant)]
Day = Annotated[date, BeforeValidator(_iso_text), AfterValidator(_plausible_day)]


def _school_urn(value: str) -> str:
    try:
        return normalise_urn(value, "")
    except InvalidContent as error:
        raise PydanticCustomError("school_urn", error.rule) from None


# A school's URN in a path: six digits, checked before anything (an audit entry) records it.
SchoolUrn = Annotated[str, AfterValidator(_school_urn)]


class _Strict(BaseModel):
    """Unknown fields are refused; booleans and integers are typed as StrictBool and StrictInt
    (a string or a number is not a boolean, nor a boolean or a string an integer; pydantic
    never takes a number for a string)."""

    model_config = ConfigDict(extra="forbid", strict=False, str_max_length=MAX_TEXT)


class SubjectIn(_Strict):
    role: SubjectRole
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    date_of_birth: Day | None = None
    nhs_number: str | None = Field(default=None, max_length=20)
    upn: str | None = Field(default=None, max_length=20)
    school_urn: str | None = Field(default=None, max_length=10)
    postcode: str | None = Field(default=None, max_length=10)
    present: StrictBool | None = None
    spoken_to: StrictBool | None = None
    pregnant: StrictBool | None = None
    # Electively home educated: an Operation Encompass notice goes to the local authority.
    home_educated: StrictBool | None = None


class DashIn(_Strict):
    yes_count: StrictInt
    answers: list[StrictBool] | None = None


class EpisodeIn(_Strict):
    type: Literal["missing", "away"] | None = None
    left_at: Instant | None = None
    last_seen_at: Instant | None = None
    ended: Literal["found", "returned"] | None = None
    missing_from: Literal["home", "care", "education"] | None = None
    placing_authority: str | None = Field(default=None, max_length=63)


class DetailsIn(_Strict):
    summary: str | None = None
    location: str | None = None
    child_words: str | None = None
    # What the child said, as written for the school's Operation Encompass notice.
    words_for_school: str | None = Field(default=None, max_length=2000)
    welfare_check: StrictBool | None = None
    dash: DashIn | None = None
    location_sensitive: StrictBool | None = None
    episode: EpisodeIn | None = None
    indicators: list[Indicator] = Field(default_factory=list, max_length=20)


class NotificationIn(_Strict):
    """A notification or concern, as an agency sends it."""

    type: NotificationType
    source_ref: str = Field(max_length=64)
    occurred_at: Instant
    subjects: list[SubjectIn] = Field(max_length=MAX_SUBJECTS)
    details: DetailsIn = Field(default_factory=DetailsIn)
    # The sender's version: a higher one with the same source_ref is an amendment.
    version: StrictInt = Field(default=1, ge=1, le=MAX_VERSION)

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
            version=self.version,
        )


class WithdrawalIn(_Strict):
    """A withdrawal, as a record on an agency's topic carries it."""

    source_ref: str = Field(max_length=64)
    withdrawn: Literal[True]
    reason_code: WithdrawalReason
    reason: str | None = Field(default=None, max_length=1000)

    def to_submission(self) -> WithdrawalSubmission:
        return WithdrawalSubmission(self.source_ref, self.reason_code.value, self.reason)


class WithdrawalBody(_Strict):
    """``POST /v1/notifications/{id}/withdrawal``: why the sender withdraws it."""

    reason_code: WithdrawalReason
    reason: str | None = Field(default=None, max_length=1000)


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


class _RepeatedKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all different: a repeated key is refused, never settled
    by the last (or first) copy winning, which two readers of one body could each do."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _RepeatedKey(key)
        obj[key] = value
    return obj


_FIELD_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


class _NotText(Exception):
    pass


def _check_text(value: Any) -> None:
    """Every string in a JSON value is Unicode text: JSON's "\\ud800" escapes can make a
    lone surrogate, which no later step (a hash, a log, an answer) can encode."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise _NotText from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body or a record; MalformedInput if it is not valid JSON, nests
    too deeply, or repeats a key in an object."""
    try:
        value = json.loads(raw, object_pairs_hook=_unique_keys)
        _check_text(value)
        return value
    except _NotText:
        raise MalformedInput("the body holds text that is not Unicode (a lone surrogate)"
                             ) from None
    except _RepeatedKey as error:
        # Name the key if it looks like a field name; any other text may be personal data.
        key = f"'{error.key}'" if _FIELD_NAME_RE.fullmatch(error.key) else "a key"
        raise MalformedInput(f"the body repeats {key} in one object") from None
    except ValueError:  # not UTF-8, not JSON, or a number too long to read
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


def parse_record(raw: bytes) -> NotificationSubmission | WithdrawalSubmission:
    """A record on an agency's topic: a notification (or a newer version of one), or, with
    ``"withdrawn": true``, a withdrawal of the notification with that ``source_ref``."""
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise InvalidInput("body: must be a JSON object")
    if "withdrawn" not in body:
        return parse_notification(raw)
    try:
        return WithdrawalIn.model_validate(body).to_submission()
    except ValidationError as error:
        raise InvalidInput(describe(error)) from None


SourceKind = Literal["http", "kafka"]
