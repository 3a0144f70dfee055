"""Designed experiments: sample, run anywhere, store, resume.

    result = sim.sweep("experiments/levers-sobol.toml", backend="process", workers=2)
    result.table            # a row per run: sample, replicate, seed, status, outputs, factors

``sim.sweep`` is this module, and calling it calls ``sweep()``: the API name of the product
contract and the package share one name (``from sim.sweep import sweep`` works too).

The run of replicate ``r`` at every sample point uses seed ``experiment.seed + r``: common
random numbers across the design, so differences between points are the factors' doing.
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
from .evaluate import RunSpec, ShardSpec
from .experiment import Experiment, load_experiment
from .progress import Progress
from .store import ShardScan, Store


@dataclass
class SweepResult:
    out: Path
    table: pd.DataFrame  # a row per run, with its sample's factor values
    status: dict
    notes: list[str] = field(default_factory=list)  # what was repaired or ignored on the way
    backend: str = ""  # where the runs of this call executed ("auto" resolved)


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
         ensemble: pd.DataFrame | None = None) -> list[ShardSpec]:
    """Every run of the experiment, grouped into shards of ``exp.shard_size`` runs. With an
    ``ensemble``, replicate ``r`` of every design point takes the same parameter set."""
    runs: list[RunSpec] = []
    draws = draw_parameter_sets(ensemble, exp.replicates, exp.seed)
    for _, row in samples.iterrows():
        over = design.overrides_of(exp, row)
        for r in range(exp.replicates):
            if draws is None or ensemble is None:
                runs.append(RunSpec(len(runs), int(row["sample_id"]), r, exp.seed + r, over))
                continue
            assumed = parameter_values(ensemble.iloc[draws[r]])
            runs.append(RunSpec(len(runs), int(row["sample_id"]), r, exp.seed + r,
                                {**assumed, **over}, int(draws[r])))
    shards = []
    for k in range(0, len(runs), exp.shard_size):
        sid = k // exp.shard_size
        shards.append(ShardSpec(sid, str(store.shard_path(sid)), str(base_path),
                                dict(exp.overrides), list(exp.outputs),
                                runs[k: k + exp.shard_size]))
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
    shards = plan(exp, samples, store, base_path, assumptions)
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
                       notes, backend)


RUN_COLUMNS = (
    ("run_id", "Run", "index of the run in the design"),
    ("sample_id", "Sample point", "index of the design point (its factor values in the row)"),
    ("scenario", "Scenario", "design 'scenarios': the named overrides"),
    ("replicate", "Replicate", "replicate r runs with seed experiment.seed + r"),
    ("seed", "Seed", "the run's seed (common random numbers across design points)"),
    ("parameter_set", "Parameter set", "the ensemble row this replicate took, the same at every "
     "design point (-1: no ensemble)"),
    ("status", "Status", "ok or failed"),
    ("error", "Error", "the error of a failed run"),
    ("traceback", "Traceback", "where a failed run stopped"),
    ("runtime_s", "Runtime", "seconds the run took (the only column that varies by machine)"),
)


def sweep_codebook(exp: Experiment):
    """The sweep table's columns: bookkeeping, factors and outputs (codebook.csv)."""
    rows = [("sweep", Indicator(n, label, "", d)) for n, label, d in RUN_COLUMNS]
    rows += [("sweep", Indicator(key, f"Factor {key}", "", f"design factor: {f.dist} "
                                 f"distribution (the value this run used)"))
             for key, f in exp.factors.items()]
    rows += [("sweep", output_column(out)) for out in exp.outputs]
    return codebook((), tuple(rows))


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


def status(out: str | Path) -> dict:
    return Store(out).status()


__all__ = ["SweepResult", "status", "sweep", "load_experiment", "results_table"]


class _CallableModule(types.ModuleType):
    """``sim.sweep(...)`` runs a sweep although ``sim.sweep`` is a package."""

    def __call__(self, *args: Any, **kwargs: Any) -> SweepResult:
        return sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
