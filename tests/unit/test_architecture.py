"""The domain stands on its own: every module in ``domain/`` imports the standard library,
``eventsourcing.domain`` (aggregates and events) and other ``domain`` modules, nothing else.

One exception, named here: ``eventsourcing.utils`` for ``register_topic``, so that events stored
under a module's old name still load after the class moved (``domain/front_door/``).
No framework, no hub service, no adapter, no policy engine: a rule of safeguarding can be read,
and tested, without any of them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = REPO_ROOT / "domain"
ALLOWED_THIRD_PARTY = {"eventsourcing.domain", "eventsourcing.utils"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (at any depth: in functions too), with its line."""
    names: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside the package
                names.append((node.lineno, "domain"))
            elif node.module is not None:
                names.append((node.lineno, node.module))
    return names


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top == "domain" or top in sys.stdlib_module_names:
        return True
    return any(module == a or module.startswith(a + ".") for a in ALLOWED_THIRD_PARTY)


def test_domain_imports_only_the_standard_library_and_eventsourcing_domain() -> None:
    modules = sorted(DOMAIN.rglob("*.py"))
    assert modules, "no domain modules found"
    offending = [f"{path.relative_to(REPO_ROOT)}:{line} imports {name}"
                 for path in modules for line, name in _imports(path) if not _allowed(name)]
    assert offending == [], "\n".join(offending)


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import json\nfrom eventsourcing.domain import Aggregate\n"
                   "def f():\n    from hub.store import HubStore\n"
                   "from eventsourcing.persistence import Tracking\n")
    assert {n for _, n in _imports(bad) if not _allowed(n)} == {
        "hub.store", "eventsourcing.persistence"}


# The one way a notification is received at a time other than the hub's clock's now: a contact
# open at the front door at go-live, loaded by ``hub import`` (``hub/open_contacts.py``).
# Nothing over HTTP or Kafka may reach it.
PAST_RECEIPT = "received_before"
PAST_RECEIPT_CALLERS = {"hub/open_contacts.py"}


def _calls(path: Path, name: str) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr == name
               for node in ast.walk(ast.parse(path.read_text(), str(path))))


def test_only_the_go_live_import_receives_a_notification_in_the_past() -> None:
    sources = [p for top in ("hub", "adapters", "simulation")
               for p in sorted((REPO_ROOT / top).rglob("*.py"))]
    callers = {str(p.relative_to(REPO_ROOT)) for p in sources if _calls(p, PAST_RECEIPT)}
    assert callers == PAST_RECEIPT_CALLERS
