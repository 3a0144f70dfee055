"""Where an output came from: the code's version and commit, and the versions of what it ran on."""

from __future__ import annotations

import functools
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

VERSION = "0.1.0"  # the package version (pyproject.toml reads it from here)


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
