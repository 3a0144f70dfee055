"""Running one shard of an experiment on a worker: importable, picklable, self-contained, so
the same function serves a local pool, Dask workers and Slurm array tasks.

With a province, a run (a design point and a replicate) is the whole province: the worker runs
each county in turn and adds them up, and the shard's county rows go to a second file beside
the run table. A run, not a county, stays the unit of work, so the store's promises (a shard
whole or absent, redone on resume, every run accounted for) hold as they are; a province's
counties are spread over workers by running many runs at once.
"""

from __future__ import annotations

import ctypes
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..files import write_atomic
from ..indicators import TOWNSHIPS
from ..results import Result, first_year, run
from ..scenario import load_scenario
from .counties import County, ProvinceRun, aggregate, province_seeds, run_provinces
from .store import COUNTY_COLUMNS


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
    counties: list[County] | None = None  # a province: every run runs each of them
    county_path: str = ""  # where the shard's county rows go (a province)


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
    write_shard(spec, frame, [])
    return {"shard_id": spec.shard_id, "runs": len(frame), "failed": len(frame)}


def write_shard(spec: ShardSpec, frame: pd.DataFrame, county_frames: list[pd.DataFrame]) -> None:
    """Write a shard's run table, after its county rows when it runs a province: the run
    table's presence is what marks a shard done, so a kill between the two leaves it to be
    redone, never counted with its counties missing. A failed run has no county rows."""
    if spec.counties is not None:
        counties = pd.concat(county_frames, ignore_index=True) if county_frames else \
            pd.DataFrame(columns=[*COUNTY_COLUMNS, *spec.outputs])
        write_atomic(spec.county_path, lambda tmp: counties.to_parquet(tmp, index=False))
    write_atomic(spec.shard_path, lambda tmp: frame.to_parquet(tmp, index=False))


def _naming_the_county(work: Callable, jobs: Iterable[tuple]) -> Iterator[pd.DataFrame]:
    """``map`` in this worker, with the county in the error of a county run that fails (the
    run's recorded error then says where to look)."""
    for job in jobs:
        try:
            yield work(job)
        except Exception as err:
            county = job[1]
            raise RuntimeError(f"county {county.name} (row {county.row + 1} of the county "
                               f"table): {type(err).__name__}: {err}") from err


def run_province(spec: ShardSpec, r: RunSpec) -> tuple[dict[str, float], pd.DataFrame]:
    """One run of the whole province: the outputs read on the province's table, and a row per
    county with the same outputs read on the county's own (empty for a column only the
    province has). Replicate ``r`` runs the province with seed ``r.seed``, so each county's
    seed is the one ``ruraledu province`` gives it with that seed, whatever the design point."""
    assert spec.counties is not None
    seeds = province_seeds(spec.counties, r.seed)
    table, = run_provinces(_naming_the_county, spec.counties, [ProvinceRun(
        spec.base_path, {**spec.base_overrides, **r.overrides}, seeds)])
    values = {out: measure(aggregate(table), out) for out in spec.outputs}
    rows = []
    for c, seed in zip(spec.counties, seeds):
        ts = table[table["row"] == c.row]
        rows.append({"run_id": r.run_id, "sample_id": r.sample_id, "replicate": r.replicate,
                     "seed": r.seed, "row": c.row, "county": c.name,
                     "prefecture": c.prefecture, "kind": c.kind, "county_seed": seed,
                     **{out: measure(ts, out) if out.partition("@")[0] in ts else np.nan
                        for out in spec.outputs}})
    return values, pd.DataFrame(rows)


def run_shard(spec: ShardSpec) -> dict:
    """Run every run of the shard, record failures with their error, write the shard file
    atomically (a shard is either complete on disk or absent). Returns a small report."""
    rows, county_frames = [], []
    for r in spec.runs:
        row = {"run_id": r.run_id, "sample_id": r.sample_id, "replicate": r.replicate,
               "seed": r.seed, "parameter_set": r.parameter_set, "status": "ok", "error": ""}
        t0 = time.perf_counter()
        try:
            if spec.counties is None:
                scenario = load_scenario(spec.base_path, {**spec.base_overrides, **r.overrides})
                row.update(extract(run(scenario, seed=r.seed), spec.outputs))
            else:
                values, counties = run_province(spec, r)
                row.update(values)
                county_frames.append(counties)
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
    write_shard(spec, frame, county_frames)
    return_memory()
    failed = int((frame["status"] == "failed").sum())
    return {"shard_id": spec.shard_id, "runs": len(rows), "failed": failed}
