"""The files that ship with ruraledu: the scenarios of the five seed packages and the baseline,
the example roster, the clause table, the experiments and the baseline calibration's ensemble.

From a checkout they are the repository's own folders; an installed wheel carries them under
``<prefix>/share/ruraledu`` (pyproject's data-files). ``ruraledu init DIR`` copies them where a
user can edit them, and code that reads one (the clause table) finds it here, so both ways of
installing behave alike.
"""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

from .errors import InputError

FOLDERS = ("scenarios", "experiments")
CHECKOUT = Path(__file__).resolve().parents[1]


INSTALLED = Path(sysconfig.get_path("data")) / "share" / "ruraledu"


def root() -> Path:
    """The folder holding ``scenarios/`` and ``experiments/``: the checkout's, else the
    installation's."""
    return CHECKOUT if (CHECKOUT / "scenarios" / "baseline.toml").is_file() else INSTALLED


def shipped_files() -> list[Path]:
    """Every shipped file, relative to ``root()``."""
    base = root()
    if not (base / "scenarios" / "baseline.toml").is_file():
        raise InputError(base, "the shipped scenarios are missing from this installation "
                               "(reinstall ruraledu)")
    return sorted(p.relative_to(base) for folder in FOLDERS for p in (base / folder).rglob("*")
                  if p.is_file() and not p.name.startswith(".") and p.suffix != ".db")


def init(dest: str | Path) -> list[Path]:
    """Copy the shipped files into ``dest`` (created if needed), keeping their layout so the
    experiments' relative ``base`` paths still work. Refuses, writing nothing, if any of them
    is already there: a user's edited scenario is never overwritten."""
    dest = Path(dest)
    files = shipped_files()
    there = [f for f in files if (dest / f).exists()]
    if there:
        raise InputError(dest, f"already holds {there[0]}"
                               + (f" and {len(there) - 1} more shipped files" if len(there) > 1
                                  else "")
                               + " (allowed: a new or empty folder; nothing was copied)")
    if dest.exists() and not dest.is_dir():
        raise InputError(dest, "is a file (allowed: a new or empty folder)")
    base = root()
    try:
        for f in files:
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(base / f, dest / f)
    except OSError as err:
        raise InputError(dest, f"cannot write here ({err.strerror}); choose another folder") \
            from None
    return files
