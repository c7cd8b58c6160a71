"""The auditor's view of the trail over HTTP: checkpoints, entries, proofs, disclosures.

Only people with the read-audit capability (auditors) may read the trail, and every such
read is itself an audit entry. An agency may read the disclosure history of its own records.
Auditors see who read, by name (looked up in the registry as they ask: the trail itself holds
user ids only); an agency sees the reading agency and role.
"""

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.access import DataClass, Visibility
from domain.audit import AuditKind
from hub.audit.checkpoints import Checkpoints, LogMismatch
from hub.audit.history import disclosures
from hub.audit.shown import Shown, disclose
from hub.audit.tiles import TilePath, bundle_range, entry_bundle, parse_tile_path, tile_hashes
from hub.audit.trail import AuditTrail, audit_leaf_hash
from hub.errors import InvalidInput, NotEntitled, NotFound
from hub.registry import Caller, Registry
from policies.decision_point import CapabilityPolicy

MAX_ENTRIES = 1000


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class AuditorService:
    def __init__(self, audit: AuditTrail, checkpoints: Checkpoints,
                 capabilities: CapabilityPolicy, registry: Registry) -> None:
        self._audit = audit
        self._checkpoints = checkpoints
        self._capabilities = capabilities
        self._registry = registry

    def _auditor(self, caller: Caller, action: str, details: dict[str, Any]) -> None:
        allowed = self._capabilities.allows(caller.agency_kind, caller.role, "read-audit")
        self._audit.record(kind=AuditKind.AUDIT_ACCESS if allowed else AuditKind.DENIAL,
                           action=action, actor=caller.as_actor(), details=details)
        if not allowed:
            raise NotEntitled("only auditors may read the audit trail")

    def checkpoint(self, caller: Caller) -> dict[str, Any]:
        self._auditor(caller, "audit-checkpoint", {})
        try:
            latest = self._checkpoints.checkpoint() or self._checkpoints.latest()
        except LogMismatch:  # refused (and alarmed by the checkpointer): the last one stands
            latest = self._checkpoints.latest()
        if latest is None:
            raise NotFound("no checkpoint has been signed yet")
        return {"origin": self._checkpoints.origin, "size": latest.size,
                "root": b64(bytes.fromhex(latest.root)), "note": latest.note,
                "signed_at": latest.timestamp.isoformat()}

    # The log as tiles (c2sp.org/tlog-tiles) ----------------------------------------------------

    def public_checkpoint(self) -> str:
        """The latest signed checkpoint note, with the witnesses' cosignatures: public (an
        origin, a size and a root), for anyone following the log; signs nothing."""
        latest = self._checkpoints.latest()
        if latest is None:
            raise NotFound("no checkpoint has been signed yet")
        return latest.note

    def tile(self, path: str) -> tuple[bytes, bool]:
        """A tile of hashes within the latest signed checkpoint (public), and whether it is
        partial. Hashes of entries say nothing about them."""
        tile = _tile(path)
        if tile.level is None:
            raise NotFound("entry bundles are at tile/entries/")
        latest = self._checkpoints.latest()
        size = latest.size if latest is not None else 0
        return tile_hashes(self._checkpoints.tree(), size, tile), tile.partial

    def entry_bundle(self, caller: Caller, path: str) -> bytes:
        """Entries within the latest signed checkpoint, for auditors only (they hold ids,
        roles, purposes and case references about pseudonymous children); audited."""
        latest = self._checkpoints.latest()
        try:  # asked before it is answered: a refusal or a miss is audited like a bundle
            start, end = bundle_range(latest.size if latest is not None else 0,
                                      _tile(f"entries/{path}"))
            details: dict[str, Any] = {"start": start, "end": end}
        except (NotFound, ValueError) as error:
            self._auditor(caller, "audit-entry-bundle", {"found": False})
            raise NotFound(str(error)) from None
        self._auditor(caller, "audit-entry-bundle", details)
        return entry_bundle(self._audit.stored_entries(start, end), start, end)

    def entries(self, caller: Caller, start: int, end: int | None) -> dict[str, Any]:
        end = start + MAX_ENTRIES if end is None else end
        if start < 0 or end < start or end - start > MAX_ENTRIES:
            raise InvalidInput(f"start and end: 0 <= start <= end, at most {MAX_ENTRIES} apart")
        self._auditor(caller, "audit-entries", {"start": start, "end": end})
        items = []
        for index, stored in self._audit.stored_entries(start, end):
            items.append({"index": index, "stored": b64(stored),
                          "leaf_hash": b64(audit_leaf_hash(index, stored)),
                          "entry": json.loads(stored)})
        return {"start": start, "end": end, "entries": items}

    def inclusion(self, caller: Caller, index: int, size: int) -> dict[str, Any]:
        self._auditor(caller, "audit-inclusion-proof", {"index": index, "size": size})
        tree = self._checkpoints.tree()
        if not 0 <= index < size <= tree.size:
            raise InvalidInput(f"need 0 <= index < size <= {tree.size}")
        return {"index": index, "size": size,
                "proof": [b64(h) for h in tree.inclusion_proof(index, size)]}

    def consistency(self, caller: Caller, first: int, second: int) -> dict[str, Any]:
        self._auditor(caller, "audit-consistency-proof", {"first": first, "second": second})
        tree = self._checkpoints.tree()
        if not 0 < first <= second <= tree.size:
            raise InvalidInput(f"need 0 < first <= second <= {tree.size}")
        return {"first": first, "second": second,
                "proof": [b64(h) for h in tree.consistency_proof(first, second)]}

    def disclosures(self, caller: Caller, child_id: UUID | None, agency: str | None,
                    since: datetime | None, until: datetime | None) -> dict[str, Any]:
        """For auditors: any. For an agency: the history of its own records only."""
        is_auditor = self._capabilities.allows(caller.agency_kind, caller.role, "read-audit")
        owner = agency if is_auditor else caller.agency_id
        if not is_auditor and agency not in (None, caller.agency_id):
            raise NotEntitled("an agency may read the disclosure history of its own records")
        rows = list(disclosures(self._audit, child_id, owner, since, until))
        named = list(dict.fromkeys([*([child_id] if child_id else []),
                                    *(UUID(r["child_id"]) for r in rows)]))
        if is_auditor:  # oversight: an audit access naming every child in the answer
            self._audit.record(kind=AuditKind.AUDIT_ACCESS, action="audit-disclosures",
                               actor=caller.as_actor(), child_ids=named,
                               details={"owner": owner})
        else:  # an agency reading who saw its own records: listed under each child named
            disclose(self._audit, caller, "audit-disclosures", [
                Shown(UUID(r["record"]), r["record_type"], caller.agency_id,
                      UUID(r["child_id"]), tuple(DataClass(c) for c in r["data_classes"])
                      or (DataClass.IDENTITY,), "own-record", "capability:own-history",
                      Visibility.SUMMARY.value, "owner") for r in rows],
                purpose=None, about=[child_id] if child_id else [], details={"owner": owner})
        if is_auditor:
            with_names(self._registry, rows)
        else:
            for row in rows:
                row["reader"] = {"agency": row["reader"]["agency"],
                                 "role": row["reader"]["role"]}
        return {"items": rows, "count": len(rows)}


def _tile(path: str) -> TilePath:
    try:
        return parse_tile_path(path)
    except ValueError:
        raise NotFound("no such tile (tile/<L>/<N>[.p/<W>], c2sp.org/tlog-tiles)") from None


def with_names(registry: Registry, rows: list[dict[str, Any]]) -> None:
    """Add each reader's name (for auditors), looked up now: the trail holds user ids."""
    names = registry.names(row["reader"]["user_id"] for row in rows)
    for row in rows:
        row["reader"]["name"] = names[row["reader"]["user_id"]]
