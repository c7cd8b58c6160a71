from datetime import date

import pytest

from domain.errors import InvalidContent
from domain.identifiers import (
    age_on,
    nhs_check_digit,
    normalise_nhs_number,
    normalise_postcode,
    normalise_upn,
    normalise_urn,
)


@pytest.mark.parametrize("raw", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers_are_accepted_in_canonical_form(raw: str) -> None:
    assert normalise_nhs_number(raw) == raw.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("raw", ["9434765918", "943476591", "94347659190", "abcdefghij", ""])
def test_invalid_nhs_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContent) as error:
        normalise_nhs_number(raw)
    assert raw == "" or raw not in str(error.value)  # the value never appears in the message


def test_nhs_number_with_no_possible_check_digit_is_refused() -> None:
    # Weighted sum leaving remainder 1 would need check digit 10, which does not exist.
    first_nine = next(f"{n:09d}" for n in range(10**8, 10**9)
                      if nhs_check_digit(f"{n:09d}") is None)
    for last in "0123456789":
        with pytest.raises(InvalidContent):
            normalise_nhs_number(first_nine + last)


def test_upn_check_letter() -> None:
    assert normalise_upn("b801200005001") == "B801200005001"
    with pytest.raises(InvalidContent, match="check letter"):
        normalise_upn("A801200005001")
    with pytest.raises(InvalidContent):
        normalise_upn("B80120000500")


def test_postcodes_are_normalised() -> None:
    assert normalise_postcode(" ng1  5dt ") == "NG1 5DT"
    assert normalise_postcode("sw1a1aa") == "SW1A 1AA"
    with pytest.raises(InvalidContent):
        normalise_postcode("NOT A POSTCODE")


def test_school_urn_is_six_digits() -> None:
    assert normalise_urn("100001") == "100001"
    with pytest.raises(InvalidContent):
        normalise_urn("10001")


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [(date(2016, 4, 2), date(2026, 4, 1), 9), (date(2016, 4, 2), date(2026, 4, 2), 10),
     (date(2008, 2, 29), date(2026, 2, 28), 17), (date(2008, 2, 29), date(2026, 3, 1), 18)],
)
def test_age_on_a_day(dob: date, day: date, age: int) -> None:
    assert age_on(dob, day) == age
