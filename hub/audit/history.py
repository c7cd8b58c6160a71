"""Disclosure history from the audit trail: who saw what about a child, when and why."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from domain.audit import AuditEntryRecorded


class Entries(Protocol):
    """The audit trail (or a read-only store's entries): its entries as events."""

    def entries(self) -> Iterator[AuditEntryRecorded]: ...

# Reads by which an agency looks at who read its own records (its feed, its history).
OWN_OVERSIGHT = ("read-access-feed", "audit-disclosures")


def disclosures(audit: Entries, child_id: UUID | None = None, owner: str | None = None,
                since: datetime | None = None,
                until: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Each record shown in each disclosure, filtered by child, owning agency and period.

    Filtered by child, only the records about that child: an entry for a queue names every
    child in it, and who saw one child's record is not to list the others'."""
    for entry in audit.entries():
        # A read (a disclosure) or a change whose answer showed records; never a refusal.
        if entry.kind in ("denial", "audit-access") or not entry.records:
            continue
        if child_id is not None and child_id not in entry.child_ids:
            continue
        if (owner is not None and entry.action in OWN_OVERSIGHT
                and entry.actor.get("agency") == owner):
            continue  # an agency's own look at who saw its records is not its records' history
        if (since is not None and entry.timestamp < since) or (
                until is not None and entry.timestamp >= until):
            continue
        yield from _rows(entry, owner, child_id)


def _rows(entry: AuditEntryRecorded, owner: str | None,
          child_id: UUID | None) -> Iterator[dict[str, Any]]:
    for record in entry.records:
        if record["visibility"] == "none" or (owner is not None and record["owner"] != owner):
            continue
        if child_id is not None and record["child"] != str(child_id):
            continue  # the same read named other people too: listed under each of them
        shown = [f for f in record["fields"] if f["visibility"] != "none"]
        yield {
            "audit_index": entry.originator_version - 1,
            "at": entry.timestamp.isoformat(),
            "child_id": record["child"],
            "reader": {"user_id": entry.actor["user_id"], "agency": entry.actor["agency"],
                       "role": entry.actor["role"]},
            "purpose": entry.purpose,
            "case_ref": entry.case_ref,
            "record": record["record"],
            "record_type": record["record_type"],
            "owner": record["owner"],
            "visibility": record["visibility"],
            "data_classes": sorted({f["data_class"] for f in shown}),
            "grounds": sorted({f["ground"] for f in shown}),
            "bases": sorted({f["basis"] for f in shown}),
            "break_glass": "break_glass" in entry.details,
        }
