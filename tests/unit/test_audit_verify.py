"""Tests for hub.audit.verify and hub.audit.bundle: tampering must be caught and named.

Synthetic logs are built here exactly as the hub builds its trail (JSON entries
chained by "previous", checkpoints signed every few entries and at the end),
exported with write_bundle, damaged the way a forger would, read back with
read_bundle and verified with only the trusted key.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.audit.bundle import BundleError, read_bundle, write_bundle
from hub.audit.merkle import MerkleTree, leaf_hash
from hub.audit.notes import Checkpoint, NoteSigner, make_transition, parse_note
from hub.audit.verify import Report, audit_leaf, verify_checkpoint_consistency, verify_log

ORIGIN = "hub.example/audit"
N = 60
EVERY = 8
SIZES = [*range(EVERY, N + 1, EVERY), N]  # 8, 16, ..., 56, 60
HUB = NoteSigner.generate(ORIGIN)
OLD = NoteSigner.generate(ORIGIN)
MALLORY = NoteSigner.generate(ORIGIN)  # same name, another key

Entries = list[tuple[int, bytes]]


def entry(index: int, previous: str, rng: random.Random) -> bytes:
    body = {
        "previous": previous,
        "kind": rng.choice(["read", "denied", "consent", "break-glass"]),
        "actor": {"agency": rng.choice(["police", "school", "health"]), "n": rng.randrange(99)},
        "purpose": rng.choice(["triage", "s47", "audit"]),
        "seq": index,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def make_log(n: int = N, seed: int = 1) -> Entries:
    rng, log, previous = random.Random(seed), [], ""
    for i in range(n):
        stored = entry(i, previous, rng)
        log.append((i, stored))
        previous = leaf_hash(audit_leaf(i, stored)).hex()
    return log


def tree_of(log: Entries) -> MerkleTree:
    return MerkleTree(leaf_hash(audit_leaf(i, s)) for i, s in log)


def checkpoint(signer: NoteSigner, size: int, root: bytes, origin: str = ORIGIN) -> str:
    return signer.sign(Checkpoint(origin, size, root).body())


def sign_all(log: Entries, signer: NoteSigner = HUB, sizes: Sequence[int] = SIZES) -> list[str]:
    tree = tree_of(log)
    return [checkpoint(signer, s, tree.root(s)) for s in sizes]


LOG = make_log()
CHECKPOINTS = sign_all(LOG)


class Exporter:
    """Round-trips every case through a bundle on disk, as an auditor would get it."""

    def __init__(self, base: Path) -> None:
        self.base, self.count = base, 0

    def verify(
        self,
        log: Entries,
        checkpoints: Sequence[str] = CHECKPOINTS,
        transitions: Sequence[str] = (),
        trusted: str = HUB.verifier_key(),
    ) -> Report:
        self.count += 1
        folder = self.base / f"case{self.count}"
        write_bundle(folder, log, checkpoints, transitions, HUB.verifier_key())
        bundle = read_bundle(folder)
        report = verify_log(bundle.entries, bundle.checkpoints, bundle.transitions, trusted, ORIGIN)
        assert report.ok == (not report.problems)
        assert all("\n" not in p for p in report.problems)
        return report


@pytest.fixture
def export(tmp_path: Path) -> Exporter:
    return Exporter(tmp_path)


def test_audit_leaf_binds_the_index() -> None:
    assert audit_leaf(1, b"x") == b"\x00" * 7 + b"\x01x"
    with pytest.raises(ValueError, match="uint64"):
        audit_leaf(-1, b"x")


def test_untouched_log_verifies_live_and_from_a_bundle(export: Exporter) -> None:
    live = verify_log(LOG, CHECKPOINTS, [], HUB.verifier_key(), ORIGIN)
    exported = export.verify(LOG)
    for report in (live, exported):
        assert report.ok, report.problems
        assert (report.entries, report.checkpoints_checked, report.covered) == (N, len(SIZES), N)
        assert report.first_bad_index is None


def test_bundle_layout_and_readable_field_is_ignored(tmp_path: Path) -> None:
    write_bundle(tmp_path / "b", LOG, CHECKPOINTS, [], HUB.verifier_key())
    names = sorted(p.name for p in (tmp_path / "b").iterdir())
    assert names == ["README.txt", "checkpoints", "entries.jsonl", "public-key", "transitions"]
    assert (tmp_path / "b" / "checkpoints" / f"{8:020d}.note").read_text() == CHECKPOINTS[0]
    lines = (tmp_path / "b" / "entries.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert first["entry"]["previous"] == ""
    first["entry"]["kind"] = "nothing to see here"
    lines[0] = json.dumps(first)
    (tmp_path / "b" / "entries.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "b" / "public-key").write_text(MALLORY.verifier_key() + "\n")
    bundle = read_bundle(tmp_path / "b")
    assert bundle.public_key == MALLORY.verifier_key()  # carried, never trusted
    assert list(bundle.entries) == LOG
    assert verify_log(bundle.entries, bundle.checkpoints, [], HUB.verifier_key(), ORIGIN).ok
    with pytest.raises(FileExistsError):
        write_bundle(tmp_path / "b", LOG, CHECKPOINTS, [], HUB.verifier_key())


def flip(stored: bytes, rng: random.Random) -> bytes:
    data = bytearray(stored)
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def corrupt(note: str) -> str:
    """Change one character of the last signature, keeping the note well formed."""
    at = len(note) - 20
    return note[:at] + ("A" if note[at] != "A" else "B") + note[at + 1 :]


def test_flipped_byte_names_the_entry(export: Exporter) -> None:
    rng = random.Random(2)
    for k in rng.sample(range(N - 1), 20):
        log = LOG.copy()
        log[k] = (k, flip(log[k][1], rng))
        report = export.verify(log)
        assert not report.ok
        assert report.first_bad_index == k, (k, report.problems)
        assert any(f"entry {k}" in p for p in report.problems)


def test_edited_last_entry_blames_the_interval_after_the_last_match(export: Exporter) -> None:
    log = LOG.copy()
    log[-1] = (N - 1, log[-1][1].replace(b'"seq":59', b'"seq":95'))
    report = export.verify(log)
    assert report.first_bad_index == SIZES[-2]
    assert any(p.startswith(f"checkpoint {N}:") for p in report.problems)


def test_rewriting_the_chain_after_an_edit_is_caught_by_the_checkpoint(export: Exporter) -> None:
    rng, log, previous = random.Random(3), LOG[:20], leaf_hash(audit_leaf(19, LOG[19][1])).hex()
    for i in range(20, N):  # forger rewrites everything from entry 20 with a valid chain
        stored = entry(i, previous, rng)
        log.append((i, stored))
        previous = leaf_hash(audit_leaf(i, stored)).hex()
    report = export.verify(log)
    assert report.first_bad_index == 16
    assert report.covered == 16


def test_deleted_entry_is_named(export: Exporter) -> None:
    for k in [*random.Random(4).sample(range(N - 1), 15), N - 1]:
        report = export.verify(LOG[:k] + LOG[k + 1 :])
        assert not report.ok
        assert report.first_bad_index == k, (k, report.problems)
        assert any(f"entry {k} missing" in p or f"{N - 1} entries" in p for p in report.problems)


def test_swapped_pair_is_named(export: Exporter) -> None:
    for k in random.Random(5).sample(range(N - 1), 15):
        log = LOG.copy()
        log[k], log[k + 1] = log[k + 1], log[k]
        report = export.verify(log)
        assert report.first_bad_index == k, (k, report.problems)


@pytest.mark.parametrize("forged_link", [True, False])
def test_inserted_entry_is_named(export: Exporter, forged_link: bool) -> None:
    rng = random.Random(6)
    for p in rng.sample(range(N), 15):
        previous = leaf_hash(audit_leaf(p - 1, LOG[p - 1][1])).hex() if p else ""
        fake = entry(p, previous if forged_link else "00" * 32, rng)
        report = export.verify([*LOG[:p], (p, fake), *LOG[p:]])
        assert not report.ok
        assert report.first_bad_index == p, (p, report.problems)


def test_truncated_tail_is_named(export: Exporter) -> None:
    for t in [0, *random.Random(7).sample(range(1, N), 10)]:
        report = export.verify(LOG[:t])
        assert report.first_bad_index == t, (t, report.problems)
        assert any(f"only {t} entries present" in p for p in report.problems)


def test_replaced_checkpoint_is_named(export: Exporter) -> None:
    for i, size in enumerate(SIZES):
        forged = CHECKPOINTS.copy()
        forged[i] = checkpoint(HUB, size, random.Random(i).randbytes(32))
        report = export.verify(LOG, forged)
        assert not report.ok
        assert any(p.startswith(f"checkpoint {size}:") for p in report.problems)
        # A later checkpoint that matches vouches for the entries: the checkpoint is bad.
        expected = SIZES[i - 1] if size == N else None
        assert report.first_bad_index == expected, report.problems


def test_contradicting_checkpoints_of_one_size(export: Exporter) -> None:
    extra = checkpoint(HUB, 16, bytes(32))
    report = export.verify(LOG, [*CHECKPOINTS, extra])
    assert any("checkpoint 16: 2 different roots" in p for p in report.problems)
    assert report.first_bad_index is None


def test_checkpoint_resigned_with_another_key_or_origin(export: Exporter) -> None:
    body = parse_note(CHECKPOINTS[2])[0]
    for forged in (MALLORY.sign(body), corrupt(CHECKPOINTS[2])):
        cps = CHECKPOINTS.copy()
        cps[2] = forged
        report = export.verify(LOG, cps)
        assert not report.ok
        assert any(p.startswith("checkpoint 24 ") for p in report.problems), report.problems
    elsewhere = CHECKPOINTS.copy()
    elsewhere[2] = checkpoint(HUB, 24, tree_of(LOG).root(24), origin="other.example/log")
    report = export.verify(LOG, elsewhere)
    assert any("checkpoint 24" in p and "origin" in p for p in report.problems)
    report = export.verify(LOG, sign_all(LOG, MALLORY))  # everything signed by the wrong key
    assert not report.ok
    assert report.covered == 0
    assert report.first_bad_index is None


def rotated() -> tuple[list[str], list[str]]:
    """Checkpoints up to 32 by OLD, then HUB, with the OLD -> HUB transition at 32."""
    tree = tree_of(LOG)
    cps = [checkpoint(OLD if s <= 32 else HUB, s, tree.root(s)) for s in SIZES]
    return cps, [make_transition(OLD, HUB, ORIGIN, 32)]


def test_rotation_verifies_with_only_the_newest_key(export: Exporter) -> None:
    cps, transitions = rotated()
    assert export.verify(LOG, cps, transitions).ok
    assert not export.verify(LOG, cps, transitions, trusted=OLD.verifier_key()).ok
    assert not export.verify(LOG, cps, []).ok
    three = NoteSigner.generate(ORIGIN)
    chain = [*transitions, make_transition(HUB, three, ORIGIN, 48)]
    tree = tree_of(LOG)
    cps3 = [*cps[:6], checkpoint(three, 56, tree.root(56)), checkpoint(three, 60, tree.root(60))]
    assert export.verify(LOG, cps3, chain, trusted=three.verifier_key()).ok


def test_forged_transitions_are_refused(export: Exporter) -> None:
    cps, transitions = rotated()
    text = parse_note(transitions[0])[0]
    widened = text.replace("\n32\n", "\n60\n")
    for forged in (HUB.sign(text), OLD.sign(text), corrupt(HUB.cosign(OLD.sign(widened)))):
        report = export.verify(LOG, cps, [forged])
        assert not report.ok
        assert any(p.startswith("key transition #1") for p in report.problems), report.problems
        assert any(p.startswith("checkpoint 8 ") for p in report.problems)
    # A retired key signing beyond its handover point is refused.
    late = checkpoint(OLD, 40, tree_of(LOG).root(40))
    report = export.verify(LOG, [*cps[:4], late, *cps[5:]], transitions)
    assert any("checkpoint 40" in p and "retired" in p for p in report.problems)
    # An attacker's key cannot slot itself in front of the trusted one.
    sneaky = make_transition(MALLORY, HUB, ORIGIN, 60)
    report = export.verify(LOG, sign_all(LOG, MALLORY), [MALLORY.sign(parse_note(sneaky)[0])])
    assert not report.ok
    assert report.covered == 0


def test_damaged_bundles_raise_bundle_error_with_the_line(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    write_bundle(folder, LOG, CHECKPOINTS, [], HUB.verifier_key())
    path = folder / "entries.jsonl"
    good = path.read_bytes().splitlines(keepends=True)
    for damage in (b"{not json\n", b'{"index": 4, "stored": "!!"}\n', b"[]\n", b"\xff\n"):
        path.write_bytes(b"".join([*good[:4], damage, *good[5:]]))
        bundle = read_bundle(folder)
        with pytest.raises(BundleError) as caught:
            list(bundle.entries)
        assert caught.value.line == 5
        report = verify_log(bundle.entries, bundle.checkpoints, [], HUB.verifier_key(), ORIGIN)
        assert report.first_bad_index == 4
        assert any("line 5" in p for p in report.problems)
    (folder / "checkpoints" / f"{8:020d}.note").write_bytes(b"\xff\xfe")
    with pytest.raises(BundleError, match="UTF-8"):
        read_bundle(folder)
    for part in ("public-key", "entries.jsonl"):
        (folder / part).unlink()
        with pytest.raises(BundleError, match=part):
            read_bundle(folder)


def test_garbage_input_gives_a_report_not_an_exception() -> None:
    bad_items: list[object] = [None, (1,), ("0", b"x"), (0, "text"), (True, b"x"), (-1, b"x")]
    for item in bad_items:
        items = cast("list[tuple[int, bytes]]", [item])
        report = verify_log(items, CHECKPOINTS, [], HUB.verifier_key(), ORIGIN)
        assert not report.ok
    assert not verify_log(LOG, CHECKPOINTS, [], "not a key", ORIGIN).ok
    notes = cast("list[str]", [b"\xff", "", "x\n\n", None])
    assert not verify_log(LOG, notes, ["junk"], HUB.verifier_key(), ORIGIN).ok
    report = verify_log([(0, b"\xff{")], [], [], HUB.verifier_key(), ORIGIN)
    assert report.first_bad_index == 0
    assert not verify_log(LOG, [], [], HUB.verifier_key(), ORIGIN).ok  # nothing certifies


def test_a_million_entries_stream(export: Exporter) -> None:
    """Scaled down to keep the suite fast; the code path is the streaming one."""
    log = make_log(5000, seed=9)
    report = export.verify(log, sign_all(log, sizes=[1000, 4096, 5000]))
    assert report.ok
    assert report.entries == 5000


TREE = tree_of(LOG)
OLD_CP, NEW_CP = CHECKPOINTS[1], CHECKPOINTS[-1]  # sizes 16 and 60


def consistent(proof: Sequence[bytes], old: str = OLD_CP, new: str = NEW_CP) -> bool:
    return verify_checkpoint_consistency(old, new, proof, HUB.verifier_key(), ORIGIN)


def test_honest_consistency_proof_verifies() -> None:
    assert consistent(TREE.consistency_proof(16, 60))
    assert consistent([], OLD_CP, OLD_CP)
    empty = checkpoint(HUB, 0, tree_of([]).root())
    assert consistent([], empty, NEW_CP)


def test_dishonest_server_is_caught() -> None:
    proof = TREE.consistency_proof(16, 60)
    for i in range(len(proof)):
        for bit in (0, 7):
            forged = proof.copy()
            forged[i] = bytes([forged[i][0] ^ (1 << bit)]) + forged[i][1:]
            assert not consistent(forged)
    assert not consistent(proof[:-1])
    assert not consistent([*proof, proof[0]])
    assert not consistent(TREE.consistency_proof(24, 60))
    assert not consistent(proof, NEW_CP, OLD_CP)
    # A forked log: the server signed a checkpoint over rewritten history.
    fork = LOG.copy()
    fork[3] = (3, flip(fork[3][1], random.Random(8)))
    fork_tree = tree_of(fork)
    fork_cp = checkpoint(HUB, 60, fork_tree.root(60))
    assert not consistent(fork_tree.consistency_proof(16, 60), OLD_CP, fork_cp)
    assert not consistent(proof, OLD_CP, checkpoint(MALLORY, 60, TREE.root(60)))
    assert not consistent(proof, OLD_CP, NEW_CP.replace("\n60\n", "\n61\n"))
    for junk in (None, b"", "xx", [b"short"], [1, 2]):
        assert not consistent(cast("Sequence[bytes]", junk))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(min_size=30, max_size=33), max_size=8))
def test_random_proofs_are_refused(proof: list[bytes]) -> None:
    assert not consistent(proof)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=60) | st.sampled_from([b'{"index": 0}', b'{"index": 1, "stored": ""}']))
def test_any_damaged_line_raises_only_bundle_error(
    tmp_path_factory: pytest.TempPathFactory, line: bytes
) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "b"
    write_bundle(folder, LOG[:1], [], [], HUB.verifier_key())
    line = line.replace(b"\n", b" ")
    (folder / "entries.jsonl").write_bytes(b'{"index": 0, "stored": "e30="}\n' + line + b"\n")
    errors: list[BundleError] = []
    try:
        items = list(read_bundle(folder).entries)
    except BundleError as error:
        errors.append(error)
        items = []
    assert [e.line for e in errors] == [2] or items[0] == (0, b"{}")
