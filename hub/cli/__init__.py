"""The ``hub`` command line. Exit 0 success, 1 a check failed, 2 bad usage or bad input.

One module per command group (:mod:`~hub.cli.processes` for the long-running ones,
:mod:`~hub.cli.admin`, :mod:`~hub.cli.auditor`, :mod:`~hub.cli.simulating`,
:mod:`~hub.cli.reporting`); :mod:`~hub.cli.main` holds the dispatch table.
"""

from hub.cli.common import UsageError
from hub.cli.main import main, run
from hub.cli.parser import parser as _parser
from hub.cli.processes import SignalStop

__all__ = ["SignalStop", "UsageError", "_parser", "main", "run"]
