"""The words written for a school: kept back when they name another person of the incident or
where it happened, however spelled; passed on when they do not."""

import pytest

from domain.encompass import WordsWithheld, check_words_for_school

OTHERS = ["Rick", "Kerr", "Jo", "Hart"]
PLACE = "9 Birch Close"
POSTCODES = ["NG5 1AB"]
NAMES, PLACES = WordsWithheld.NAMES_ANOTHER_SUBJECT, WordsWithheld.NAMES_THE_LOCATION


@pytest.mark.parametrize(("words", "verdict"), [
    ("I was scared and hid upstairs", None),
    ("Mummy was crying", None),
    ("I went to bed", None),  # "bed" is no one's name
    ("Rick shouted", NAMES),
    ("rick shouted", NAMES),
    ("R.i.c.k shouted", NAMES),
    ("RICKKERR shouted", NAMES),
    ("\uff32\uff49\uff43\uff4b shouted", NAMES),  # full-width
    ("Ri\u200bck shouted", NAMES),  # zero-width space
    ("Ric\u0301k shouted", NAMES),  # a combining accent
    ("Jo was hurt", NAMES),
    ("we enjoy school", None),  # a two-letter name is matched as a word only
    ("we live at Birch", PLACES),
    ("we live at B i r c h Close", PLACES),
    ("it was at number 9 in the close", PLACES),
    ("I am 9 years old", None),
    ("NG5 1AB", PLACES),
    ("ng51ab", PLACES),
    ("\uff2e\uff27\uff15 \uff11\uff21\uff22", PLACES),
])
def test_words_for_the_school(words: str, verdict: WordsWithheld | None) -> None:
    assert check_words_for_school(words, OTHERS, PLACE, POSTCODES) is verdict
