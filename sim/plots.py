"""Chart helpers shared by the CLI and notebooks: one look (colour-blind-safe, titled, units).

No backend is chosen here: a notebook keeps its inline backend (figures show in the cells),
and the command line picks the file-only one before drawing (``sim.cli``)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator

from . import indicators
from .accounts import LINE_COLUMNS
from .indicators import GAP_TARGET, TARGETS, Target, meets

if TYPE_CHECKING:
    from .analysis import Analysis
    from .calibrate import CalibrationResult
    from .compare import Comparison
    from .optimize import OptimizationResult
    from .province import ProvinceResult
    from .results import Result

# Okabe-Ito palette (colour-blind safe)
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")



# Settings that make a figure quicker to draw without changing what it shows: titles at the
# top of their axes (where matplotlib's automatic placement puts them when nothing else is
# above the axes, after measuring every tick label of every axes).
FAST: dict = {"axes.titley": 1.0}


def panels(*names: str) -> tuple[tuple[str, str, str], ...]:
    """(column, label, unit) of each indicator, as declared in sim.indicators."""
    return tuple((name, indicators.label(name), indicators.unit(name)) for name in names)


PANELS = panels("gap_rate", "share_towns_gap_met", "student_retention", "teacher_retention",
                "students", "boarding_rate_middle", "middle_retention_3yr", "cost_total_yuan")


def plot_indicators(ts: pd.DataFrame, title: str = "", bands: dict | None = None) -> plt.Figure:
    """The main indicators over the years, the 0.15 target marked; ``bands`` maps a column to
    (low, high) frames for quantile bands."""
    fig, axes = plt.subplots(2, 4, figsize=(16, 7))
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.3, hspace=0.4)
    for ax, (col, label, unit) in zip(axes.ravel(), PANELS):
        ax.plot(ts["year"], ts[col], color=COLORS[0], lw=2, label="this run")
        if bands and col in bands:
            lo, hi = bands[col]
            ax.fill_between(ts["year"], lo, hi, color=COLORS[0], alpha=0.2, lw=0)
        if col == "gap_rate":
            ax.axhline(GAP_TARGET, color=COLORS[3], ls="--", lw=1, label="target 0.15")
            ax.legend(frameon=False, fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_school_gaps(schools: pd.DataFrame, title: str = "") -> plt.Figure:
    """Each town-seat school's difference rate over time against the 0.15 target."""
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    towns = schools[schools["type"] == "town_seat"]
    lines = [g[["year", "difference_rate"]].to_numpy(float)
             for _, g in towns.groupby("school", observed=True)]
    ax.add_collection(LineCollection(lines, colors=COLORS[0], alpha=0.5, linewidths=1))
    ax.autoscale_view()
    med = towns.groupby("year")["difference_rate"].median()
    ax.plot(med.index, med.values, color=COLORS[1], lw=3, label="median town-seat school")
    ax.axhline(GAP_TARGET, color=COLORS[3], ls="--", label="target 0.15")
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_ylabel("difference rate to urban quality schools")
    ax.set_title(title or "Town-seat schools: difference rate")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig


FAN_PANELS = panels("gap_rate", "share_towns_gap_met", "student_retention", "teacher_retention",
                    "middle_retention_3yr", "cost_policy_yuan")


def plot_fan(bands: pd.DataFrame, panels=FAN_PANELS, title: str = "") -> plt.Figure:
    """Scenarios side by side: median line and 10-90% band of each indicator over the years."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.07, top=0.92, wspace=0.25, hspace=0.3)
    scenarios = list(dict.fromkeys(bands["scenario"]))
    for ax, (col, label, unit) in zip(axes.ravel(), panels):
        for i, name in enumerate(scenarios):
            b = bands[(bands["scenario"] == name) & (bands["indicator"] == col)]
            color = COLORS[i % len(COLORS)]
            ax.fill_between(b["year"], b["p10"], b["p90"], color=color, alpha=0.18, lw=0)
            ax.plot(b["year"], b["median"], color=color, lw=2, label=str(name))
        if col == "gap_rate":
            ax.axhline(GAP_TARGET, color="black", ls="--", lw=1, label="target 0.15")
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.grid(alpha=0.3)
    axes.ravel()[0].legend(frameon=False, fontsize=8)
    fig.suptitle(title or "Median and 10-90% band over replicates")
    return fig


def plot_budget(runs: pd.DataFrame, title: str = "") -> plt.Figure:
    """Can the county afford it? Left: each package's extra cost over the first (reference)
    scenario by budget line, a year on average (median over paired replicates). Right: the
    public cost over the years (median) against the budget envelope in both readings of
    两个只增不减 (the total held, dashed; per pupil held, dotted)."""
    scenarios = list(dict.fromkeys(runs["scenario"]))
    keyed = runs.set_index(["scenario", "replicate", "year"])
    ref = keyed.loc[scenarios[0]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 5.5))
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.22, top=0.88, wspace=0.22)
    bottom_pos = np.zeros(len(scenarios))
    bottom_neg = np.zeros(len(scenarios))
    for j, column in enumerate(LINE_COLUMNS):
        extra = np.array([float((keyed.loc[name, column] - ref[column]).groupby("replicate")
                                .mean().median()) / 1e6 for name in scenarios])
        base = np.where(extra >= 0, bottom_pos, bottom_neg)
        left.bar(range(len(scenarios)), extra, bottom=base, color=COLORS[j % len(COLORS)],
                 label=indicators.label(column).split(" (")[0])  # the charts' font has no CJK glyphs
        bottom_pos += np.maximum(extra, 0)
        bottom_neg += np.minimum(extra, 0)
    left.axhline(0, color="black", lw=0.8)
    left.set_xticks(range(len(scenarios)), [str(s) for s in scenarios], rotation=25, ha="right")
    left.set_ylabel("million yuan a year")
    left.set_title(f"Extra cost over {scenarios[0]} by budget line (mean a year)", fontsize=10)
    left.legend(frameon=False, fontsize=8)
    left.grid(alpha=0.3, axis="y")
    medians = runs.groupby(["scenario", "year"], observed=True)[
        ["cost_total_yuan", "budget_envelope_yuan", "budget_envelope_per_pupil_rule_yuan"]
    ].median() / 1e6
    for i, name in enumerate(scenarios):
        m = medians.loc[name]
        right.plot(m.index, m["cost_total_yuan"], color=COLORS[i % len(COLORS)], lw=2,
                   label=str(name))
    m = medians.loc[scenarios[0]]
    right.plot(m.index, m["budget_envelope_yuan"], color="black", ls="--", lw=1,
               label="envelope: total held")
    right.plot(m.index, m["budget_envelope_per_pupil_rule_yuan"], color="black", ls=":", lw=1,
               label=f"envelope: per pupil held ({scenarios[0]})")
    right.set_ylabel("million yuan a year")
    right.set_xlabel("year")
    right.set_title("Public cost against the budget envelope (median)", fontsize=10)
    right.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    right.legend(frameon=False, fontsize=8)
    right.grid(alpha=0.3)
    fig.suptitle(title or "Affordability")
    return fig


def save_comparison_charts(comparison: Comparison, out: Path) -> list[Path]:
    paths = [Path(out) / "fan_charts.png", Path(out) / "budget.png"]
    for path, fig in zip(paths, (
            plot_fan(comparison.bands,
                     title=f"Median and 10-90% band over replicates ({comparison.includes})"),
            plot_budget(comparison.runs))):
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return paths


TYPE_MARKERS = {"urban_quality": "*", "urban_ordinary": "s", "town_seat": "D", "village": "o",
                "teaching_point": "^"}


def plot_county_map(schools: pd.DataFrame, places: pd.DataFrame, year: int | None = None,
                    title: str = "") -> plt.Figure:
    """The county in one picture: villages and their links to the local primary school,
    schools by type (marker) and size (area), coloured by their difference rate to urban
    quality schools, closed schools crossed out."""
    year = int(schools["year"].max()) if year is None else year
    s = schools[schools["year"] == year]
    fig, ax = plt.subplots(figsize=(9, 8), constrained_layout=True)
    by_id = s.set_index("school")
    linked = places[places["local_school"] >= 0]
    ends = by_id.reindex(linked["local_school"])
    links = list(np.stack([linked[["x_km", "y_km"]].to_numpy(float),
                           ends[["x_km", "y_km"]].to_numpy(float)], axis=1))
    ax.add_collection(LineCollection(links, colors="0.8", linewidths=0.5, zorder=1))
    villages = places[places["kind"] != "county_seat"]
    ax.scatter(villages["x_km"], villages["y_km"], s=6, color="0.55", zorder=2,
               label="village / town seat (home)")
    norm = matplotlib.colors.Normalize(vmin=0.0, vmax=0.3)
    cmap = plt.get_cmap("cividis_r")
    for kind, marker in TYPE_MARKERS.items():
        k = s[(s["type"] == kind) & s["open"]]
        if k.empty:
            continue
        rate = k["difference_rate"].fillna(0.0)
        color = "0.3" if kind.startswith("urban") else cmap(norm(rate))
        ax.scatter(k["x_km"], k["y_km"], s=20 + k["students"] / 8, marker=marker, c=color,
                   edgecolors="black", linewidths=0.5, zorder=3, label=kind.replace("_", " "))
    closed = s[~s["open"]]
    if not closed.empty:
        ax.scatter(closed["x_km"], closed["y_km"], marker="x", s=60, color=COLORS[3], zorder=4,
                   label="closed school")
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=ax, shrink=0.7, label="difference rate to urban quality schools "
                 f"(target < {GAP_TARGET})")
    ax.set_aspect("equal")
    ax.set_xlabel("km east of the county seat")
    ax.set_ylabel("km north of the county seat")
    ax.set_title(title or f"County schools in {year} (marker size: students)")
    ax.legend(loc="upper left", fontsize=8, frameon=True, markerscale=0.6)
    return fig


def plot_targets(ts: pd.DataFrame, targets: tuple[Target, ...] = TARGETS,
                 title: str = "") -> plt.Figure:
    """Targets dashboard: each seed target's indicator over time, the threshold and the
    deadline, green where met."""
    rows = -(-len(targets) // 4)
    fig, axes = plt.subplots(rows, 4, figsize=(16, 3.3 * rows), squeeze=False)
    # a fixed layout: constrained layout would double the drawing time of a dozen panels
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.06, top=0.9, wspace=0.3, hspace=0.75)
    for ax in axes.ravel()[len(targets):]:
        ax.set_visible(False)
    for ax, target in zip(axes.ravel(), targets):
        col, op, threshold, deadline = target.indicator, target.op, target.threshold, target.by
        ax.plot(ts["year"], ts[col], color=COLORS[0], lw=2, label="value")
        ax.axhline(threshold, color=COLORS[3], ls="--", lw=1, label=f"target {op} {threshold:g}")
        if deadline is not None:
            ax.axvline(deadline, color="0.5", ls=":", lw=1, label=f"by {deadline}")
        met = meets(ts[col], op, threshold)
        ax.scatter(ts["year"][met], ts[col][met], color=COLORS[2], zorder=3, s=18, label="met")
        ax.set_title(textwrap.fill(f"{indicators.label(col)} {op} {threshold:g}"
                                   + (f" by {deadline}" if deadline else ""), 44), fontsize=9)
        ax.set_ylabel(indicators.unit(col))
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.grid(alpha=0.3)
        ax.legend(frameon=False, fontsize=7, loc="best")
    fig.suptitle(title or "The seeds' targets")
    return fig


def save_run_charts(result: Result, out: Path) -> list[Path]:
    """The charts of one run, into ``out`` (a ``Result.write`` extra)."""
    name = result.summary.get("scenario", "")
    paths = []
    with plt.rc_context(FAST):
        charts = [("indicators.png", plot_indicators(result.timeseries, name)),
                  ("school_gaps.png", plot_school_gaps(result.schools, name)),
                  ("targets.png", plot_targets(result.timeseries, title=f"{name}: targets"))]
        if result.places is not None:
            charts.append(("county_map.png", plot_county_map(result.schools, result.places)))
    for fname, fig in charts:
        path = Path(out) / fname
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths



def plot_sobol(indices: pd.DataFrame, outcome: str, year: str) -> plt.Figure:
    """First-order and total Sobol indices of one output, with 95% intervals."""
    rows = indices[(indices["outcome"] == outcome) & (indices["year"] == year)
                   & (indices["method"] == "sobol")]
    factors = list(dict.fromkeys(rows[rows["index"] == "ST"]["factor"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(factors) + 2), 4.5), constrained_layout=True)
    width = 0.38
    for k, (index, color) in enumerate((("S1", COLORS[0]), ("ST", COLORS[1]))):
        r = rows[rows["index"] == index].set_index("factor").reindex(factors)
        x = np.arange(len(factors)) + (k - 0.5) * width
        ax.bar(x, r["value"], width, color=color, label=index,
               yerr=[r["value"] - r["conf_low"], r["conf_high"] - r["value"]], capsize=3)
    ax.set_xticks(np.arange(len(factors)), [_short(f) for f in factors], rotation=30, ha="right")
    ax.set_ylabel("Sobol index")
    ax.set_title(f"{indicators.label(outcome)} ({year}): Sobol indices, 95% intervals")
    ax.axhline(0, color="black", lw=0.8)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3, axis="y")
    return fig


def plot_morris(indices: pd.DataFrame, outcome: str, year: str) -> plt.Figure:
    """Morris screening: mu* against sigma, with mu* intervals."""
    rows = indices[(indices["outcome"] == outcome) & (indices["year"] == year)
                   & (indices["method"] == "morris")]
    mu = rows[rows["index"] == "mu_star"].set_index("factor")
    sigma = rows[rows["index"] == "sigma"].set_index("factor")["value"].reindex(mu.index)
    fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
    ax.errorbar(mu["value"], sigma, xerr=[mu["value"] - mu["conf_low"],
                                          mu["conf_high"] - mu["value"]],
                fmt="o", color=COLORS[0], ecolor=COLORS[5], capsize=3)
    for f, x, y in zip(mu.index, mu["value"], sigma):
        ax.annotate(_short(f), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interaction / non-linearity)")
    ax.set_title(f"{indicators.label(outcome)} ({year}): Morris screening")
    ax.grid(alpha=0.3)
    return fig


def plot_indices_over_time(indices: pd.DataFrame, outcome: str) -> plt.Figure:
    """Each factor's main index (ST, mu* or delta) over the kept years of one outcome."""
    rows = indices[(indices["outcome"] == outcome) & ~indices["method"].str.contains("half")
                   & indices["year"].astype(str).str.isdigit()]
    method = rows["method"].iloc[0]
    from .analysis.sensitivity import MAIN_INDEX  # SALib is slow to import: only when needed

    main = rows[rows["index"] == MAIN_INDEX[method]].copy()
    main["year"] = main["year"].astype(int)
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    for i, (factor, g) in enumerate(main.groupby("factor", sort=False)):
        g = g.sort_values("year")
        color = COLORS[i % len(COLORS)]
        ax.plot(g["year"], g["value"], marker="o", color=color, label=_short(factor))
        ax.fill_between(g["year"], g["conf_low"], g["conf_high"], color=color, alpha=0.15, lw=0)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_ylabel(MAIN_INDEX[method])
    ax.set_title(f"{indicators.label(outcome)}: {MAIN_INDEX[method]} over time")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_threshold_map(probability: pd.DataFrame, x: str, y: str, column: str,
                       bins: int = 8) -> plt.Figure:
    """Probability of meeting the 0.15 target over two levers (mean over design points in
    each cell)."""
    fig, ax = plt.subplots(figsize=(7, 5.5), constrained_layout=True)
    xs, ys = probability[x].astype(float), probability[y].astype(float)
    xe = np.linspace(xs.min(), xs.max(), bins + 1)
    ye = np.linspace(ys.min(), ys.max(), bins + 1)
    total, _, _ = np.histogram2d(xs, ys, [xe, ye], weights=probability[column])
    count, _, _ = np.histogram2d(xs, ys, [xe, ye])
    with np.errstate(invalid="ignore"):
        mean = total / count
    mesh = ax.pcolormesh(xe, ye, mean.T, cmap="cividis", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label="probability the difference rate < 0.15")
    ax.set_xlabel(_short(x))
    ax.set_ylabel(_short(y))
    ax.set_title(f"{column}: probability of meeting the target")
    return fig


def _short(name: str) -> str:
    return name.removeprefix("policies.").removeprefix("params.")


EXAM_SCALE = "params.learning.exam_cv"


def plot_year_met_against(probability: pd.DataFrame, factor: str = EXAM_SCALE) -> plt.Figure:
    """The year the difference rate is held below 0.15 (median over the replicates that meet
    it) at each design point against one factor, e.g. the exam scale the rate is read on;
    "never" on top for points where no run met it (points without a value are left out)."""
    years = probability["first_year_met (median of runs meeting it)"]
    valued = probability["runs with a value"] > 0 if "runs with a value" in probability \
        else pd.Series(True, index=years.index)
    never = years.isna() & valued
    years = years.where(valued)
    top = (years.max() if years.notna().any() else 2035) + 2
    fig, ax = plt.subplots(figsize=(7, 4.5), constrained_layout=True)
    x = probability[factor]
    ax.scatter(x[~never], years[~never], s=14, color=COLORS[0], alpha=0.6, label="held from")
    ax.scatter(x[never], np.full(int(never.sum()), top), s=14, color=COLORS[3], alpha=0.6,
               marker="x", label="never held")
    ax.set_xlabel(indicators.label(factor) if factor in indicators.BY_NAME else _short(factor))
    ax.set_ylabel("first year held below 0.15")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_title(f"When the 0.15 target is met, against {_short(factor)}")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def save_analysis_charts(analysis: Analysis, out: Path) -> list[Path]:
    """Every figure of an analysis: per outcome, bars (Sobol) or mu*-sigma (Morris) at the
    last year, indices over time, and the threshold map over the two decisive factors."""
    paths = []

    def save(fig, name):
        path = Path(out) / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)

    idx = analysis.indices
    full = idx[~idx["method"].str.contains("half")]
    for outcome, g in full.groupby("outcome", sort=False):
        years = list(dict.fromkeys(g["year"]))
        last = years[-1]
        method = g["method"].iloc[0]
        tag = outcome if last == "-" else f"{outcome}_{last}"
        if method == "sobol":
            save(plot_sobol(idx, outcome, last), f"sobol_{tag}.png")
        elif method == "morris":
            save(plot_morris(idx, outcome, last), f"morris_{tag}.png")
        if sum(str(y).isdigit() for y in years) > 1:
            save(plot_indices_over_time(idx, outcome), f"over_time_{outcome}.png")
    prob = analysis.probability
    if "first_year_met (median of runs meeting it)" in prob and EXAM_SCALE in prob:
        save(plot_year_met_against(prob, EXAM_SCALE), "year_met_vs_exam_scale.png")
    prob_cols = [c for c in analysis.probability.columns if c.startswith("P(met)@")]
    if prob_cols and not analysis.rsa.empty:
        last = prob_cols[-1]
        year = last.split("@")[1]
        top = analysis.rsa[analysis.rsa["year"] == year]["factor"].head(2).tolist()
        if len(top) == 2:
            save(plot_threshold_map(analysis.probability, top[0], top[1], last),
                 f"threshold_map_{year}.png")
    return paths


def plot_calibration(result: CalibrationResult) -> plt.Figure:
    """Left: each parameter's posterior (weighted histogram) across its prior range. Right:
    each pattern's posterior predictive (median, 10-90%) against its target and tolerance,
    in tolerances from the target; held-out patterns apart."""
    post = result.posterior
    keys = [c for c in post.columns if c != "weight"]
    fig = plt.figure(figsize=(15, max(4, 1.6 * len(keys))))
    grid = fig.add_gridspec(len(keys), 2, wspace=0.6, hspace=0.6)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(grid[i, 0])
        ax.hist(post[key], bins=20, weights=post["weight"], color=COLORS[0], alpha=0.8)
        ax.set_title(_short(key), fontsize=9)
        ax.set_yticks([])
    ax = fig.add_subplot(grid[:, 1])
    p = result.patterns.reset_index(drop=True)
    scale = p["tolerance"]
    for j, row in p.iterrows():
        color = COLORS[0] if row["use"] == "calibrate" else COLORS[1]
        lo, med, hi = ((row[c] - row["target"]) / scale[j] for c in ("p10", "median", "p90"))
        ax.plot([lo, hi], [j, j], color=color, lw=3, alpha=0.6)
        ax.plot(med, j, "o", color=color)
    ax.axvspan(-1, 1, color="grey", alpha=0.15, label="within tolerance")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(range(len(p)), [f"{n} ({u})" for n, u in zip(p["pattern"], p["use"])],
                  fontsize=8)
    ax.set_xlabel("posterior predictive - target, in tolerances (10-90%, median)")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle("Calibration: posterior and patterns")
    return fig


def save_calibration_charts(result: CalibrationResult, out: Path) -> list[Path]:
    path = Path(out) / "calibration.png"
    fig = plot_calibration(result)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def plot_pareto(result: OptimizationResult) -> plt.Figure:
    """Every candidate of a policy search: its objective (mean over draws) against the share of
    draws meeting the first constraint; the Pareto front joined, the chosen package ringed,
    the required probability dashed."""
    trials, front = result.trials, result.pareto
    objective, probability = result.objective, result.probability
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    feasible = trials["feasible"]
    ax.scatter(trials.loc[~feasible, "objective"] / 1e6, trials.loc[~feasible, probability],
               s=14, color="0.65", label="candidates missing a constraint")
    ax.scatter(trials.loc[feasible, "objective"] / 1e6, trials.loc[feasible, probability],
               s=14, color=COLORS[0], label="candidates meeting every constraint")
    ax.step(front["objective"] / 1e6, front[probability], where="post", color=COLORS[0],
            lw=1, label="Pareto front")
    best = result.best
    ax.scatter([best["objective"] / 1e6], [best[probability]], s=120, facecolors="none",
               edgecolors="black", label="chosen package")
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_xlabel(f"{_output_label(objective)}, mean over draws (million yuan)")
    ax.set_ylabel(f"share of draws meeting\n{_output_label(probability[2:-1])}")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return fig


def _output_label(output: str) -> str:
    """``gap_rate@2025 < 0.15`` in words: the codebook's label, the year or statistic."""
    name, _, rest = output.partition("@")
    when, _, bar = rest.partition(" ")
    label = indicators.label(name)
    when = {"sum": "summed over the years", "mean": "mean over the years",
            "last": "last year"}.get(when, f"in {when}")
    return f"{label} {when}" + (f" {bar}" if bar else "")


def save_optimization_charts(result: OptimizationResult, out: Path) -> list[Path]:
    path = Path(out) / "pareto.png"
    fig = plot_pareto(result)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def plot_province(result: ProvinceResult) -> plt.Figure:
    """Left: each county's difference rate over the years (a county grid, colour-blind-safe
    sequential colours, counties sorted by prefecture and rate, 0.15 marked on the colour bar).
    Right: the province's share of townships meeting 0.15, with seed 004's "more than half"."""
    table, prov = result.counties, result.province
    grid = table.pivot_table(index=["prefecture", "county"], columns="year", values="gap_rate")
    grid = grid.loc[grid.mean(axis=1).groupby(level=0, group_keys=False)
                    .apply(lambda s: s.sort_values()).index]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, max(4, 0.22 * len(grid) + 2)),
                                      layout="constrained", width_ratios=(3, 2))
    image = left.imshow(grid.to_numpy(), aspect="auto", cmap="cividis_r", vmin=0, vmax=0.3,
                        interpolation="nearest")
    left.set_xticks(range(grid.shape[1]), [str(y) for y in grid.columns], rotation=90,
                    fontsize=7)
    left.set_yticks(range(len(grid)), [f"{c} ({p})" for p, c in grid.index],
                    fontsize=7 if len(grid) > 30 else 9)
    bar = fig.colorbar(image, ax=left, shrink=0.8)
    bar.set_label(indicators.label("gap_rate"))
    bar.ax.axhline(GAP_TARGET, color="black", lw=1.5)
    left.set_title("Counties: difference rate by year")
    right.plot(prov["year"], prov["share_townships_gap_met"], color=COLORS[0], marker="o",
               ms=3, label="townships below 0.15")
    right.axhline(0.5, color="black", ls="--", lw=1, label="more than half (seed 004)")
    right.set_ylim(0, 1)
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    right.set_ylabel("share of the province's townships")
    right.legend(frameon=False, fontsize=8)
    right.set_title("Province")
    fig.suptitle(f"{result.package}: {len(grid)} counties")
    return fig


def save_province_charts(result: ProvinceResult, out: Path) -> list[Path]:
    path = Path(out) / "province.png"
    fig = plot_province(result)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]
