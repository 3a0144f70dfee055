"""Policy search under uncertainty: the cheapest package of lever settings that meets the
targets with a stated probability across what is not known (``ruraledu optimize FILE.toml``).

An optimisation file names a base scenario, the decisions (lever settings and start years
within bounds), the objective (an output to minimise, averaged over draws, e.g. the policy's
total cost), and the constraints (a target with the probability it must be met with, e.g.
``gap_rate@2025 < 0.15`` in at least 90% of draws). Every candidate package is run on the same
draws: draw ``d`` takes seed ``d + 1`` and the parameter set an assumption ensemble gives it,
so candidates differ by their levers only (common random numbers), and a constraint's
probability holds the uncertainty of the assumptions as well as luck.

The search is Optuna's TPE sampler with constraints (Optuna: maintained, takes constraints as
values, stores a study in SQLite so an interrupted search continues where it stopped; pymoo's
genetic algorithms would need far more model runs for the same answer). The sampler is
re-seeded from the number of finished trials before each one, so a continued search proposes
exactly what an uninterrupted one would have. The chosen package is then run again on fresh
draws (other seeds and parameter sets), so the probability reported for it is not the
optimistic one it was selected on.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from . import ensemble as ensembles
from .compare import draw_parameter_sets, parameter_values, wilson_interval
from .errors import InputError
from .files import claim_folder, write_atomic
from .indicators import meets
from .parameters import Group
from .scenario import NAME_PATTERN, Scenario, load_scenario, plain, read_toml, validate
from .scenario_toml import scenario_toml
from .sweep.backends import mapper
from .sweep.counties import (
    County,
    ProvinceRun,
    aggregate,
    check_province_output,
    county_draw_seed,
    load_province,
    run_provinces,
)
from .sweep.evaluate import extract, measure
from .sweep.experiment import DaskOptions, check_output

STUDY_FILE = "study.db"
STAMP = "optimization.json"
UNDEFINED_OBJECTIVE = 1e300  # a candidate whose objective is undefined ranks last, not first
SEED_KEY = 104_729  # mixed with the trial count into the sampler's seed


class Decision(Group):
    """One decision: a number in [low, high] (whole for years and counts), optionally "off"
    for a lever's start; or one of ``choices``."""

    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = Field(None, min_length=1)
    off: bool = Field(False, description="for a lever's start: the lever may also stay off")

    @model_validator(mode="after")
    def _one_kind(self):
        if self.choices is None and (self.low is None or self.high is None):
            raise ValueError("give low and high, or choices")
        if self.choices is not None and (self.low is not None or self.high is not None):
            raise ValueError("give low and high, or choices, not both")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self


class Constraint(Group):
    measure: str = Field(description="an output, e.g. gap_rate@2025")
    op: Literal["<", "<=", ">", ">="]
    threshold: float
    probability: float = Field(0.9, gt=0, le=1, description="share of draws that must meet it")

    @property
    def label(self) -> str:
        return f"{self.measure} {self.op} {self.threshold:g}"


class Optimization(Group):
    name: str = Field(pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    base: str | None = Field(None, description="scenario file, relative to this file (or a "
                             "province)")
    province: str | None = Field(None, description="province file: every candidate runs in "
                                 "every county, outputs are the province's (sim.province)")
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted settings "
                                      "applied to the base in every candidate")
    uncertainty: str | None = Field(None, description="assumption ensemble (Parquet); none: "
                                    "luck only")
    minimize: str = Field(description="output to minimise (mean over draws)")
    constraints: dict[str, Constraint] = Field(min_length=1, description="[constraints.<name>]")
    report: list[str] = Field(default_factory=list, description="outputs to report as well")
    decisions: dict[str, Decision] = Field(min_length=1, description="[decisions.\"<dotted "
                                           "key>\"]")
    draws: int = Field(8, ge=1, le=10_000, description="draws each candidate is run on")
    fresh_draws: int = Field(40, ge=1, le=100_000, description="draws the chosen package is "
                             "run on again")
    trials: int = Field(60, ge=1, le=100_000, description="candidates to evaluate")
    startup_trials: int = Field(12, ge=1, le=100_000, description="random trials before TPE")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="of the search (draws have their own)")
    dask: DaskOptions = Field(default_factory=DaskOptions)

    @model_validator(mode="after")
    def _one_base(self):
        if (self.base is None) == (self.province is None):
            raise ValueError("give a base scenario or a province, not both or neither")
        return self

    @property
    def outputs(self) -> list[str]:
        return list(dict.fromkeys([self.minimize, *(c.measure for c in
                                                    self.constraints.values()), *self.report]))


@dataclass(frozen=True)
class Loaded:
    """An optimisation file read and checked: the base scenario (a province's package when it
    searches over a province), its counties, and the assumption ensemble."""

    opt: Optimization
    base_path: Path
    base: Scenario
    table: pd.DataFrame | None
    counties: list[County] | None  # None: one county, the base scenario's
    province_seed: int = 0


def load_optimization(path: str | Path) -> Loaded:
    """Read and check an optimisation file: its base scenario (or province) with overrides,
    every decision's bounds as settings of that scenario, the outputs, and the ensemble."""
    path = Path(path)
    opt = validate(Optimization, read_toml(path), str(path))
    counties, province_seed = None, 0
    if opt.province is not None:
        prov, _, base_path, counties = load_province(path.parent / opt.province)
        province_seed = prov.seed
    else:
        assert opt.base is not None
        base_path = (path.parent / opt.base).resolve()
    if not base_path.is_file():
        raise InputError(path, f"base: file not found: {base_path}")
    load_scenario(base_path)  # the base file's own problems are its own
    try:
        base = load_scenario(base_path, opt.overrides)
    except InputError as err:
        raise InputError(path, [f"[overrides] {p}" for p in err.problems]) from None
    problems = []
    years = set(base.years)
    for out in opt.outputs:
        problems += check_output(out, years) if counties is None else \
            check_province_output(out, years)
    for key, decision in opt.decisions.items():
        for value in _corners(key, decision):
            try:
                load_scenario(base_path, {**opt.overrides, key: value})
            except InputError as err:
                problems += [f"decision '{key}': {p}" for p in err.problems]
                break
    table = None
    if opt.uncertainty is not None:
        try:
            table = ensembles.load(path.parent / opt.uncertainty)
        except InputError as err:
            problems += [f"uncertainty: {err}"]
    if table is not None:
        both = sorted(set(opt.decisions) & set(table.columns))
        if both:
            problems.append(f"uncertainty: {both} are decisions and columns of the ensemble "
                            "(allowed: a setting in one or the other)")
    if problems:
        raise InputError(path, problems)
    return Loaded(opt, base_path, base, table, counties, province_seed)


def _is_whole(key: str) -> bool:
    """Years, counts and grades are whole numbers (their scenario fields are integers)."""
    return key.rsplit(".", 1)[-1] in ("start", "end", "ramp_years", "duration_years",
                                      "min_grade", "years", "principal_term_years",
                                      "places_per_year", "threshold", "per_year")


def _corners(key: str, d: Decision) -> list[Any]:
    if d.choices is not None:
        return [plain(c) for c in d.choices]
    assert d.low is not None and d.high is not None
    if _is_whole(key):
        return [int(math.ceil(d.low)), int(math.floor(d.high))]
    return [float(d.low), float(d.high)]


def space(opt: Optimization) -> dict[str, Any]:
    """The decisions as Optuna distributions."""
    import optuna.distributions as od

    out: dict[str, Any] = {}
    for key, d in opt.decisions.items():
        if d.choices is not None:
            out[key] = od.CategoricalDistribution([plain(c) for c in d.choices])
        elif _is_whole(key):
            lo, hi = _corners(key, d)
            out[key] = (od.CategoricalDistribution([None, *range(lo, hi + 1)]) if d.off
                        else od.IntDistribution(lo, hi))
        else:
            out[key] = od.FloatDistribution(float(d.low), float(d.high))  # type: ignore[arg-type]
    return out


# --- the search, for any model: a toy problem uses it as the county does ---------------------

@dataclass
class Evaluation:
    """What a candidate achieved: the objective (mean over draws), each constraint's share of
    draws meeting it, and the mean of every output."""

    objective: float
    probabilities: dict[str, float]
    means: dict[str, float]


Evaluate = Callable[[dict[str, Any]], Evaluation]


def search(distributions: dict[str, Any], evaluate: Evaluate, required: dict[str, float],
           trials: int, startup: int, seed: int, storage: Path, name: str) -> Any:
    """Run (or continue) a constrained TPE search stored in ``storage`` until ``trials`` have
    finished; returns the Optuna study. A trial left unfinished by an interruption is marked
    failed and does not count."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{storage}"
    study = optuna.create_study(study_name=name, storage=url, direction="minimize",
                                load_if_exists=True)
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
    while (done := _finished(study)) < trials:
        sampler = optuna.samplers.TPESampler(
            seed=int(np.random.SeedSequence([seed, SEED_KEY, done]).generate_state(1)[0]),
            n_startup_trials=startup, multivariate=True)
        study = optuna.load_study(study_name=name, storage=url, sampler=sampler)
        trial = study.ask(distributions)
        result = evaluate(dict(trial.params))
        violations = [required[k] - result.probabilities[k] for k in required]
        for key, violation in zip(required, violations):  # at most 0 where met
            trial.set_constraint(key, violation)
        trial.set_user_attr("violations", violations)
        trial.set_user_attr("probabilities", result.probabilities)
        trial.set_user_attr("means", result.means)
        study.tell(trial, result.objective)
    return study


def _finished(study: Any) -> int:
    import optuna

    return len(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)))


def trials_table(study: Any, required: dict[str, float]) -> pd.DataFrame:
    """One row per finished trial: decisions, objective, probabilities, means, feasible."""
    import optuna

    rows = []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        row: dict[str, Any] = {"trial": t.number, **t.params, "objective": t.value}
        row.update({f"P({k})": v for k, v in t.user_attrs["probabilities"].items()})
        row.update({f"mean {k}": v for k, v in t.user_attrs["means"].items()})
        row["feasible"] = all(v <= 0 for v in t.user_attrs["violations"])
        rows.append(row)
    return pd.DataFrame(rows)


def pareto(trials: pd.DataFrame, objective: str, probability: str) -> pd.DataFrame:
    """The trials no other beats on both the objective (lower) and the probability (higher)."""
    t = trials.sort_values([objective, probability], ascending=[True, False], kind="stable")
    best = -np.inf
    keep = []
    for i, p in zip(t.index, t[probability]):
        if p > best:
            keep.append(i)
            best = p
    return t.loc[keep].reset_index(drop=True)


def chosen(trials: pd.DataFrame) -> pd.Series:
    """The cheapest feasible trial; if none is feasible, the one closest to the constraints
    (highest lowest probability), and the caller says so."""
    feasible = trials[trials["feasible"]]
    if len(feasible):
        return feasible.sort_values(["objective", "trial"], kind="stable").iloc[0]
    probs = trials[[c for c in trials.columns if c.startswith("P(")]].min(axis=1)
    return trials.loc[probs.sort_values(ascending=False, kind="stable").index[0]]


# --- the county model ---------------------------------------------------------------------

@dataclass(frozen=True)
class Draw:
    """Draw ``index``: the seed and the ensemble row (overrides) every candidate is run on."""

    index: int
    seed: int
    parameters: dict[str, Any]


def draws(opt: Optimization, table: pd.DataFrame | None, first: int, count: int) -> list[Draw]:
    """Draws ``first`` to ``first + count - 1``: seeds ``index + 1`` and parameter sets drawn
    by weight from the ensemble, the same whichever candidate runs on them."""
    rows = draw_parameter_sets(table, first + count, 1)
    out = []
    for d in range(first, first + count):
        params = {} if table is None or rows is None else parameter_values(table.iloc[rows[d]])
        out.append(Draw(d, d + 1, params))
    return out


def run_draw(job: tuple[str, dict[str, Any], int, list[str]]) -> dict[str, float]:
    """One model run of a candidate on one draw (picklable, for every backend)."""
    from .results import run

    base_path, overrides, seed, outputs = job
    return extract(run(load_scenario(base_path, overrides), seed=seed), outputs)


def evaluator(loaded: Loaded, sample: list[Draw], map_: Callable) -> Evaluate:
    """Evaluate a candidate (decision values) on the draws ``sample``."""
    def evaluate(values: dict[str, Any]) -> Evaluation:
        return summarise(loaded.opt, run_on(loaded, values, sample, map_))

    return evaluate


def run_on(loaded: Loaded, values: dict[str, Any], sample: list[Draw],
           map_: Callable) -> pd.DataFrame:
    """Each draw's outputs for one candidate, a row per draw: one county's run, or the
    province's table aggregated from every county's run on that draw."""
    opt = loaded.opt
    if loaded.counties is None:
        jobs = [(str(loaded.base_path), {**opt.overrides, **d.parameters, **_settings(values)},
                 d.seed, opt.outputs) for d in sample]
        rows = list(map_(run_draw, jobs))
    else:
        counties = loaded.counties
        runs = [ProvinceRun(str(loaded.base_path),
                            {**opt.overrides, **d.parameters, **_settings(values)},
                            [county_draw_seed(loaded.province_seed, c.row, d.index)
                             for c in counties]) for d in sample]
        rows = [{out: measure(aggregate(table), out) for out in opt.outputs}
                for table in run_provinces(map_, counties, runs)]
    frame = pd.DataFrame(rows)
    frame.insert(0, "seed", [d.seed for d in sample])
    frame.insert(0, "draw", [d.index for d in sample])
    return frame


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    """Decision values as scenario overrides: a lever whose start is "off" stays off, and its
    other settings, which could not act, are left out."""
    off = _off_levers(values)
    return {k: plain(v) for k, v in values.items()
            if v is not None and _lever(k) not in off}


def _lever(key: str) -> str | None:
    parts = key.split(".")
    return parts[1] if parts[0] == "policies" and len(parts) == 3 else None


def _off_levers(values: dict[str, Any]) -> set[str | None]:
    return {_lever(k) for k, v in values.items() if k.endswith(".start") and v is None}


def summarise(opt: Optimization, frame: pd.DataFrame) -> Evaluation:
    probabilities = {c.label: float(np.mean(meets(frame[c.measure].to_numpy(float), c.op,
                                                   c.threshold)))
                     for c in opt.constraints.values()}
    means = {out: float(np.nanmean(frame[out])) if frame[out].notna().any() else float("nan")
             for out in opt.outputs}
    objective = means[opt.minimize]
    return Evaluation(objective if math.isfinite(objective) else UNDEFINED_OBJECTIVE,
                      probabilities, means)


@dataclass
class OptimizationResult:
    trials: pd.DataFrame
    pareto: pd.DataFrame
    best: pd.Series
    feasible: bool
    fresh: pd.DataFrame  # the chosen package on fresh draws, a row per draw
    report: pd.DataFrame  # per constraint and output: estimate and interval on fresh draws
    scenario_text: str
    objective: str  # the output minimised
    probability: str  # the trials' column of the first constraint's probability

    def write(self, out: Path) -> None:
        for name, frame in (("trials.csv", self.trials), ("pareto.csv", self.pareto),
                            ("fresh_draws.csv", self.fresh), ("report.csv", self.report)):
            write_atomic(out / name, functools.partial(frame.to_csv, index=False))
        write_atomic(out / "best.toml",
                     lambda p: Path(p).write_text(self.scenario_text, encoding="utf-8"))


def run_optimization(path: str | Path, backend: str = "process", workers: int | None = None,
                     out: str | Path | None = None) -> tuple[OptimizationResult, Path]:
    """Search as the file says (continuing a stopped search in ``out``), re-evaluate the chosen
    package on fresh draws and write the tables and the best package's scenario file."""
    loaded = load_optimization(path)
    opt, base_path, base, table = loaded.opt, loaded.base_path, loaded.base, loaded.table
    out = Path(out) if out is not None else Path("results") / "optimizations" / opt.name
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, loaded)
    required = {c.label: c.probability for c in opt.constraints.values()}
    with mapper(backend, workers, opt.dask) as map_:
        study = search(space(opt), evaluator(loaded, draws(opt, table, 0, opt.draws), map_),
                       required, opt.trials, opt.startup_trials, opt.seed, out / STUDY_FILE,
                       opt.name)
        trials = trials_table(study, required)
        best = chosen(trials)
        values = {k: (None if _missing(best[k]) else
                      int(best[k]) if _is_whole(k) and opt.decisions[k].choices is None
                      else plain(best[k])) for k in opt.decisions}
        fresh = run_on(loaded, values, draws(opt, table, opt.draws, opt.fresh_draws), map_)
    first = next(iter(opt.constraints.values())).label
    result = OptimizationResult(
        trials=trials, pareto=pareto(trials, "objective", f"P({first})"), best=best,
        feasible=bool(best["feasible"]), fresh=fresh, report=fresh_report(opt, fresh),
        scenario_text=best_scenario(opt, base, base_path, values, fresh),
        objective=opt.minimize, probability=f"P({first})")
    result.write(out)
    return result, out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fresh_report(opt: Optimization, fresh: pd.DataFrame) -> pd.DataFrame:
    """On the fresh draws: each constraint's probability with a 90% Wilson interval, and each
    output's mean with its 10-90% range."""
    rows = []
    n = len(fresh)
    for c in opt.constraints.values():
        met = int(meets(fresh[c.measure].to_numpy(float), c.op, c.threshold).sum())
        lo, hi = wilson_interval(met, n)
        rows.append({"what": f"P({c.label})", "estimate": met / n, "low": lo, "high": hi,
                     "required": c.probability, "draws": n})
    for out in opt.outputs:
        v = fresh[out].to_numpy(float)
        rows.append({"what": f"mean {out}", "estimate": float(np.nanmean(v)),
                     "low": float(np.nanquantile(v, 0.1)), "high": float(np.nanquantile(v, 0.9)),
                     "required": np.nan, "draws": int(np.isfinite(v).sum())})
    return pd.DataFrame(rows)


def best_scenario(opt: Optimization, base: Scenario, base_path: Path, values: dict[str, Any],
                  fresh: pd.DataFrame) -> str:
    """The chosen package as a scenario file, its header saying where each decision was
    searched and what the fresh draws gave."""
    sc = load_scenario(base_path, {**opt.overrides, **_settings(values),
                                   "name": f"{opt.name}-best",
                                   "description": f"Cheapest package found by {opt.name}"})
    report = fresh_report(opt, fresh)
    lines = [f"The package chosen by `ruraledu optimize` ({opt.name}) from {opt.trials} "
             f"candidates, each run on {opt.draws} draws; base: {opt.base}.",
             "Decisions (searched range -> chosen):"]
    off = _off_levers(values)
    for key, d in opt.decisions.items():
        where = (f"one of {d.choices}" if d.choices is not None else
                 f"{d.low:g} to {d.high:g}" + (" or off" if d.off else ""))
        value = values.get(key)
        shown = ("off" if value is None else f"{value:.4g}" if isinstance(value, float)
                 else value)
        if _lever(key) in off and not key.endswith(".start"):
            shown = "(its lever stays off)"
        lines.append(f"  {key}: {where} -> {shown}")
    lines.append(f"On {len(fresh)} fresh draws (not those it was chosen on):")
    for _, r in report.iterrows():
        lines.append(f"  {r['what']}: {r['estimate']:.4g} ({r['low']:.4g} to {r['high']:.4g})")
    return scenario_toml(sc, "\n".join(lines))


def _claim(out: Path, loaded: Loaded) -> None:
    """Refuse to continue a study that searched something else."""
    opt = loaded.opt
    what = {"optimization": opt.model_dump(exclude={"dask", "trials", "fresh_draws",
                                                    "description", "report"}, mode="json"),
            "base": read_toml(loaded.base_path),
            "counties": None if loaded.counties is None else
            [(c.name, c.overrides, c.towns) for c in loaded.counties],
            "province_seed": loaded.province_seed}
    claim_folder(out, STAMP, what, (out / STUDY_FILE).exists(),
                 "holds the study of a different optimisation (other decisions, objective, "
                 f"constraints, draws or base): give another --out, or remove {STUDY_FILE} to "
                 "start again", name=opt.name)
