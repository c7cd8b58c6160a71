"""The shared pieces: the base model, the error every route answers, who did it,
rates and due dates; and what the operations routes answer."""


from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldError(Out):
    field: str = Field(description="where: a body field's path (`subjects.0.nhs_number`), "
                                   "or `query.NAME`, `path.NAME`, `header.NAME`")
    reason: str = Field(description="what is wrong with it; never the value sent")


class ErrorDetail(Out):
    code: str = Field(description="`malformed`, `not_authenticated`, `not_entitled`, "
                                  "`not_found`, `method_not_allowed`, `conflict`, "
                                  "`payload_too_large`, `invalid`, `internal`, "
                                  "`audit_unavailable`, `store_unavailable`")
    message: str = Field(description="one line naming the field or rule at fault, never a "
                                     "value sent, never personal data")
    errors: list[FieldError] = Field(
        default_factory=list, description="present when the request fails its declared shape "
                                          "(400 or 422): every invalid field, each once")


class ErrorOut(Out):
    """Every error the hub answers, from every route."""

    error: ErrorDetail


# Shared pieces --------------------------------------------------------------------------------

Text = str | None  # personal text: null once the child's key is destroyed (erasure)


class Actor(Out):
    """Who did it: a person of an agency (an operator's command names none)."""

    user_id: str | None = None
    agency: str | None = None
    agency_kind: str | None = None
    role: str | None = None
    name: str | None = Field(default=None, description="auditors only: the reader's name")


class Due(Out):
    due: str
    overdue: bool


class Rate(Out):
    count: int
    of: int
    rate: float | None = Field(description="count / of, 4 places; null when `of` is 0")


# Operations -----------------------------------------------------------------------------------

class HealthOut(Out):
    status: str


class WitnessStateOut(Out):
    witness: str
    ok: bool | None = Field(description="null until it was first asked")
    cosigned_size: int | None
    problem: str | None
    since: str | None


class AuditHealthOut(Out):
    alarm: bool = Field(description="a witness unreachable or refusing, or the checkpointer "
                                    "stopped")
    alarms: list[str]
    checkpointer: str = Field(description="running or stopped")
    witnesses: list[WitnessStateOut]


class ReadyOut(Out):
    status: str
    audit_entries: int
    audit: AuditHealthOut
