"""The access policy restated in plain words and code, independently of the Casbin rows.

This is the specification the truth table (``truth_table.csv``) is generated from. It is
deliberately written differently from ``policies/access_policy.csv`` (by agency and situation,
not by rule), so a mistake in either shows up as a difference.
"""

import csv
import io
import itertools

from domain.access import Basis, DataClass, Purpose, Relation, Restriction, Visibility

OPERATIONAL = {
    ("police", "police-officer"), ("health", "health-practitioner"), ("school", "dsl"),
    ("dart", "dart-worker"), ("dart", "team-manager"), ("mash", "mash-worker"),
    ("mash", "social-worker"), ("mash", "team-manager"), ("missing", "missing-worker"),
    ("missing", "team-manager"),
}
UNSCHEDULED_CARE = ("health", "unscheduled-care-clinician")
EVERY_PAIR = sorted(OPERATIONAL | {("auditor", "auditor"), ("admin", "admin"),
                                   ("police", "admin"), ("school", "admin"), UNSCHEDULED_CARE,
                                   ("auditor", "information-governance")})
# The purposes each role usually reads for; the table is drawn at each of them. Police and
# health read for a referral, and for an s47 enquiry they take part in.
PURPOSE_OF = {"police": Purpose.REFERRAL, "health": Purpose.REFERRAL,
              "school": Purpose.ENCOMPASS, "dart": Purpose.TRIAGE, "mash": Purpose.TRIAGE,
              "missing": Purpose.MISSING, "auditor": Purpose.AUDIT, "admin": Purpose.AUDIT}
PURPOSES_OF = {"police": (Purpose.REFERRAL, Purpose.S47),
               "health": (Purpose.REFERRAL, Purpose.S47)}


def purposes_of(pair: tuple[str, str]) -> tuple[Purpose, ...]:
    if pair == UNSCHEDULED_CARE:
        return (Purpose.UNSCHEDULED_CARE,)
    return PURPOSES_OF.get(pair[0], (PURPOSE_OF[pair[0]],))


# Who recorded a basis, seen from the reader of the owner's record: the owner itself, the
# statutory lead (children's social care, being neither), the reader's own agency, or anyone
# else. Only some of them count: a reader's own word never widens its own access.
RECORDERS = ("owner", "statutory-lead", "reader", "other")
COUNTS = {Basis.CONSENT: {"owner", "statutory-lead"}, Basis.SHARING_DECISION: {"owner"},
          Basis.SHARING_DECISION_OVERRIDING_REFUSAL: {"owner"},
          Basis.STATUTORY: {"statutory-lead"}}
RECORDED_BASES = tuple(COUNTS)
# Kinds with a role that records consent and sharing decisions, and the one that opens
# statutory enquiries.
RECORDING_KINDS = {"police", "health", "school", "dart", "mash", "missing"}
ENQUIRY_KIND = "mash"
# Purposes that need a case: an s47 purpose needs an open enquiry naming the reader.
ENQUIRY_PURPOSES = {Purpose.S47}
FRONT_DOOR_PURPOSES = {Purpose.TRIAGE, Purpose.ASSESSMENT, Purpose.STRATEGY_DISCUSSION,
                       Purpose.S47, Purpose.REFERRAL}
BREAK_GLASS_ROLES = {("police", "police-officer"), ("health", "health-practitioner"),
                     ("mash", "team-manager"), ("dart", "dart-worker")}
SENSITIVE_LOCATION_ROLES = {("dart", "dart-worker"), ("mash", "team-manager")}
RANK = {Visibility.NONE: 0, Visibility.SUMMARY: 1, Visibility.FULL: 2}


def expected(kind: str, role: str, relation: Relation, dclass: DataClass, purpose: Purpose,
             basis: Basis, restriction: Restriction) -> Visibility:
    """What this reader may see of a field of this class, with this basis (and none)."""
    pair = (kind, role)
    if pair == UNSCHEDULED_CARE:
        # CP-IS: the child protection flag, and only the flag, and only in unscheduled care.
        # The role is for the look-up alone: not even its own agency's records otherwise.
        return (Visibility.FULL if dclass is DataClass.CP_FLAG
                and purpose is Purpose.UNSCHEDULED_CARE and restriction is Restriction.NONE
                else Visibility.NONE)
    if pair not in OPERATIONAL:
        return Visibility.NONE  # auditors and administrators read no child's records
    if relation is Relation.OWNER:
        return Visibility.FULL  # an agency always sees what it sent
    sensitive = dclass is DataClass.SENSITIVE_LOCATION
    unrestricted = restriction is Restriction.NONE
    grants = [Visibility.NONE]

    # The MASH front door (the local authority's duties), the DART, the missing team.
    if kind == "mash" and not sensitive:
        if purpose in FRONT_DOOR_PURPOSES and unrestricted:
            grants.append(Visibility.FULL)
        if restriction in (Restriction.RESTRICTED, Restriction.CONSENT_REFUSED):
            grants.append(Visibility.SUMMARY)
    if kind == "dart" and not sensitive:
        if purpose in (Purpose.TRIAGE, Purpose.MARAC) and unrestricted:
            core = dclass in (DataClass.POLICE_INCIDENT, DataClass.DA_RISK, DataClass.IDENTITY,
                              DataClass.KNOWN_TO)
            grants.append(Visibility.FULL if core else Visibility.SUMMARY)
        if restriction is Restriction.RESTRICTED:
            grants.append(Visibility.SUMMARY)
    if kind == "missing" and not sensitive and purpose is Purpose.MISSING and unrestricted:
        core = dclass in (DataClass.MISSING_EPISODE, DataClass.IDENTITY)
        grants.append(Visibility.FULL if core else Visibility.SUMMARY)

    # Relationships: involved police and health know what exists; schools know their pupils.
    if (relation is Relation.INVOLVED and kind in ("police", "health") and not sensitive
            and restriction is not Restriction.NOT_SHARED):
        grants.append(Visibility.SUMMARY)
    knows_pupil = dclass is DataClass.IDENTITY or (dclass is DataClass.ENCOMPASS_NOTICE
                                                   and purpose is Purpose.ENCOMPASS)
    if relation is Relation.PUPIL and kind == "school" and unrestricted and knows_pupil:
        grants.append(Visibility.FULL)

    # Lawful bases.
    enquiry_purpose = purpose in (Purpose.STRATEGY_DISCUSSION, Purpose.S47)
    if basis is Basis.STATUTORY and enquiry_purpose and not sensitive:
        if kind in ("police", "health"):
            grants.append(Visibility.SUMMARY if restriction is Restriction.RESTRICTED
                          else Visibility.FULL)
        if pair in (("mash", "social-worker"), ("mash", "team-manager")) and restriction in (
                Restriction.CONSENT_REFUSED, Restriction.NOT_SHARED):
            grants.append(Visibility.FULL)
    if basis is Basis.SHARING_DECISION:
        # A refusal of consent blocks a decision that did not override it.
        if sensitive:
            if pair in SENSITIVE_LOCATION_ROLES and unrestricted:
                grants.append(Visibility.FULL)
        elif restriction in (Restriction.NONE, Restriction.RESTRICTED):
            grants.append(Visibility.FULL)
    if basis is Basis.SHARING_DECISION_OVERRIDING_REFUSAL:
        # The owner's decision, by a role entitled to override, against the refusal in force.
        if sensitive:
            if pair in SENSITIVE_LOCATION_ROLES and restriction is Restriction.CONSENT_REFUSED:
                grants.append(Visibility.FULL)
        elif restriction in (Restriction.CONSENT_REFUSED, Restriction.RESTRICTED):
            grants.append(Visibility.FULL)
    if basis is Basis.CONSENT and not sensitive:
        if unrestricted:
            grants.append(Visibility.FULL)
        elif restriction is Restriction.RESTRICTED:
            grants.append(Visibility.SUMMARY)
    if basis is Basis.BREAK_GLASS and pair in BREAK_GLASS_ROLES and not sensitive:
        grants.append(Visibility.FULL if restriction in (Restriction.NONE,
                                                         Restriction.CONSENT_REFUSED)
                      else Visibility.SUMMARY)
    # A school learns of a DA incident it did not report only through an Encompass notice.
    if kind == "school" and dclass in (DataClass.POLICE_INCIDENT, DataClass.DA_RISK):
        return Visibility.NONE
    return max(grants, key=RANK.__getitem__)


def effective(basis: Basis, recorded_by: str) -> Basis:
    """The basis as the decision sees it: one recorded by the wrong party is no basis."""
    if basis in COUNTS and recorded_by not in COUNTS[basis]:
        return Basis.NONE
    return basis


def reachable(kind: str, relation: Relation, basis: Basis, restriction: Restriction,
              recorded_by: str = "-", purpose: Purpose | None = None) -> str:
    """Why a combination cannot arise in the hub, or "" if it can."""
    if relation is Relation.OWNER and restriction is not Restriction.NONE:
        return "an agency's own records are never restricted from it"
    if relation is Relation.PUPIL and kind != "school":
        return "only a school has pupils"
    if basis is Basis.CONSENT and restriction is Restriction.CONSENT_REFUSED:
        return "the latest consent record is either given or refused"
    if basis is Basis.SHARING_DECISION and restriction is Restriction.NOT_SHARED:
        return "the owner's latest decision either shares or does not"
    if basis is Basis.SHARING_DECISION and restriction is Restriction.CONSENT_REFUSED:
        return "a refusal blocks a decision that did not override it; one that did is "\
               "sharing-decision-overriding-refusal"
    if basis is Basis.SHARING_DECISION_OVERRIDING_REFUSAL and restriction in (
            Restriction.NONE, Restriction.NOT_SHARED):
        return "an override stands against a refusal in force, by a decision that shares"
    if relation is Relation.OWNER and recorded_by == "owner":
        return "the reader owns the record: owner and reader are one agency (see reader)"
    if recorded_by == "reader" and kind not in RECORDING_KINDS:
        return "the reader's agency has no role that records a basis"
    if basis is Basis.STATUTORY and recorded_by != "statutory-lead" and (
            recorded_by != "reader" or kind != ENQUIRY_KIND):
        return "only children's social care opens an enquiry (counted as statutory-lead, or "\
               "as reader when it reads)"
    if purpose in ENQUIRY_PURPOSES and not (basis is Basis.STATUTORY
                                            and recorded_by in ("statutory-lead", "reader")):
        return "an s47 purpose needs an open enquiry naming the reader, which is the basis"
    return ""


HEADER = ["kind", "role", "relation", "data_class", "purpose", "basis", "recorded_by",
          "restriction", "expected", "unreachable_because"]


def bases_and_recorders() -> list[tuple[Basis, str]]:
    return [(b, r) for b in Basis for r in (RECORDERS if b in COUNTS else ("-",))]


def rows() -> list[list[str]]:
    table = []
    for (kind, role), relation, dclass, (basis, recorder), restriction in itertools.product(
            EVERY_PAIR, Relation, DataClass, bases_and_recorders(), Restriction):
        for purpose in purposes_of((kind, role)):
            seen = expected(kind, role, relation, dclass, purpose, effective(basis, recorder),
                            restriction)
            table.append([kind, role, relation.value, dclass.value, purpose.value, basis.value,
                          recorder, restriction.value, seen.value,
                          reachable(kind, relation, basis, restriction, recorder, purpose)])
    return table


def render() -> str:
    out = io.StringIO()
    out.write("# Who sees what: every role x relation x data class x basis x who recorded the "
              "basis x restriction,\n# at the role's usual purposes. Generated from "
              "tests/policy/spec.py "
              "(python -m tests.policy.spec);\n# the tests assert every row at the decision point "
              "and, where the hub can build it, through the HTTP API.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    return out.getvalue()


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("truth_table.csv").write_text(render())
