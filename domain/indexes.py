"""Unique keys held as tiny aggregates whose identity is derived from the key.

Saving two index records for one key conflicts in the event store (same id, version 1),
so a key can never point at two records, even with several hub processes writing at once.
Keys are namespaced strings, each written by one function here; any personal part of a key
is a keyed hash, never plaintext. The link keys a person matches on (``nhs_link`` and the
others) are hashed by the hub before they become an index key (``link_key``).
"""

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class KeyIndex(Aggregate):
    """Points a unique key (a source reference, a token hash, a link hash) at a record."""

    class Claimed(Aggregate.Created):
        class_version = 1
        key: str
        target: UUID

    @event(Claimed)
    def __init__(self, key: str, target: UUID) -> None:
        self.key = key
        self.target = target

    @staticmethod
    def create_id(key: str) -> UUID:
        return index_id(key)


def index_id(key: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"/hub/index/{key}")


# The index keys: one function per namespace, so a key is spelled in one place.

def source_ref_key(agency_id: str, source_ref: str) -> str:
    """An agency's own reference for a notification: re-sent, it finds the first."""
    return f"source-ref:{agency_id}:{source_ref}"


def caseload_key(agency_id: str, kind: str, case_ref: str) -> str:
    """A local authority's own reference for a case in its caseload at go-live, per kind of
    file: imported again, the row is already stored."""
    return f"caseload:{agency_id}:{kind}:{case_ref}"


def link_key(digest: str) -> str:
    """A person's link key, as its keyed hash: points at their person record."""
    return f"link:{digest}"


def enquiry_key(enquiry_id: UUID) -> str:
    """An enquiry (a strategy discussion, an s47): points at its child."""
    return f"enquiry:{enquiry_id}"


def consent_key(consent_id: UUID) -> str:
    """A recorded consent: points at its child."""
    return f"consent:{consent_id}"


def school_urn_key(urn: str) -> str:
    """A school's URN: points at its registered agency."""
    return f"school-urn:{urn}"


def token_key(digest: str) -> str:
    """A bearer token's hash: points at its member of staff."""
    return f"token:{digest}"


def sign_in_key(digest: str) -> str:
    """An identity at the identity provider, as a keyed hash of its issuer and subject: points
    at the member of staff linked to it."""
    return f"sign-in:{digest}"


# The keys a person is matched on, before they are hashed (strongest first).

DEMOGRAPHIC = "demographic:"


def nhs_link(nhs_number: str) -> str:
    return f"nhs:{nhs_number}"


def upn_link(upn: str) -> str:
    return f"upn:{upn}"


def demographic_link(given_name: str, family_name: str, date_of_birth: str,
                     postcode: str) -> str:
    """Name, date of birth and postcode together (names case-folded)."""
    return (f"{DEMOGRAPHIC}{given_name.casefold()}|{family_name.casefold()}|"
            f"{date_of_birth}|{postcode}")


def is_identifier_link(key: str) -> bool:
    """An exact identifier (NHS number, UPN), not a demographic match."""
    return not key.startswith(DEMOGRAPHIC)
