"""Chart helpers shared by the CLI and notebooks: one look (colour-blind-safe, titled, units)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .outcomes import GAP_TARGET  # noqa: E402

if TYPE_CHECKING:
    from .results import Result

# Okabe-Ito palette (colour-blind safe)
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

PANELS = (
    ("gap_rate", "Difference rate, town seat vs urban quality", "rate"),
    ("share_towns_gap_met", "Town-seat schools below 0.15", "share"),
    ("student_retention", "Student retention (local schools)", "share"),
    ("teacher_retention", "Rural teacher retention", "share"),
    ("students", "Students enrolled", "students"),
    ("boarding_rate_middle", "Boarding rate, middle school", "share"),
    ("middle_retention_3yr", "Three-year middle-school retention", "share"),
    ("cost_total_yuan", "Public cost", "yuan / year"),
)


def plot_indicators(ts: pd.DataFrame, title: str = "", bands: dict | None = None) -> plt.Figure:
    """The main indicators over the years, the 0.15 target marked; ``bands`` maps a column to
    (low, high) frames for quantile bands."""
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    for ax, (col, label, unit) in zip(axes.ravel(), PANELS):
        ax.plot(ts["year"], ts[col], color=COLORS[0], lw=2, label=col)
        if bands and col in bands:
            lo, hi = bands[col]
            ax.fill_between(ts["year"], lo, hi, color=COLORS[0], alpha=0.2, lw=0)
        if col == "gap_rate":
            ax.axhline(GAP_TARGET, color=COLORS[3], ls="--", lw=1, label="target 0.15")
            ax.legend(frameon=False, fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


def plot_school_gaps(schools: pd.DataFrame, title: str = "") -> plt.Figure:
    """Each town-seat school's difference rate over time against the 0.15 target."""
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    towns = schools[schools["type"] == "town_seat"]
    for _, g in towns.groupby("school", observed=True):
        ax.plot(g["year"], g["difference_rate"], color=COLORS[0], alpha=0.5, lw=1)
    med = towns.groupby("year")["difference_rate"].median()
    ax.plot(med.index, med.values, color=COLORS[1], lw=3, label="median town-seat school")
    ax.axhline(GAP_TARGET, color=COLORS[3], ls="--", label="target 0.15")
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("difference rate to urban quality schools")
    ax.set_title(title or "Town-seat schools: difference rate")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig


FAN_PANELS = (
    ("gap_rate", "Difference rate, town seat vs urban quality", "rate"),
    ("share_towns_gap_met", "Town-seat schools below 0.15", "share"),
    ("student_retention", "Student retention (local schools)", "share"),
    ("teacher_retention", "Rural teacher retention", "share"),
    ("middle_retention_3yr", "Three-year middle-school retention", "share"),
    ("cost_policy_yuan", "Policy cost", "yuan / year"),
)


def plot_fan(bands: pd.DataFrame, panels=FAN_PANELS, title: str = "") -> plt.Figure:
    """Scenarios side by side: median line and 10-90% band of each indicator over the years."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    axes.ravel()[0].legend(frameon=False, fontsize=8)
    fig.suptitle(title or "Median and 10-90% band over replicates")
    return fig


def save_comparison_charts(comparison, out: Path) -> list[Path]:
    path = Path(out) / "fan_charts.png"
    fig = plot_fan(comparison.bands)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def save_run_charts(result: Result, out: Path) -> list[Path]:
    name = result.summary.get("scenario", "")
    paths = []
    for fname, fig in (("indicators.png", plot_indicators(result.timeseries, name)),
                       ("school_gaps.png", plot_school_gaps(result.schools, name))):
        path = Path(out) / fname
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths
