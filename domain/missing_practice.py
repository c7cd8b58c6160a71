"""Missing children as the local protocol ("Children who go missing from home, care or
education") works them: where the child went missing from, who answers for the return home
interview, what the interview learned, and the 3-in-30 rule re-decided when episodes change.

Where from:
- home: the child's family home; the area's missing team offers the interview;
- care: a placement (a children's home, foster carers). The placing authority (the local
  authority that looks after the child) answers for the interview, wherever the child lives;
  the area hosting the placement sees the episode (its police report it) and when the
  interview is due, never what the child said. A child placed by the area's own authority is
  the missing team's, as one missing from home. The placing authority is taken only from a
  report by the police or the missing team, never from a local authority's own report (which
  could name itself and so read what the area's team learned);
- education: the child left school during the school day and their whereabouts are unknown.
  The episode is recorded and reported like any other (the queue while missing, the child's
  allocated worker, the indicators, the 3-in-30 rule), but no return home interview falls due:
  the statutory interview follows a child who ran away from home or care, and the school and
  the education welfare service follow up an absence from school. A child missing education
  (on no school's roll, or not receiving a suitable education) is the local authority's
  education duty, not a missing episode, and is not recorded here.

The interview records, besides held, declined or decided against, what was learned: where the
child was, with whom, what pushed them away and what pulled them (each free text, sealed under
the child's key) and exploitation indicators (codes from a fixed list, never text).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.errors import InvalidContent
from domain.personal import Personal
from domain.text import optional_text

# Each free-text field of a held interview holds at most this many characters.
CONTENT_LIMIT = 2000
INTERVIEW_FIELDS = ("whereabouts", "with_whom", "push_factors", "pull_factors")


class MissingFrom(StrEnum):
    HOME = "home"
    CARE = "care"
    EDUCATION = "education"  # left school in the school day, whereabouts unknown

    @property
    def interview_follows(self) -> bool:
        """Whether a return home interview falls due on the child's return."""
        return self is not MissingFrom.EDUCATION


class ExploitationIndicator(StrEnum):
    """What an interview found pointing to exploitation or harm outside the home (a code: the
    account itself is in the sealed content)."""

    SEXUAL_EXPLOITATION = "child-sexual-exploitation"  # CSE
    CRIMINAL_EXPLOITATION = "child-criminal-exploitation"  # CCE
    COUNTY_LINES = "county-lines"  # CCE moving drugs across areas
    TRAFFICKING = "trafficking"  # trafficking or modern slavery
    GANG_ASSOCIATION = "gang-association"
    SUBSTANCE_MISUSE = "substance-misuse"
    MISSING_FROM_SCHOOL = "missing-from-school"  # also going missing in the school day
    ONLINE_GROOMING = "online-grooming"


STRATEGY_SOCIAL_CARE = "social-care"
# The agencies practice expects at a strategy meeting (social care, police, health), by the
# registered agency kinds that count as each: one absent is a warning recorded with the meeting.
STRATEGY_AGENCIES: dict[str, tuple[str, ...]] = {
    STRATEGY_SOCIAL_CARE: ("mash", "missing"), "police": ("police",), "health": ("health",)}


def absent_agencies(kinds: list[str]) -> list[str]:
    """The agencies practice expects at a strategy meeting that no participant's kind is."""
    return [name for name, counted in STRATEGY_AGENCIES.items()
            if not any(k in counted for k in kinds)]


def check_missing_from(missing_from: str | None, placing_authority: str | None,
                       field: str) -> tuple[MissingFrom | None, str | None]:
    """Where from (not said: None) and the placing authority, which only care has."""
    try:
        where = MissingFrom(missing_from) if missing_from is not None else None
    except ValueError:
        raise InvalidContent(f"{field}.missing_from", "must be one of: "
                             + ", ".join(m.value for m in MissingFrom)) from None
    if placing_authority is not None and where is not MissingFrom.CARE:
        raise InvalidContent(f"{field}.placing_authority", "names the authority that placed "
                             "a child missing from care")
    return where, placing_authority


# The agencies whose report names a child's placing authority: the police (who take the
# report from the carers) and the missing team. A local authority's own report never does,
# naming itself or another: the placing authority decides who reads the interview, so no
# reader may make itself one by what it sends.
PLACING_WITNESSES = ("police", "missing")


def placing_authority_from(sender_kind: str | None, placing_authority: str | None
                           ) -> str | None:
    """The placing authority a report gives the episode: the one it names if the sender is
    a police force or the missing team, else none (the episode is the area's)."""
    return placing_authority if sender_kind in PLACING_WITNESSES else None


def same_place(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    """Whether two episodes say the child went missing from the same place: both from home,
    both from care placed by the same authority, or neither said."""
    return (one.get("missing_from"), one.get("placing_authority")) \
        == (other.get("missing_from"), other.get("placing_authority"))


def contradicts(episode: Mapping[str, Any], missing_from: str | None,
                placing_authority: str | None) -> bool:
    """Whether a further report of an episode says the child went missing from elsewhere:
    home against care, or care placed by another authority (what either leaves unsaid
    contradicts nothing)."""
    said = episode.get("missing_from")
    if missing_from is None or said is None:
        return False
    return missing_from != said or (placing_authority is not None
                                    and placing_authority != episode.get("placing_authority"))


def responsible_authority(missing_from: str | None, placing_authority: str | None,
                          own_authority: str | None) -> str | None:
    """The authority answering for the episode's interview: the placing authority of a child
    missing from care placed by another; None for the area's own (its missing team)."""
    if missing_from == MissingFrom.CARE.value and placing_authority \
            and placing_authority != own_authority:
        return placing_authority
    return None


def interview_content(child_id: UUID, said: Mapping[str, str | None]) -> dict[str, Personal]:
    """What a held interview learned, each field sealed under the child's key (fields not
    given are left out)."""
    unknown = set(said) - set(INTERVIEW_FIELDS)
    if unknown:
        raise InvalidContent(sorted(unknown)[0], "is not part of an interview's content")
    content = {}
    for name in INTERVIEW_FIELDS:
        text = optional_text(said.get(name), name, most=CONTENT_LIMIT)
        if text is not None:
            content[name] = Personal(child_id, f"interview_{name}", text)
    return content


def check_indicators(codes: list[str]) -> list[str]:
    """Exploitation indicators, each once, in the order given."""
    try:
        return [ExploitationIndicator(c).value for c in dict.fromkeys(codes)]
    except ValueError:
        raise InvalidContent("exploitation_indicators", "must each be one of: "
                             + ", ".join(i.value for i in ExploitationIndicator)) from None


@dataclass(frozen=True)
class Counted:
    """An episode as the 3-in-30 rule counts it: its id, start and place in the record."""

    id: UUID
    start: datetime
    order: int


def strategy_windows(episodes: list[Counted], window: Any, needed: int
                     ) -> dict[UUID, tuple[UUID, ...] | None]:
    """For each episode, the episodes its strategy-meeting flag counts (those starting within
    ``window`` before it, itself last), or None where fewer than ``needed`` do. An episode
    counts those recorded before it that started at the same time."""
    found: dict[UUID, tuple[UUID, ...] | None] = {}
    for e in episodes:
        earlier = sorted((o for o in episodes if o.id != e.id
                          and e.start - window <= o.start <= e.start
                          and (o.start < e.start or o.order < e.order)),
                         key=lambda o: (o.start, o.order))
        found[e.id] = ((*(o.id for o in earlier), e.id) if len(earlier) + 1 >= needed
                       else None)
    return found
