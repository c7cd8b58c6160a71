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
EVERY_PAIR = sorted(OPERATIONAL | {("auditor", "auditor"), ("admin", "admin"),
                                   ("police", "admin"), ("school", "admin")})
# The purpose each role usually reads for; the table is drawn at that purpose.
PURPOSE_OF = {"police": Purpose.S47, "health": Purpose.S47, "school": Purpose.ENCOMPASS,
              "dart": Purpose.TRIAGE, "mash": Purpose.TRIAGE, "missing": Purpose.MISSING,
              "auditor": Purpose.AUDIT, "admin": Purpose.AUDIT}
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
            core = dclass in (DataClass.POLICE_INCIDENT, DataClass.DA_RISK, DataClass.IDENTITY)
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

    # CP-IS: unscheduled care sees the child protection flag, and only the flag.
    if (pair == ("health", "health-practitioner") and dclass is DataClass.CP_FLAG
            and purpose is Purpose.UNSCHEDULED_CARE and basis is Basis.NONE and unrestricted):
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
        if sensitive:
            if pair in SENSITIVE_LOCATION_ROLES and unrestricted:
                grants.append(Visibility.FULL)
        elif restriction is not Restriction.NOT_SHARED:
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


def reachable(kind: str, relation: Relation, basis: Basis, restriction: Restriction) -> str:
    """Why a combination cannot arise in the hub, or "" if it can."""
    if relation is Relation.OWNER and restriction is not Restriction.NONE:
        return "an agency's own records are never restricted from it"
    if relation is Relation.PUPIL and kind != "school":
        return "only a school has pupils"
    if basis is Basis.CONSENT and restriction is Restriction.CONSENT_REFUSED:
        return "the latest consent record is either given or refused"
    if basis is Basis.SHARING_DECISION and restriction is Restriction.NOT_SHARED:
        return "the owner's latest decision either shares or does not"
    return ""


HEADER = ["kind", "role", "relation", "data_class", "purpose", "basis", "restriction",
          "expected", "unreachable_because"]


def rows() -> list[list[str]]:
    table = []
    for (kind, role), relation, dclass, basis, restriction in itertools.product(
            EVERY_PAIR, Relation, DataClass, Basis, Restriction):
        purpose = PURPOSE_OF[kind]
        table.append([kind, role, relation.value, dclass.value, purpose.value, basis.value,
                      restriction.value,
                      expected(kind, role, relation, dclass, purpose, basis, restriction).value,
                      reachable(kind, relation, basis, restriction)])
    return table


def render() -> str:
    out = io.StringIO()
    out.write("# Who sees what: every role x relation x data class x basis x restriction, at the\n"
              "# role's usual purpose. Generated from tests/policy/spec.py "
              "(python -m tests.policy.spec);\n# the tests assert every row at the decision point "
              "and, where the hub can build it, through the HTTP API.\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    return out.getvalue()


if __name__ == "__main__":
    from pathlib import Path

    Path(__file__).with_name("truth_table.csv").write_text(render())
