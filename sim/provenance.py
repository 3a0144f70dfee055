"""Where an output came from: the code's version and commit, and the versions of what it ran on."""

from __future__ import annotations

import functools
import platform
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Scenario

VERSION = "0.1.0"  # the package version (pyproject.toml reads it from here)
PACKAGES = ("ruraledu", "mesa", "numpy", "pandas", "SALib", "scipy")  # versions recorded


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python_version() -> str:
    return platform.python_version()


@functools.cache
def git_commit() -> str | None:
    """The commit of the code that ran, when it runs from a git checkout."""
    if shutil.which("git") is None:
        return None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


@functools.cache
def git_dirty() -> bool | None:
    """Whether the checkout had uncommitted changes (None outside a git checkout)."""
    if git_commit() is None:
        return None
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                             cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip())


def command_line() -> str:
    """The command that made the output, quoted so that it can be pasted into a shell."""
    return shlex.join(sys.argv)


def record(packages: tuple[str, ...] = PACKAGES) -> dict:
    """What every output folder records of how it was made: the command line, when, this
    package's version and commit and whether the checkout had uncommitted changes, and the
    versions of Python and of the libraries it ran on. The caller adds what was run (the
    resolved scenarios with their overrides, the seeds)."""
    return {"command": command_line(),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "package_version": VERSION, "git_commit": git_commit(), "git_dirty": git_dirty(),
            "python": python_version(),
            "packages": {name: package_version(name) for name in packages}}


def scenario_record(scenario: Scenario) -> dict:
    """A scenario as run: its file and that file's hash, the overrides applied to it, and every
    resolved value (so the run can be repeated without the file)."""
    return {"name": scenario.name, "file": scenario.source, "sha256": scenario.file_hash,
            "overrides": scenario.overrides, "resolved": scenario.model_dump(mode="json")}
