"""Experiment files: a base scenario, factors with distributions, a design, replicates, the
outputs to keep, where to run. Validated like scenarios: unknown keys, bad ranges and factors
that are not scenario fields are errors naming the file, the field and what is allowed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator
from scipy import stats

from .. import ensemble
from ..errors import InputError
from ..parameters import Group
from ..scenario import NAME_PATTERN, Scenario, plain, read_toml, validate
from ..scenario import load_scenario as _load_scenario


class Uniform(Group):
    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u):
        return self.low + u * (self.high - self.low)


class Normal(Group):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    def ppf(self, u):
        return stats.norm.ppf(np.clip(u, 1e-9, 1 - 1e-9), self.mean, self.sd)


class TruncNormal(Group):
    dist: Literal["truncnormal"]
    mean: float
    sd: float = Field(gt=0)
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u):
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)


class Triangular(Group):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def ppf(self, u):
        c = (self.mode - self.low) / (self.high - self.low)
        return stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)


class LogNormal(Group):
    dist: Literal["lognormal"]
    mean: float = Field(description="mean of the log")
    sigma: float = Field(gt=0, description="SD of the log")

    def ppf(self, u):
        return stats.lognorm.ppf(np.clip(u, 1e-9, 1 - 1e-9), self.sigma, scale=np.exp(self.mean))


class Choice(Group):
    dist: Literal["choice"]
    values: list[Any] = Field(min_length=1)

    def ppf(self, u):
        idx = np.minimum((np.asarray(u) * len(self.values)).astype(int), len(self.values) - 1)
        return np.asarray(self.values, dtype=object)[idx]


Factor = Annotated[Uniform | Normal | TruncNormal | Triangular | LogNormal | Choice,
                   Field(discriminator="dist")]


class Design(Group):
    method: Literal["sobol", "morris", "latin", "grid", "scenarios"]
    n: int = Field(64, ge=1, le=1_000_000,
                   description="base sample size (sobol: power of 2; latin: points)")
    second_order: bool = Field(False, description="sobol: also second-order indices")
    trajectories: int = Field(10, ge=2, le=10_000, description="morris trajectories")
    levels: int = Field(4, ge=2, le=100, description="morris / grid levels per factor")


class SlurmOptions(Group):
    partition: str | None = None
    time_min: int = Field(60, ge=1, le=7 * 24 * 60, description="minutes per array task")
    cpus_per_task: int = Field(1, ge=1, le=256)
    mem_gb: float = Field(2.0, gt=0, le=2048)
    max_parallel: int = Field(100, ge=1, le=100_000, description="array tasks at once")
    account: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict,
                                  description="further sbatch options (submitit names)")


class DaskOptions(Group):
    scheduler: str | None = Field(None, description="address of a running scheduler, e.g. "
                                  "tcp://10.0.0.5:8786; none: a local cluster")
    jobqueue: Literal["slurm", "pbs", "sge", "lsf"] | None = Field(
        None, description="start a dask-jobqueue cluster of this kind instead")
    jobs: int = Field(4, ge=1, le=10_000, description="dask-jobqueue jobs to start")
    cluster: dict[str, Any] = Field(default_factory=dict,
                                    description="dask-jobqueue cluster options (cores, memory...)")


class Experiment(Group):
    name: str = Field(pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    base: str = Field(description="base scenario file, relative to the experiment file (with "
                      "a province: the package every county runs)")
    province: str | None = Field(
        None, description="a province file (relative to the experiment file; `ruraledu "
        "province`): every run is then the whole province, each county with its own settings "
        "and the design's on top, and the outputs are the province's (a table per county "
        "beside them)")
    overrides: dict[str, Any] = Field(default_factory=dict,
                                      description="dotted keys applied to the base scenario")
    factors: dict[str, Factor] = Field(default_factory=dict,
                                       description="dotted scenario key -> distribution")
    scenarios: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="design 'scenarios': name -> dotted overrides")
    design: Design
    replicates: int = Field(1, ge=1, le=10_000, description="runs per sample point")
    outputs: list[str] = Field(min_length=1, description="e.g. gap_rate@2025, "
                               "teacher_retention@mean, cost_policy_yuan@sum, first_year_gap_met")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="seeds the design and the ensemble "
                      "draws; replicate r runs with seed + r (with a province: the province "
                      "file's seed + r, as `ruraledu province` would with that seed)")
    uncertainty: str | None = Field(
        None, description="an ensemble of parameter sets (Parquet, relative to the experiment "
        "file; `ruraledu calibrate` or `ruraledu ensemble`): replicate r of every design point "
        "takes the same set, drawn by weight, so the factors' effects are integrated over what "
        "is not known (EMA's scenarios x policies)")
    shard_size: int = Field(10, ge=1, le=100_000, description="runs per stored shard")
    slurm: SlurmOptions = Field(default_factory=SlurmOptions)
    dask: DaskOptions = Field(default_factory=DaskOptions)

    @model_validator(mode="after")
    def _design_needs(self):
        m = self.design.method
        if m == "scenarios" and not self.scenarios:
            raise ValueError("design 'scenarios' needs a [scenarios] table of named overrides")
        if m != "scenarios" and not self.factors:
            raise ValueError(f"design '{m}' needs at least one factor in [factors]")
        if m == "sobol" and self.design.n & (self.design.n - 1):
            raise ValueError(f"design.n = {self.design.n}: Sobol needs a power of 2")
        return self


OUTPUT_SUMMARIES = ("first_year_gap_met", "first_year_townships_met")


def load_experiment(path: str | Path) -> tuple[Experiment, Scenario, str]:
    """Read and check an experiment: returns it, its base scenario (with overrides) and a hash
    of everything that determines its runs."""
    path = Path(path)
    data = read_toml(path)
    exp = validate(Experiment, data, str(path))
    base_path = (path.parent / exp.base).resolve()
    if not base_path.is_file():
        raise InputError(path, f"base: file not found: {base_path}")
    base = _load_scenario(base_path)  # the base file's own problems are reported as its own
    try:
        base = _load_scenario(base_path, exp.overrides)
    except InputError as err:  # ... and those of [overrides] as the experiment's
        raise InputError(path, [f"[overrides] {p}" for p in err.problems]) from None
    problems = _inert_factors(exp, base)
    years = set(base.years)
    counties = None if exp.province is None else experiment_province(path, exp)[1]
    for out in exp.outputs:
        problems += check_output(out, years, province=counties is not None)
    for key, factor in exp.factors.items():
        if key == "seed":  # refused above, whatever its values
            continue
        values = factor.values if isinstance(factor, Choice) else \
            factor.ppf(np.array([0.0, 0.5, 1.0 - 1e-9]))
        for value in dict.fromkeys(plain(v) for v in values):
            found = _check_override(base_path, exp.overrides, key, value)
            problems += found
            if found:
                break
    for name, over in exp.scenarios.items():
        for key, value in over.items():
            problems += [f"scenarios.{name}: {p}" for p in
                         _check_override(base_path, exp.overrides, key, value)]
    ensemble_digest = ""
    columns: list[str] = []  # the ensemble's
    if exp.uncertainty is not None:
        table = ensemble.load(path.parent / exp.uncertainty)
        columns = list(table.columns)
        both = sorted(set(exp.factors) & set(table.columns))
        if both:
            problems.append(f"uncertainty: {both} are factors of the design and columns of the "
                            "ensemble (allowed: a parameter in one or the other)")
        ensemble_digest = hashlib.sha256(
            (path.parent / exp.uncertainty).read_bytes()).hexdigest()
    if counties is not None:
        problems += _province_problems(exp, base_path, counties, columns, checked=not problems)
    if problems:
        raise InputError(path, problems)
    raw = read_toml(base_path)
    inputs: dict[str, Any] = {"experiment": data, "base": raw}
    if ensemble_digest:  # (absent otherwise, so earlier sweeps keep their digest)
        inputs["ensemble"] = ensemble_digest
    if counties is not None:
        # what each county runs with, its seed included; a roster by its file's name, so the
        # digest stays the same wherever the folders are moved
        inputs["counties"] = [
            (c.name, c.prefecture, c.kind, c.towns, c.seed,
             {k: Path(v).name if k == "county.roster" else v for k, v in c.overrides.items()})
            for c in counties]
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    return exp, base, digest


def _province_problems(exp: Experiment, base_path: Path, counties: list[Any],
                       columns: list[str], checked: bool) -> list[str]:
    """What a province refuses: a setting its county table gives each county, set for all by
    [overrides], a factor, a named scenario or an ensemble column (the counties would all be
    alike); and, once the rest is ``checked``, [overrides] that some county cannot take."""
    from .counties import counties_problems, owned_problems

    problems = owned_problems(exp.overrides, counties, "[overrides]")
    problems += owned_problems(exp.factors, counties, "factor")
    for name, over in exp.scenarios.items():
        problems += owned_problems(over, counties, f"scenarios.{name}:")
    problems += owned_problems(columns, counties, "uncertainty: column")
    if checked and not problems:
        problems += counties_problems(base_path, counties, exp.overrides, "[overrides]")
    return problems


def experiment_province(path: Path, exp: Experiment) -> tuple[Any, list[Any]]:
    """The province file an experiment names and its counties, each checked under the
    experiment's base (the package every county runs). What is wrong with the province file
    or its county table is reported as the experiment's ``province`` field, naming that file,
    so one command names both."""
    from .counties import load_province  # (it reads its [dask] table from this module)

    assert exp.province is not None
    where = (path.parent / exp.province).resolve()
    if not where.is_file():
        raise InputError(path, f"province: file not found: {where}")
    try:
        prov, _, _, counties = load_province(where, (path.parent / exp.base).resolve())
    except InputError as err:
        raise InputError(path, [f"province: {err.source}: {p}" for p in err.problems]) from None
    return prov, counties


TIMELINE_KEYS = ("start", "schedule")  # factors that can switch a lever on


def _inert_factors(exp: Experiment, base: Scenario) -> list[str]:
    """Factors that cannot change a run: a lever's setting while the lever is off in the base
    scenario and no factor turns it on, or the seed (replicates vary it)."""
    problems = []
    switched = {key.split(".")[1] for key in exp.factors
                if key.startswith("policies.") and key.rsplit(".", 1)[-1] in TIMELINE_KEYS}
    for key in exp.factors:
        parts = key.split(".")
        if key == "seed":
            problems.append("factor 'seed': the seed is not a factor (allowed: replicates, "
                            "which give every design point the same seeds)")
        elif len(parts) == 3 and parts[0] == "policies" and parts[2] not in TIMELINE_KEYS \
                and parts[1] not in switched:
            lever = getattr(base.policies, parts[1], None)
            if lever is not None and not lever.enabled:
                problems.append(f"factor '{key}': the {parts[1]} lever is off in the base "
                                "scenario, so this setting cannot act (allowed: turn it on in "
                                f"[overrides] with policies.{parts[1]}.start, or vary its start)")
    return problems


def _check_override(base_path: Path, overrides: dict, key: str, value: Any) -> list[str]:
    try:
        _load_scenario(base_path, {**overrides, key: plain(value)})
    except InputError as err:
        return [f"factor '{key}': {p}" for p in err.problems]
    return []


def check_output(out: str, years: set[int], province: bool = False) -> list[str]:
    """What is wrong with an output name (``column@year|mean|sum|last`` or a summary); with
    ``province``, of an output read on a province's yearly table."""
    from ..outcomes import TIMESERIES_COLUMNS

    if province:
        from .counties import check_province_output

        return check_province_output(out, years)
    if out in OUTPUT_SUMMARIES:
        return []
    column, sep, when = out.partition("@")
    allowed = f"a timeseries column @ a year, @mean, @sum, @last, or one of {OUTPUT_SUMMARIES}"
    if not sep or column not in TIMESERIES_COLUMNS:
        return [f"output '{out}': expected {allowed}"]
    if when in ("mean", "sum", "last"):
        return []
    if not when.isdigit() or int(when) not in years:
        return [f"output '{out}': year must be one of {min(years)}-{max(years)} "
                "(or mean, sum, last)"]
    return []


