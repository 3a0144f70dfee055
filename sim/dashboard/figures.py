"""The dashboard's charts, ready to paste into a report: labels and units in words (from the
codebook in ``sim.indicators``), plain numbers on the axes (no offset or ``1e7`` notation), one
fixed colour per package whatever else is shown, and a caption with seeds, replicates and
version.

Figures are made with ``matplotlib.figure.Figure`` rather than pyplot: the web server draws
from several threads, and pyplot's global figure list is not meant for that.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from .. import indicators
from ..accounts import LINE_COLUMNS
from ..indicators import GAP, GAP_TARGET
from ..plots import COLORS, LINE_COLORS, TYPE_MARKERS, package_color
from ..provenance import VERSION
from .compute import Outcome
from .settings import REFERENCE

# One colour per package, whatever is compared with what: the rule of the command line's and
# the notebooks' charts (sim.plots.package_color): the baseline black, the five seed packages
# fixed Okabe-Ito colours, any other name a colour from a hash of the name.
__all__ = ["caption", "cost_chart", "county_map", "fan_chart", "package_color"]
DPI = 100


def caption(outcome: Outcome) -> str:
    last = outcome.first_seed + outcome.replicates - 1
    return (f"{outcome.replicates} replicates per package (seeds {outcome.first_seed}-{last}, "
            f"common to both); bands: {outcome.includes}; ruraledu {VERSION}")


def _plain(ax: Axes) -> None:
    """Numbers as numbers: no offset, no scientific notation on the value axis."""
    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)


def _years(ax: Axes) -> None:
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True))


GAP_AXIS = "difference rate: score gap over the\nurban quality schools' score"


def _legend_below(fig: Figure, ax: Axes, ncol: int) -> None:
    """The legend under the axes, where it hides no data."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.05), ncol=ncol,
               frameon=False, fontsize=8)


def fan_chart(outcome: Outcome) -> Figure:
    """The town-seat difference rate of the package against the baseline: median and 10-90%
    band over replicates, the 0.15 target and its 2025 deadline."""
    fig = Figure(figsize=(8, 5), dpi=DPI)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.3)
    ax = fig.add_subplot()
    b = outcome.bands[outcome.bands["indicator"] == GAP.indicator]
    # by the package's name (an edited package keeps its colour); baseline against itself
    # takes the colour of its label, not the reference's black
    name = outcome.package.name
    colors = (package_color(REFERENCE),
              package_color(name if name != REFERENCE else outcome.labels[1]))
    for label, color in zip(outcome.labels, colors):
        s = b[b["scenario"] == label]
        ax.fill_between(s["year"], s["p10"], s["p90"], color=color, alpha=0.15, lw=0)
        ax.plot(s["year"], s["median"], color=color, lw=2.2, label=f"{label} (median, 10-90%)")
    ax.axhline(GAP_TARGET, color=COLORS[3], ls="--", lw=1.2, label=f"target: below {GAP_TARGET}")
    if GAP.by is not None:
        ax.axvline(GAP.by, color="0.45", ls=":", lw=1.2, label=f"deadline {GAP.by}")
    ax.set_title(f"{indicators.label(GAP.indicator)}", fontsize=11)
    ax.set_ylabel(GAP_AXIS)
    _years(ax)
    _plain(ax)
    ax.grid(alpha=0.3)
    _legend_below(fig, ax, ncol=2)
    fig.text(0.01, 0.015, caption(outcome), fontsize=7, color="0.35")
    return fig


def line_words(column: str) -> str:
    """A budget line's label without its Chinese term (the charts' font has no CJK glyphs)."""
    return indicators.label(column).split(" (")[0]


def cost_chart(outcome: Outcome) -> Figure:
    """The package's extra public cost over the baseline each year by budget line (median over
    paired replicates), in million yuan a year; a saving shows below zero."""
    fig = Figure(figsize=(8, 4.6), dpi=DPI)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.27)
    ax = fig.add_subplot()
    runs = outcome.runs.set_index(["scenario", "replicate", "year"])
    ref, own = (runs.xs(label, level="scenario") for label in outcome.labels)
    extra = ((own[list(LINE_COLUMNS)] - ref[list(LINE_COLUMNS)]).groupby("year").median() / 1e6)
    years = extra.index.to_numpy()
    up, down = np.zeros(len(years)), np.zeros(len(years))  # stacks above and below zero
    for j, column in enumerate(LINE_COLUMNS):
        values = extra[column].to_numpy()
        ax.bar(years, values, bottom=np.where(values >= 0, up, down),
               color=LINE_COLORS[j % len(LINE_COLORS)],
               width=0.8, label=line_words(column))
        up += values.clip(min=0)
        down += values.clip(max=0)
    total = extra.sum(axis=1)
    ax.plot(years, total, color="black", lw=1.2, marker="o", ms=3, label="all lines")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title(f"Extra cost of {outcome.labels[1]} over {outcome.labels[0]}, by budget line",
                 fontsize=11)
    ax.set_ylabel("million yuan a year")
    _years(ax)
    _plain(ax)
    ax.grid(alpha=0.3, axis="y")
    _legend_below(fig, ax, ncol=5)
    fig.text(0.01, 0.015, caption(outcome) + "; capital annualised over its life", fontsize=7,
             color="0.35")
    return fig


def county_map(outcome: Outcome) -> Figure:
    """The package's schools in the last year (first replicate): rural schools coloured by
    their difference rate to urban quality schools, sized by pupils, closed ones crossed."""
    s = outcome.schools
    year = int(s["year"].max())
    fig = Figure(figsize=(6.4, 6.4), dpi=DPI)
    fig.subplots_adjust(left=0.12, right=0.9, top=0.94, bottom=0.25)
    ax = fig.add_subplot()
    norm = matplotlib.colors.Normalize(vmin=0.0, vmax=0.3)
    cmap = matplotlib.colormaps["cividis_r"]
    for kind, marker in TYPE_MARKERS.items():
        k = s[(s["type"] == kind) & s["open"]]
        if k.empty:
            continue
        # county-seat schools are the yardstick, not coloured by a rate: left white
        color = "white" if kind.startswith("urban") else cmap(norm(k["difference_rate"].fillna(0)))
        ax.scatter(k["x_km"], k["y_km"], s=12 + k["students"] / 10, marker=marker, c=color,
                   edgecolors="black", linewidths=0.4, label=kind.replace("_", " "))
    closed = s[~s["open"]]
    if not closed.empty:
        ax.scatter(closed["x_km"], closed["y_km"], marker="x", s=30, color=COLORS[3],
                   label="closed")
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8,
                 label=f"difference rate to urban quality schools (target below {GAP_TARGET})")
    ax.set_aspect("equal")
    ax.set_xlabel("km east of the county seat")
    ax.set_ylabel("km north of the county seat")
    ax.set_title(f"{outcome.labels[1]}: schools in {year} (size: pupils)", fontsize=11)
    _legend_below(fig, ax, ncol=3)
    fig.text(0.01, 0.015, f"replicate 1 (seed {outcome.first_seed}); ruraledu {VERSION}",
             fontsize=7, color="0.35")
    return fig
