"""Errors the application reports to its callers; each maps to one HTTP status and CLI exit.

    HubError
     +-- MalformedInput      400  not JSON, not UTF-8, a header that cannot be read
     +-- NotAuthenticated    401  no bearer token, or one the hub does not know
     +-- NotEntitled         403  the policy refuses (and the refusal is audited)
     +-- NotFound            404
     +-- Conflict            409  the record changed under the caller; or a duplicate
     +-- PayloadTooLarge     413
     +-- InvalidInput        422  the content breaks a rule (wraps domain.InvalidContent)
     +-- AuditUnavailable    503  the audit trail could not be written, so nothing is disclosed
     +-- StoreUnavailable    503  the event store did not answer

Messages never carry personal data.
"""


class HubError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedInput(HubError):
    status, code = 400, "malformed"


class NotAuthenticated(HubError):
    status, code = 401, "not_authenticated"


class NotEntitled(HubError):
    status, code = 403, "not_entitled"


class NotFound(HubError):
    status, code = 404, "not_found"


class Conflict(HubError):
    status, code = 409, "conflict"


class PayloadTooLarge(HubError):
    status, code = 413, "payload_too_large"


class InvalidInput(HubError):
    status, code = 422, "invalid"


class AuditUnavailable(HubError):
    status, code = 503, "audit_unavailable"


class StoreUnavailable(HubError):
    status, code = 503, "store_unavailable"
