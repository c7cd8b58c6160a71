"""The auditor's commands: verify (live or offline), export, who-saw, checkpoint.

``verify`` and ``export`` only read. They open the database read-only (never through the
hub's application, which creates tables and files and may publish a policy), sign nothing,
append nothing, and need no private key: verification trusts a verifier key given on the
command line (or a file holding it) or, on the hub's own host, the public key the hub keeps in
``HUB_HOME/audit/verifier-key``. Beyond the signed checkpoints in the store they check the
entries against three records kept elsewhere: the last checkpoint this hub signed, kept in
``HUB_HOME`` (on the hub's host); a checkpoint an auditor kept (``--trusted-checkpoint``);
and what each configured witness (``HUB_AUDIT_WITNESSES``) last cosigned. A store behind or
inconsistent with any of them is reported ("rolled back: the witness W cosigned size N") and
the command exits 1. Damage is reported, never raised: the first bad entry is named.
"""

from __future__ import annotations

import argparse
import getpass
import json
import socket
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from adapters.readonly_store import NoStore, ReadOnlyStore
from domain.audit import AuditEntryRecorded, AuditKind
from hub.audit.bundle import BundleError, read_bundle, write_bundle
from hub.audit.checkpoints import SIGNING_KEY, LogMismatch, PublicKeyError
from hub.audit.fhir import privacy_disclosure
from hub.audit.history import disclosures
from hub.audit.memory import SignerMemory, published_verifier_key, store_identity
from hub.audit.notes import Checkpoint, KeyChain, NoteSigner, NoteVerifier
from hub.audit.service import with_names
from hub.audit.trail import AUDIT_LOG_ID
from hub.audit.verify import Report, verify_log
from hub.audit.witnesses import WitnessConfig, Witnesses
from hub.bootstrap import Hub, key_files, open_witnesses
from hub.errors import InvalidInput, StoreUnavailable
from hub.settings import Settings
from hub.store import DateAsISO

VERIFICATION = "verification.txt"
_MAX_NOTE_BYTES = 1 << 20


def trusted_verifier(public_key: str | None, home: Path | None) -> NoteVerifier:
    """The key a verification trusts: the one given (or a file holding it); else, on the
    hub's host, the public key it keeps in HUB_HOME/audit/verifier-key. Never the private
    signing key, and never the ``public-key`` file that came with an export."""
    if public_key is None:
        published = published_verifier_key(home) if home is not None else None
        if published is None:
            where = "" if home is None else f" (none is kept in {home}/audit/verifier-key)"
            raise PublicKeyError("give --public-key: the hub's verifier key, or a file holding "
                                 f"it, obtained from its operator by another route{where}")
        public_key = published
    path = Path(public_key)
    text = path.read_text(encoding="utf-8").strip() if path.is_file() else public_key.strip()
    try:
        return NoteVerifier.parse(text)
    except ValueError:
        raise PublicKeyError("--public-key: not a verifier key (name+keyid+base64 key)") from None


def read_checkpoint_file(path: str | None) -> str | None:
    """The note in ``--trusted-checkpoint FILE``; bad input (exit 2) if it cannot be read."""
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            data = file.read(_MAX_NOTE_BYTES + 1)
        if len(data) > _MAX_NOTE_BYTES:
            raise ValueError("too large")
        return data.decode("utf-8")
    except (OSError, ValueError) as error:
        raise InvalidInput(f"--trusted-checkpoint: cannot read {path} "
                           f"({getattr(error, 'strerror', None) or error})") from None


@dataclass
class Verdict:
    """A verification's outcome: the log's report and the checks against kept checkpoints."""

    report: Report
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said, but not problems
    first_bad: int | None = None
    headline: str | None = None  # the most telling problem, for the one-line summary

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.problems

    def problem(self, message: str, first_bad: int | None = None) -> None:
        self.problems.append(message)
        if self.headline is None and message.startswith(("rolled back", "inconsistent")):
            self.headline = message.split(";")[0]
        if first_bad is not None:
            self.first_bad = first_bad if self.first_bad is None else min(self.first_bad,
                                                                          first_bad)

    def lines(self) -> list[str]:
        return [*self.report.problems, *self.problems, *self.notes]


class _Signed:
    """Checkpoints the trusted key (or a key it leads back to) signed: size -> (root, note)."""

    def __init__(self, chain: KeyChain, origin: str) -> None:
        self.chain, self.origin = chain, origin
        self.by_size: dict[int, tuple[bytes, str]] = {}

    def open(self, note: str) -> Checkpoint | None:
        try:
            checkpoint = self.chain.open_checkpoint(note, self.origin)
        except Exception:
            return None
        self.by_size.setdefault(checkpoint.size, (checkpoint.root, note))
        return checkpoint

    def at_least(self, size: int, most: int) -> tuple[int, str] | None:
        """The smallest signed checkpoint of a size in [size, most], with its note."""
        sizes = sorted(s for s in self.by_size if size <= s <= most)
        return (sizes[0], self.by_size[sizes[0]][1]) if sizes else None

    def largest(self) -> str | None:
        return self.by_size[max(self.by_size)][1] if self.by_size else None


def examine(entries: Iterable[tuple[int, bytes]], checkpoints: list[str],
            transitions: list[str], trusted: NoteVerifier, origin: str, *,
            kept: str | None = None, trusted_checkpoint: str | None = None,
            witnesses: Witnesses | None = None) -> Verdict:
    """Verify the entries and every signed checkpoint, then hold them against the checkpoint
    kept in HUB_HOME, the auditor's trusted checkpoint and the witnesses. Never raises on bad
    data: everything wrong is a problem line."""
    extra = [note for note in (kept, trusted_checkpoint) if note is not None]
    report = verify_log(entries, [*checkpoints, *extra], transitions, trusted.verifier_key(),
                        origin)
    verdict = Verdict(report, first_bad=report.first_bad_index)
    try:
        chain = KeyChain.build(trusted, transitions, origin)
    except Exception:
        chain = KeyChain({trusted: None}, [])
    signed = _Signed(chain, origin)
    for note in checkpoints:
        signed.open(note)
    count = report.entries
    witnesses = witnesses or Witnesses(())
    held: list[tuple[str | None, str]] = [(kept, "this hub signed"),
                                          (trusted_checkpoint, "the trusted checkpoint")]
    for held_note, what in held:
        if held_note is not None:
            _against_kept(verdict, signed, held_note, what, count, witnesses)
    for config in witnesses.configs:
        _against_witness(verdict, signed, config, witnesses, count)
    return verdict


def _against_kept(verdict: Verdict, signed: _Signed, note: str, what: str, count: int,
                  witnesses: Witnesses) -> None:
    checkpoint = signed.open(note)
    where = " (kept in HUB_HOME)" if what == "this hub signed" else ""
    if checkpoint is None:
        verdict.problem(f"the checkpoint {what}{where} is not signed by the trusted key")
        return
    tree = verdict.report.tree
    cosigners = [c.name for c in witnesses.cosigners(note)] if witnesses else []
    said = (f"the witness {cosigners[0]} cosigned size {checkpoint.size}" if cosigners
            else f"{what} size {checkpoint.size}{where}" if what == "this hub signed"
            else f"{what} has size {checkpoint.size}")
    if checkpoint.size > count:
        verdict.problem(f"rolled back: {said}; the store holds {count} entries", count)
    elif tree is not None and tree.root(checkpoint.size) != checkpoint.root:
        verdict.problem(f"inconsistent: the entries do not give the root {what} for size "
                        f"{checkpoint.size}{where}")


def _against_witness(verdict: Verdict, signed: _Signed, config: WitnessConfig,
                     witnesses: Witnesses, count: int) -> None:
    """Ask the witness what it last cosigned, by showing it the largest checkpoint we hold
    (old size 0: it answers 409 with its size, changing nothing), then check the entries
    against that size."""
    name = config.name
    shown = signed.largest()
    if shown is None:
        verdict.problem(f"witness {name}: no signed checkpoint to show it, so whether the "
                        "store was rolled back cannot be told")
        return
    reply = witnesses.submit(config, 0, [], shown)
    if reply.outcome == "cosigned":
        verdict.notes.append(f"witness {name} had cosigned nothing of this log; it has now "
                             f"cosigned size {reply.size}")
        return
    if reply.outcome != "conflict" or reply.size is None:
        verdict.problem(f"witness {name} ({config.url}): {reply.problem}; whether the store "
                        "was rolled back cannot be told")
        return
    size = reply.size
    tree = verdict.report.tree
    if size > count:
        verdict.problem(f"rolled back: the witness {name} cosigned size {size}; the store "
                        f"holds {count} entries", count)
        return
    if size in signed.by_size and tree is not None:
        if tree.root(size) != signed.by_size[size][0]:
            verdict.problem(f"inconsistent with the witness {name}: the entries do not give "
                            f"the root it cosigned for size {size}")
        else:
            verdict.notes.append(f"witness {name} cosigned size {size}: consistent")
        return
    later = signed.at_least(size, count)
    if later is None or tree is None:
        verdict.problem(f"the witness {name} cosigned size {size}, and no checkpoint in this "
                        "store lets its root be checked")
        return
    target, note = later
    proof = tree.consistency_proof(size, target) if size < target else []
    reply = witnesses.submit(config, size, proof, note)
    if reply.outcome == "cosigned":
        verdict.notes.append(f"witness {name} cosigned size {size}, consistent with these "
                             f"entries (it has now cosigned size {target})")
    elif reply.outcome == "inconsistent":
        verdict.problem(f"inconsistent with the witness {name}: {reply.problem}")
    else:
        verdict.problem(f"witness {name}: {reply.problem or reply.outcome}; its size {size} "
                        "could not be checked")


def _print(verdict: Verdict, what: str) -> int:
    for line in verdict.lines():
        print(line)
    report = verdict.report
    if verdict.ok:
        print(f"{what}: intact: {report.entries} entries, {report.checkpoints_checked} "
              f"signed checkpoints verified")
        return 0
    parts = [f"{what}: NOT intact"]
    if verdict.headline:
        parts.append(verdict.headline)
    if verdict.first_bad is not None:
        parts.append(f"first bad entry {verdict.first_bad}")
    print(": ".join(parts), file=sys.stderr)
    return 1


def _open_store(settings: Settings) -> ReadOnlyStore:
    try:
        return ReadOnlyStore(settings.store_url)
    except NoStore as error:
        raise InvalidInput(str(error)) from None


def _kept(settings: Settings, verdict_problems: list[str]) -> str | None:
    try:
        return SignerMemory(settings.home, settings.store_url).load()
    except ValueError as error:
        verdict_problems.append(f"the checkpoint this hub keeps in HUB_HOME is damaged: {error}")
        return None


def check_store(settings: Settings, store: ReadOnlyStore, trusted: NoteVerifier,
                trusted_checkpoint: str | None,
                entries: Iterable[tuple[int, bytes]] | None = None) -> Verdict:
    damaged: list[str] = []
    kept = _kept(settings, damaged)
    witnesses = open_witnesses(settings.audit_witnesses)
    try:
        verdict = examine(store.stored_entries() if entries is None else entries,
                          store.checkpoint_notes(), store.transition_notes(), trusted,
                          settings.audit_origin, kept=kept,
                          trusted_checkpoint=trusted_checkpoint, witnesses=witnesses)
    except psycopg.Error as error:
        raise StoreUnavailable(f"the store did not answer ({type(error).__name__})") from None
    finally:
        witnesses.close()
    for problem in damaged:
        verdict.problem(problem)
    return verdict


def verify_live(settings: Settings, public_key: str | None,
                trusted_checkpoint: str | None = None) -> int:
    """Verify the store in place, reading only."""
    store = _open_store(settings)
    trusted = trusted_verifier(public_key, settings.home)
    checkpoint = read_checkpoint_file(trusted_checkpoint)
    return _print(check_store(settings, store, trusted, checkpoint), "audit trail")


def verify_bundle(settings: Settings, folder: str, public_key: str | None,
                  trusted_checkpoint: str | None = None) -> int:
    """Offline: nothing in the bundle is trusted but what the given key verifies."""
    if not Path(folder).is_dir():  # bad input (exit 2), not a failed check
        raise InvalidInput("audit verify --export: no such folder")
    trusted = trusted_verifier(public_key, None)
    checkpoint = read_checkpoint_file(trusted_checkpoint)
    try:
        bundle = read_bundle(folder)
    except BundleError as error:
        print(f"bundle: NOT intact: {error}", file=sys.stderr)
        return 1
    witnesses = open_witnesses(settings.audit_witnesses)
    try:
        verdict = examine(bundle.entries, list(bundle.checkpoints), list(bundle.transitions),
                          trusted, trusted.name, trusted_checkpoint=checkpoint,
                          witnesses=witnesses)
    finally:
        witnesses.close()
    return _print(verdict, f"bundle {folder}")


def operator() -> dict[str, str]:
    """Who ran a command on the hub's host (the operating-system account)."""
    return {"cli_user": getpass.getuser(), "host": socket.gethostname()}


def _mapper() -> Mapper[UUID]:
    """Reads stored audit entries as events, as the hub wrote them (no key is needed: audit
    entries hold no sealed values)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder)


class StoredTrail:
    """The audit entries of a read-only store as events, for the FHIR export; an entry that
    cannot be read is counted in ``unreadable`` and left out."""

    def __init__(self, store: ReadOnlyStore) -> None:
        self._store = store
        self._mapper = _mapper()
        self.unreadable = 0

    def entries(self) -> Iterator[AuditEntryRecorded]:
        for version, topic, state in self._store.entry_events():
            try:
                event = self._mapper.to_domain_event(
                    StoredEvent(AUDIT_LOG_ID, version, topic, state))
            except Exception:
                self.unreadable += 1
                continue
            if isinstance(event, AuditEntryRecorded):
                yield event
            else:
                self.unreadable += 1


def _export_key(settings: Settings) -> str:
    """The verifier key written into the bundle (for information: never trusted from it)."""
    published = published_verifier_key(settings.home)
    if published is not None:
        return published
    keys = key_files(settings.home, may_generate=False)
    return NoteSigner.from_private_bytes(settings.audit_origin,
                                         keys.secret(SIGNING_KEY)).verifier_key()


def export(settings: Settings, out: str, public_key: str | None = None) -> int:
    """Write the store as it is into a bundle, with the verification's result beside it.

    Nothing is appended to the store (not even this export's own audit entry) and nothing is
    signed, so a damaged store is exported exactly as it was found. Exit 0 if the store
    verified, 1 if not (the bundle is written either way).
    """
    store = _open_store(settings)
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput("audit export --out: the folder must be new or empty")
    key = _export_key(settings)
    trusted = trusted_verifier(public_key or key, None)
    try:
        write_bundle(folder, store.stored_entries(), store.checkpoint_notes(),
                     store.transition_notes(), key)
        bundle = read_bundle(folder)
        verdict = check_store(settings, store, trusted, None, entries=bundle.entries)
    except psycopg.Error as error:
        raise StoreUnavailable(f"the store did not answer ({type(error).__name__})") from None
    except BundleError as error:  # the folder we just wrote cannot be read back
        raise InvalidInput(f"audit export: {error}") from None
    trail = StoredTrail(store)
    fhir = folder / "fhir"
    fhir.mkdir()
    count = 0
    with (fhir / "AuditEvent.ndjson").open("w", encoding="utf-8") as out_file:
        for row in disclosures(trail):
            out_file.write(json.dumps(privacy_disclosure(row, settings.audit_origin)) + "\n")
            count += 1
    who = operator()
    result = ("intact" if verdict.ok else "NOT intact" + (
        f": first bad entry {verdict.first_bad}" if verdict.first_bad is not None else ""))
    (folder / VERIFICATION).write_text("\n".join([
        f"exported {datetime.now(UTC).isoformat()} by {who['cli_user']} on {who['host']}",
        f"store: {store_identity(settings.store_url)}",
        f"verified against: {trusted.verifier_key()}",
        f"result: {result}: {verdict.report.entries} entries, "
        f"{verdict.report.checkpoints_checked} signed checkpoints checked",
        *verdict.lines(),
        *([f"{trail.unreadable} entries could not be read for the FHIR export"]
          if trail.unreadable else []),
    ]) + "\n", encoding="utf-8")
    print(f"exported {verdict.report.entries} entries, {len(bundle.checkpoints)} checkpoints "
          f"and {count} FHIR AuditEvents to {folder}")
    return _print(verdict, f"export {folder}")


def who_saw(hub: Hub, args: argparse.Namespace) -> int:
    hub.audit.record(kind=AuditKind.AUDIT_ACCESS, action="who-saw", actor=operator(),
                     child_ids=[args.child] if args.child else [],
                     details={"owner": args.agency})
    rows = list(disclosures(hub.audit, child_id=args.child, owner=args.agency))
    with_names(hub.registry, rows)  # the command is the auditor's, on the hub's host
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'when':32} {'reader':32} {'name':24} {'purpose':20} {'record owner':18} "
          f"{'shown':8} data classes; grounds")
    for r in rows:
        reader = f"{r['reader']['agency']}/{r['reader']['role']}"
        flag = " BREAK-GLASS" if r["break_glass"] else ""
        print(f"{r['at']:32} {reader:32} {r['reader']['name'] or '-':24} "
              f"{r['purpose'] or '':20} {r['owner']:18} "
              f"{r['visibility']:8} {','.join(r['data_classes'])}; "
              f"{','.join(r['grounds'])}{flag}")
    print(f"{len(rows)} disclosures")
    return 0


def checkpoint(hub: Hub) -> int:
    """Sign a checkpoint now (the checkpointer's own act, with every check it makes)."""
    try:
        latest = hub.checkpoints.checkpoint(force=True)
    except LogMismatch as error:
        print(f"hub audit checkpoint: refused: {error}", file=sys.stderr)
        return 1
    print(latest.note if latest else "the audit trail is empty")
    return 0


def run(hub: Hub, args: argparse.Namespace) -> int:
    if args.action == "checkpoint":
        return checkpoint(hub)
    return who_saw(hub, args)
