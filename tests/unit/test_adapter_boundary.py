"""Only the composition root (``hub/bootstrap.py``) names an adapter: the services are given
ports (``hub/ports.py``), and the entry points take what they need from the composition root.

The exceptions below are the entry points that start one of the hub's driving adapters (a
server or a consumer) themselves, each with its reason. ``adapters/`` may import itself, and
the tests and benchmarks exercise adapters directly.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("hub", "domain", "policies", "simulation")
COMPOSITION_ROOT = "hub/bootstrap.py"

ALLOWED: dict[tuple[str, str], str] = {
    ("hub/cli/processes.py", "adapters.kafka_ingest"):
        "`hub ingest` runs the Kafka consumer: an entry point, as the HTTP API is",
    ("hub/cli/processes.py", "adapters.kafka_relay"):
        "`hub relay` runs the Kafka producer that follows the log",
    ("hub/cli/processes.py", "adapters.metrics_http"):
        "the workers' /metrics endpoint, an HTTP server the command starts",
    ("hub/cli/processes.py", "adapters.witness_http"):
        "`hub witness serve` is the witness's HTTP server",
    ("simulation/drivers.py", "adapters.kafka_ingest"):
        "the simulator's Kafka path drives the hub through its own `hub ingest` worker",
    ("hub/audit/examination.py", "adapters.readonly_store"):
        "`hub audit verify` and `export` read the database read-only, never through the "
        "composition root, which creates tables and files: evidence is not touched by its "
        "examination",
}


def adapter_imports(path: Path) -> set[str]:
    """The adapter modules a file imports, anywhere in it (a lazy import counts)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = ([f"{node.module}.{alias.name}" for alias in node.names]
                     if node.module == "adapters" else [node.module])
        found.update(n for n in names if n == "adapters" or n.startswith("adapters."))
    return found


def imports_by_module() -> dict[str, set[str]]:
    found = {}
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if module != COMPOSITION_ROOT and (imported := adapter_imports(path)):
                found[module] = imported
    return found


def test_only_the_composition_root_imports_adapters() -> None:
    wrong = sorted(f"{module} imports {adapter}"
                   for module, adapters in imports_by_module().items()
                   for adapter in adapters if (module, adapter) not in ALLOWED)
    assert not wrong, ("only hub/bootstrap.py may import adapters: give the service a port "
                       "(hub/ports.py), or the entry point what it needs from the composition "
                       f"root: {wrong}")


def test_every_exception_is_still_needed() -> None:
    used = {(module, adapter) for module, adapters in imports_by_module().items()
            for adapter in adapters}
    assert set(ALLOWED) <= used, f"no longer needed: {sorted(set(ALLOWED) - used)}"


def test_the_check_sees_lazy_and_package_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from adapters.keys import KeyFiles\n"
                      "import adapters.store\nfrom adapters import data_keys\n"
                      "from hub.adapters_like import x\n")
    assert adapter_imports(sample) == {"adapters.keys", "adapters.store", "adapters.data_keys"}
