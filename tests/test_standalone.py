"""The repository stands alone: a copy of its files, with nothing beside it, collects
its whole test suite, and no file names a place outside it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import FIXTURES_DIR

pytestmark = pytest.mark.slow  # sandboxes and subprocesses: seconds each
REPO = Path(__file__).resolve().parent.parent
# Where the project once reached outside itself: the shared folder beside the checkout,
# its documents, and absolute paths of the machines it was developed on. Split so this
# file does not match itself.
OUTSIDE = re.compile(
    "|".join(["\\.\\./sha" + "red", "/" + "work/", "/" + "farm/", '"sha' + 'red"',
              "PRODUCT" + "\\.md", "ARCHITECTURE" + "\\.md"])
)  # fmt: skip
COLLECT = ("--collect-only", "-q")
CHECKED_DIRS = ("src", "tests", "bench", "docs", ".ci")
CHECKED_FILES = ("Makefile", "pyproject.toml", "README.md", "CONTRIBUTING.md")


def repo_files() -> list[str]:
    """What a commit of the working tree holds: tracked files plus new ones not ignored."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the file list comes from `git ls-files`")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def test_a_copy_with_nothing_beside_it_collects_every_test(tmp_path: Path) -> None:
    copy = tmp_path / "clone"
    for name in repo_files():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TICKETTAILOR"))}
    env["PYTHONPATH"] = str(copy / "src")

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", *COLLECT],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ tests collected in [\d.]+s", summary), summary


def test_no_file_names_a_path_outside_the_repository() -> None:
    me = Path(__file__).resolve().relative_to(REPO).as_posix()
    offenders = []
    for name in repo_files():
        top = name.split("/", 1)[0]
        if name == me or not (top in CHECKED_DIRS or name in CHECKED_FILES):
            continue
        text = (REPO / name).read_text("utf-8", errors="replace")
        offenders += [
            f"{name}:{n}: {line.strip()}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line)
        ]
    assert offenders == []


def test_every_fixture_is_described_in_its_readme() -> None:
    readme = (FIXTURES_DIR / "README.md").read_text("utf-8")
    undescribed = [p.name for p in FIXTURES_DIR.glob("*.json") if f"`{p.name}`" not in readme]
    assert undescribed == []
