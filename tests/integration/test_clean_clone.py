"""A fresh clone of the repository, alone in an empty folder, passes the fast tests.

This is what a new user has: the committed HEAD and nothing beside it. The clone's own code
is imported (``PYTHONPATH`` is the clone), not the editable install of this checkout, and the
tests run with the clone as the working directory. Uncommitted changes here are not in the
clone; that is intended: it tests what was committed. The exhaustive Casbin comparison in
``tests/unit/test_decision_point.py`` is left out to keep this to well under a minute.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SLOW = "tests/unit/test_decision_point.py"
TIMEOUT_S = 300


def _git_env() -> dict[str, str]:
    """The environment without GIT_* variables (a hook's GIT_DIR would redirect the clone)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def _run(args: list[str], cwd: Path, env: dict[str, str],
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_a_clean_clone_passes_the_unit_tests(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed: cannot clone the repository to test it alone")
    env = _git_env()
    head = _run([git, "-C", str(REPO_ROOT), "rev-parse", "--verify", "HEAD^{commit}"],
                REPO_ROOT, env)
    assert head.returncode == 0, f"{REPO_ROOT} has no commit to clone: {head.stderr}"
    commit = head.stdout.strip()

    alone = tmp_path / "alone"  # holds the clone and nothing else
    alone.mkdir()
    clone = alone / "repo"
    cloned = _run([git, "clone", "--quiet", "--no-hardlinks", "--no-checkout",
                   str(REPO_ROOT), str(clone)], alone, env)
    assert cloned.returncode == 0, cloned.stderr
    checkout = _run([git, "-c", "advice.detachedHead=false", "checkout", "--quiet", commit],
                    clone, env)
    assert checkout.returncode == 0, checkout.stderr
    assert sorted(p.name for p in alone.iterdir()) == ["repo"]

    run_env = {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    run_env.update(PYTHONPATH=str(clone), PYTHONDONTWRITEBYTECODE="1")
    imported = _run([sys.executable, "-c", "import hub, tests; print(hub.__file__); "
                     "print(tests.__file__)"], clone, run_env)
    assert imported.returncode == 0, imported.stderr
    for module_file in imported.stdout.split():
        assert Path(module_file).resolve().is_relative_to(clone.resolve()), (
            f"the clone imported {module_file}, not its own code")

    tests = _run([sys.executable, "-m", "pytest", "tests/unit", "-q", "-x", "--no-header",
                  f"--ignore={SLOW}",
                  f"--basetemp={tmp_path / 'pytest-tmp'}"], clone, run_env, TIMEOUT_S)
    tail = "\n".join(tests.stdout.splitlines()[-40:])
    assert tests.returncode == 0, f"the clone's unit tests failed:\n{tail}\n{tests.stderr[-2000:]}"
    assert " passed" in tail, tail
