"""``hub import``: a local authority's open caseload at go-live, from its CSV files."""

import argparse
import sys
from typing import TYPE_CHECKING

from domain.caseload import CaseloadKind, RowError
from hub.cli.common import UsageError, operator
from hub.progress import Progress
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.bootstrap import Hub


def _report(errors: list[RowError]) -> None:
    """Each bad row: its line and the column at fault, never the value."""
    for error in errors:
        print(f"hub import: {error}", file=sys.stderr)


def import_caseload(hub: "Hub", settings: Settings, args: argparse.Namespace) -> int:
    """Check every row, then store the file (or, with --skip-bad-rows, its good rows): exit 0
    all stored, 1 rows skipped, 2 bad usage or a file with errors (nothing stored)."""
    from hub.bootstrap import refuse_demo_users

    refuse_demo_users(hub, "import")
    kind = CaseloadKind(args.kind)
    hub.caseload.authority(args.agency)
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as lines, \
                Progress(f"hub import: {kind.value} rows checked") as bar:
            checked = hub.caseload.check(kind, lines, lambda done, _: bar.update(done),
                                         production=settings.is_production)
    except OSError as error:
        raise UsageError(f"hub import: cannot read {args.file} ({error.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"hub import: {args.file} is not UTF-8 text") from None
    _report(checked.errors)
    bad = len({e.line for e in checked.errors})
    if bad and not args.skip_bad_rows:
        print(f"hub import: {bad} of {checked.total} rows are bad; nothing stored (correct "
              "them, or give --skip-bad-rows to store the others)", file=sys.stderr)
        return 2
    with Progress(f"hub import: {kind.value} rows prepared", len(checked.rows)) as bar:
        loaded = hub.caseload.load(operator(), args.agency, kind, checked.rows,
                                   skip_bad_rows=args.skip_bad_rows,
                                   progress=lambda done, total: bar.update(done, total))
    _report(loaded.errors)
    if loaded.errors and not args.skip_bad_rows:
        print(f"hub import: {len(loaded.errors)} rows conflict with the hub's records; "
              "nothing stored (or give --skip-bad-rows to store the others)", file=sys.stderr)
        return 2
    skipped = bad + len(loaded.errors)
    print(f"imported {loaded.stored} {kind.value} rows for {args.agency} "
          f"({len(loaded.children)} children); {loaded.already} imported before; "
          f"{skipped} bad rows skipped")
    return 1 if skipped else 0
