"""Designed experiments: sample, run anywhere, store, resume.

    result = sim.sweep("experiments/levers-sobol.toml", backend="process", workers=2)
    result.table            # a row per run: sample, replicate, seed, status, outputs, factors

``sim.sweep`` is this module, and calling it calls ``sweep()``: the API name of the product
contract and the package share one name (``from sim.sweep import sweep`` works too).

The run of replicate ``r`` at every sample point uses seed ``experiment.seed + r``: common
random numbers across the design, so differences between points are the factors' doing.

An experiment that names a province (``province = "..."``) runs the whole province at every
sample point and replicate: each county with its own row's settings, the design's on top, and
the seed ``ruraledu province`` gives it when the province runs with seed ``province seed + r``
(the same at every point). The outputs are the province's; ``county_table`` gives each
county's. A run (all its counties) is the unit of work, stored in shards as any run.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import ensemble as ensembles
from ..compare import draw_parameter_sets, parameter_values
from ..errors import InputError
from ..files import write_atomic
from ..indicators import Indicator, codebook, output_column
from ..provenance import scenario_record
from . import design
from .backends import BACKENDS, default_workers, run_shards
from .counties import COUNTY_LABELS, County, province_output
from .evaluate import RunSpec, ShardSpec
from .experiment import Experiment, experiment_province, load_experiment
from .progress import Progress
from .store import ShardScan, Store


@dataclass
class SweepResult:
    out: Path
    table: pd.DataFrame  # a row per run, with its sample's factor values
    status: dict
    notes: list[str] = field(default_factory=list)  # what was repaired or ignored on the way
    backend: str = ""  # where the runs of this call executed ("auto" resolved)
    counties: pd.DataFrame | None = None  # a province: a row per run and county (county_table)


# "auto": a local process pool costs about a second to start (each worker imports the model),
# which a small experiment never wins back; below this many runs left per worker, run serially.
AUTO_RUNS_PER_WORKER = 8


def choose_backend(backend: str, runs_left: int, shards_left: int, workers: int | None) -> str:
    """``backend``, with "auto" resolved: serial for work too small to pay for a pool (one
    shard, one worker, or fewer than ``AUTO_RUNS_PER_WORKER`` runs left a worker), else the
    local process pool."""
    if backend != "auto":
        return backend
    n = workers or default_workers() or 1
    small = shards_left <= 1 or n <= 1 or runs_left < AUTO_RUNS_PER_WORKER * n
    return "serial" if small else "process"


def plan(exp: Experiment, samples: pd.DataFrame, store: Store, base_path: Path,
         ensemble: pd.DataFrame | None = None, counties: list[County] | None = None,
         province_seed: int = 0) -> list[ShardSpec]:
    """Every run of the experiment, grouped into shards of ``exp.shard_size`` runs. With an
    ``ensemble``, replicate ``r`` of every design point takes the same parameter set. With
    ``counties`` (a province), a run is the whole province and replicate ``r`` takes the seed
    ``province_seed + r``, from which each county's derives."""
    runs: list[RunSpec] = []
    draws = draw_parameter_sets(ensemble, exp.replicates, exp.seed)
    first = exp.seed if counties is None else province_seed
    for _, row in samples.iterrows():
        over = design.overrides_of(exp, row)
        for r in range(exp.replicates):
            if draws is None or ensemble is None:
                runs.append(RunSpec(len(runs), int(row["sample_id"]), r, first + r, over))
                continue
            assumed = parameter_values(ensemble.iloc[draws[r]])
            runs.append(RunSpec(len(runs), int(row["sample_id"]), r, first + r,
                                {**assumed, **over}, int(draws[r])))
    shards = []
    for k in range(0, len(runs), exp.shard_size):
        sid = k // exp.shard_size
        shards.append(ShardSpec(sid, str(store.shard_path(sid)), str(base_path),
                                dict(exp.overrides), list(exp.outputs),
                                runs[k: k + exp.shard_size], counties,
                                str(store.county_path(sid))))
    return shards


def sweep(experiment: str | Path, backend: str = "auto", workers: int | None = None,
          out: str | Path | None = None, progress: bool = True) -> SweepResult:
    """Run (or finish) an experiment and return its table of runs."""
    if backend not in ("auto", *BACKENDS):
        raise InputError("--backend", f"'{backend}' (allowed: auto, {', '.join(BACKENDS)})")
    path = Path(experiment)
    exp, base, digest = load_experiment(path)
    base_path = (path.parent / exp.base).resolve()
    store = Store(out or Path("results") / "sweeps" / exp.name)
    samples = design.samples(exp)
    assumptions = None if exp.uncertainty is None else \
        ensembles.load(path.parent / exp.uncertainty)
    prov, counties = experiment_province(path, exp) if exp.province is not None else (None, None)
    shards = plan(exp, samples, store, base_path, assumptions, counties,
                  0 if prov is None else prov.seed)
    n_runs = sum(len(s.runs) for s in shards)
    manifest = {"experiment": exp.name, "experiment_file": str(path.resolve()),
                "digest": digest, "design": exp.design.model_dump(), "factors": {
                    k: f.model_dump() for k, f in exp.factors.items()},
                "scenarios": exp.scenarios, "outputs": exp.outputs,
                "replicates": exp.replicates, "seed": exp.seed, "seeds": "seed + replicate",
                "uncertainty": exp.uncertainty,
                "includes": "stochastic only" if assumptions is None else
                f"stochastic + assumptions ({len(assumptions)} parameter sets)",
                "n_samples": len(samples), "n_runs": n_runs, "n_shards": len(shards),
                "shard_size": exp.shard_size, "problem": design.unit_problem(exp),
                "end_year": max([base.end_year, *(int(over["end_year"]) for over in
                                                  exp.scenarios.values() if "end_year" in over)])}
    if prov is not None and counties is not None:  # (absent otherwise: older sweeps resume)
        manifest["seeds"] = ("province seed + replicate; each county's from it and its row "
                             "(sim.province.county_seed), as `ruraledu province` gives them")
        # the province file as the experiment names it, so a sweep moved with its files resumes
        manifest["province"] = {"file": exp.province, "name": prov.name, "seed": prov.seed,
                                "counties": len(counties)}
    # the base scenario as every run starts from it (the design's values are in samples.parquet)
    made = {"base_scenario": scenario_record(base)}
    with store.writing():  # one writer at a time; temporaries left by a kill are removed
        store.remove_temporaries()
        notes = store.prepare(manifest, samples, made)
        write_atomic(store.out / "codebook.csv",
                     lambda p: sweep_codebook(exp).to_csv(p, index=False))
        found = store.scan()
        notes += [n for n in found.notes() if "damaged" in n]  # (redone now)
        todo = [s for s in shards if s.shard_id not in found.tables]
        left = sum(len(s.runs) for s in todo)
        backend = choose_backend(backend, left, len(todo), workers)
        bar = Progress(n_runs, n_runs - left, exp.name, progress)
        reports = run_shards(todo, backend, workers, exp, store.out)
        try:
            for report in reports:
                bar.update(report["runs"])
                if "lost" in report:
                    notes.append(f"shard {report['shard_id']} is left ({report['lost']}); run "
                                 "the same command again to redo it")
        finally:  # (on Ctrl-C too: closing the generator stops its workers at once)
            reports.close()
            bar.close()
            store.remove_temporaries()
        final = store.scan()
    return SweepResult(store.out, results_table(store, samples, final), store.status(final),
                       notes, backend,
                       None if counties is None else county_table(store, samples, final))


RUN_COLUMNS = (
    ("run_id", "Run", "index of the run in the design"),
    ("sample_id", "Sample point", "index of the design point (its factor values in the row)"),
    ("scenario", "Scenario", "design 'scenarios': the named overrides"),
    ("replicate", "Replicate", "replicate r runs with seed experiment.seed + r"),
    ("seed", "Seed", "the run's seed (common random numbers across design points; over a "
     "province, the province's seed, from which each county's derives)"),
    ("parameter_set", "Parameter set", "the ensemble row this replicate took, the same at every "
     "design point (-1: no ensemble)"),
    ("status", "Status", "ok or failed"),
    ("error", "Error", "the error of a failed run"),
    ("traceback", "Traceback", "where a failed run stopped"),
    ("runtime_s", "Runtime", "seconds the run took (the only column that varies by machine)"),
)


COUNTY_COLUMNS = (
    *COUNTY_LABELS,
    ("county_seed", "County seed", "the county's seed: from the run's province seed and its "
     "row, the same at every design point"),
)


def sweep_codebook(exp: Experiment):
    """The sweep table's columns: bookkeeping, factors and outputs (codebook.csv); over a
    province, the outputs are the province's and the county table's columns follow."""
    rows = [("sweep", Indicator(n, label, "", d)) for n, label, d in RUN_COLUMNS]
    rows += [("sweep", Indicator(key, f"Factor {key}", "", f"design factor: {f.dist} "
                                 f"distribution (the value this run used)"))
             for key, f in exp.factors.items()]
    if exp.province is None:
        rows += [("sweep", output_column(out)) for out in exp.outputs]
        return codebook((), tuple(rows))
    rows += [("sweep", province_output(out)) for out in exp.outputs]
    rows += [("counties", Indicator(n, label, "", d)) for n, label, d in COUNTY_COLUMNS]
    rows += [("counties", county_output(out)) for out in exp.outputs]
    return codebook((), tuple(rows))


def county_output(name: str) -> Indicator:
    """An output in the county table: read on the county's own table (empty for a column
    only the province has)."""
    try:
        return output_column(name)
    except KeyError:
        own = province_output(name)
        return Indicator(name, own.label, own.unit, "empty: a column of the province's table "
                         "only", own.when)


def results_table(store: Store, samples: pd.DataFrame | None = None,
                  scan: ShardScan | None = None) -> pd.DataFrame:
    """Stored runs (of the trusted shards) joined with their sample points."""
    manifest = store.required_manifest()
    runs = (scan or store.scan(manifest)).runs()
    if runs.empty:
        return runs
    samples = samples if samples is not None else store.samples(manifest)
    keep = [c for c in samples.columns if not c.startswith("u:")]
    return runs.merge(samples[keep], on="sample_id", how="left")


def county_table(store: Store, samples: pd.DataFrame | None = None,
                 scan: ShardScan | None = None) -> pd.DataFrame:
    """A sweep over a province: a row per run and county (sample, replicate, the province's
    seed, the county, its prefecture, kind and seed, the outputs read on the county), joined
    with the sample's factor values: the spread of an effect across counties."""
    manifest = store.required_manifest()
    if not manifest.get("province"):
        raise InputError(store.out, "not a sweep over a province (its experiment names no "
                         "province), so it has no county table")
    rows = store.county_runs(scan or store.scan(manifest))
    if rows.empty:
        return rows
    samples = samples if samples is not None else store.samples(manifest)
    keep = [c for c in samples.columns if not c.startswith("u:")]
    return rows.merge(samples[keep], on="sample_id", how="left")


def status(out: str | Path) -> dict:
    return Store(out).status()


__all__ = ["SweepResult", "status", "sweep", "load_experiment", "results_table", "county_table"]


class _CallableModule(types.ModuleType):
    """``sim.sweep(...)`` runs a sweep although ``sim.sweep`` is a package."""

    def __call__(self, *args: Any, **kwargs: Any) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
