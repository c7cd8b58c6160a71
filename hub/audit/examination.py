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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
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
from hub.audit.held_against import Signed, Verdict, against_kept, against_witness
from hub.audit.history import disclosures
from hub.audit.memory import SignerMemory, published_verifier_key, store_identity
from hub.audit.notes import KeyChain, NoteVerifier
from hub.audit.trail import AUDIT_LOG_ID
from hub.audit.verify import verify_log
from hub.audit.witnesses import Witnesses
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
    signed = Signed(chain, origin)
    for note in checkpoints:
        signed.open(note)
    count = report.entries
    witnesses = witnesses or Witnesses(())
    held: list[tuple[str | None, str]] = [(kept, "this hub signed"),
                                          (trusted_checkpoint, "the trusted checkpoint")]
    for held_note, what in held:
        if held_note is not None:
            against_kept(verdict, signed, held_note, what, count, witnesses)
    for config in witnesses.configs:
        against_witness(verdict, signed, config, witnesses, count)
    if not witnesses.configs:
        held_by = ("a checkpoint kept outside the store" if kept or trusted_checkpoint
                   else "nothing outside the store: an older copy put back, or entries "
                   "removed with their checkpoints, would not show")
        verdict.notes.append(f"no witness is configured (HUB_AUDIT_WITNESSES): the store was "
                             f"held against {held_by}")
    return verdict


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
