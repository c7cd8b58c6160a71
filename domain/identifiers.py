"""Identifiers that agencies use for children and schools, and their check rules.

Each ``normalise_*`` function returns the canonical form or raises ``InvalidContent``;
the error names the field and the rule, never the value.

Every value is first brought to Unicode NFKC, so that full-width and other compatibility
forms of digits and letters (U+FF10-FF19, U+FF21-FF3A) become the ASCII they stand for: an
identifier has one spelling only, since a second spelling would split a person's record or
miss a CP-IS flag. Whatever is still not ASCII afterwards (Arabic-Indic or Devanagari digits,
Cyrillic letters) is refused wherever the identifier is ASCII by definition.
"""

import re
import unicodedata
from datetime import date

from domain.errors import InvalidContent

_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# ASCII only: without it \d also matches every other script's decimal digits.
_NHS_RE = re.compile(r"^[0-9]{10}$")
_UPN_RE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
_URN_RE = re.compile(r"^[0-9]{6}$")
# The UK postcode shape: outward code (area, district) and inward code (sector, unit).
_POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def nfkc(raw: str) -> str:
    """The Unicode NFKC form: compatibility characters (full-width digits and letters,
    ligatures, non-breaking spaces) replaced by the characters they stand for."""
    return unicodedata.normalize("NFKC", raw)


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of an NHS number, or None where no valid digit exists."""
    total = sum(int(d) * w for d, w in zip(first_nine, _NHS_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(raw: str, field: str = "nhs_number") -> str:
    """Ten digits with a valid modulus 11 check digit; spaces and hyphens are ignored."""
    digits = re.sub(r"[\s-]", "", nfkc(raw))
    if not _NHS_RE.fullmatch(digits):
        raise InvalidContent(field, "must be 10 digits")
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidContent(field, "fails the NHS number check digit")
    return digits


def upn_check_letter(body: str) -> str:
    """The check letter of a UPN: characters 2-13 weighted 2..13, modulus 23.

    A letter in the last place (a temporary UPN) counts as its position in the check
    alphabet, as the DfE specification says.
    """
    total = 0
    for weight, char in enumerate(body, start=2):
        value = int(char) if char.isdigit() else _UPN_CHECK_LETTERS.index(char)
        total += weight * value
    return _UPN_CHECK_LETTERS[total % 23]


def normalise_upn(raw: str, field: str = "upn") -> str:
    """A unique pupil number: a check letter, 11 digits and a digit or letter."""
    upn = nfkc(raw).strip().upper()
    if not _UPN_RE.fullmatch(upn) or (upn[-1].isalpha() and upn[-1] not in _UPN_CHECK_LETTERS):
        raise InvalidContent(field, "must be a check letter followed by 12 characters")
    if upn_check_letter(upn[1:]) != upn[0]:
        raise InvalidContent(field, "fails the UPN check letter")
    return upn


def normalise_urn(raw: str, field: str = "school_urn") -> str:
    """A school's unique reference number: six digits."""
    urn = nfkc(raw).strip()
    if not _URN_RE.fullmatch(urn):
        raise InvalidContent(field, "must be a 6-digit school URN")
    return urn


def normalise_postcode(raw: str, field: str = "postcode") -> str:
    """A UK postcode in capitals with one space before the inward code."""
    match = _POSTCODE_RE.fullmatch(re.sub(r"\s+", " ", nfkc(raw).strip().upper()))
    if match is None:
        raise InvalidContent(field, "must be a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def normalise_name(raw: str, field: str) -> str:
    """A person's name in NFKC, with surrounding and repeated spaces (of any kind) removed.

    Names may be in any script; NFKC only gives each one a single spelling."""
    name = " ".join(nfkc(raw).split())
    if not name:
        raise InvalidContent(field, "must not be empty")
    if len(name) > 100:
        raise InvalidContent(field, "must be at most 100 characters")
    return name


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on a day."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (1 if before_birthday else 0)
