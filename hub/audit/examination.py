"""Examining the audit trail: verification (live or offline) and export, for the auditor's
commands in :mod:`hub.cli.auditor`.

Both only read. They open the database read-only (never through the hub's application, which
creates tables and files and may publish a policy), sign nothing, append nothing, and need no
private key: verification trusts a verifier key given on the command line (or a file holding
it) or, on the hub's own host, the public key the hub keeps in ``HUB_HOME/audit/verifier-key``.
Beyond the signed checkpoints in the store they check the entries against three records kept
elsewhere: the last checkpoint this hub signed, kept in ``HUB_HOME`` (on the hub's host); a
checkpoint an auditor kept (``--trusted-checkpoint``); and what each configured witness
(``HUB_AUDIT_WITNESSES``) last cosigned. A store behind or inconsistent with any of them is a
problem ("rolled back: the witness W cosigned size N"). Damage is reported, never raised: the
first bad entry is named.
"""

from __future__ import annotations

import json
import time
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
from domain.audit import AuditEntryRecorded
from hub.audit.bundle import BundleError, read_bundle, write_bundle
from hub.audit.checkpoints import PublicKeyError
from hub.audit.fhir import privacy_disclosure
from hub.audit.history import disclosures
from hub.audit.memory import SignerMemory, published_verifier_key, store_identity
from hub.audit.notes import Checkpoint, KeyChain, NoteVerifier, parse_note
from hub.audit.trail import AUDIT_LOG_ID
from hub.audit.verify import Report, verify_log
from hub.audit.witnesses import Reply, WitnessConfig, Witnesses
from hub.bootstrap import open_witnesses
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
    try:
        text = (path.read_text(encoding="utf-8").strip() if path.is_file()
                else public_key.strip())
        return NoteVerifier.parse(text)
    except OSError as error:
        raise PublicKeyError(f"--public-key: cannot read the file ({error.strerror})") from None
    except ValueError:  # UnicodeDecodeError too: a file that is not text
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
    if not witnesses.configs:
        held_by = ("a checkpoint kept outside the store" if kept or trusted_checkpoint
                   else "nothing outside the store: an older copy put back, or entries "
                   "removed with their checkpoints, would not show")
        verdict.notes.append(f"no witness is configured (HUB_AUDIT_WITNESSES): the store was "
                             f"held against {held_by}")
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
    """Ask the witness about the largest checkpoint we hold, of size N, with ``old N`` and no
    proof. It compares roots if it cosigned size N (200 if they match: a cosignature of a tree
    it already holds; 409 if not: the store holds another tree of that size), and otherwise
    answers 409 with its size, changing nothing: verify never makes a witness cosign a tree
    it did not hold, nor one that has cosigned nothing (a rolled-back copy must not become
    what a new witness vouches for). Then the entries are held against the size it gives."""
    name = config.name
    shown = signed.largest()
    if shown is None:
        verdict.problem(f"witness {name}: no signed checkpoint to show it, so whether the "
                        "store was rolled back cannot be told")
        return
    shown_size = max(signed.by_size)
    reply = _ask(witnesses, config, shown_size, shown)
    if reply.outcome == "cosigned" and not _said_now(config, shown, reply):
        verdict.problem(f"witness {name} ({config.url}): answered with a cosignature made "
                        f"before now (replayed, not its word on what it holds); whether the "
                        "store was rolled back cannot be told")
        return
    if reply.outcome == "cosigned":
        verdict.notes.append(f"witness {name} cosigned size {shown_size}: the same tree")
        return
    if reply.outcome == "inconsistent":
        verdict.problem(f"inconsistent with the witness {name}: {reply.problem}")
        return
    if reply.outcome != "conflict" or reply.size is None:
        verdict.problem(f"witness {name} ({config.url}): {reply.problem}; whether the store "
                        "was rolled back cannot be told")
        return
    _against_witness_size(verdict, signed, config, witnesses, count, reply.size)


def _against_witness_size(verdict: Verdict, signed: _Signed, config: WitnessConfig,
                          witnesses: Witnesses, count: int, size: int) -> None:
    """The witness cosigned ``size``, another size than the largest checkpoint held."""
    name = config.name
    carried = max((s for s, (_, note) in signed.by_size.items()
                   if config in witnesses.cosigners(note)), default=0)
    if carried > size:
        verdict.problem(f"witness {name} ({config.url}) says it cosigned size {size}, but "
                        f"the checkpoint of size {carried} carries its cosignature: it lost "
                        "its state, or something else answers for it; whether the store was "
                        "rolled back cannot be told")
        return
    if size == 0:
        verdict.notes.append(f"witness {name} has cosigned nothing of this log, so whether "
                             "the store was rolled back cannot be told by it")
        return
    tree = verdict.report.tree
    if size > count:
        verdict.problem(f"rolled back: the witness {name} cosigned size {size}; the store "
                        f"holds {count} entries", count)
        return
    if size in signed.by_size:
        reply = _ask(witnesses, config, size, signed.by_size[size][1])
        if reply.outcome == "cosigned" and not _said_now(config, signed.by_size[size][1],
                                                         reply):
            verdict.problem(f"witness {name} ({config.url}): answered with a cosignature "
                            "made before now; its size could not be checked")
        elif reply.outcome == "cosigned":
            verdict.notes.append(f"witness {name} cosigned size {size}: the same tree")
        elif reply.outcome in ("inconsistent", "conflict"):
            verdict.problem(f"inconsistent with the witness {name}: it cosigned another tree "
                            f"of size {size}")
        else:
            verdict.problem(f"witness {name}: {reply.problem or reply.outcome}; its size "
                            f"{size} could not be checked")
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


FRESH_SECONDS = 300


def _said_now(config: WitnessConfig, note: str, reply: Reply) -> bool:
    """Whether a cosignature the witness answered with is its word now: made in the last
    five minutes, and after its cosignatures already on the note (so not one of those,
    replayed by whoever answered for it)."""
    if reply.line is None:
        return False
    made = config.verifier.timestamp(parse_note(note)[0], reply.line)
    return made is not None and made > _last_cosigned(config, note) \
        and made >= time.time() - FRESH_SECONDS


def _last_cosigned(config: WitnessConfig, note: str) -> int:
    """The time (whole seconds) of the witness's latest cosignature on the note, or -1."""
    text, lines = parse_note(note)
    return max((t for t in (config.verifier.timestamp(text, line) for line in lines)
                if t is not None), default=-1)


def _ask(witnesses: Witnesses, config: WitnessConfig, size: int, note: str) -> Reply:
    """Show the witness ``note`` at its own size. Its cosignature carries a time in whole
    seconds: if it cosigned this note within the current second, wait for the next, so that
    its answer now is told apart from the line already on the note."""
    wait = _last_cosigned(config, note) + 1 - time.time()
    if 0 < wait <= 1:
        time.sleep(wait)
    return witnesses.submit(config, size, [], note)


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


def verify_store(settings: Settings, public_key: str | None,
                 trusted_checkpoint: str | None = None) -> Verdict:
    """Verify the store in place, reading only."""
    store = _open_store(settings)
    trusted = trusted_verifier(public_key, settings.home)
    checkpoint = read_checkpoint_file(trusted_checkpoint)
    return check_store(settings, store, trusted, checkpoint)


def verify_export(settings: Settings, folder: str, public_key: str | None,
                  trusted_checkpoint: str | None = None) -> Verdict:
    """Offline: nothing in the bundle is trusted but what the given key verifies. Raises
    BundleError if the bundle cannot be read as one."""
    if not Path(folder).is_dir():  # bad input (exit 2), not a failed check
        raise InvalidInput("audit verify --export: no such folder")
    trusted = trusted_verifier(public_key, None)
    checkpoint = read_checkpoint_file(trusted_checkpoint)
    bundle = read_bundle(folder)
    witnesses = open_witnesses(settings.audit_witnesses)
    try:
        return examine(bundle.entries, list(bundle.checkpoints), list(bundle.transitions),
                       trusted, trusted.name, trusted_checkpoint=checkpoint,
                       witnesses=witnesses)
    finally:
        witnesses.close()


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
    if published is None:
        raise PublicKeyError(f"give --public-key: no verifier key is kept in "
                             f"{settings.home}/audit/verifier-key (export never reads the "
                             "private signing key)")
    return published


@dataclass
class Exported:
    """What an export wrote: the verification of what it read, and how much."""

    verdict: Verdict
    checkpoints: int
    fhir_events: int


def export(settings: Settings, out: str, who: dict[str, str],
           public_key: str | None = None) -> Exported:
    """Write the store as it is into a bundle, with the verification's result beside it.

    Nothing is appended to the store (not even this export's own audit entry) and nothing is
    signed, so a damaged store is exported exactly as it was found. ``who`` ran it (named in
    the bundle's verification.txt). The bundle is written whether the store verified or not.
    """
    store = _open_store(settings)
    folder = Path(out)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput("audit export --out: the folder must be new or empty")
    trusted = trusted_verifier(public_key or _export_key(settings), None)
    key = trusted.verifier_key()
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
    return Exported(verdict, len(bundle.checkpoints), count)
