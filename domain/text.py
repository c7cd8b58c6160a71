"""Free text as the hub keeps it: runs of whitespace collapsed, ends trimmed, length bounded.

A reason, a rationale or a resolution is a sentence, not a shrug: at least ``SENTENCE``
characters. Messages name the field and the rule, never the text (it may be personal data).
"""

from domain.errors import InvalidContent

# A reason, a rationale, a summary: a sentence, not a shrug.
SENTENCE = 10
# Free text is at most this long unless a rule says otherwise.
MOST = 4000


def tidy(value: str | None) -> str:
    """The text with runs of whitespace collapsed to one space, and no leading or trailing."""
    return " ".join((value or "").split())


def _bounded(tidied: str, field: str, least: int, most: int | None, short: str | None,
             long: str | None) -> str:
    default = (f"must be {least} to {most} characters" if most is not None
               else f"must be at least {least} characters")
    if len(tidied) < least:
        raise InvalidContent(field, short or default)
    if most is not None and len(tidied) > most:
        raise InvalidContent(field, long or default)
    return tidied


def required_text(value: str | None, field: str, *, least: int = 1, most: int | None = MOST,
                  short: str | None = None, long: str | None = None) -> str:
    """Text that must be given, tidied, of ``least`` to ``most`` characters. ``short`` and
    ``long`` replace the rule a message states (``short`` also when none is given)."""
    tidied = tidy(value)
    if not tidied:
        raise InvalidContent(field, short or "is required")
    return _bounded(tidied, field, least, most, short, long)


def optional_text(value: str | None, field: str, *, least: int = 1, most: int | None = MOST,
                  short: str | None = None, long: str | None = None) -> str | None:
    """Text that may be left out (None), otherwise as ``required_text``."""
    tidied = tidy(value)
    return _bounded(tidied, field, least, most, short, long) if tidied else None


def reason(value: str | None, field: str = "reason", *, most: int | None = MOST,
           short: str | None = None, long: str | None = None) -> str:
    """A reason (a rationale, a resolution, a summary): required, a sentence at least."""
    return required_text(value, field, least=SENTENCE, most=most, short=short, long=long)


def text(value: str | None, field: str, *, required: bool, least: int = 1,
         most: int = MOST) -> str | None:
    """Free text, required or not: ``required_text`` or ``optional_text``."""
    if required:
        return required_text(value, field, least=least, most=most)
    return optional_text(value, field, least=least, most=most)
