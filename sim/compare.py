"""Policy packages side by side: replicated runs with common random numbers, medians and 10-90%
bands, the year each seed target is met, and cost against the first (reference) scenario.

Replicate ``r`` of every scenario runs with seed ``first_seed + r``: the packages face the same
luck, so the difference between them is the policy, not noise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .accounts import LINE_COLUMNS
from .files import writing_into
from .indicators import (
    BAND_COLUMNS,
    HOLD_YEARS,
    TARGETS,
    Indicator,
    Target,
    codebook,
    first_year_met,
)
from .provenance import record, scenario_record
from .results import run
from .scenario import Scenario, plain, with_overrides

DRAW_KEY = 7_919  # spawn key of the ensemble draws (apart from every model stream)

# The comparison's own columns (runs.parquet adds them to the timeseries; bands.parquet).
COLUMNS = tuple(("comparison", Indicator(name, label, "", definition)) for name, label, definition in (
    ("scenario", "Scenario", "the package (its name; numbered when two names are equal)"),
    ("replicate", "Replicate", "replicate r of every package runs with seed first_seed + r"),
    ("seed", "Seed", "the run's seed (common random numbers across packages)"),
    ("parameter_set", "Parameter set", "the ensemble row this replicate used (-1: none)"),
    ("includes", "Uncertainty included", "bands.parquet: stochastic only, or stochastic + "
     "assumptions (an ensemble of parameter sets)"),
    ("indicator", "Indicator", "bands.parquet: the timeseries column summarised"),
    ("p10", "10th percentile", "bands.parquet: over replicates, this scenario and year"),
    ("median", "Median", "bands.parquet: over replicates"),
    ("p90", "90th percentile", "bands.parquet: over replicates"),
))


@dataclass
class Comparison:
    runs: pd.DataFrame  # scenario, replicate, seed, and the timeseries columns
    bands: pd.DataFrame  # scenario, year, indicator, p10, median, p90
    targets: pd.DataFrame  # a row per scenario: target years, costs, effects vs reference
    includes: str = "stochastic only"  # what the bands and probabilities hold
    provenance: dict = field(default_factory=dict)  # how it was made (provenance.json)

    def write(self, out: str | Path,
              extras: Iterable[Callable[[Comparison, Path], object]] = ()) -> Path:
        """Write the runs, bands and targets table, then each of ``extras`` (e.g.
        ``plots.save_comparison_charts``); files appear whole or not at all."""
        out = Path(out)
        with writing_into(out, stale=("*.parquet", "*.png", "*.svg", "*.pdf", "targets.*", "codebook.csv",
                                      "provenance.json")) as tmp:
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.bands.to_parquet(tmp / "bands.parquet", index=False)
            self.targets.to_csv(tmp / "targets.csv", index=False)
            (tmp / "targets.md").write_text(targets_markdown(self.targets), encoding="utf-8")
            codebook(("timeseries",), COLUMNS).to_csv(tmp / "codebook.csv", index=False)
            (tmp / "provenance.json").write_text(json.dumps(self.provenance, indent=2,
                                                            default=str), encoding="utf-8")
            for extra in extras:
                extra(self, tmp)
        return out


def compare(scenarios: list[Scenario], replicates: int = 10, first_seed: int = 1,
            progress: bool = False, ensemble: pd.DataFrame | None = None) -> Comparison:
    """Run every scenario ``replicates`` times with shared seeds and summarise.

    With an ``ensemble`` (a table of parameter sets, dotted keys, and a ``weight`` column:
    ``sim.ensemble``), replicate ``r`` of every package also takes the same parameter set,
    drawn by weight: the bands then hold what is not known about the assumptions as well as
    the luck of the draw, and the differences stay paired."""
    names = package_names([s.name for s in scenarios])
    draws = draw_parameter_sets(ensemble, replicates, first_seed)
    jobs = [(name, sc, r) for name, sc in zip(names, scenarios) for r in range(replicates)]
    iterator = jobs
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(jobs, desc="compare", unit="run")
    frames = []
    for name, sc, r in iterator:
        if draws is not None and ensemble is not None:
            sc = with_parameters(sc, ensemble.iloc[draws[r]])
        ts = run(sc, seed=first_seed + r).timeseries
        ts.insert(0, "parameter_set", -1 if draws is None else int(draws[r]))
        ts.insert(0, "seed", first_seed + r)
        ts.insert(0, "replicate", r)
        ts.insert(0, "scenario", name)
        frames.append(ts)
    runs = pd.concat(frames, ignore_index=True)
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=names, ordered=True)
    includes = ("stochastic only" if ensemble is None else
                f"stochastic + assumptions ({len(ensemble)} parameter sets)")
    banded = bands(runs)
    banded["includes"] = includes
    made = {**record(), "replicates": replicates, "first_seed": first_seed,
            "seeds": [first_seed + r for r in range(replicates)],
            "includes": includes,
            "parameter_sets": None if draws is None else [int(d) for d in draws],
            "scenarios": {name: scenario_record(sc) for name, sc in zip(names, scenarios)}}
    return Comparison(runs, banded, target_table(runs, names), includes, made)


def package_names(names: list[str]) -> list[str]:
    """The packages' names as tables label them: numbered when two are equal."""
    if len(set(names)) != len(names):
        return [f"{i + 1}-{n}" for i, n in enumerate(names)]
    return names


def bands(runs: pd.DataFrame, columns: Iterable[str] = BAND_COLUMNS) -> pd.DataFrame:
    """Per scenario, year and indicator: the 10%, 50% and 90% quantiles over replicates."""
    long = runs.melt(id_vars=["scenario", "year"], value_vars=list(columns),
                     var_name="indicator")
    g = long.groupby(["scenario", "year", "indicator"], observed=True)["value"]
    out = g.quantile([0.1, 0.5, 0.9]).unstack()
    out.columns = ["p10", "median", "p90"]
    return out.reset_index()


def draw_parameter_sets(ensemble: pd.DataFrame | None, replicates: int,
                        seed: int) -> np.ndarray | None:
    """The ensemble row of each replicate, drawn by weight (the same for every package)."""
    if ensemble is None:
        return None
    weights = ensemble["weight"].to_numpy(float)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_KEY,)))
    return rng.choice(len(ensemble), size=replicates, p=weights / weights.sum())


def with_parameters(scenario: Scenario, row: pd.Series) -> Scenario:
    """``scenario`` with the parameter values of one ensemble row (dotted keys)."""
    return with_overrides(scenario, parameter_values(row))


def parameter_values(row: pd.Series) -> dict:
    """One ensemble row as dotted overrides (plain Python values, the weight left out)."""
    return {k: plain(v) for k, v in row.items() if k != "weight"}


def wilson_interval(successes: int, n: int, z: float = 1.645) -> tuple[float, float]:
    """90% Wilson score interval of a share (honest at 0 and 1, unlike the normal one)."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _first_years(runs: pd.DataFrame, target: Target) -> pd.Series:
    """The year each (scenario, replicate) first holds the target (as ``run`` counts it:
    indicators.first_year_met); NaN if never."""
    groups = runs.sort_values("year").groupby(["scenario", "replicate"], observed=True)
    first = {key: first_year_met(g["year"], g[target.indicator], target) for key, g in groups}
    index = pd.MultiIndex.from_tuples(list(first), names=["scenario", "replicate"])
    return pd.Series([np.nan if y is None else y for y in first.values()], index=index,
                     dtype=float)


def target_table(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per scenario: the median first year each target is met (and the share of replicates that
    meet it at all), student retention rising every year, costs, and effects against the first
    scenario with the same seeds."""
    rows: dict[str, dict[str, float | str | None]] = {name: {} for name in names}
    for target in TARGETS:
        first = _first_years(runs, target)
        for name in names:
            years = first.loc[name]
            label = target.label
            median = years.fillna(np.inf).median()  # a run that never holds it counts as late
            rows[name][f"{label}: first year held {HOLD_YEARS} years (median)"] = (
                None if not np.isfinite(median) else int(median))
            met = (years <= target.by) if target.by is not None else years.notna()
            when = f" by {target.by}" if target.by is not None else ""
            lo, hi = wilson_interval(int(met.sum()), int(met.size))
            rows[name][f"{label}: share of runs meeting it{when}"] = float(met.mean())
            rows[name][f"{label}: 90% interval of that share"] = f"{lo:.2f}-{hi:.2f}"
    last = int(runs["year"].max())
    numeric = runs.select_dtypes("number").columns.drop(["replicate", "year", "seed",
                                                         "parameter_set"])
    ref = runs[runs["scenario"] == names[0]].set_index(["replicate", "year"])[numeric]
    for name in names:
        sub = runs[runs["scenario"] == name]
        rising = sub.sort_values("year").groupby("replicate")["student_retention"].apply(
            lambda s: bool((s.diff().dropna() > 0).all()))
        own = sub.set_index(["replicate", "year"])[numeric]
        diff = (own - ref.reindex(own.index)).groupby("year")
        at = diff.median(numeric_only=True).loc[last]
        cost = sub.groupby("replicate")["cost_policy_yuan"].sum().median()
        paired = diff.get_group(last)["gap_rate"] if last in diff.groups else pd.Series([0.0])
        lo, hi = paired.quantile([0.1, 0.9])
        rows[name].update({
            "student retention rising every year: share of runs": float(rising.mean()),
            f"gap_rate {last} (median)": float(sub[sub["year"] == last]["gap_rate"].median()),
            f"gap_rate change vs {names[0]} at {last}": float(at["gap_rate"]),
            f"gap_rate change vs {names[0]} at {last}: 10-90% of paired runs":
                f"{lo:+.3f} to {hi:+.3f}",
            f"beats {names[0]} on gap_rate at {last}: share of paired runs":
                float((paired < 0).mean()),
            f"student_retention change vs {names[0]} at {last}": float(at["student_retention"]),
            f"teacher_retention change vs {names[0]} (mean)": float(
                diff.median(numeric_only=True)["teacher_retention"].mean()),
            "policy cost, all years (median, million yuan)": float(cost) / 1e6,
            **budget_columns(own, ref.reindex(own.index), names[0]),
        })
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "scenario"
    for column in table.columns:  # years as years (2028, not 2028.0), "never" left empty
        if "first year" in column:
            table[column] = table[column].astype("Int64")
    return table.reset_index()


def budget_columns(own: pd.DataFrame, ref: pd.DataFrame,
                   reference: str) -> dict[str, float | None]:
    """A package's accounts beside the reference's (paired by replicate and year), medians over
    replicates: the extra cost on each budget line, the financing gap in both readings of the
    envelope, the policy cost's share of the budget, and cost-effectiveness: the present value
    of the extra public cost (net of any saving it brings) per 0.01 of gap_rate reduction held
    for a year, both discounted (``params.budget.discount_rate``) over the same years, from the
    first year the package spends."""
    def median(values: pd.Series) -> float:
        return float(values.median())

    per_rep = own.groupby("replicate")
    extra = (own - ref).groupby("replicate")
    out: dict[str, float | None] = {}
    for column in LINE_COLUMNS:
        line = column.removeprefix("cost_").removesuffix("_yuan").replace("_", " ")
        out[f"extra {line} vs {reference}, mean a year (million yuan)"] = median(
            extra[column].mean()) / 1e6
    for column, reading in (("financing_gap_yuan", "total held"),
                            ("financing_gap_per_pupil_rule_yuan", "per pupil held")):
        out[f"years with a financing gap ({reading})"] = median(
            per_rep[column].apply(lambda s: int((s > 0).sum())))
        out[f"largest financing gap ({reading}, million yuan)"] = median(
            per_rep[column].max()) / 1e6
    out["policy cost share of the budget, mean"] = median(per_rep["policy_share_of_budget"].mean())
    spending = own["cost_policy_yuan"] > 0
    acting = spending.groupby("replicate").transform(lambda s: s.cummax().astype(bool))
    discount = own["discount_factor"].where(acting, 0.0)
    pv_cost = (discount * extra.obj["cost_total_yuan"]).groupby("replicate").sum()
    pv_gain = (discount * -extra.obj["gap_rate"]).groupby("replicate").sum()
    out[f"extra public cost vs {reference}, present value (million yuan)"] = median(pv_cost) / 1e6
    out[f"gap_rate-years reduced vs {reference}, discounted"] = median(pv_gain)
    ratio = median(pv_cost) / 1e6 / (median(pv_gain) * 100) if median(pv_gain) > 1e-4 else None
    out[f"million yuan (present value) per 0.01 gap_rate held a year vs {reference}"] = ratio
    return out


def targets_markdown(table: pd.DataFrame) -> str:
    """The targets table transposed (a column per scenario), for reading and pasting."""
    t = table.set_index("scenario").T

    def fmt(v, label: str) -> str:
        missing = v is None or (isinstance(v, float) and np.isnan(v))
        if "first year" in label:
            return "never" if missing or v is pd.NA else str(int(v))
        if missing:
            return "-"
        if label.startswith("years with"):  # a count of years (a median: may end in .5)
            return f"{v:g}"
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| | " + " | ".join(t.columns) + " |", "|---" * (len(t.columns) + 1) + "|"]
    for label, row in t.iterrows():
        lines.append(f"| {label} | " + " | ".join(fmt(v, label) for v in row) + " |")
    return "\n".join(lines) + "\n"
