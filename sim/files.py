"""Writing results so that a failure never leaves half a file: every file appears whole or not
at all (written beside its target, then renamed, which is atomic on one file system)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError


@contextmanager
def writing_into(folder: str | Path, stale: tuple[str, ...] = ()) -> Iterator[Path]:
    """A scratch folder inside ``folder``; on success its files move into ``folder``, and files
    matching the ``stale`` patterns that this write did not produce (a previous run's charts)
    are removed, so the folder holds one run's outputs."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch = tempfile.TemporaryDirectory(dir=folder, prefix=".partial-")
    except OSError as err:
        raise InputError(folder, f"cannot write the output folder ({err.strerror or err}); "
                         "choose another --out") from None
    with scratch as tmp:
        yield Path(tmp)
        written = {f.name for f in Path(tmp).iterdir()}
        for f in Path(tmp).iterdir():
            _readable(f)
            os.replace(f, folder / f.name)
        for pattern in stale:
            for old in folder.glob(pattern):
                if old.name not in written and old.is_file():
                    old.unlink()


def _readable(path: Path) -> None:
    """Give a file made by tempfile (mode 0600) the permissions a normal file would have, so a
    group can read shared results."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def write_atomic(path: str | Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)`` and rename the result to ``path``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        _readable(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def claim_folder(out: Path, stamp: str, what: dict, started: bool, other: str,
                 **shown: str) -> None:
    """Record in ``out/stamp`` a digest of ``what`` a resumable command computes, or, when the
    folder has ``started`` holding work, refuse (one line, ``other`` saying what differs and
    how to start again) if that work was for something else: it must not be mixed in."""
    digest = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()
    path = out / stamp
    if started:
        try:
            old = json.loads(path.read_text(encoding="utf-8")).get("digest")
        except (OSError, ValueError):
            old = None
        if old != digest:
            raise InputError(out, other)
    write_atomic(path, lambda p: Path(p).write_text(
        json.dumps({**shown, "digest": digest}, indent=2), encoding="utf-8"))
