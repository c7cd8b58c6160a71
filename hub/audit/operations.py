"""The auditor's commands: verify (live or offline), export, who-saw, checkpoint."""

import argparse
import getpass
import json
import socket
import sys
from contextlib import suppress
from pathlib import Path

from adapters.keys import KeyFiles
from domain.audit import AuditKind
from hub.audit.bundle import BundleError, read_bundle, write_bundle
from hub.audit.checkpoints import LogMismatch, SigningKeys, trusted_verifier
from hub.audit.fhir import privacy_disclosure
from hub.audit.history import disclosures
from hub.audit.service import with_names
from hub.audit.verify import Report, verify_log
from hub.bootstrap import Hub
from hub.errors import InvalidInput
from hub.settings import Settings


def _report(report: Report, what: str) -> int:
    for problem in report.problems:
        print(problem)
    if report.ok:
        print(f"{what}: intact: {report.entries} entries, {report.checkpoints_checked} "
              f"signed checkpoints verified")
        return 0
    first = report.first_bad_index
    print(f"{what}: NOT intact" + (f": first bad entry {first}" if first is not None else ""),
          file=sys.stderr)
    return 1


def verify_live(hub: Hub, public_key: str | None) -> int:
    with suppress(LogMismatch):  # an altered store is reported below, never signed over
        hub.checkpoints.checkpoint(force=True)
    trusted = trusted_verifier(public_key, SigningKeys(hub.keys, hub.checkpoints.origin))
    report = verify_log(hub.audit.stored_entries(), [c.note for c in hub.checkpoints.all()],
                        hub.checkpoints.transitions(), trusted.verifier_key(),
                        hub.checkpoints.origin)
    return _report(report, "audit trail")


def verify_bundle(settings: Settings, folder: str, public_key: str | None) -> int:
    """Offline: nothing in the bundle is trusted but what the given key verifies."""
    if not Path(folder).is_dir():  # bad input (exit 2), not a failed check
        raise InvalidInput("audit verify --export: no such folder")
    try:
        bundle = read_bundle(folder)
    except BundleError as error:
        print(f"bundle: NOT intact: {error}", file=sys.stderr)
        return 1
    keys = SigningKeys(KeyFiles(settings.home, may_generate=False), settings.audit_origin)
    trusted = trusted_verifier(public_key, keys)
    report = verify_log(bundle.entries, bundle.checkpoints, bundle.transitions,
                        trusted.verifier_key(), trusted.name)
    return _report(report, f"bundle {folder}")


def operator() -> dict[str, str]:
    """Who ran a command on the hub's host (the operating-system account)."""
    return {"cli_user": getpass.getuser(), "host": socket.gethostname()}


def export(hub: Hub, out: str) -> int:
    hub.audit.record(kind=AuditKind.AUDIT_ACCESS, action="export-audit", actor=operator(),
                     details={"out": Path(out).name})
    hub.checkpoints.checkpoint(force=True)
    folder = Path(out)
    write_bundle(folder, hub.audit.stored_entries(), [c.note for c in hub.checkpoints.all()],
                 hub.checkpoints.transitions(),
                 SigningKeys(hub.keys, hub.checkpoints.origin).verifier_key())
    fhir = folder / "fhir"
    fhir.mkdir()
    count = 0
    with (fhir / "AuditEvent.ndjson").open("w", encoding="utf-8") as out_file:
        for row in disclosures(hub.audit):
            out_file.write(json.dumps(privacy_disclosure(row, hub.checkpoints.origin)) + "\n")
            count += 1
    print(f"exported {hub.audit.size()} entries, {len(hub.checkpoints.all())} checkpoints and "
          f"{count} FHIR AuditEvents to {folder}")
    return 0


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


def run(hub: Hub, args: argparse.Namespace) -> int:
    if args.action == "verify":
        return verify_live(hub, args.public_key)
    if args.action == "export":
        return export(hub, args.out)
    if args.action == "checkpoint":
        latest = hub.checkpoints.checkpoint(force=True)
        print(latest.note if latest else "the audit trail is empty")
        return 0
    return who_saw(hub, args)
