"""Calibration to patterns (pattern-oriented modelling, Grimm et al. 2005): which settings of the
uncertain parameters reproduce what the evidence says, and how sure we can be.

A calibration file names a base scenario, priors for the uncertain parameters (``params.*``, the
distributions of experiment files) and patterns: a model output (``boarding_rate_middle@2020``,
``teacher_exits@mean``...), its target, a tolerance and a source, and whether it calibrates or
is held out to validate. The method is ABC-SMC from pyabc, chosen because it returns what an
answer with uncertainty needs: a weighted posterior sample (not a single best fit, as an
optimiser would), its history in a database that a later run continues from, and per-generation
diagnostics. The distance is the root of the summed squared misfits, each in units of its
tolerance, over the calibrating patterns; a generation whose tolerance falls below 1 puts every
pattern within its tolerance.

Reproducible across backends and worker counts: pyabc's mapping sampler is given one seed per
particle slot, drawn from the calibration's own seed and the generation, so a serial run, a
process pool and a Dask cluster accept the same particles; a run continued from its database
equals one that was never interrupted. Priors are sampled in the unit cube and mapped through
each distribution's quantile function, so every distribution of the experiment files works;
the cube's coordinates are drawn as standard logistic variables (``to_unit``) so that pyabc's
kernels never meet an edge.

Outputs (``write``): ``posterior.parquet`` (an ensemble: the parameters and a ``weight``
column, for ``compare --uncertainty``), ``generations.csv`` (tolerance, acceptance rate,
effective sample size), ``patterns.csv`` (each pattern's posterior predictive against its target,
calibrating and held-out apart) and ``calibration.db`` (pyabc's history).
"""

from __future__ import annotations

import functools
import json
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyabc
from pydantic import Field, model_validator

from .ensemble import WEIGHT
from .errors import InputError
from .files import claim_folder, write_atomic
from .parameters import Group
from .provenance import record, scenario_record
from .results import run
from .scenario import (
    NAME_PATTERN,
    Scenario,
    load_scenario,
    plain,
    read_toml,
    validate,
    with_overrides,
)
from .sweep.backends import mapper
from .sweep.evaluate import extract
from .sweep.experiment import DaskOptions, Factor, check_output

SEED_KEY = 7_927  # spawn key of the calibration's particle seeds (apart from the model streams)


class Pattern(Group):
    measure: str = Field(description="a model output: column@year, column@mean, @sum or @last")
    target: float
    tolerance: float = Field(gt=0, description="misfit counted as one unit of distance")
    source: str = Field(min_length=1, description="where the target comes from")
    use: Literal["calibrate", "validate"] = "calibrate"


class Calibration(Group):
    name: str = Field(pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    base: str = Field(description="base scenario file, relative to the calibration file")
    overrides: dict[str, Any] = Field(default_factory=dict)
    priors: dict[str, Factor] = Field(min_length=1, description="params.* key -> distribution")
    patterns: dict[str, Pattern] = Field(min_length=1)
    population: int = Field(100, ge=5, le=100_000, description="particles per generation")
    generations: int = Field(4, ge=1, le=100, description="at most this many generations")
    min_tolerance: float = Field(1.0, ge=0, description="stop once a generation's tolerance "
                                 "is at most this (1: every pattern within its tolerance; "
                                 "going further fits the noise of the seeds)")
    seeds: list[int] = Field(default_factory=lambda: [1], min_length=1,
                             description="model seeds each particle runs (results averaged)")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="the calibration's own seed")
    dask: DaskOptions = Field(default_factory=DaskOptions)

    @model_validator(mode="after")
    def _check(self):
        bad = [k for k in self.priors if not k.startswith("params.")]
        if bad:
            raise ValueError(f"priors {bad}: a calibration varies uncertain parameters only "
                             "(params.* keys)")
        if not any(p.use == "calibrate" for p in self.patterns.values()):
            raise ValueError("no pattern with use = 'calibrate'")
        return self


@dataclass
class CalibrationResult:
    posterior: pd.DataFrame  # parameters (dotted keys) and weight
    generations: pd.DataFrame  # generation, tolerance, particles, simulations, acceptance, ess
    patterns: pd.DataFrame  # pattern, use, target, tolerance, source, p10, median, p90, within

    def write(self, out: Path) -> Path:
        """The tables, beside the database that stays for continuing."""
        for name, frame in (("generations.csv", self.generations),
                            ("patterns.csv", self.patterns)):
            write_atomic(out / name, functools.partial(frame.to_csv, index=False))
        write_atomic(out / "posterior.parquet",
                     functools.partial(self.posterior.to_parquet, index=False))
        return out


def run_calibration(path: str | Path, backend: str = "process", workers: int | None = None,
                    out: str | Path | None = None,
                    extras: Iterable[Callable[[CalibrationResult, Path], object]] = ()
                    ) -> tuple[CalibrationResult, Path]:
    """Calibrate as the file says, continuing from ``out/calibration.db`` if a run stopped, and
    write the posterior, diagnostics and ``extras`` (charts) into ``out``."""
    cal, base = load_calibration(path)
    out = Path(out) if out is not None else Path("results") / "calibrations" / cal.name
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, cal, base)
    with mapper(backend, workers, cal.dask) as map_:
        result = calibrate(cal, base, out / "calibration.db", mapper=map_)
    result.write(out)
    made = {**record(), "calibration_file": str(Path(path).resolve()), "seed": cal.seed,
            "seeds": cal.seeds, "backend": backend, "base_scenario": scenario_record(base)}
    write_atomic(out / "provenance.json", lambda p: Path(p).write_text(
        json.dumps(made, indent=2, default=str), encoding="utf-8"))
    for extra in extras:
        extra(result, out)
    return result, out


def _claim(out: Path, cal: Calibration, base: Scenario) -> None:
    """Record what the folder's database calibrates, or refuse to continue a database that
    calibrated something else (other priors, patterns, sizes, seeds or base scenario): its
    particles would be mixed with the new file's."""
    what = {"calibration": cal.model_dump(exclude={"dask", "generations", "min_tolerance",
                                                   "description"},
                                          mode="json"),
            "base": base.model_dump(mode="json")}
    claim_folder(out, "calibration.json", what, (out / "calibration.db").exists(),
                 "holds the database of a different calibration (other priors, patterns, "
                 "sizes, seeds or base scenario): give another --out, or remove calibration.db "
                 "to start again", name=cal.name)


def load_calibration(path: str | Path) -> tuple[Calibration, Scenario]:
    path = Path(path)
    cal = validate(Calibration, read_toml(path), str(path))
    base_path = (path.parent / cal.base).resolve()
    if not base_path.is_file():
        raise InputError(path, f"base: file not found: {base_path}")
    base = load_scenario(base_path, cal.overrides)
    problems = []
    for key, prior in cal.priors.items():
        for u in (0.0, 0.5, 1.0 - 1e-9):
            try:
                with_overrides(base, {key: plain(prior.ppf(np.array([u]))[0])})
            except InputError as err:
                problems += [f"priors.{key}: {p}" for p in err.problems]
                break
    years = set(base.years)
    for name, pattern in cal.patterns.items():
        problems += [f"patterns.{name}.measure: {p} (allowed: column@year with a year of the "
                     "run, column@mean, @sum, @last)"
                     for p in check_output(pattern.measure, years)]
    if problems:
        raise InputError(path, problems)
    return cal, base


class Simulator:
    """One particle: unit-cube coordinates -> parameter values -> runs -> pattern outputs."""

    def __init__(self, cal: Calibration, base: Scenario):
        self.cal, self.base = cal, base
        self.keys = list(cal.priors)

    def values(self, unit: dict[str, float]) -> dict[str, Any]:
        return {key: plain(self.cal.priors[key].ppf(np.array([to_unit(unit[f"z{j}"])]))[0])
                for j, key in enumerate(self.keys)}

    def __call__(self, unit: dict[str, float]) -> dict[str, float]:
        scenario = with_overrides(self.base, self.values(unit))
        measures = [p.measure for p in self.cal.patterns.values()]
        runs = [extract(run(scenario, seed=s), measures) for s in self.cal.seeds]
        return {name: float(np.mean([r[p.measure] for r in runs]))
                for name, p in self.cal.patterns.items()}


class Distance:
    """Root of the summed squared misfits, in tolerances, over the calibrating patterns."""

    def __init__(self, patterns: dict[str, Pattern]):
        self.scale = {n: p.tolerance for n, p in patterns.items() if p.use == "calibrate"}

    def __call__(self, x: dict, y: dict) -> float:
        return float(np.sqrt(sum(((x[n] - y[n]) / s) ** 2 for n, s in self.scale.items())))


def calibrate(cal: Calibration, base: Scenario, db: Path,
              mapper: Callable[..., Iterable] = map,
              simulator: Callable[[dict], dict] | None = None,
              stop_after: int | None = None) -> CalibrationResult:
    """Run (or continue, from ``db``) the ABC-SMC calibration; ``mapper`` is the backend's map.
    ``simulator`` replaces the county model (tests); ``stop_after`` stops after that many
    generations exist (to test resuming)."""
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    model = simulator or Simulator(cal, base)
    n = len(cal.priors)
    prior = pyabc.Distribution(**{f"z{j}": pyabc.RV("logistic", 0, 1) for j in range(n)})
    sampler = SeededMappingSampler(cal.seed, map_=mapper, mapper_pickles=False)
    abc = pyabc.ABCSMC(model, prior, Distance(cal.patterns), population_size=cal.population,
                       sampler=sampler)
    url = f"sqlite:///{db}"
    observed = {name: p.target for name, p in cal.patterns.items()}
    history = abc.load(url, 1) if db.exists() else abc.new(url, observed)
    left = min(cal.generations, stop_after or cal.generations) - history.n_populations
    if left > 0 and not _reached(history, cal.min_tolerance):
        history = abc.run(max_nr_populations=left, minimum_epsilon=cal.min_tolerance)
    return summarise(cal, history, model)


def _reached(history: Any, tolerance: float) -> bool:
    """Whether the last finished generation's tolerance is already at most ``tolerance``."""
    if history.n_populations == 0:
        return False
    pops = history.get_all_populations()
    return bool(pops["epsilon"].iloc[-1] <= tolerance)


def summarise(cal: Calibration, history: Any, model: Callable) -> CalibrationResult:
    """The posterior (in parameter values), the generations' diagnostics, and each pattern's
    posterior predictive (the accepted particles' simulated values, weighted)."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    weights = np.asarray(weights, float)
    keys = list(cal.priors)
    posterior = pd.DataFrame({key: cal.priors[key].ppf(to_unit(frame[f"z{j}"].to_numpy()))
                              for j, key in enumerate(keys)})
    posterior[WEIGHT] = weights / weights.sum()
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    ess = []
    for t in pops["t"]:
        _, w = history.get_distribution(m=0, t=int(t))
        w = np.asarray(w, float)
        ess.append(float(w.sum() ** 2 / (w ** 2).sum()))
    generations = pd.DataFrame({
        "generation": pops["t"].astype(int), "tolerance": pops["epsilon"],
        "particles": cal.population, "simulations": pops["samples"].astype(int),
        "acceptance_rate": cal.population / pops["samples"], "effective_sample_size": ess})
    weights_s, stats = history.get_weighted_sum_stats(t=history.max_t)
    rows = []
    for name, p in cal.patterns.items():
        values = np.array([s[name] for s in stats], float)
        lo, med, hi = _weighted_quantiles(values, np.asarray(weights_s, float), (0.1, 0.5, 0.9))
        rows.append({"pattern": name, "use": p.use, "measure": p.measure, "target": p.target,
                     "tolerance": p.tolerance, "p10": lo, "median": med, "p90": hi,
                     "within_tolerance": abs(med - p.target) <= p.tolerance,
                     "source": p.source})
    return CalibrationResult(posterior, generations, pd.DataFrame(rows))


def to_unit(z: Any) -> Any:
    """The logistic coordinate of a particle as a uniform one: a standard logistic z gives a
    uniform u, so the prior is each distribution's own, while pyabc's kernels move on an
    unbounded line (a uniform coordinate's edges would give particles there huge weights)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, float)))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                        qs: tuple[float, ...]) -> list[float]:
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    at = np.minimum(np.searchsorted(cum, np.asarray(qs)), values.size - 1)
    return [float(v) for v in values[order][at]]


class SeededMappingSampler(pyabc.sampler.MappingSampler):
    """pyabc's mapping sampler with one seed per particle slot (pyabc's own reseeds from
    entropy), so which particles are accepted depends on the calibration's seed only, not on
    the backend or the number of workers."""

    def __init__(self, seed: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.seed = seed
        self.calls: dict[int, int] = {}  # samples drawn per generation (the first draws two)

    def sample_until_n_accepted(self, n, simulate_one, t, **kwargs):
        call = self.calls.get(t, 0)
        self.calls[t] = call + 1
        seeds = np.random.SeedSequence(self.seed, spawn_key=(SEED_KEY, t + 2, call)
                                       ).generate_state(n)
        function = functools.partial(self.seeded_slot, self.pickle(simulate_one))
        results, evals = zip(*self.map_(function, [int(s) for s in seeds]))
        self.nr_evaluations_ = sum(evals)
        sample = self._create_empty_sample()
        for result in results:
            sample += result
        return sample

    def seeded_slot(self, simulate_one, seed: int):
        """One particle slot: seed the generators pyabc draws from, then simulate until a
        particle is accepted."""
        simulate_one = self.unpickle(simulate_one)
        np.random.seed(seed)
        random.seed(seed)
        sample = self._create_empty_sample()
        tries = 0
        while True:
            new = simulate_one()
            tries += 1
            sample.append(new)
            if new.accepted:
                return sample, tries
