"""A sweep on disk: manifest.json (what was asked, by what), samples.parquet, and runs/ as
Parquet shards written whole or not at all. Running the same sweep again finds the shards
already there and does only what is missing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..files import write_atomic
from ..provenance import git_commit, package_version, python_version

SHARD_NAME = re.compile(r"shard-(\d{6})\.parquet")


def _readable_shard(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file with the run table's columns."""
    try:
        schema = pq.read_schema(path)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return "status" in schema.names and "run_id" in schema.names


PACKAGES = ("ruraledu", "mesa", "numpy", "pandas", "SALib", "scipy")


class Store:
    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.manifest_path = self.out / "manifest.json"
        self.samples_path = self.out / "samples.parquet"
        self.runs_dir = self.out / "runs"

    def shard_path(self, shard_id: int) -> Path:
        return self.runs_dir / f"shard-{shard_id:06d}.parquet"

    def manifest(self) -> dict | None:
        if not self.manifest_path.is_file():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def prepare(self, manifest: dict, samples: pd.DataFrame) -> bool:
        """Create the sweep folder, or check that it holds this same experiment. Returns True
        when resuming."""
        old = self.manifest()
        if old is not None:
            if old.get("digest") != manifest["digest"]:
                raise InputError(self.out, "holds a different experiment (its manifest digest "
                                 "differs): choose another --out or delete the folder")
            return True
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.samples_path, lambda p: samples.to_parquet(p, index=False))
        manifest = {**manifest, "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                    "python": python_version(), "git_commit": git_commit(),
                    "packages": {p: package_version(p) for p in PACKAGES}}
        write_atomic(self.manifest_path, lambda p: Path(p).write_text(
            json.dumps(manifest, indent=2, default=str), encoding="utf-8"))
        return False

    def shards(self) -> dict[int, Path]:
        """The stored shards that can be trusted, by id: named as the sweep names them (not a
        copy such as ``shard-000001 copy.parquet``), readable, with the run table's columns. A
        truncated, empty or foreign file is not done, so a resume redoes it."""
        if not self.runs_dir.is_dir():
            return {}
        found = {}
        for path in self.runs_dir.iterdir():
            match = SHARD_NAME.fullmatch(path.name)
            if match and _readable_shard(path):
                found[int(match.group(1))] = path
        return found

    def damaged(self) -> list[Path]:
        """Shard-like files that cannot be trusted (left out of every table)."""
        if not self.runs_dir.is_dir():
            return []
        good = set(self.shards().values())
        return sorted(p for p in self.runs_dir.glob("shard-*") if p not in good)

    def done(self) -> set[int]:
        return set(self.shards())

    def runs(self) -> pd.DataFrame:
        """Every stored run of the trusted shards, in run order."""
        shards = self.shards()
        files = [shards[k] for k in sorted(shards)]
        if not files:
            return pd.DataFrame()
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return table.sort_values("run_id", kind="stable").reset_index(drop=True)

    def status(self) -> dict:
        m = self.manifest()
        if m is None:
            raise InputError(self.out, "no sweep here (no manifest.json)")
        table = self.runs()
        done = len(table)
        failed = int((table["status"] == "failed").sum()) if done else 0
        return {"experiment": m["experiment"], "runs": m["n_runs"], "done": done - failed,
                "failed": failed, "left": m["n_runs"] - done, "shards": m["n_shards"],
                "shards_done": len(self.done())}

