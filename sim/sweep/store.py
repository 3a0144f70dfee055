"""A sweep on disk: manifest.json (what was asked, by what), samples.parquet, and runs/ as
Parquet shards written whole or not at all. Running the same sweep again finds the shards
already there and does only what is missing.

Nothing on disk is trusted blindly: the manifest carries a checksum of itself and must agree
with its own counts and with samples.parquet; a shard counts only if it is named as the sweep
names it and holds exactly the runs of that shard with the sweep's outputs. A damaged shard is
redone on resume, a stray file in runs/ is ignored and named, and a damaged manifest or
samples file stops the command with one line saying which file and what is wrong.

A sweep over a province also keeps, per shard, the county rows of its runs in
counties/shard-NNNNNN.parquet (written before the run table: sim.sweep.evaluate.write_shard).
A shard counts only if that file is whole too and holds every county of each run that
succeeded, so a county table lost or cut short is redone with its shard.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import math
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..files import write_atomic
from ..provenance import PACKAGES, record

SHARD_NAME = re.compile(r"shard-(\d{6})\.parquet")
STATUSES = ("ok", "failed")
SHARD_COLUMNS = ("run_id", "sample_id", "replicate", "seed", "status")
TEMP_PREFIX = ".tmp-"  # files.write_atomic's temporary files
LOCK_NAME = ".lock"
COUNTIES_DIR = "counties"  # a province sweep's county rows, a file per shard
# the county rows' own columns (then the outputs, read on each county's table)
COUNTY_COLUMNS = ("run_id", "sample_id", "replicate", "seed", "row", "county", "prefecture",
                  "kind", "county_seed")
# What a manifest must hold, and the type of each, for the sweep to be read at all.
MANIFEST_FIELDS = {"experiment": str, "digest": str, "design": dict, "factors": dict,
                   "outputs": list, "replicates": int, "n_samples": int, "n_runs": int,
                   "n_shards": int, "shard_size": int}
KIND_NAMES = {str: "text", dict: "a table", list: "a list", int: "an integer"}
RESUME_HINT = "run the same `ruraledu sweep` command again"
REBUILD_HINT = "restore it, or delete the sweep folder and run the sweep again"


def canonical(value: object) -> str:
    """``value`` as the manifest stores it (JSON, keys sorted): the same text before writing and
    after reading back."""
    return json.dumps(json.loads(json.dumps(value, default=str)), sort_keys=True)


def checksum(manifest: dict) -> str:
    """A hash of the manifest's content (without its own checksum), so an edit by hand shows."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def design_points(manifest: dict) -> int | None:
    """How many sample points the manifest's design and factors give (None: not checkable)."""
    design, factors = manifest["design"], manifest["factors"]
    d = len(factors)
    method = design.get("method")
    if method == "sobol":
        return design.get("n", 0) * ((2 * d + 2) if design.get("second_order") else (d + 2))
    if method == "morris":
        return design.get("trajectories", 0) * (d + 1)
    if method == "latin":
        return design.get("n")
    if method == "grid":
        return math.prod(len(f.get("values", [])) if f.get("dist") == "choice"
                         else design.get("levels", 0) for f in factors.values())
    if method == "scenarios":
        return len(manifest.get("scenarios") or {})
    return None


def manifest_problems(m: dict) -> list[str]:
    """What makes a manifest unusable: a missing field, counts that do not agree with each
    other or with the design, or content that no longer matches its checksum (edited)."""
    for key, kind in MANIFEST_FIELDS.items():
        if not isinstance(m.get(key), kind) or isinstance(m.get(key), bool):
            return [f"'{key}' is missing or not {KIND_NAMES[kind]} (truncated or edited?)"]
    problems = []
    if m["n_runs"] != m["n_samples"] * m["replicates"]:
        problems.append(f"'n_runs' is {m['n_runs']} but n_samples x replicates is "
                        f"{m['n_samples'] * m['replicates']}")
    elif m["shard_size"] < 1 or m["n_shards"] != math.ceil(m["n_runs"] / m["shard_size"]):
        problems.append(f"'n_shards' is {m['n_shards']} but {m['n_runs']} runs in shards of "
                        f"{m['shard_size']} make {math.ceil(m['n_runs'] / max(m['shard_size'], 1))}")
    points = design_points(m)
    if points is None:
        problems.append(f"design method '{m['design'].get('method')}' is not one a sweep writes")
    elif points != m["n_samples"]:
        problems.append(f"'n_samples' is {m['n_samples']} but the {m['design']['method']} "
                        f"design of {len(m['factors'])} factors gives {points}")
    if not problems and "checksum" in m and m["checksum"] != checksum(m):
        problems.append("its content no longer matches its checksum (edited by hand?)")
    return problems


def _shard_problem(path: Path, runs: range, outputs: list[str]) -> tuple[pd.DataFrame | None, str]:
    """Read a shard and say what is wrong with it: it must be a whole Parquet file with the run
    table's columns and exactly the runs ``runs`` of its shard, each ok or failed."""
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        return None, "empty, truncated or not Parquet"
    missing = [c for c in (*SHARD_COLUMNS, *outputs) if c not in frame.columns]
    if missing:
        return None, f"no column {missing[0]!r}"
    if frame["run_id"].tolist() != list(runs):
        return None, f"holds other runs than {runs.start}-{runs.stop - 1}"
    if not frame["status"].isin(STATUSES).all():
        return None, f"a status other than {' or '.join(STATUSES)}"
    return frame, ""


def _county_problem(path: Path, runs: pd.DataFrame, counties: int, outputs: list[str]) -> str:
    """What is wrong with a shard's county file: it must read back with the county table's
    columns and hold ``counties`` rows for each run of the shard that succeeded (none for a
    failed one)."""
    try:
        frame = pq.read_table(path).to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        return f"its county table {COUNTIES_DIR}/{path.name} is missing, empty or truncated"
    missing = [c for c in (*COUNTY_COLUMNS, *outputs) if c not in frame.columns]
    if missing:
        return f"its county table has no column {missing[0]!r}"
    ok = runs.loc[runs["status"] == "ok", "run_id"].tolist()
    sizes = frame.groupby("run_id").size()
    if sorted(sizes.index.tolist()) != ok or not (sizes == counties).all():
        return f"its county table does not hold the {counties} counties of each run that ran"
    return ""


@dataclass
class ShardScan:
    """What runs/ holds: the trusted shards' tables by id, the damaged shards (named as this
    sweep names them but not trusted: redone on resume) and stray files (ignored)."""
    tables: dict[int, pd.DataFrame] = field(default_factory=dict)
    damaged: dict[Path, str] = field(default_factory=dict)
    stray: list[Path] = field(default_factory=list)
    runs_dir_missing: bool = False

    def runs(self) -> pd.DataFrame:
        """Every run of the trusted shards, in run order."""
        if not self.tables:
            return pd.DataFrame()
        table = pd.concat([self.tables[k] for k in sorted(self.tables)], ignore_index=True)
        return table.sort_values("run_id", kind="stable").reset_index(drop=True)

    def notes(self) -> list[str]:
        """One line for each kind of file that is left out."""
        out = []
        if self.runs_dir_missing:
            out.append(f"runs/ is missing (deleted?): every run is left; {RESUME_HINT} to "
                       "redo them")
        if self.damaged:
            named = ", ".join(f"{p.name} ({why})" for p, why in sorted(self.damaged.items())[:3])
            out.append(f"{len(self.damaged)} damaged shard files are left out (a resume "
                       f"redoes them): {named}")
        if self.stray:
            out.append(f"{len(self.stray)} files in runs/ that are not shards of this sweep "
                       f"are ignored: {', '.join(repr(p.name) for p in self.stray[:5])}")
        return out


class Store:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.manifest_path = self.out / "manifest.json"
        self.samples_path = self.out / "samples.parquet"
        self.runs_dir = self.out / "runs"
        self.counties_dir = self.out / COUNTIES_DIR

    def shard_path(self, shard_id: int) -> Path:
        return self.runs_dir / f"shard-{shard_id:06d}.parquet"

    def county_path(self, shard_id: int) -> Path:
        """The county rows of shard ``shard_id`` (a sweep over a province)."""
        return self.counties_dir / f"shard-{shard_id:06d}.parquet"

    def manifest(self) -> dict | None:
        """The checked manifest; None where the folder holds none."""
        if not self.manifest_path.is_file():
            return None
        try:
            m = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            m = None
        if not isinstance(m, dict):
            raise InputError(self.manifest_path, f"empty or not valid JSON (truncated?): "
                             f"{REBUILD_HINT}")
        problems = manifest_problems(m)
        if problems:
            raise InputError(self.manifest_path, f"{'; '.join(problems)}: {REBUILD_HINT}")
        return m

    def required_manifest(self) -> dict:
        m = self.manifest()
        if m is None:
            raise InputError(self.out, "no sweep here (no manifest.json): run `ruraledu sweep` "
                             "first")
        return m

    def samples(self, manifest: dict) -> pd.DataFrame:
        """The design points, checked against the manifest (one row per point, every factor)."""
        if not self.samples_path.is_file():
            raise InputError(self.samples_path, f"missing (deleted?): {RESUME_HINT} to "
                             "regenerate it")
        problem = samples_problem(self.samples_path, manifest)
        if problem:
            raise InputError(self.samples_path, f"{problem}: {RESUME_HINT} to regenerate it")
        return pd.read_parquet(self.samples_path)

    def prepare(self, manifest: dict, samples: pd.DataFrame,
                provenance: dict | None = None) -> list[str]:
        """Create the sweep folder, or check that it holds this same experiment (the manifest
        against the experiment, field by field); a new manifest also records how it was made
        (``provenance.record``: command, versions, commit, dirty tree) and ``provenance``.
        Regenerates runs/ and samples.parquet where they are missing or differ from the design;
        returns a note for each such repair."""
        try:
            old = self.manifest()
        except InputError:
            if self.manifest_path.is_file() and any(self.runs_dir.glob("shard-*")):
                raise
            old = None  # a manifest damaged before any shard was written: start again
        notes: list[str] = []
        if old is None and self.manifest_path.is_file():
            notes.append("manifest.json was damaged and no shard was stored yet: written again")
        if old is not None:
            if old.get("digest") != manifest["digest"]:
                raise InputError(self.out, "holds a different experiment (its manifest digest "
                                 "differs): choose another --out or delete the folder")
            for key, value in manifest.items():  # (an older manifest may lack newer keys)
                if key == "experiment_file" or key not in old:
                    continue  # the same experiment may be run from another folder
                if canonical(old[key]) != canonical(value):
                    raise InputError(self.manifest_path, f"{key!r} is {old[key]!r} but the "
                                     f"experiment gives {value!r} (edited by hand?): "
                                     f"{REBUILD_HINT}")
        if old is not None and not self.runs_dir.is_dir():
            notes.append("runs/ was missing (deleted?): every run is done again")
        self._mkdir(self.runs_dir)
        if manifest.get("province"):
            self._mkdir(self.counties_dir)
        problem = None if old is None else samples_problem(self.samples_path, old, samples)
        if problem is not None:
            notes.append(f"samples.parquet was {problem}: regenerated from the experiment")
        if old is None or notes:
            write_atomic(self.samples_path, lambda p: samples.to_parquet(p, index=False))
        if old is None:  # how it was made: recorded once, not compared on resume
            manifest = {**manifest, **record(PACKAGES), **(provenance or {})}
            manifest["checksum"] = checksum(manifest)
            write_atomic(self.manifest_path, lambda p: Path(p).write_text(
                json.dumps(manifest, indent=2, default=str), encoding="utf-8"))
        return notes

    def _mkdir(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(self.out, f"cannot create the sweep folder ({err.strerror or err})"
                             "; choose another --out") from None

    def scan(self, manifest: dict | None = None) -> ShardScan:
        """Read and check every file in runs/ once."""
        m = manifest or self.required_manifest()
        scan = ShardScan()
        if not self.runs_dir.is_dir():
            scan.runs_dir_missing = True
            return scan
        size, n_runs = m["shard_size"], m["n_runs"]
        for path in sorted(self.runs_dir.iterdir()):
            if path.name.startswith(TEMP_PREFIX):
                continue  # a write in progress (or left by a kill: cleaned when a sweep starts)
            match = SHARD_NAME.fullmatch(path.name)
            sid = int(match.group(1)) if match else -1
            if not 0 <= sid < m["n_shards"] or not path.is_file():
                scan.stray.append(path)
                continue
            frame, why = _shard_problem(path, range(sid * size, min((sid + 1) * size, n_runs)),
                                        m["outputs"])
            if frame is not None and m.get("province"):
                why = _county_problem(self.county_path(sid), frame, m["province"]["counties"],
                                      m["outputs"])
                frame = None if why else frame
            if frame is None:
                scan.damaged[path] = why
            else:
                scan.tables[sid] = frame
        return scan

    def county_runs(self, scan: ShardScan) -> pd.DataFrame:
        """The county rows of the trusted shards of a sweep over a province, in run order and
        county order within a run."""
        frames = [pd.read_parquet(self.county_path(sid)) for sid in sorted(scan.tables)]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True).sort_values(
            ["run_id", "row"], kind="stable").reset_index(drop=True)

    def done(self) -> set[int]:
        return set(self.scan().tables)

    def runs(self) -> pd.DataFrame:
        """Every stored run of the trusted shards, in run order."""
        return self.scan().runs()

    def remove_temporaries(self) -> list[Path]:
        """Delete the temporary files that a killed write leaves (call only as the writer)."""
        found = [p for folder in (self.out, self.runs_dir, self.counties_dir) if folder.is_dir()
                 for p in folder.glob(f"{TEMP_PREFIX}*") if p.is_file()]
        for path in found:
            path.unlink(missing_ok=True)
        return found

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the sweep folder's lock: one writer at a time. The lock is the kernel's (flock),
        so a writer that dies releases it and the next one takes over; the file records who
        holds it, for the message another writer gets."""
        self._mkdir(self.out)
        path = self.out / LOCK_NAME
        fd = _open_lock(path)
        try:
            _lock(fd, path)
            with contextlib.suppress(OSError):  # (read-only: the holder stays unnamed)
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
            yield
        finally:
            os.close(fd)  # releases the lock

    def status(self, scan: ShardScan | None = None) -> dict:
        m = self.required_manifest()
        scan = scan or self.scan(m)
        table = scan.runs()
        done = len(table)
        failed = int((table["status"] == "failed").sum()) if done else 0
        return {"experiment": m["experiment"], "runs": m["n_runs"], "done": done - failed,
                "failed": failed, "left": m["n_runs"] - done, "shards": m["n_shards"],
                "shards_done": len(scan.tables), "notes": scan.notes()}


def samples_problem(path: Path, manifest: dict, expected: pd.DataFrame | None = None
                    ) -> str | None:
    """What is wrong with samples.parquet: missing, unreadable, not one row per design point
    with every factor, or (given the design's ``expected`` points) different from them."""
    if not path.is_file():
        return "missing"
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException):
        return "empty, truncated or not Parquet"
    if expected is not None:
        try:
            pd.testing.assert_frame_equal(table, expected, check_dtype=False)
        except AssertionError:
            return "different from the experiment's design points (edited?)"
        return None
    wanted = ["sample_id", *manifest["factors"]]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        return f"no column {missing[0]!r}"
    if table["sample_id"].tolist() != list(range(manifest["n_samples"])):
        return f"not the {manifest['n_samples']} design points of the manifest"
    return None


def _open_lock(path: Path) -> int:
    """The lock file, created if need be; a colleague's lock file (not ours to write) is
    opened to read, which is all that locking needs."""
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            return os.open(path, flags, 0o666)
        except OSError as err:
            problem = err.strerror or str(err)
    raise InputError(path, f"cannot open or create the lock file ({problem}): a sweep folder "
                     "you can write to is needed")


def _lock(fd: int, path: Path) -> None:
    """Take the lock on ``fd`` or say who holds it. A file system without locks (some cluster
    mounts) falls back to the recorded holder: refused while that process is alive here."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        holder = _holder(path)
    except OSError as err:
        if err.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            raise
        holder = _holder(path)
        if holder is None or not _alive(holder):
            return  # nobody, or a process that died: taken over
    pid = f"process {holder[0]} on {holder[1]}" if holder else "another process"
    raise InputError(path.parent, f"another sweep ({pid}) is writing to this folder: wait for "
                     "it to end or stop it, then run the command again")


def _holder(path: Path) -> tuple[int, str] | None:
    try:
        pid, host = path.read_text(encoding="utf-8").split()
        return int(pid), host
    except (OSError, ValueError):
        return None


def _alive(holder: tuple[int, str]) -> bool:
    """Whether the recorded holder still runs (on another host: assumed so)."""
    pid, host = holder
    if host != socket.gethostname():
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
