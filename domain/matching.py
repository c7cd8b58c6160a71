"""Matching: whether a subject an agency describes is a person the hub already holds.

An NHS number or a UPN is the strongest link there is, and the easiest to get wrong: one
mistyped digit that still passes the check digit files an incident about one child on
another's record. So an identifier is trusted only together with a confident demographic
match, as the national Child Protection Information Sharing service (CP-IS) does. These rules
say what "confident" means here, under their names and a version (``RULES_VERSION``); every
link a notification makes records the rule and the version that made it.

The threshold (rules version 1). A subject whose identifier matches a held record is that
person only when, comparing the names and date of birth both sides know:

1. the given name is the same, or varies simply: one letter typed wrong (an insertion, a
   deletion, a substitution or two neighbours swapped, names of three letters or more), a
   known nickname (``NICKNAMES``: Sam for Samuel, Alfie for Alfred), or one of several given
   names ("Mary" for "Mary Ann");
2. the date of birth is the same, or its day and month are transposed (5 March for 3 May);
   when either side lacks a date of birth, both names must be the same;
3. the family name is the same, or varies simply: one letter typed wrong, or one part of a
   hyphenated or double-barrelled name ("Hart" for "Hart-Smith"); a wholly different family
   name (a new surname after a family change) is accepted only when the given name and the
   date of birth are exactly the same;
4. at most two of the three vary at once.

Names are compared case-folded, without accents, and with apostrophes, hyphens and spaces
as separators only ("O'Neil" is "ONeil", "Hart Smith" is "Hart-Smith"). Anything else is a
doubt: the subject is held on a new provisional person, and a ``PossibleMatch`` between the
two waits for the owning team (the DART for a police domestic abuse incident, the MASH
otherwise) to confirm or reject. A match on name, date of birth and postcode together is
exact by construction (``demographic-exact``). Known limit: twins who share a surname and a
date of birth and whose given names differ by one letter ("Mia" and "Mya") are taken for a
typo when one carries the other's identifier; that needs the identifier to be wrong as well.

Version 2 adds one rule (``told-apart``): when the owning team rejected a possible match, the
known person remembers the person it was told apart from; a later subject that carries the
known person's identifier but confidently matches that person's own names and date of birth
(by the rules above) is linked to that person, not doubted again on yet another provisional
record. The threshold itself is unchanged from version 1.

Only the standard library and eventsourcing's domain model: no I/O.
"""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import NotPermitted, RuleViolation
from domain.personal import Personal
from domain.text import reason as required_reason

RULES_VERSION = 2

# At most this many of given name, family name and date of birth may vary at once.
MOST_VARIATIONS = 2
# A one-letter typo is taken as such only in names at least this long.
TYPO_MIN_LENGTH = 3


class LinkRule(StrEnum):
    """Which rule linked a notification's subject to a person record."""

    IDENTIFIER_VERIFIED = "identifier-verified"  # identifier, names and birth date the same
    IDENTIFIER_WITH_VARIATION = "identifier-with-variation"  # identifier, simple variation
    DEMOGRAPHIC_EXACT = "demographic-exact"  # name, date of birth and postcode together
    NEW_PERSON = "new-person"  # nothing matched: a new record
    IDENTIFIER_DOUBTED = "identifier-doubted"  # a provisional person and a possible match
    CONFIRMED_MATCH = "confirmed-match"  # the owning team confirmed a possible match
    TOLD_APART = "told-apart"  # a person the owning team told apart from the identifier's
    REFERRED_ON = "referred-on"  # a referral about the people of the record it came from
    MERGED = "merged"  # a MASH team manager merged the person it named into this record
    UNRECORDED = "unrecorded"  # linked before links recorded their rule


class Agreement(StrEnum):
    SAME = "same"
    VARIANT = "variant"
    DIFFERS = "differs"
    MISSING = "missing"  # one side (or both) does not say


class Variation(StrEnum):
    TYPO = "one-letter-typo"
    NICKNAME = "nickname"
    OTHER_GIVEN_NAME = "one-of-several-given-names"
    HYPHENATED = "part-of-a-hyphenated-name"
    DAY_MONTH_TRANSPOSED = "day-and-month-transposed"


# A small packaged list of nicknames, each group one name and its usual short forms.
NICKNAMES: tuple[tuple[str, ...], ...] = (
    ("alexander", "alex", "xander", "sandy"),
    ("alexandra", "alex", "lexi", "sasha"),
    ("alfred", "alfie", "alf"),
    ("amelia", "amy", "millie", "milly"),
    ("anthony", "tony", "ant"),
    ("benjamin", "ben", "benji", "benny"),
    ("catherine", "kate", "katie", "cathy", "kat"),
    ("katherine", "kate", "katie", "kathy", "kat"),
    ("charles", "charlie", "chas"),
    ("charlotte", "charlie", "lottie"),
    ("christopher", "chris", "kit"),
    ("daniel", "dan", "danny"),
    ("david", "dave", "davey"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned"),
    ("eleanor", "ellie", "nell", "nora"),
    ("elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"),
    ("isabel", "bella", "izzy", "issy"),
    ("isabella", "bella", "izzy", "issy"),
    ("jacob", "jake"),
    ("james", "jim", "jimmy", "jamie"),
    ("jessica", "jess", "jessie"),
    ("john", "jack", "johnny", "jon"),
    ("jonathan", "jon", "jonny"),
    ("joseph", "joe", "joey"),
    ("joshua", "josh"),
    ("margaret", "maggie", "meg", "peggy"),
    ("matthew", "matt", "matty"),
    ("michael", "mike", "mikey", "mick"),
    ("nicholas", "nick", "nicky"),
    ("oliver", "ollie", "olly"),
    ("olivia", "liv", "livvy"),
    ("rebecca", "becky", "becca"),
    ("richard", "rich", "rick", "ricky"),
    ("robert", "rob", "robbie", "bob", "bobby"),
    ("samantha", "sam", "sammy"),
    ("samuel", "sam", "sammy"),
    ("sophia", "sophie"),
    ("thomas", "tom", "tommy"),
    ("victoria", "vicky", "tori"),
    ("william", "will", "billy", "bill", "liam"),
    ("zachary", "zach", "zack"),
)
_NICKNAME_GROUPS: dict[str, frozenset[int]] = {}
for _index, _group in enumerate(NICKNAMES):
    for _name in _group:
        _NICKNAME_GROUPS[_name] = _NICKNAME_GROUPS.get(_name, frozenset()) | {_index}


@dataclass(frozen=True)
class Demographics:
    """What a side says of a person: names and date of birth (ISO), any of them unknown."""

    given_name: str | None
    family_name: str | None
    date_of_birth: str | None

    @classmethod
    def of(cls, identity: Mapping[str, str | None]) -> "Demographics":
        return cls(identity.get("given_name"), identity.get("family_name"),
                   identity.get("date_of_birth"))


@dataclass(frozen=True)
class Comparison:
    """One field compared: how far the two sides agree, and the variation if any."""

    field: str
    agreement: Agreement
    variation: Variation | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"field": self.field, "agreement": self.agreement.value,
                "variation": self.variation.value if self.variation else None}


@dataclass(frozen=True)
class Verdict:
    """Whether an identifier match is confident, by which rule and version, and why."""

    confident: bool
    rule: LinkRule
    comparisons: tuple[Comparison, ...]
    version: int = RULES_VERSION

    def disagreements(self) -> list[str]:
        """The fields that did not agree exactly (names of fields, never values)."""
        return [c.field for c in self.comparisons
                if c.agreement in (Agreement.VARIANT, Agreement.DIFFERS)]


def _tokens(name: str) -> list[str]:
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", name)
                    if not unicodedata.combining(ch)).casefold().replace("'", "")
    plain = plain.replace("\u2019", "")
    return [t for t in "".join(ch if ch.isalnum() else " " for ch in plain).split() if t]


def _one_edit(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution, or swap of two neighbouring letters."""
    if a == b or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < TYPO_MIN_LENGTH:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _nicknames(a: str, b: str) -> bool:
    return bool(_NICKNAME_GROUPS.get(a, frozenset()) & _NICKNAME_GROUPS.get(b, frozenset()))


def compare_given_names(held: str | None, given: str | None) -> Comparison:
    a, b = _tokens(held or ""), _tokens(given or "")
    if not a or not b:
        return Comparison("given_name", Agreement.MISSING)
    if a == b:
        return Comparison("given_name", Agreement.SAME)
    if _one_edit("".join(a), "".join(b)):
        return Comparison("given_name", Agreement.VARIANT, Variation.TYPO)
    if _nicknames(a[0], b[0]):
        return Comparison("given_name", Agreement.VARIANT, Variation.NICKNAME)
    if a[0] == b[0]:
        return Comparison("given_name", Agreement.VARIANT, Variation.OTHER_GIVEN_NAME)
    return Comparison("given_name", Agreement.DIFFERS)


def compare_family_names(held: str | None, given: str | None) -> Comparison:
    a, b = _tokens(held or ""), _tokens(given or "")
    if not a or not b:
        return Comparison("family_name", Agreement.MISSING)
    if a == b:
        return Comparison("family_name", Agreement.SAME)
    if _one_edit("".join(a), "".join(b)):
        return Comparison("family_name", Agreement.VARIANT, Variation.TYPO)
    if set(a) < set(b) or set(b) < set(a):
        return Comparison("family_name", Agreement.VARIANT, Variation.HYPHENATED)
    return Comparison("family_name", Agreement.DIFFERS)


def compare_dates_of_birth(held: str | None, given: str | None) -> Comparison:
    if not held or not given:
        return Comparison("date_of_birth", Agreement.MISSING)
    if held == given:
        return Comparison("date_of_birth", Agreement.SAME)
    year_a, month_a, day_a = held.split("-")
    year_b, month_b, day_b = given.split("-")
    if year_a == year_b and (month_a, day_a) == (day_b, month_b):
        return Comparison("date_of_birth", Agreement.VARIANT, Variation.DAY_MONTH_TRANSPOSED)
    return Comparison("date_of_birth", Agreement.DIFFERS)


def judge_identifier_match(held: Demographics, given: Demographics) -> Verdict:
    """Whether a subject whose NHS number or UPN matches a held record is that person
    (the threshold in this module's docstring)."""
    first = compare_given_names(held.given_name, given.given_name)
    family = compare_family_names(held.family_name, given.family_name)
    born = compare_dates_of_birth(held.date_of_birth, given.date_of_birth)
    comparisons = (first, family, born)
    variations = sum(c.agreement is Agreement.VARIANT for c in comparisons)
    confident = (
        first.agreement in (Agreement.SAME, Agreement.VARIANT)
        and born.agreement is not Agreement.DIFFERS
        and (born.agreement is not Agreement.MISSING
             or (first.agreement is Agreement.SAME and family.agreement is Agreement.SAME))
        and (family.agreement is not Agreement.DIFFERS
             or (first.agreement is Agreement.SAME and born.agreement is Agreement.SAME))
        and family.agreement is not Agreement.MISSING
        and variations + (family.agreement is Agreement.DIFFERS) <= MOST_VARIATIONS)
    if not confident:
        return Verdict(False, LinkRule.IDENTIFIER_DOUBTED, comparisons)
    exact = all(c.agreement is Agreement.SAME for c in comparisons)
    return Verdict(True, LinkRule.IDENTIFIER_VERIFIED if exact
                   else LinkRule.IDENTIFIER_WITH_VARIATION, comparisons)


# Who settles a doubt: the team that works what the notification is --------------------------

DART_TYPES = frozenset({"domestic_abuse_incident"})


def owning_team(notification_type: str) -> str:
    """The kind of agency that confirms or rejects a possible match raised by a notification
    of this type: the DART for a police domestic abuse incident, the MASH (the front door,
    the statutory lead) for everything else."""
    return "dart" if notification_type in DART_TYPES else "mash"


class MatchOutcome(StrEnum):
    CONFIRMED = "confirmed"  # the same person: the provisional record joins the known one
    REJECTED = "rejected"  # someone else: the two stay apart


class PossibleMatch(Aggregate):
    """A subject whose identifier matched a known person while the names or date of birth
    did not: held on a provisional person until the owning team decides."""

    class Raised(Aggregate.Created):
        class_version = 1
        provisional_id: UUID
        known_id: UUID
        notification_id: UUID
        notification_type: str
        sender: str
        team: str
        rule: str
        rule_version: int
        comparisons: list[dict[str, str | None]]
        raised_at: datetime

    @event(Raised)
    def __init__(self, id: UUID, provisional_id: UUID, known_id: UUID, notification_id: UUID,
                 notification_type: str, sender: str, team: str, rule: str, rule_version: int,
                 comparisons: list[dict[str, str | None]], raised_at: datetime) -> None:
        self.provisional_id = provisional_id
        self.known_id = known_id
        self.notification_id = notification_id
        self.notification_type = notification_type
        self.sender = sender
        self.team = team
        self.rule = rule
        self.rule_version = rule_version
        self.comparisons = list(comparisons)
        self.raised_at = raised_at
        self.decision: dict[str, Any] | None = None

    @classmethod
    def raise_doubt(cls, id: UUID, provisional_id: UUID, known_id: UUID,
                    notification_id: UUID, notification_type: str, sender: str,
                    verdict: Verdict, at: datetime) -> "PossibleMatch":
        return cls(id=id, provisional_id=provisional_id, known_id=known_id,
                   notification_id=notification_id, notification_type=notification_type,
                   sender=sender, team=owning_team(notification_type),
                   rule=verdict.rule.value, rule_version=verdict.version,
                   comparisons=[c.as_dict() for c in verdict.comparisons], raised_at=at)

    class Decided(Aggregate.Event):
        class_version = 1
        outcome: str
        reason: Personal
        decided_by: dict[str, str]
        decided_at: datetime

    @event(Decided)
    def _decide(self, outcome: str, reason: Personal, decided_by: dict[str, str],
                decided_at: datetime) -> None:
        self.decision = {"outcome": outcome, "reason": reason, "by": decided_by,
                         "at": decided_at}

    def decide(self, outcome: MatchOutcome, reason: str, by: dict[str, str],
               by_kind: str, at: datetime) -> None:
        """Confirm or reject, with a reason, by the owning team, never by the sender: an
        agency that sent the notification cannot join it to a child it would then read."""
        if self.decision is not None:
            raise RuleViolation("this possible match has already been decided")
        if by_kind != self.team:
            raise NotPermitted(f"only the {self.team.upper()} decides this possible match")
        if by.get("agency") == self.sender:
            raise NotPermitted("the agency that sent the notification cannot decide its match")
        said = required_reason(reason, most=1000)
        self._decide(outcome.value, Personal(self.provisional_id, "match_reason", said),
                     by, at)

    @property
    def open(self) -> bool:
        return self.decision is None
