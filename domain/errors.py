"""Errors raised by domain rules.

    DomainError
     +-- InvalidContent        the content breaks a rule (HTTP 422, CLI exit 2, Kafka DLQ)
     +-- RuleViolation         a command is not allowed in the record's current state (HTTP 409)
     +-- NotPermitted          this caller may not do this to this record (HTTP 403)

Messages name the field and the rule, never the value: values may be personal data.
"""


class DomainError(Exception):
    """Base of every error a domain rule raises."""


class InvalidContent(DomainError):
    """Content that breaks a domain rule; the message says which field and which rule."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class RuleViolation(DomainError):
    """A command that the record's current state does not allow."""


class NotPermitted(DomainError):
    """The command is allowed in principle, but not to this caller for this record."""
