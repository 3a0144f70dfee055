"""Running one shard of an experiment on a worker: importable, picklable, self-contained, so
the same function serves a local pool, Dask workers and Slurm array tasks."""

from __future__ import annotations

import ctypes
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..files import write_atomic
from ..indicators import TOWNSHIPS
from ..results import Result, first_year, run
from ..scenario import load_scenario


@dataclass
class RunSpec:
    run_id: int
    sample_id: int
    replicate: int
    seed: int
    overrides: dict
    parameter_set: int = -1  # the ensemble row this replicate takes (-1: none)


@dataclass
class ShardSpec:
    shard_id: int
    shard_path: str
    base_path: str
    base_overrides: dict
    outputs: list[str]
    runs: list[RunSpec] = field(default_factory=list)


def extract(result: Result, outputs: list[str]) -> dict[str, float]:
    """The kept outputs of one run (names: ``gap_rate@2025`` -> column ``gap_rate@2025``)."""
    row = {}
    for out in outputs:
        if out == "first_year_gap_met":
            value = result.summary["first_year_gap_met"]
        elif out == "first_year_townships_met":
            value = first_year(result.timeseries, TOWNSHIPS)
        else:
            value = measure(result.timeseries, out)
        row[out] = np.nan if value is None else float(value)
    return row


def measure(timeseries: pd.DataFrame, out: str) -> float:
    """``column@year``, ``@mean``, ``@sum`` or ``@last`` of a yearly frame (a county's or a
    province's)."""
    column, _, when = out.partition("@")
    series = timeseries.set_index("year")[column]
    if when == "mean":
        return float(series.mean())
    if when == "sum":
        return float(series.sum())
    if when == "last":
        return float(series.iloc[-1])
    return float(series.loc[int(when)])


def return_memory() -> None:
    """Give freed memory back to the system between shards. glibc keeps the arenas of the
    many short-lived arrays of a run, so a long-lived worker's footprint would creep up by
    ~0.5 MB a run although nothing is leaked; ``malloc_trim`` keeps it flat."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc():
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc only)
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _load_libc()


def record_lost(spec: ShardSpec, reason: str) -> dict:
    """Store a shard whose worker died as failed runs, each with the reason, so the sweep ends
    with every run accounted for (and a later resume does not redo it blindly)."""
    frame = pd.DataFrame([{"run_id": r.run_id, "sample_id": r.sample_id,
                           "replicate": r.replicate, "seed": r.seed, "status": "failed",
                           "error": reason, **dict.fromkeys(spec.outputs, np.nan),
                           "runtime_s": 0.0, "traceback": ""} for r in spec.runs])
    write_atomic(spec.shard_path, lambda tmp: frame.to_parquet(tmp, index=False))
    return {"shard_id": spec.shard_id, "runs": len(frame), "failed": len(frame)}


def run_shard(spec: ShardSpec) -> dict:
    """Run every run of the shard, record failures with their error, write the shard file
    atomically (a shard is either complete on disk or absent). Returns a small report."""
    rows = []
    for r in spec.runs:
        row = {"run_id": r.run_id, "sample_id": r.sample_id, "replicate": r.replicate,
               "seed": r.seed, "parameter_set": r.parameter_set, "status": "ok", "error": ""}
        t0 = time.perf_counter()
        try:
            scenario = load_scenario(spec.base_path, {**spec.base_overrides, **r.overrides})
            row.update(extract(run(scenario, seed=r.seed), spec.outputs))
        except Exception as err:  # a failed run is data, not a crash of the sweep
            row.update({"status": "failed", "error": f"{type(err).__name__}: {err}",
                        "traceback": traceback.format_exc(limit=5)})
            row.update(dict.fromkeys(spec.outputs, np.nan))
        row["runtime_s"] = time.perf_counter() - t0  # the only column that varies by machine
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "traceback" not in frame:
        frame["traceback"] = ""
    frame["traceback"] = frame["traceback"].fillna("")
    write_atomic(spec.shard_path, lambda tmp: frame.to_parquet(tmp, index=False))
    return_memory()
    failed = int((frame["status"] == "failed").sum())
    return {"shard_id": spec.shard_id, "runs": len(rows), "failed": failed}
