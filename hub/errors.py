"""Errors the application reports to its callers, by what went wrong; the HTTP API gives each
its status (``hub.api.errors``, the one place that knows HTTP), the CLI its exit code.

    HubError
     +-- MalformedInput      malformed          not JSON, not UTF-8, a header that cannot be read
     +-- NotAuthenticated    not_authenticated  no bearer token, or one the hub does not know
     |    +-- SignInRefused                     a web sign-in refused (``reason`` says which
     |                                          check failed)
     +-- NotEntitled         not_entitled       the policy refuses (and the refusal is audited)
     +-- NotFound            not_found
     +-- Conflict            conflict           the record changed under the caller; a duplicate
     +-- PayloadTooLarge     payload_too_large
     +-- InvalidInput        invalid            the content breaks a rule the application checks
     +-- AuditUnavailable    audit_unavailable  the audit trail could not be written, so nothing
     |                                          is disclosed (transient: try again)
     +-- StoreUnavailable    store_unavailable  the event store did not answer (transient)
     +-- SignInUnavailable   sign_in_unavailable  the identity provider did not answer
                                                (transient)

A rule of the domain broken (``domain.errors``) is not translated here: it reaches the entry
point as it was raised. Messages never carry personal data.
"""


class HubError(Exception):
    code = "internal"
    transient = False  # the hub could not answer now; the same request may succeed later

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedInput(HubError):
    code = "malformed"


class NotAuthenticated(HubError):
    code = "not_authenticated"


class SignInRefused(NotAuthenticated):
    """A sign-in to the web app refused. ``reason`` is a fixed code for the check that failed
    (``no_sign_in_pending``, ``state_mismatch``, ``provider_refused``, ``no_code``,
    ``token_invalid``, ``not_linked``, ``user_disabled``, ``demo_user``); the message never
    carries a claim's value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotEntitled(HubError):
    code = "not_entitled"


class NotFound(HubError):
    code = "not_found"


class Conflict(HubError):
    code = "conflict"


class PayloadTooLarge(HubError):
    code = "payload_too_large"


class InvalidInput(HubError):
    code = "invalid"


class AuditUnavailable(HubError):
    code, transient = "audit_unavailable", True


class StoreUnavailable(HubError):
    code, transient = "store_unavailable", True


class SignInUnavailable(HubError):
    code, transient = "sign_in_unavailable", True
