"""The matching rules (domain/matching.py) on a table of pairs: a record the hub holds, and a
subject carrying the same NHS number or UPN. ``True``: linked (confident); ``False``: held on
a provisional person as a possible match."""

import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from domain.errors import InvalidContent, NotPermitted, RuleViolation
from domain.matching import (
    RULES_VERSION,
    Demographics,
    LinkRule,
    MatchOutcome,
    PossibleMatch,
    judge_identifier_match,
    owning_team,
)
from domain.people import PersonRecord

D = Demographics

# (what the case is, held, given, linked)
PAIRS: list[tuple[str, Demographics, Demographics, bool]] = [
    # The same child, said the same way or with simple variation.
    ("same child", D("Ella", "Ray", "2011-05-03"), D("Ella", "Ray", "2011-05-03"), True),
    ("same child, capitals", D("Ella", "Ray", "2011-05-03"), D("ELLA", "ray", "2011-05-03"),
     True),
    ("same child, accents", D("Zoë", "Brontë", "2012-02-14"), D("Zoe", "Bronte", "2012-02-14"),
     True),
    ("same child, apostrophe", D("Liam", "O'Neil", "2013-07-21"),
     D("Liam", "ONeil", "2013-07-21"), True),
    ("same child, space for hyphen", D("Ava", "Hart-Smith", "2014-01-30"),
     D("Ava", "Hart Smith", "2014-01-30"), True),
    ("same child, second given name", D("Mary Ann", "Cole", "2015-06-01"),
     D("Mary", "Cole", "2015-06-01"), True),
    # Typos of one letter.
    ("typo: Mia/Mya", D("Mia", "Hart", "2016-04-02"), D("Mya", "Hart", "2016-04-02"), True),
    ("typo: letter left out", D("Jessica", "Hart", "2016-04-02"),
     D("Jesica", "Hart", "2016-04-02"), True),
    ("typo: letter added", D("Amy", "Hart", "2016-04-02"), D("Amy", "Harte", "2016-04-02"),
     True),
    ("typo: neighbours swapped", D("Daniel", "Kerr", "2010-10-10"),
     D("Danial", "Kerr", "2010-10-10"), True),
    ("typo: swapped letters in surname", D("Noah", "Smith", "2012-03-04"),
     D("Noah", "Smtih", "2012-03-04"), True),
    ("two typos in one name", D("Jessica", "Hart", "2016-04-02"),
     D("Jesika", "Hart", "2016-04-02"), False),
    ("typo in a two-letter name is no typo", D("Al", "Hart", "2016-04-02"),
     D("Ali", "Hart", "2016-04-02"), False),
    # Day and month transposed.
    ("swapped day/month", D("Ella", "Ray", "2011-05-03"), D("Ella", "Ray", "2011-03-05"), True),
    ("swapped day/month and a typo", D("Ella", "Ray", "2011-05-03"),
     D("Ela", "Ray", "2011-03-05"), True),
    ("day off by one", D("Ella", "Ray", "2011-05-03"), D("Ella", "Ray", "2011-05-04"), False),
    ("another year", D("Ella", "Ray", "2011-05-03"), D("Ella", "Ray", "2012-05-03"), False),
    ("swapped day/month in another year", D("Ella", "Ray", "2011-05-03"),
     D("Ella", "Ray", "2012-03-05"), False),
    # Nicknames.
    ("nickname: Sam/Samuel", D("Samuel", "Jones", "2016-08-09"),
     D("Sam", "Jones", "2016-08-09"), True),
    ("nickname: Alfie/Alfred", D("Alfred", "Kerr", "2014-11-12"),
     D("Alfie", "Kerr", "2014-11-12"), True),
    ("nickname: Amy/Amelia, hyphenated surname", D("Amy", "Hart", "2016-04-02"),
     D("Amelia", "Hart-Smith", "2016-04-02"), True),
    ("nickname: Liz/Elizabeth", D("Elizabeth", "Cole", "2013-01-15"),
     D("Liz", "Cole", "2013-01-15"), True),
    ("not a nickname, two letters apart: Ella/Ellie", D("Ella", "Ray", "2011-05-03"),
     D("Ellie", "Ray", "2011-05-03"), False),
    ("not a nickname: Bella/Becky", D("Bella", "Cole", "2013-01-15"),
     D("Becky", "Cole", "2013-01-15"), False),
    # Hyphenated, double-barrelled and changed surnames.
    ("hyphenated surname", D("Ava", "Hart", "2014-01-30"), D("Ava", "Hart-Smith", "2014-01-30"),
     True),
    ("hyphen dropped", D("Ava", "Hart-Smith", "2014-01-30"), D("Ava", "Smith", "2014-01-30"),
     True),
    ("new surname, all else the same", D("Ava", "Hart", "2014-01-30"),
     D("Ava", "Kerr", "2014-01-30"), True),
    ("new surname and a nickname", D("Alfred", "Hart", "2014-01-30"),
     D("Alfie", "Kerr", "2014-01-30"), False),
    ("new surname and swapped day/month", D("Ava", "Hart", "2014-01-03"),
     D("Ava", "Kerr", "2014-03-01"), False),
    ("three variations at once", D("Alfred", "Hart", "2014-01-03"),
     D("Alfie", "Hart-Smith", "2014-03-01"), False),
    # Twins and siblings.
    ("twins: another given name", D("Ella", "Ray", "2011-05-03"), D("Ruby", "Ray", "2011-05-03"),
     False),
    ("twins: Jacob/Joshua", D("Jacob", "Kerr", "2015-09-09"), D("Joshua", "Kerr", "2015-09-09"),
     False),
    ("twins a letter apart (the known limit)", D("Mia", "Hart", "2016-04-02"),
     D("Mya", "Hart", "2016-04-02"), True),
    ("sibling: older brother", D("Ella", "Ray", "2011-05-03"), D("Tom", "Ray", "2009-02-11"),
     False),
    ("sibling: same initial", D("Ella", "Ray", "2011-05-03"), D("Emma", "Ray", "2013-05-03"),
     False),
    ("half-sibling: another surname too", D("Ella", "Ray", "2011-05-03"),
     D("Jade", "Kerr", "2014-06-07"), False),
    # Someone else entirely: the case.
    ("Sam Jones on Ella Ray's NHS number", D("Ella", "Ray", "2011-05-03"),
     D("Sam", "Jones", "2016-01-01"), False),
    ("same name, another child", D("Ella", "Ray", "2011-05-03"), D("Ella", "Ray", "2016-01-01"),
     False),
    # Missing fields.
    ("no date of birth given, names the same", D("Ella", "Ray", "2011-05-03"),
     D("Ella", "Ray", None), True),
    ("no date of birth held, names the same", D("Ella", "Ray", None),
     D("Ella", "Ray", "2011-05-03"), True),
    ("no date of birth given, a nickname", D("Samuel", "Jones", "2016-08-09"),
     D("Sam", "Jones", None), False),
    ("no date of birth given, hyphenated surname", D("Ava", "Hart", "2014-01-30"),
     D("Ava", "Hart-Smith", None), False),
    ("no date of birth either side, another name", D("Ella", "Ray", None), D("Sam", "Ray", None),
     False),
    ("no given name held (erased)", D(None, "Ray", "2011-05-03"), D("Ella", "Ray", "2011-05-03"),
     False),
    ("no family name held (erased)", D("Ella", None, "2011-05-03"),
     D("Ella", "Ray", "2011-05-03"), False),
    ("nothing held (erased)", D(None, None, None), D("Ella", "Ray", "2011-05-03"), False),
]


def test_the_table_has_at_least_40_pairs() -> None:
    assert len(PAIRS) >= 40


@pytest.mark.parametrize(("case", "held", "given", "linked"), PAIRS,
                         ids=[p[0] for p in PAIRS])
def test_an_identifier_match_is_linked_only_when_confident(
        case: str, held: Demographics, given: Demographics, linked: bool) -> None:
    verdict = judge_identifier_match(held, given)
    assert verdict.confident is linked, (case, verdict.comparisons)
    assert verdict.version == RULES_VERSION
    if not linked:
        assert verdict.rule is LinkRule.IDENTIFIER_DOUBTED
    elif held == given:
        assert verdict.rule is LinkRule.IDENTIFIER_VERIFIED
    # The verdict is symmetric: which side the hub held first does not matter.
    assert judge_identifier_match(given, held).confident is linked


def test_an_exact_match_is_verified_and_a_variation_says_so() -> None:
    assert judge_identifier_match(D("Ella", "Ray", "2011-05-03"), D("ella", "RAY", "2011-05-03")
                                  ).rule is LinkRule.IDENTIFIER_VERIFIED
    varied = judge_identifier_match(D("Ella", "Ray", "2011-05-03"),
                                    D("Ella", "Ray", "2011-03-05"))
    assert varied.rule is LinkRule.IDENTIFIER_WITH_VARIATION
    assert varied.disagreements() == ["date_of_birth"]
    assert [c.as_dict()["variation"] for c in varied.comparisons] == [
        None, None, "day-and-month-transposed"]


def test_the_verdict_names_fields_never_values() -> None:
    verdict = judge_identifier_match(D("Ella", "Ray", "2011-05-03"),
                                     D("Sam", "Jones", "2016-01-01"))
    assert verdict.disagreements() == ["given_name", "family_name", "date_of_birth"]
    assert "Ella" not in repr([c.as_dict() for c in verdict.comparisons])


def test_the_owning_team() -> None:
    assert owning_team("domestic_abuse_incident") == "dart"
    assert owning_team("police_concern") == "mash"
    assert owning_team("referral") == "mash"


def _match() -> PossibleMatch:
    verdict = judge_identifier_match(D("Ella", "Ray", "2011-05-03"),
                                     D("Sam", "Jones", "2016-01-01"))
    return PossibleMatch.raise_doubt(uuid4(), uuid4(), uuid4(), uuid4(),
                                     "domestic_abuse_incident", "notts-police", verdict,
                                     datetime(2026, 11, 2, tzinfo=UTC))


def test_a_possible_match_is_decided_once_by_the_owning_team_never_the_sender() -> None:
    at = datetime(2026, 11, 3, tzinfo=UTC)
    match = _match()
    assert match.team == "dart"
    assert match.open
    with pytest.raises(NotPermitted):
        match.decide(MatchOutcome.CONFIRMED, "Same child, checked with the GP.",
                     {"agency": "notts-police"}, "police", at)
    with pytest.raises(NotPermitted):
        match.decide(MatchOutcome.CONFIRMED, "Same child, checked with the GP.",
                     {"agency": "city-mash"}, "mash", at)
    with pytest.raises(InvalidContent):
        match.decide(MatchOutcome.REJECTED, "", {"agency": "city-dart"}, "dart", at)
    match.decide(MatchOutcome.REJECTED, "Another child: born five years later.",
                 {"agency": "city-dart"}, "dart", at)
    assert not match.open
    assert match.decision is not None
    assert match.decision["outcome"] == "rejected"
    with pytest.raises(RuleViolation):
        match.decide(MatchOutcome.CONFIRMED, "Same child after all, on reflection.",
                     {"agency": "city-dart"}, "dart", at)


def test_the_sender_cannot_decide_even_as_the_owning_team() -> None:
    """A team that sends a notification itself (the DART's own) cannot settle its match."""
    verdict = judge_identifier_match(D("Ella", "Ray", "2011-05-03"),
                                     D("Sam", "Jones", "2016-01-01"))
    match = PossibleMatch.raise_doubt(uuid4(), uuid4(), uuid4(), uuid4(), "referral",
                                      "city-mash", verdict, datetime(2026, 11, 2, tzinfo=UTC))
    with pytest.raises(NotPermitted):
        match.decide(MatchOutcome.CONFIRMED, "Same child, checked with the GP.",
                     {"agency": "city-mash"}, "mash", datetime(2026, 11, 3, tzinfo=UTC))


def test_a_link_stored_before_rules_were_recorded_reads_as_unrecorded() -> None:
    """PersonRecord.NotificationLinked v1 (no rule) upcasts to v2 as `unrecorded`, 0."""
    person = uuid4()
    state = {"timestamp": {"_type_": "datetime_iso", "_data_": "2026-11-02T09:00:00+00:00"},
             "notification_id": {"_type_": "uuid_hex", "_data_": uuid4().hex},
             "notification_type": "health_concern", "agency": "city-health", "role": "child",
             "occurred_at": {"_type_": "datetime_iso", "_data_": "2026-11-01T09:00:00+00:00"},
             "received_at": {"_type_": "datetime_iso", "_data_": "2026-11-02T09:00:00+00:00"},
             "school_urn": None}
    stored = StoredEvent(originator_id=person, originator_version=2,
                         topic="domain.people:PersonRecord.NotificationLinked",
                         state=json.dumps(state).encode())
    event = Application[UUID]().mapper.to_domain_event(stored)
    assert isinstance(event, PersonRecord.NotificationLinked)
    assert (event.link_rule, event.link_rule_version) == (LinkRule.UNRECORDED.value, 0)
