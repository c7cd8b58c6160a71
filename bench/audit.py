"""Audit trail verification: ``verify_log`` over a million entries, against plain SHA-256.

A synthetic trail of realistic entries (compact JSON shaped like the hub's
``AuditEntryRecorded``: actor, purpose, case, children, records with one judged field
class each, policy version, details, and the ``previous`` leaf hash chaining them) with a
checkpoint signed every 1,000 entries. The baseline hashes exactly the same stored bytes
with plain ``hashlib.sha256``: the least any verifier must do is read and hash every entry
once. ``verify_log`` also parses each entry for its chain link, binds the index into the
leaf, grows the Merkle tree and checks each signed checkpoint as the tree reaches its size.
Proof sizes and times at the full size are given for context.
"""

import hashlib
import json
import random
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from hub.audit.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from hub.audit.notes import Checkpoint, NoteSigner
from hub.audit.verify import audit_leaf, verify_log
from hub.progress import step

ORIGIN = "hub.example/audit"
SHOWN = 16  # one entry in this many names a record (~800 bytes; others ~420): mean ~450
Entries = list[tuple[int, bytes]]

AGENCIES = [("notts-police", "police", "officer"), ("ng-school-12", "school", "dsl"),
            ("nuh-trust", "health", "nurse"), ("ncc-childrens", "social_care", "social_worker"),
            ("ncc-childrens", "social_care", "team_manager"), ("gp-forest", "health", "gp")]
ACTIONS = ["read-notification", "read-child", "read-chronology", "search"]
PURPOSES = ["triage", "section_47", "child_in_need", "mash_strategy", "audit_review"]
CLASSES = ["domestic_abuse", "identity", "da_risk", "education", "health", "missing_episode"]
RELATIONS = ["allocated_worker", "same_school", "registered_gp", "none", "mash_member"]
BASES = ["statutory_duty", "consent", "vital_interests", "break_glass"]
VISIBILITY = ["full", "summary", "none"]


def _template(rng: random.Random, shown: bool) -> tuple[bytes, bytes, bytes]:
    """One entry's JSON around two holes (time, previous), split so filling it is cheap.

    ``shown``: the entry names a record and the field class judged, as a read does;
    otherwise it names only the child (a search, or a refusal before any record).
    """
    agency, kind, role = rng.choice(AGENCIES)
    child = str(uuid.UUID(int=rng.getrandbits(128)))
    visibility = rng.choice(VISIBILITY)
    held = sorted(rng.sample(BASES, rng.randrange(1, 3)))
    field = {"data_class": rng.choice(CLASSES), "relation": rng.choice(RELATIONS),
             "restriction": rng.choice(["none", "sensitive-location"]), "bases_held": held,
             "basis": held[0], "ground": "s17 CA 1989", "visibility": visibility,
             "rule": f"r{rng.randrange(165)}"}
    body = {
        "kind": "denial" if visibility == "none" else "disclosure",
        "action": rng.choice(ACTIONS),
        "actor": {"user_id": f"u{rng.randrange(10**5)}", "agency": agency,
                  "agency_kind": kind, "role": role},
        "purpose": rng.choice(PURPOSES), "case_ref": f"C-{rng.randrange(10**6)}",
        "child_ids": [child],
        "records": [{"record": str(uuid.UUID(int=rng.getrandbits(128))),
                     "record_type": "notification", "owner": rng.choice(AGENCIES)[0],
                     "child": child, "visibility": visibility, "fields": [field]}]
        if shown else [],
        "policy_version": f"2026.{rng.randrange(1, 12)}",
        "details": {"at": "@AT@", "break_glass_claimed": False},
        "previous": "@PREV@",
    }
    text = json.dumps(body, separators=(",", ":")).encode()
    head, rest = text.split(b"@AT@")
    middle, tail = rest.split(b"@PREV@")
    return head, middle, tail


def _progress(label: str, done: int, total: int) -> None:
    step(f"  {label}:", done, total)  # a bar on a terminal, plain lines otherwise


def _counted(entries: Entries, label: str) -> Iterator[tuple[int, bytes]]:
    """The entries, reporting progress every 50,000."""
    total = len(entries)
    for index, item in enumerate(entries):
        if index % 50_000 == 0:
            _progress(label, index, total)
        yield item
    _progress(label, total, total)


def generate(count: int, step: int = 50_000, seed: int = 11) -> tuple[Entries, list[bytes], float]:
    """The stored entries, their leaf hashes, and the seconds taken."""
    rng = random.Random(seed)
    templates = [_template(rng, i % SHOWN == 0) for i in range(4096)]
    picks = [rng.randrange(len(templates)) for _ in range(count)]
    began = time.perf_counter()
    entries: Entries = []
    leaves: list[bytes] = []
    previous = b""
    start = 1_795_000_000.0
    for i in range(count):
        head, middle, tail = templates[picks[i]]
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + i * 0.7)).encode()
        stored = b"".join((head, at, b"+00:00", middle, previous, tail))
        entries.append((i, stored))
        leaf = leaf_hash(audit_leaf(i, stored))
        leaves.append(leaf)
        previous = leaf.hex().encode()
        if i % step == 0:
            _progress("generating entries", i, count)
    _progress("generating entries", count, count)
    return entries, leaves, time.perf_counter() - began


def _timed(work: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = work()
    return result, time.perf_counter() - began


def run(count: int = 1_000_000, every: int = 1000, proofs: int = 1000) -> dict[str, Any]:
    began = time.perf_counter()
    entries, leaves, generated = generate(count)

    print("  building the Merkle tree of the leaf hashes", file=sys.stderr)
    tree, tree_seconds = _timed(lambda: MerkleTree(leaves))
    assert isinstance(tree, MerkleTree)
    signer = NoteSigner.generate(ORIGIN)
    sizes = list(range(every, count + 1, every))
    if sizes[-1] != count:
        sizes.append(count)
    checkpoints = [signer.sign(Checkpoint(ORIGIN, s, tree.root(s)).body()) for s in sizes]

    print("  plain SHA-256 of every stored entry", file=sys.stderr)
    sha256 = hashlib.sha256

    def baseline() -> int:
        total = 0
        for _, stored in entries:
            total += sha256(stored).digest()[0]
        return total

    _, sha_seconds = _timed(baseline)
    report, verify_seconds = _timed(lambda: verify_log(
        _counted(entries, "verify_log"), checkpoints, [], signer.verifier_key(), ORIGIN))
    if not report.ok or report.entries != count or report.covered != count:
        raise RuntimeError(f"verify_log did not accept the synthetic log: {report.problems[:3]}")

    print("  proofs", file=sys.stderr)
    rng = random.Random(5)
    root = tree.root(count)
    indices = [rng.randrange(count) for _ in range(proofs)]
    paths, inclusion_seconds = _timed(lambda: [tree.inclusion_proof(i, count) for i in indices])
    checks, check_seconds = _timed(lambda: [
        verify_inclusion(leaves[i], i, count, p, root) for i, p in zip(indices, paths, strict=True)
    ])
    pairs = [(count // 2, count)]
    for _ in range(proofs - 1):
        a, b = sorted(rng.sample(range(1, count + 1), 2))
        pairs.append((a, b))
    roots = {s: tree.root(s) for pair in pairs for s in pair}
    cons, cons_seconds = _timed(lambda: [tree.consistency_proof(a, b) for a, b in pairs])
    cons_checks, cons_check_seconds = _timed(lambda: [
        verify_consistency(a, b, roots[a], roots[b], p)
        for (a, b), p in zip(pairs, cons, strict=True)
    ])
    if not (all(checks) and all(cons_checks)):
        raise RuntimeError("a proof at the full size did not verify")

    sha_rate, verify_rate = count / sha_seconds, count / verify_seconds
    micro = 1e6 / proofs
    return {
        "entries": count,
        "checkpoints": len(checkpoints),
        "every": every,
        "bytes_per_entry": round(sum(len(s) for _, s in entries) / count),
        "generation_seconds": round(generated, 1),
        "sha256_per_second": round(sha_rate),
        "verify_per_second": round(verify_rate),
        "ratio": round(verify_rate / sha_rate, 3),
        "tree_build_seconds": round(tree_seconds, 2),
        "tree_build_vs_sha256": round(tree_seconds / sha_seconds, 2),
        "inclusion_hashes": max(len(p) for p in paths),
        "inclusion_bytes": 32 * max(len(p) for p in paths),
        "inclusion_proof_us": round(inclusion_seconds * micro, 1),
        "inclusion_verify_us": round(check_seconds * micro, 1),
        "consistency_half_hashes": len(cons[0]),
        "consistency_hashes_max": max(len(p) for p in cons),
        "consistency_proof_us": round(cons_seconds * micro, 1),
        "consistency_verify_us": round(cons_check_seconds * micro, 1),
        "sha256_entry_us": round(sha_seconds / count * 1e6, 2),
        "proofs": proofs,
        "total_seconds": round(time.perf_counter() - began, 1),
    }


def markdown(r: dict[str, Any]) -> list[str]:
    """The BENCHMARKS.md section for a result of ``run``."""
    per, n = r["sha256_entry_us"], r["entries"]
    prose = (
        f"A synthetic trail of {n:,} entries, held in memory ({r['bytes_per_entry']} bytes "
        "of JSON each on average, shaped like `AuditEntryRecorded` and chained by "
        f"`previous`; one in {SHOWN} names a record and its judged field class), with "
        f"{r['checkpoints']:,} checkpoints signed at every {r['every']:,} entries. "
        "`verify_log` with the trusted key (index, chain link, leaf, Merkle tree, every "
        "checkpoint's signature and root) against plain `hashlib.sha256` of the same stored "
        "bytes. Proofs at the full size from a built tree, averaged over "
        f"{r['proofs']:,} random indices or size pairs (one pair {n // 2:,} to {n:,}); their "
        f"times are also given in SHA-256s of one entry ({per} µs). Generating the trail "
        f"took {r['generation_seconds']} s, not timed."
    )
    cons_max = r["consistency_hashes_max"]
    return [
        "## Audit trail verification",
        "",
        *textwrap.wrap(prose, 88),
        "",
        "| measure | value | against plain SHA-256 |",
        "| --- | --- | --- |",
        f"| plain SHA-256, entries/s | {r['sha256_per_second']:,} | 1 |",
        f"| `verify_log`, entries/s | {r['verify_per_second']:,} | {r['ratio']} of the rate |",
        f"| Merkle tree of the leaf hashes alone, s | {r['tree_build_seconds']} "
        f"| {r['tree_build_vs_sha256']}x the time of the SHA-256 pass |",
        f"| inclusion proof: hashes (bytes) | {r['inclusion_hashes']} "
        f"({r['inclusion_bytes']}) | |",
        f"| inclusion proof: generate / verify, µs | {r['inclusion_proof_us']} / "
        f"{r['inclusion_verify_us']} | {r['inclusion_proof_us'] / per:.0f} / "
        f"{r['inclusion_verify_us'] / per:.0f} entry hashes |",
        f"| consistency proof {n // 2:,} to {n:,}: hashes (bytes) | "
        f"{r['consistency_half_hashes']} ({32 * r['consistency_half_hashes']}) | |",
        f"| consistency proof, largest of the pairs: hashes (bytes) | {cons_max} "
        f"({32 * cons_max}) | |",
        f"| consistency proof: generate / verify, µs | {r['consistency_proof_us']} / "
        f"{r['consistency_verify_us']} | {r['consistency_proof_us'] / per:.0f} / "
        f"{r['consistency_verify_us'] / per:.0f} entry hashes |",
        "",
        f"**`verify_log` / plain SHA-256 of the same entries: {r['ratio']}**",
        "",
    ]
