"""The auditor's commands: ``hub audit verify``, ``export``, ``who-saw``, ``could-see``,
``replay`` and ``checkpoint``. Verify and export only read (:mod:`hub.audit.examination`);
the others run through the hub and are audited."""

import argparse
import json
import sys
from typing import TYPE_CHECKING

from domain.audit import AuditKind
from hub.audit import examination
from hub.audit.bundle import BundleError
from hub.audit.checkpoints import LogMismatch
from hub.audit.held_against import Verdict
from hub.audit.history import disclosures
from hub.audit.service import with_names
from hub.cli.common import operator
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.bootstrap import Hub


def _print(verdict: Verdict, what: str) -> int:
    """Every finding, then one line: intact (exit 0) or NOT intact with why (exit 1)."""
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


def verify(settings: Settings, args: argparse.Namespace) -> int:
    """The live store in place, or an exported bundle offline."""
    if not args.export:
        return _print(examination.verify_store(settings, args.public_key,
                                               args.trusted_checkpoint), "audit trail")
    try:
        verdict = examination.verify_export(settings, args.export, args.public_key,
                                            args.trusted_checkpoint)
    except BundleError as error:
        print(f"bundle: NOT intact: {error}", file=sys.stderr)
        return 1
    return _print(verdict, f"bundle {args.export}")


def export(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 if the store verified, 1 if not (the bundle is written either way)."""
    done = examination.export(settings, args.out, operator())
    print(f"exported {done.verdict.report.entries} entries, {done.checkpoints} checkpoints "
          f"and {done.fhir_events} FHIR AuditEvents to {args.out}")
    return _print(done.verdict, f"export {args.out}")


def audit(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    del settings
    actions = {"who-saw": who_saw, "checkpoint": checkpoint, "could-see": could_see,
               "replay": replay}
    return actions[args.action](hub, args)


def who_saw(hub: "Hub", args: argparse.Namespace) -> int:
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


def checkpoint(hub: "Hub", args: argparse.Namespace) -> int:
    """Sign a checkpoint now (the checkpointer's own act, with every check it makes)."""
    del args
    try:
        latest = hub.checkpoints.checkpoint(force=True)
    except LogMismatch as error:
        print(f"hub audit checkpoint: refused: {error}", file=sys.stderr)
        return 1
    print(latest.note if latest else "the audit trail is empty")
    return 0


def could_see(hub: "Hub", args: argparse.Namespace) -> int:
    rows = hub.entitlements.could_see(args.child, args.at)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    print(f"{'agency':20} {'role':20} {'record':36} {'data class':19} "
          f"{'visibility':10} grounds (purposes)")
    for r in rows:
        print(f"{r['agency']:20} {r['role']:20} {r['record']:36} {r['data_class']:19} "
              f"{r['visibility']:10} {','.join(r['grounds'])} ({','.join(r['purposes'])})")
    return 0


def replay(hub: "Hub", args: argparse.Namespace) -> int:
    del args
    checked, mismatches = hub.entitlements.replay()
    for mismatch in mismatches:
        print(mismatch)
    print(f"replayed {checked} audited reads: {len(mismatches)} mismatches")
    return 1 if mismatches else 0
