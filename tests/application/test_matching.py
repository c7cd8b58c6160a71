"""Linking that doubts, on every store: an identifier match whose names or date of birth
disagree beyond simple variation is held on a provisional person, with a possible match for
the owning team to confirm or reject; each link records the rule that made it."""

from uuid import UUID

import pytest

from domain.access import Purpose
from domain.audit import AuditKind
from domain.errors import NotPermitted, RuleViolation
from domain.matching import RULES_VERSION, LinkRule, MatchOutcome, PossibleMatch
from domain.people import LegalHoldInPlace, PersonRecord
from hub.bootstrap import Hub
from hub.disclosure import ReadContext
from hub.errors import NotEntitled
from hub.registry import Caller
from tests.support import child, notification, submit

ELLA_NHS = "9434765919"


def ella(hub: Hub) -> UUID:
    """Ella Ray, born 2011, known to health by her NHS number."""
    receipt = submit(hub, "city-health", notification("H-ELLA", "health_concern", subjects=[
        child("Ella", "Ray", "2011-05-03", nhs_number=ELLA_NHS)]))
    child_id: UUID = receipt.child_ids[0]
    return child_id


def sam_on_ellas_number(hub: Hub, ref: str = "NTP-SAM",
                        type_: str = "domestic_abuse_incident") -> UUID:
    receipt = submit(hub, "notts-police", notification(ref, type_, subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS, postcode="NG5 1AB")]))
    incident: UUID = receipt.id
    return incident


def person(hub: Hub, person_id: UUID) -> PersonRecord:
    found = hub.store.find(person_id, PersonRecord)
    assert found is not None
    return found


def the_match(hub: Hub) -> PossibleMatch:
    hub.work.catch_up()
    [match_id] = hub.work.open_matches
    match = hub.store.find(match_id, PossibleMatch)
    assert match is not None
    return match


def test_a_confident_identifier_match_links_and_says_by_which_rule(
        hub: Hub, people: dict[str, Caller]) -> None:
    ella_id = ella(hub)
    again = submit(hub, "notts-police", notification("NTP-ELLA", subjects=[
        child("ELLA", "Ray", "2011-03-05", nhs_number=ELLA_NHS)]))  # day and month swapped
    assert again.child_ids == [ella_id]
    links = person(hub, ella_id).notifications
    assert [(n["link_rule"], n["link_rule_version"]) for n in links] == [
        (LinkRule.NEW_PERSON.value, RULES_VERSION),
        (LinkRule.IDENTIFIER_WITH_VARIATION.value, RULES_VERSION)]
    hub.work.catch_up()
    assert hub.work.open_matches == set()


def test_a_doubtful_identifier_match_makes_a_provisional_person_and_a_possible_match(
        hub: Hub, people: dict[str, Caller]) -> None:
    ella_id = ella(hub)
    incident = sam_on_ellas_number(hub)
    assert sam_on_ellas_number(hub) == incident  # a repeat: stored once, one match
    match = the_match(hub)
    assert match.known_id == ella_id
    assert match.notification_id == incident
    assert match.team == "dart"
    assert match.sender == "notts-police"
    assert (match.rule, match.rule_version) == (LinkRule.IDENTIFIER_DOUBTED.value, RULES_VERSION)
    assert [c["agreement"] for c in match.comparisons] == ["differs"] * 3
    sam = person(hub, match.provisional_id)
    assert sam.identity["given_name"].value == "Sam"
    assert [n["link_rule"] for n in sam.notifications] == [LinkRule.IDENTIFIER_DOUBTED.value]
    assert incident not in [n["notification_id"] for n in person(hub, ella_id).notifications]
    # A second report about Sam (same wrong number, his own name, date of birth and
    # postcode) finds Sam on the name-and-birth key, and raises no second doubt.
    second = submit(hub, "notts-police", notification("NTP-SAM-2", "police_concern", subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS, postcode="NG5 1AB")]))
    assert second.child_ids == [sam.id]
    hub.work.catch_up()
    assert len(hub.work.open_matches) == 1


def test_the_owning_team_lists_and_reads_the_evidence_audited_naming_both(
        hub: Hub, people: dict[str, Caller]) -> None:
    ella_id = ella(hub)
    sam_on_ellas_number(hub)
    match = the_match(hub)
    assert hub.matching.possible_matches(people["city-mash/team-manager"])["items"] == []
    [item] = hub.matching.possible_matches(people["city-dart"])["items"]
    assert item["id"] == str(match.id)
    assert "Sam" not in repr(item)
    since = hub.audit.size()
    evidence = hub.matching.evidence(people["city-dart"], match.id)
    assert (evidence["provisional"]["given_name"], evidence["known"]["given_name"]) == (
        "Sam", "Ella")
    assert evidence["known"]["nhs_number"] == ELLA_NHS
    [entry] = [e for e in hub.audit.entries(since) if e.action == "read-possible-match"]
    assert entry.kind == AuditKind.DISCLOSURE.value
    assert set(entry.child_ids) == {ella_id, match.provisional_id}
    assert "Sam" not in repr(entry)
    assert "Ella" not in repr(entry)


def test_another_team_and_the_sender_cannot_list_read_or_decide(
        hub: Hub, people: dict[str, Caller]) -> None:
    ella(hub)
    sam_on_ellas_number(hub)
    match = the_match(hub)
    for who in ("notts-police", "city-health", "riverside-primary"):
        with pytest.raises(NotEntitled):
            hub.matching.possible_matches(people[who])
        with pytest.raises(NotEntitled):
            hub.matching.evidence(people[who], match.id)
        with pytest.raises(NotEntitled):
            hub.matching.decide(people[who], match.id, MatchOutcome.CONFIRMED,
                                "The same child, I sent it.")
    with pytest.raises(NotEntitled):  # the MASH: not its match
        hub.matching.decide(people["city-mash/team-manager"], match.id,
                            MatchOutcome.CONFIRMED, "The same child, checked.")
    assert hub.store.find(match.id, PossibleMatch).open  # type: ignore[union-attr]


def test_the_sending_agency_never_decides_its_own_match(
        hub: Hub, people: dict[str, Caller]) -> None:
    """The MASH's own referral: the MASH owns the match, but did not send... unless it did."""
    ella(hub)
    submit(hub, "city-mash", notification("MASH-1", "referral", subjects=[
        child("Sam", "Jones", "2016-01-01", nhs_number=ELLA_NHS)]))
    match = the_match(hub)
    assert match.team == "mash"
    with pytest.raises(NotPermitted):
        hub.matching.decide(people["city-mash/team-manager"], match.id,
                            MatchOutcome.CONFIRMED, "The same child, I am sure.")


def test_rejected_the_two_stay_apart(hub: Hub, people: dict[str, Caller]) -> None:
    ella_id = ella(hub)
    incident = sam_on_ellas_number(hub)
    match = the_match(hub)
    view = hub.matching.decide(people["city-dart"], match.id, MatchOutcome.REJECTED,
                               "Another child: five years younger, another family.")
    assert view["decision"]["outcome"] == "rejected"
    hub.work.catch_up()
    assert hub.work.open_matches == set()
    assert incident not in [n["notification_id"] for n in person(hub, ella_id).notifications]
    assert person(hub, match.provisional_id).same_as is None
    [entry] = [e for e in hub.audit.entries(0) if e.action == "decide-possible-match"]
    assert entry.kind == AuditKind.MATCHING.value
    assert entry.details["outcome"] == "rejected"
    assert set(entry.child_ids) == {ella_id, match.provisional_id}
    assert "five years" not in repr(entry)


def test_a_rejection_is_remembered_the_next_notification_joins_the_child_told_apart(
        hub: Hub, people: dict[str, Caller]) -> None:
    """Sam was told apart from Ella: a later incident naming Sam with Ella's number (and no
    postcode, so no other key) joins Sam's record by the rule ``told-apart``, raising no
    doubt again; someone else on Ella's number is still doubted."""
    ella_id = ella(hub)
    sam_on_ellas_number(hub)
    match = the_match(hub)
    hub.matching.decide(people["city-dart"], match.id, MatchOutcome.REJECTED,
                        "Another child: five years younger, another family.")
    assert person(hub, ella_id).told_apart == [match.provisional_id]
    again = submit(hub, "notts-police", notification("NTP-SAM-2", "domestic_abuse_incident",
                   subjects=[child("Samuel", "Jones", "2016-01-01", nhs_number=ELLA_NHS)]))
    assert again.child_ids == [match.provisional_id]
    link = next(n for n in person(hub, match.provisional_id).notifications
                if n["notification_id"] == again.id)
    assert (link["link_rule"], link["link_rule_version"]) == (
        LinkRule.TOLD_APART.value, RULES_VERSION)
    hub.work.catch_up()
    assert hub.work.open_matches == set()
    other = submit(hub, "notts-police", notification("NTP-ZOE", "domestic_abuse_incident",
                   subjects=[child("Zoe", "Park", "2013-07-07", nhs_number=ELLA_NHS)]))
    assert other.child_ids not in ([ella_id], [match.provisional_id])
    assert the_match(hub).known_id == ella_id


def test_confirmed_the_provisional_records_read_as_the_known_child(
        hub: Hub, people: dict[str, Caller]) -> None:
    ella_id = ella(hub)
    submit(hub, "notts-police", notification("NTP-E", "police_concern", subjects=[
        child("Elle", "Raye", "2011-03-05", nhs_number=ELLA_NHS)]))  # too many variations
    match = the_match(hub)
    assert match.team == "mash"
    hub.matching.decide(people["city-mash/team-manager"], match.id, MatchOutcome.CONFIRMED,
                        "Same child: confirmed with the school and the GP.")
    provisional = person(hub, match.provisional_id)
    assert provisional.same_as == ella_id
    links = person(hub, ella_id).notifications
    assert [n["link_rule"] for n in links] == [LinkRule.NEW_PERSON.value,
                                               LinkRule.CONFIRMED_MATCH.value]
    ctx = ReadContext(people["city-mash/team-manager"], Purpose.TRIAGE, None)
    chronology = hub.disclosure.chronology(ctx, ella_id)
    assert sorted(i["link"]["rule"] for i in chronology["items"]) == [
        LinkRule.CONFIRMED_MATCH.value, LinkRule.NEW_PERSON.value]
    # The provisional person's id now reads as Ella.
    assert hub.disclosure.chronology(ctx, provisional.id)["child_id"] == str(ella_id)
    with pytest.raises(Exception, match="already been decided"):
        hub.matching.decide(people["city-mash/team-manager"], match.id,
                            MatchOutcome.REJECTED, "Changed my mind about this one.")


def test_erasure_and_holds_follow_a_confirmed_match(
        hub: Hub, people: dict[str, Caller]) -> None:
    """A provisional person confirmed as Ella is part of her record: erased with her (its key
    destroyed too), never alone, and a hold on it holds her."""
    ella_id = ella(hub)
    submit(hub, "notts-police", notification("NTP-E", "police_concern", subjects=[
        child("Elle", "Raye", "2011-03-05", nhs_number=ELLA_NHS)]))
    match = the_match(hub)
    hub.matching.decide(people["city-mash/team-manager"], match.id, MatchOutcome.CONFIRMED,
                        "Same child: confirmed with the school and the GP.")
    provisional = match.provisional_id
    assert provisional not in {p.id for p in hub.retention.children()}
    with pytest.raises(RuleViolation):  # part of Ella's record: erase hers
        hub.erasure.erase({"cli_user": "ig"}, provisional, "subject-request")
    hub.retention.hold({"cli_user": "ig"}, provisional, True, "inquiry")
    with pytest.raises(LegalHoldInPlace):
        hub.erasure.erase({"cli_user": "ig"}, ella_id, "subject-request")
    assert hub.store.cipher.keys.get(provisional) is not None
    hub.retention.hold({"cli_user": "ig"}, provisional, False, "inquiry")
    done = hub.erasure.erase({"cli_user": "ig"}, ella_id, "subject-request")
    assert done["keys_destroyed"] is True
    for person_id in (ella_id, provisional):
        assert hub.store.cipher.keys.get(person_id) is None
        assert person(hub, person_id).erased
    [entry] = [e for e in hub.audit.entries(0) if e.action == "erase-child"
               and e.kind == AuditKind.ERASURE.value]
    assert set(entry.child_ids) == {ella_id, provisional}


def test_a_childs_nhs_number_is_not_given_to_another_child_matched_by_name_and_postcode(
        hub: Hub, people: dict[str, Caller]) -> None:
    """Zac (no NHS number) is known by name, birth date and postcode. A concern names him
    with Ella's NHS number: it is his by those three, but the number stays Ella's alone."""
    ella_id = ella(hub)
    zac = submit(hub, "city-health", notification("H-ZAC", "health_concern", subjects=[
        child("Zac", "Hill", "2014-03-04", postcode="NG1 1AA")]))
    again = submit(hub, "notts-police", notification("NTP-ZAC", "police_concern", subjects=[
        child("Zac", "Hill", "2014-03-04", postcode="NG1 1AA", nhs_number=ELLA_NHS)]))
    assert again.child_ids == zac.child_ids
    assert "nhs_number" not in person(hub, zac.child_ids[0]).identity
    assert ella_id != zac.child_ids[0]
