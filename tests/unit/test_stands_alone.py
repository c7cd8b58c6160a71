"""The repository stands alone: nothing in it reads, or sends a reader to, a folder beside it.

Developers may have other folders next to their checkout; a user who clones the repository
has none of them. So no tracked file may name the sibling folder ``shared``, a hard-coded
path next to the repository, or climb out of the repository from ``__file__``. Anything the
project needs (test data with its licence, the interface description) lives inside it.
``tests/integration/test_clean_clone.py`` checks the same thing by running a clone alone.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from tests.unit import test_merkle

REPO_ROOT = Path(__file__).resolve().parents[2]
_SKIPPED_DIRS = {".git", ".venv", "var", "build", "__pycache__", ".mypy_cache", ".ruff_cache",
                 ".pytest_cache", ".hypothesis"}

# This file is not scanned (its examples would trip the check); the needles are spelled in
# pieces all the same, so that a search of the repository does not find them here either.
_SIBLING = "shared"
_NEEDLES = [("../" + _SIBLING).encode(), ("..\\" + _SIBLING).encode(),
            (_SIBLING + "/CONTRACT.md").encode()]
# ``Path(__file__)...parents[N]`` or ``.parent.parent...`` reaching above the repository root.
_PARENTS_INDEX = re.compile(rb"__file__\)(?:\.resolve\(\)|\.absolute\(\))?\.parents\[(\d+)\]")
_PARENT_CHAIN = re.compile(rb"__file__\)(?:\.resolve\(\)|\.absolute\(\))?((?:\.parent)+)\b")
# ``REPO_ROOT.parent`` and the like: the folder that holds the repository.
_ROOT_PARENT = re.compile(rb"\b[A-Za-z_]*ROOT[A-Za-z_]*\.parents?\b", re.IGNORECASE)


def tracked_files(root: Path = REPO_ROOT) -> list[Path]:
    """Files under version control; every file but local clutter when git cannot say."""
    git = shutil.which("git")
    if git is not None and (root / ".git").exists():
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        listed = subprocess.run([git, "-C", str(root), "ls-files", "-z"], env=env,
                                capture_output=True, check=False)
        if listed.returncode == 0:
            names = [n for n in listed.stdout.decode("utf-8").split("\0") if n]
            return [root / n for n in names if (root / n).is_file()]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED_DIRS and not d.endswith(".egg-info")]
        found.extend(Path(folder) / f for f in files)
    return found


def _problems(path: Path, data: bytes) -> list[str]:
    name = path.relative_to(REPO_ROOT).as_posix()
    problems = [f"{name}: mentions {needle.decode()!r}" for needle in _NEEDLES if needle in data]
    sibling_folder = REPO_ROOT.parent.as_posix().rstrip("/") + "/"
    if sibling_folder != "/" and sibling_folder.encode() in data:
        problems.append(f"{name}: names the folder that holds the repository ({sibling_folder})")
    if path.suffix == ".py":
        depth = len(path.relative_to(REPO_ROOT).parts) - 1  # parents[depth] is the root
        for match in _PARENTS_INDEX.finditer(data):
            if int(match.group(1)) > depth:
                problems.append(f"{name}: climbs out of the repository ({match.group().decode()})")
        for match in _PARENT_CHAIN.finditer(data):
            if match.group(1).count(b".parent") - 1 > depth:
                problems.append(f"{name}: climbs out of the repository ({match.group().decode()})")
        problems.extend(f"{name}: reaches beside the repository ({m.group().decode()})"
                        for m in _ROOT_PARENT.finditer(data))
    return problems


def test_no_tracked_file_reads_or_names_anything_beside_the_repository() -> None:
    files = tracked_files()
    assert any(p.name == "pyproject.toml" for p in files), f"no files found under {REPO_ROOT}"
    problems: list[str] = []
    for path in files:
        if path.resolve() != Path(__file__).resolve():  # its examples would trip it
            problems.extend(_problems(path, path.read_bytes()))
    assert not problems, "the repository must stand alone:\n" + "\n".join(problems)


def test_the_checks_catch_what_they_are_for() -> None:
    """The patterns above are not vacuous."""
    here = REPO_ROOT / "tests" / "unit" / "example.py"
    bad = [b'VECTORS = Path(__file__).resolve().parents[3] / "vectors"',
           b"VECTORS = Path(__file__).parent.parent.parent.parent",
           b'VECTORS = REPO_ROOT.parent / "x"',
           b"see " + _NEEDLES[0] + b"/DESIGN.md",
           b"read " + (REPO_ROOT.parent.as_posix().rstrip("/") + "/x").encode()]
    for text in bad:
        assert _problems(here, text), text
    good = [b'VECTORS = Path(__file__).resolve().parents[2] / "tests"',
            b"VECTORS = Path(__file__).parent.parent.parent",
            b"ROOT = Path(__file__).resolve().parents[1]"]
    for text in good:
        assert not _problems(here, text), text


def test_test_data_is_read_from_inside_the_repository() -> None:
    vectors = test_merkle.VECTORS_DIR.resolve()
    assert vectors.is_relative_to(REPO_ROOT), vectors
    assert (vectors / "LICENSE").is_file(), "the vectors' licence must travel with them"
