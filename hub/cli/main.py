"""The dispatch table: which function answers each command, and whether it needs the hub.

Commands in :data:`WITHOUT_HUB` never start the hub's application: ``serve`` starts it in
each worker; ``simulate`` refuses a used store before anything is written; ``audit verify``
and ``audit export`` only read; ``keys init`` and ``witness`` touch only ``HUB_HOME``. The
rest run with the hub started here and closed when they finish.
"""

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from domain.errors import DomainError
from hub.audit.checkpoints import PublicKeyError
from hub.cli import admin, auditor, importing, processes, reporting, simulating
from hub.cli.common import UsageError
from hub.cli.parser import parser
from hub.errors import HubError
from hub.ports import KeyMissing, StoreUrlError
from hub.settings import Settings, SettingsError

if TYPE_CHECKING:
    from hub.bootstrap import Hub

T = TypeVar("T")
Direct = Callable[[Settings, argparse.Namespace], int]
WithHub = Callable[["Hub", Settings, argparse.Namespace], int]

# (command, action): an action of None answers every action of the command.
WITHOUT_HUB: dict[tuple[str, str | None], Direct] = {
    ("serve", None): processes.serve,
    ("witness", None): processes.witness,
    ("simulate", None): simulating.simulate,
    ("audit", "verify"): auditor.verify,
    ("audit", "export"): auditor.export,
    ("keys", "init"): admin.init_keys,
}
WITH_HUB: dict[tuple[str, str | None], WithHub] = {
    ("ingest", None): processes.stream,
    ("relay", None): processes.stream,
    ("agencies", None): admin.agencies,
    ("users", None): admin.users,
    ("keys", "rotate-master"): admin.rotate_master,
    ("keys", "rotate-audit"): admin.rotate_audit,
    ("policy", None): admin.policy,
    ("retention", None): admin.retention,
    ("sar", None): admin.subject_access,
    ("erase", None): admin.erase,
    ("demo", None): admin.demo,
    ("audit", None): auditor.audit,
    ("report", None): reporting.report,
    ("import", None): importing.import_caseload,
}


def _find(table: dict[tuple[str, str | None], T], args: argparse.Namespace) -> T | None:
    action = getattr(args, "action", None)
    return table.get((args.command, action)) or table.get((args.command, None))


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    direct = _find(WITHOUT_HUB, args)
    if direct is not None:
        return direct(settings, args)
    handler = _find(WITH_HUB, args)
    if handler is None:  # every command the parser knows is in a table
        raise UsageError(f"hub {args.command}: not a command")
    from hub.bootstrap import bootstrap

    hub = bootstrap(settings)
    try:
        return handler(hub, settings, args)
    finally:
        hub.close()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except (UsageError, SettingsError, StoreUrlError, KeyMissing, PublicKeyError) as error:
        print(str(error).splitlines()[0], file=sys.stderr)
        return 2
    except (HubError, DomainError) as error:
        print(f"hub: {error}", file=sys.stderr)
        return 1 if isinstance(error, HubError) and error.transient else 2
