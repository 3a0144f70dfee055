"""Chart helpers shared by the CLI, notebooks and the dashboard: one look, ready for a report.

- labels and units in words, from the codebook (``sim.indicators``); targets written as "below
  0.15 by 2025", not as code;
- plain numbers on the axes (no offset, no ``1e7``): costs in million yuan;
- one colour per package whatever else is drawn and in whatever order (``package_colors``);
- saved figures carry a caption line: seeds, replicates, what the bands hold, the version;
- saved as PNG, SVG or PDF (``fmt``).

No backend is chosen here: a notebook keeps its inline backend (figures show in the cells),
and the command line picks the file-only one before drawing (``sim.cli``)."""

from __future__ import annotations

import io
import json
import re
import textwrap
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import AutoLocator, MaxNLocator, ScalarFormatter

from . import indicators
from .accounts import LINE_COLUMNS
from .indicators import GAP_TARGET, TARGETS, Target, meets
from .provenance import VERSION

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .analysis import Analysis
    from .calibrate import CalibrationResult
    from .compare import Comparison
    from .optimize import OptimizationResult
    from .province import ProvinceComparison, ProvinceResult
    from .results import Result

# Okabe-Ito palette (colour-blind safe)
COLORS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

# One colour per package, the same in every chart: the baseline black, the five seed packages
# fixed Okabe-Ito colours (in the order the seeds are numbered), any other name a colour of
# OTHER_COLORS chosen from a hash of the name (Okabe-Ito's sky blue, then Paul Tol's muted
# colours, also colour-blind safe).
BASELINE = "baseline"
SEED_PACKAGES = ("gaotang-2027", "jinan-2024", "qingdao-2020", "qingdao-doubling-2023",
                 "shandong-town-hub-2021")
PACKAGE_COLORS = {BASELINE: "#000000", **dict(zip(SEED_PACKAGES, COLORS[:5]))}
OTHER_COLORS = (COLORS[5], "#882255", "#44AA99", "#999933", "#332288", "#CC6677", "#117733")
# Budget lines (personnel, operating, aid, capital, ...): colours no seed package has (Paul Tol's
# muted indigo, cyan, sand, purple), so a bar of cost is not read as a package.
LINE_COLORS = ("#332288", "#88CCEE", "#DDCC77", "#AA4499", "#999999", "#661100")
TARGET_COLOR = "0.4"  # the target line: grey, dashed (no package's colour)
FORMATS = ("png", "svg", "pdf")
DPI = 110


def _hashed(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) % len(OTHER_COLORS)


def package_color(name: str) -> str:
    """The colour of package ``name``: fixed for the baseline and the seed packages, else from a
    hash of the name (the same in every session)."""
    return PACKAGE_COLORS.get(str(name), OTHER_COLORS[_hashed(str(name))])


def package_colors(names: Iterable[str]) -> dict[str, str]:
    """The colours of the packages drawn together: ``package_color``, except that two other
    names whose hashes meet are told apart (the next free colour, names taken in sorted order,
    so the colours do not depend on the order the packages are given in)."""
    names = sorted({str(n) for n in names})
    colors = {n: PACKAGE_COLORS[n] for n in names if n in PACKAGE_COLORS}
    used = set(colors.values())
    for name in (n for n in names if n not in PACKAGE_COLORS):
        start = _hashed(name)
        free = [OTHER_COLORS[(start + k) % len(OTHER_COLORS)] for k in range(len(OTHER_COLORS))]
        colors[name] = next((c for c in free if c not in used), OTHER_COLORS[start])
        used.add(colors[name])
    return colors


# Settings that make a figure quicker to draw without changing what it shows: titles at the
# top of their axes (where matplotlib's automatic placement puts them when nothing else is
# above the axes, after measuring every tick label of every axes); glyphs drawn without
# hinting (fitting each glyph to the pixel grid is nearly a fifth of a figure's drawing time,
# for text that reads the same at the charts' size).
FAST: dict = {"axes.titley": 1.0, "text.hinting": "no_hinting"}
# zlib's fastest level: PNG files encoded in a third of the default level's time, a few
# percent larger
PNG_OPTIONS = {"compress_level": 1}

OP_WORDS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}


def bar_words(op: str, threshold: float) -> str:
    """``< 0.15`` in words: ``below 0.15``."""
    return f"{OP_WORDS.get(op, op)} {threshold:g}"


def target_words(target: Target) -> str:
    """A target in words with its bar and deadline: ``below 0.15 by 2025``."""
    return bar_words(target.op, target.threshold) + (f" by {target.by}" if target.by else "")


def words(label: str) -> str:
    """A codebook label without its Chinese term in brackets (the charts' font has no CJK
    glyphs)."""
    return re.sub(r"\s*\([^)]*[^\x00-\x7f][^)]*\)", "", label)


def factor_label(name: str) -> str:
    """A sweep factor or parameter in words: an indicator's label, else its dotted key without
    ``policies.``/``params.``, ``pairing: share`` for ``policies.pairing.share``."""
    if name in indicators.BY_NAME:
        return words(indicators.label(name))
    group, _, key = _short(name).rpartition(".")
    key = key.replace("_", " ")
    return f"{group.replace('_', ' ').replace('.', ' ')}: {key}" if group else key


MILLION = "million yuan / year"


def _scale(col: str) -> tuple[float, str]:
    """Divisor and unit an indicator is drawn in: yuan a year in millions."""
    unit = indicators.unit(col)
    return (1e6, MILLION) if unit == "yuan / year" else (1.0, unit)


def panels(*names: str) -> tuple[tuple[str, str, str], ...]:
    """(column, label, unit) of each indicator, as declared in sim.indicators (costs in million
    yuan a year)."""
    return tuple((name, words(indicators.label(name)), _scale(name)[1]) for name in names)


class InView(MaxNLocator):
    """matplotlib's tick locator, giving only the ticks within the axis' limits. matplotlib
    builds a tick (five artists) for each location a locator gives and draws those inside the
    limits: the ones outside were a fifth of a chart's ticks, built for nothing."""

    def __call__(self) -> Any:
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (0.0, 1.0)
        locs = np.asarray(super().__call__())
        slack = (high - low) * 1e-10
        return locs[(locs >= low - slack) & (locs <= high + slack)]


def plain(fig: Figure) -> Figure:
    """Numbers as numbers on every axis: no offset, no scientific notation; matplotlib's
    default ticks given by ``InView`` (the same ticks, fewer built)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_locator()) is AutoLocator and not hasattr(ax, "_colorbar"):
                axis.set_major_locator(InView(nbins="auto", steps=[1, 2, 2.5, 5, 10]))
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_useOffset(False)
                formatter.set_scientific(False)
    return fig


CAPTION_PT = 7


def add_caption(fig: Figure, text: str) -> None:
    """A caption line (wrapped if long) under the figure: the figure grows at the bottom to
    hold it, the axes keep their size."""
    lines = textwrap.wrap(text, max(40, int(fig.get_figwidth() * 72 / (CAPTION_PT * 0.62))))
    pad = (len(lines) * CAPTION_PT * 1.25 + 8) / 72  # inches
    w, h = fig.get_size_inches()
    fig.set_size_inches(w, h + pad)
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, pad / (h + pad), 1, h / (h + pad)))
    else:
        def up(y: float) -> float:
            return (y * h + pad) / (h + pad)

        for ax in fig.axes:
            p = ax.get_position(original=True)
            ax.set_position((p.x0, up(p.y0), p.width, p.height * h / (h + pad)), which="both")
        for t in fig.texts:
            t.set_y(up(t.get_position()[1]))
    fig.text(0.01, 3 / 72 / (h + pad), "\n".join(lines), fontsize=CAPTION_PT, color="0.3",
             va="bottom", ha="left")


def caption(seeds: str, runs: str, bands: str) -> str:
    """The caption line: seeds, replicates (or runs), what the bands hold, the version."""
    return f"{seeds}; {runs}; {bands}; ruraledu {VERSION}"


def _span(seeds: Iterable[int]) -> str:
    s = sorted({int(x) for x in seeds})
    if not s:
        return "seeds: none"
    if s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"seeds {s[0]}-{s[-1]}"
    return ("seed " if len(s) == 1 else "seeds ") + ", ".join(map(str, s))


def save(fig: Figure, out: Path, stem: str, fmt: str = "png", text: str = "") -> Path:
    """Write ``fig`` to ``out/stem.fmt`` with its caption line, and close it."""
    path = Path(out) / f"{stem}.{fmt}"
    _write(fig, path, fmt, text)
    return path


def rendered(fig: Figure, fmt: str = "png", text: str = "") -> bytes:
    """What ``save`` writes, as bytes (for a process drawing charts that another one writes);
    the figure is closed."""
    buffer = io.BytesIO()
    _write(fig, buffer, fmt, text)
    return buffer.getvalue()


def _write(fig: Figure, target: Path | io.BytesIO, fmt: str, text: str) -> None:
    if fmt not in FORMATS:
        plt.close(fig)
        raise ValueError(f"chart format {fmt!r}: one of {', '.join(FORMATS)}")
    try:
        if text:
            add_caption(fig, text)
        plain(fig)
        options: dict[str, Any] = {"pil_kwargs": PNG_OPTIONS} if fmt == "png" else {}
        fig.savefig(target, format=fmt, dpi=DPI, **options)
    finally:
        plt.close(fig)


PANELS = panels("gap_rate", "share_towns_gap_met", "student_retention", "teacher_retention",
                "students", "boarding_rate_middle", "middle_retention_3yr", "cost_total_yuan")


def _years(ax: Axes, nbins: int = 6) -> None:
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(InView(nbins=nbins, integer=True))


def _small_multiples(axes: list[Axes], columns: int) -> None:
    """Panels over the same years, in ``columns`` columns: the years written under the lowest
    panel of each column only (ticks and their labels are two fifths of a panel's drawing
    time), and at most six values on each panel's scale."""
    for k, ax in enumerate(axes):
        ax.yaxis.set_major_locator(InView(nbins=6, steps=[1, 2, 5, 10]))
        if k + columns < len(axes):
            ax.tick_params(axis="x", labelbottom=False)
            ax.set_xlabel("")


GAP_LABEL = f"target: {target_words(indicators.GAP)}"


def plot_indicators(ts: pd.DataFrame, title: str = "", bands: dict | None = None) -> Figure:
    """The main indicators over the years, the 0.15 target marked; ``bands`` maps a column to
    (low, high) frames for quantile bands. Costs in million yuan a year."""
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), sharex=True)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.08, top=0.9, wspace=0.3, hspace=0.25)
    for ax, (col, label, unit) in zip(axes.ravel(), PANELS):
        div = _scale(col)[0]
        ax.plot(ts["year"], ts[col] / div, color=COLORS[0], lw=2, label="this run")
        if bands and col in bands:
            lo, hi = bands[col]
            ax.fill_between(ts["year"], lo / div, hi / div, color=COLORS[0], alpha=0.2, lw=0)
        if col == "gap_rate":
            ax.axhline(GAP_TARGET, color=TARGET_COLOR, ls="--", lw=1, label=GAP_LABEL)
            ax.legend(frameon=False, fontsize=8)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        _years(ax)
        ax.grid(alpha=0.3)
    _small_multiples(list(axes.ravel()), 4)
    if title:
        fig.suptitle(title)
    return plain(fig)


SMOOTH_YEARS = 3  # per-school series: a centred moving mean over this many years


def school_means(schools: pd.DataFrame, years: int = SMOOTH_YEARS) -> pd.DataFrame:
    """Each town-seat school's difference rate as a centred ``years``-year moving mean (fewer
    years at the ends): school, year, difference_rate."""
    towns = schools.loc[schools["type"] == "town_seat", ["school", "year", "difference_rate"]]
    towns = towns.sort_values(["school", "year"])
    smooth = (towns.groupby("school", observed=True)["difference_rate"]
              .transform(lambda s: s.rolling(years, center=True, min_periods=1).mean()))
    return towns.assign(difference_rate=smooth)


def plot_school_gaps(schools: pd.DataFrame, title: str = "") -> Figure:
    """Each town-seat school's difference rate against the 0.15 target, as a 3-year moving mean
    (a single year's exam is noisy); the median school and the 10-90% range across schools."""
    fig, ax = plt.subplots(figsize=(8, 5))
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.11, top=0.92)
    towns = school_means(schools)
    lines = [g[["year", "difference_rate"]].to_numpy(float)
             for _, g in towns.groupby("school", observed=True)]
    ax.add_collection(LineCollection(lines, colors=COLORS[0], alpha=0.35, linewidths=0.8,
                                     label=f"each school ({SMOOTH_YEARS}-year moving mean)"))
    spread = towns.groupby("year")["difference_rate"].quantile([0.1, 0.5, 0.9]).unstack()
    ax.fill_between(spread.index, spread[0.1], spread[0.9], color=COLORS[1], alpha=0.2, lw=0,
                    label="10-90% of schools")
    ax.plot(spread.index, spread[0.5], color=COLORS[1], lw=3, label="median school")
    ax.axhline(GAP_TARGET, color=TARGET_COLOR, ls="--", label=GAP_LABEL)
    ax.autoscale_view()
    _years(ax)
    ax.set_ylabel("difference rate to urban quality schools")
    ax.set_title(title or "Town-seat schools: difference rate")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return plain(fig)


FAN_PANELS = panels("gap_rate", "share_towns_gap_met", "student_retention", "teacher_retention",
                    "middle_retention_3yr", "cost_policy_yuan")


def plot_fan(bands: pd.DataFrame, panels=FAN_PANELS, title: str = "") -> Figure:
    """Scenarios side by side: median line and 10-90% band of each indicator over the years,
    each package in its own colour (``package_colors``). Costs in million yuan a year."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.07, top=0.87, wspace=0.25, hspace=0.3)
    scenarios = list(dict.fromkeys(bands["scenario"]))
    colors = package_colors(scenarios)
    for ax, (col, label, unit) in zip(axes.ravel(), panels):
        div = _scale(col)[0]
        for name in scenarios:
            b = bands[(bands["scenario"] == name) & (bands["indicator"] == col)]
            color = colors[str(name)]
            ax.fill_between(b["year"], b["p10"] / div, b["p90"] / div, color=color, alpha=0.18,
                            lw=0)
            ax.plot(b["year"], b["median"] / div, color=color, lw=2, label=str(name))
        if col == "gap_rate":
            ax.axhline(GAP_TARGET, color=TARGET_COLOR, ls="--", lw=1, label=GAP_LABEL)
        ax.set_title(label, fontsize=10)
        ax.set_ylabel(unit)
        _years(ax)
        ax.grid(alpha=0.3)
    # one legend for all panels, above them, where it hides no line
    handles, labels = axes.ravel()[0].get_legend_handles_labels()
    ncol = min(len(labels), 7)
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=ncol,
               frameon=False, fontsize=9)
    fig.subplots_adjust(top=0.87 - 0.035 * (-(-len(labels) // ncol) - 1))  # room for its rows
    fig.suptitle(title or "Median and 10-90% band over replicates")
    return plain(fig)


def plot_budget(runs: pd.DataFrame, title: str = "") -> Figure:
    """Can the county afford it? Left: each package's extra cost over the first (reference)
    scenario by budget line, a year on average (median over paired replicates). Right: the
    public cost over the years (median) against the budget envelope in both readings of
    两个只增不减 (the total held, dashed; per pupil held, dotted)."""
    scenarios = list(dict.fromkeys(runs["scenario"]))
    colors = package_colors(scenarios)
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
        left.bar(range(len(scenarios)), extra, bottom=base,
                 color=LINE_COLORS[j % len(LINE_COLORS)],
                 label=words(indicators.label(column)))
        bottom_pos += np.maximum(extra, 0)
        bottom_neg += np.minimum(extra, 0)
    left.axhline(0, color="black", lw=0.8)
    left.set_xticks(range(len(scenarios)), [str(s) for s in scenarios], rotation=25, ha="right")
    left.set_ylabel(MILLION)
    left.set_title(f"Extra cost over {scenarios[0]} by budget line (mean a year)", fontsize=10)
    left.legend(frameon=False, fontsize=8)
    left.grid(alpha=0.3, axis="y")
    medians = runs.groupby(["scenario", "year"], observed=True)[
        ["cost_total_yuan", "budget_envelope_yuan", "budget_envelope_per_pupil_rule_yuan"]
    ].median() / 1e6
    for name in scenarios:
        m = medians.loc[name]
        right.plot(m.index, m["cost_total_yuan"], color=colors[str(name)], lw=2,
                   label=str(name))
    m = medians.loc[scenarios[0]]
    right.plot(m.index, m["budget_envelope_yuan"], color=TARGET_COLOR, ls="--", lw=1,
               label="envelope: total held")
    right.plot(m.index, m["budget_envelope_per_pupil_rule_yuan"], color=TARGET_COLOR, ls=":",
               lw=1, label=f"envelope: per pupil held ({scenarios[0]})")
    right.set_ylabel(MILLION)
    _years(right)
    right.set_title("Public cost against the budget envelope (median)", fontsize=10)
    right.legend(frameon=False, fontsize=8)
    right.grid(alpha=0.3)
    fig.suptitle(title or "Affordability")
    return plain(fig)


def comparison_caption(comparison: Comparison) -> str:
    runs = comparison.runs
    replicates = int(runs["replicate"].nunique()) if "replicate" in runs else 0
    seeds = comparison.provenance.get("seeds") or \
        (runs["seed"].unique().tolist() if "seed" in runs else [])
    return caption(f"{_span(seeds)} (replicate r takes the same seed in every package)",
                   f"{replicates} replicates per package",
                   f"bands: 10-90% over replicates; uncertainty: {comparison.includes}")


def save_comparison_charts(comparison: Comparison, out: Path, fmt: str = "png") -> list[Path]:
    text = comparison_caption(comparison)
    return [save(plot_fan(comparison.bands, title="Median and 10-90% band over replicates "
                          f"({comparison.includes})"), out, "fan_charts", fmt, text),
            save(plot_budget(comparison.runs), out, "budget", fmt, text)]


TYPE_MARKERS = {"urban_quality": "*", "urban_ordinary": "s", "town_seat": "D", "village": "o",
                "teaching_point": "^"}


def plot_county_map(schools: pd.DataFrame, places: pd.DataFrame, year: int | None = None,
                    title: str = "") -> Figure:
    """The county in one picture: villages and their links to the local primary school,
    schools by type (marker) and size (area), coloured by their difference rate to urban
    quality schools, closed schools crossed out."""
    year = int(schools["year"].max()) if year is None else year
    s = schools[schools["year"] == year]
    fig, ax = plt.subplots(figsize=(9, 8))
    # a fixed layout (constrained layout draws a figure twice: once to measure it); the map
    # fills its box, the ranges widened to keep kilometres square
    fig.subplots_adjust(left=0.09, right=0.84, bottom=0.07, top=0.95)
    ax.set_aspect("equal", adjustable="datalim")
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
    fig.colorbar(sm, cax=fig.add_axes((0.87, 0.2, 0.025, 0.6)),
                 label=f"difference rate to urban quality schools (target: below {GAP_TARGET})")
    ax.set_xlabel("km east of the county seat")
    ax.set_ylabel("km north of the county seat")
    ax.set_title(title or f"County schools in {year} (marker size: students)")
    ax.legend(loc="upper left", fontsize=8, frameon=True, markerscale=0.6)
    return plain(fig)


def plot_targets(ts: pd.DataFrame, targets: tuple[Target, ...] = TARGETS,
                 title: str = "") -> Figure:
    """Targets dashboard: each seed target's indicator over time, the threshold and the
    deadline, green where met; each target in words (``at least 1``)."""
    rows = -(-len(targets) // 4)
    fig = plt.figure(figsize=(16, 3.3 * rows))
    # a fixed layout: constrained layout would double the drawing time of a dozen panels
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.06, top=1 - 1.1 / fig.get_figheight(),
                        wspace=0.3, hspace=0.55)
    axes: list[Axes] = []
    for k in range(len(targets)):
        axes.append(fig.add_subplot(rows, 4, k + 1, sharex=axes[0] if axes else None))
    for ax, target in zip(axes, targets):
        col, op, threshold, deadline = target.indicator, target.op, target.threshold, target.by
        ax.plot(ts["year"], ts[col], color=COLORS[0], lw=2, label="value")
        ax.axhline(threshold, color=TARGET_COLOR, ls="--", lw=1,
                   label="target (its bar in the panel's title)")
        if deadline is not None:
            ax.axvline(deadline, color="0.5", ls=":", lw=1, label="deadline")
        met = meets(ts[col], op, threshold)
        ax.scatter(ts["year"][met], ts[col][met], color=COLORS[2], zorder=3, s=18,
                   label="year the target is met")
        ax.set_title(textwrap.fill(f"{words(indicators.label(col))}: {target_words(target)}",
                                   44), fontsize=9)
        ax.set_ylabel(indicators.unit(col))
        _years(ax, 5)
        ax.grid(alpha=0.3)
    _small_multiples(axes, 4)
    # one legend for every panel, under the title (each panel's own bar is in its title): a
    # legend in each panel would hide data, and placing twelve is slow
    entries: dict = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries), loc="upper center", ncol=len(entries),
               bbox_to_anchor=(0.5, 1 - 0.33 / fig.get_figheight()), frameon=False, fontsize=8)
    fig.suptitle(title or "The seeds' targets", y=1 - 0.1 / fig.get_figheight(), va="top")
    return plain(fig)


def run_caption(result: Result) -> str:
    seed = result.summary.get("provenance", {}).get("seed", "?")
    return caption(f"seed {seed}", "one run (no replicates)",
                   "no bands: the luck of one draw, assumptions as in the scenario")


# The charts of a run, by file name, the slowest to draw first
RUN_CHARTS = ("targets", "indicators", "county_map", "school_gaps")


def run_chart_names(result: Result) -> tuple[str, ...]:
    """The charts ``save_run_charts`` draws for ``result``: the county map only where the run
    has its places."""
    return tuple(n for n in RUN_CHARTS if n != "county_map" or result.places is not None)


def run_chart(result: Result, name: str) -> Figure:
    """One of a run's charts (``RUN_CHARTS``)."""
    title = result.summary.get("scenario", "")
    if name == "indicators":
        return plot_indicators(result.timeseries, title)
    if name == "school_gaps":
        return plot_school_gaps(result.schools, title)
    if name == "targets":
        return plot_targets(result.timeseries, title=f"{title}: targets")
    if name == "county_map" and result.places is not None:
        return plot_county_map(result.schools, result.places)
    raise ValueError(f"no chart {name!r} for this run: one of {', '.join(run_chart_names(result))}")


def save_run_charts(result: Result, out: Path, fmt: str = "png") -> list[Path]:
    """The charts of one run, into ``out`` (a ``Result.write`` extra)."""
    text = run_caption(result)
    with plt.rc_context(FAST):
        return [save(run_chart(result, name), out, name, fmt, text)
                for name in run_chart_names(result)]


def render_run_charts(result: Result, names: Iterable[str], fmt: str = "png"
                      ) -> list[tuple[str, bytes]]:
    """Some of ``save_run_charts``'s files as (file name, bytes): for processes that draw a
    run's charts side by side while another one writes them."""
    text = run_caption(result)
    with plt.rc_context(FAST):
        return [(f"{name}.{fmt}", rendered(run_chart(result, name), fmt, text))
                for name in names]


def plot_sobol(indices: pd.DataFrame, outcome: str, year: str) -> Figure:
    """First-order and total Sobol indices of one output, with 95% intervals."""
    rows = indices[(indices["outcome"] == outcome) & (indices["year"] == year)
                   & (indices["method"] == "sobol")]
    factors = list(dict.fromkeys(rows[rows["index"] == "ST"]["factor"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(factors) + 2), 4.5), constrained_layout=True)
    width = 0.38
    for k, (index, color, name) in enumerate((("S1", COLORS[0], "first order (S1)"),
                                              ("ST", COLORS[1], "total (ST)"))):
        r = rows[rows["index"] == index].set_index("factor").reindex(factors)
        x = np.arange(len(factors)) + (k - 0.5) * width
        ax.bar(x, r["value"], width, color=color, label=name,
               yerr=[r["value"] - r["conf_low"], r["conf_high"] - r["value"]], capsize=3)
    ax.set_xticks(np.arange(len(factors)), [factor_label(f) for f in factors], rotation=30,
                  ha="right")
    ax.set_ylabel("Sobol index (share of variance)")
    ax.set_title(f"{_outcome_label(outcome, year)}: Sobol indices, 95% intervals")
    ax.axhline(0, color="black", lw=0.8)
    ax.legend(frameon=False)
    ax.grid(alpha=0.3, axis="y")
    return plain(fig)


def _outcome_label(outcome: str, year: str = "-") -> str:
    """A sweep output in words (``gap_rate@2030``: the difference rate in 2030), with the year
    its indices are read in when it has one."""
    try:
        label = indicators.output_column(outcome).label
    except KeyError:
        label = indicators.label(outcome)
    return words(label) + (f" ({year})" if str(year).isdigit() else "")


def _renderer(fig: Any) -> Any:
    canvas = fig.canvas
    return canvas.get_renderer() if hasattr(canvas, "get_renderer") else \
        fig._get_renderer()


# Where a point's label may go, in points from the point (tried in this order, then further out).
NUDGES = ((5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
          (-5, -4, "right", "top"), (0, 8, "center", "bottom"), (0, -8, "center", "top"))


def label_points(ax: Axes, xs, ys, names: list[str], top: int = 8,
                 fontsize: float = 8) -> list[str]:
    """Label the ``top`` points with the largest x, each where its text overlaps no other label
    and stays inside the axes: next to the point if there is room, else nudged further out
    (joined to its point by a thin line); a label with no room anywhere is left out. Returns
    the names labelled. The axes' limits are frozen first (labels do not move the data)."""
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    renderer = _renderer(ax.figure)
    inside = ax.get_window_extent(renderer)
    placed: list = []
    done = []
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    order = [i for i in np.argsort(-xs, kind="stable") if np.isfinite(xs[i] + ys[i])][:top]
    for i in order:
        for reach in (1, 2.5, 4, 6):
            for dx, dy, ha, va in NUDGES:
                text = ax.annotate(
                    names[i], (xs[i], ys[i]), xytext=(dx * reach, dy * reach),
                    textcoords="offset points", ha=ha, va=va, fontsize=fontsize,
                    arrowprops=None if reach == 1 else {"arrowstyle": "-", "color": "0.5",
                                                        "lw": 0.5})
                box = text.get_window_extent(renderer).expanded(1.04, 1.1)
                fits = (box.x0 >= inside.x0 and box.x1 <= inside.x1 and box.y0 >= inside.y0
                        and box.y1 <= inside.y1)
                if fits and not any(box.overlaps(other) for other in placed):
                    placed.append(box)
                    done.append(names[i])
                    break
                text.remove()
            else:
                continue
            break
    return done


def plot_morris(indices: pd.DataFrame, outcome: str, year: str, top: int = 8) -> Figure:
    """Morris screening: mu* against sigma, with mu* intervals; the ``top`` factors with the
    largest mu* labelled, no two labels overlapping (the rest are unlabelled dots)."""
    rows = indices[(indices["outcome"] == outcome) & (indices["year"] == year)
                   & (indices["method"] == "morris")]
    mu = rows[rows["index"] == "mu_star"].set_index("factor")
    sigma = rows[rows["index"] == "sigma"].set_index("factor")["value"].reindex(mu.index)
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.11, top=0.91)
    ax.errorbar(mu["value"], sigma, xerr=[mu["value"] - mu["conf_low"],
                                          mu["conf_high"] - mu["value"]],
                fmt="o", color=COLORS[0], ecolor=COLORS[5], capsize=3)
    ax.margins(0.12)
    ax.autoscale_view()
    shown = label_points(ax, mu["value"], sigma, [factor_label(f) for f in mu.index], top)
    left = len(mu) - len(shown)
    ax.set_xlabel("mu* (mean absolute elementary effect)")
    ax.set_ylabel("sigma (interaction / non-linearity)")
    ax.set_title(f"{_outcome_label(outcome, year)}: Morris screening"
                 + (f"\n{len(shown)} largest labelled, {left} more unlabelled" if left else ""),
                 fontsize=11)
    ax.grid(alpha=0.3)
    return plain(fig)


MARKERS = ("o", "s", "D", "^", "v", "P", "X")


def plot_indices_over_time(indices: pd.DataFrame, outcome: str, top: int = 7) -> Figure:
    """Each factor's main index (ST, mu* or delta) over the kept years of one outcome: the
    ``top`` factors (largest index in any year) each in a colour and marker, named in a legend
    beside the axes; the others thin grey lines under one legend entry."""
    rows = indices[(indices["outcome"] == outcome) & ~indices["method"].str.contains("half")
                   & indices["year"].astype(str).str.isdigit()]
    method = rows["method"].iloc[0]
    from .analysis.sensitivity import MAIN_INDEX  # SALib is slow to import: only when needed

    main = rows[rows["index"] == MAIN_INDEX[method]].copy()
    main["year"] = main["year"].astype(int)
    ranked = main.groupby("factor", sort=False)["value"].max().sort_values(ascending=False,
                                                                           kind="stable")
    leaders = list(ranked.index[:top])
    fig, ax = plt.subplots(figsize=(10, 5))
    fig.subplots_adjust(left=0.08, right=0.66, bottom=0.11, top=0.91)
    others = [f for f in ranked.index if f not in leaders]
    for n, factor in enumerate(others):
        g = main[main["factor"] == factor].sort_values("year")
        ax.plot(g["year"], g["value"], color="0.7", lw=0.8, zorder=1,
                label=f"{len(others)} other factors" if n == 0 else "_nolegend_")
    for i, factor in enumerate(leaders):
        g = main[main["factor"] == factor].sort_values("year")
        color = COLORS[i % len(COLORS)]
        ax.plot(g["year"], g["value"], marker=MARKERS[i % len(MARKERS)], color=color, zorder=3,
                label=factor_label(factor))
        ax.fill_between(g["year"], g["conf_low"], g["conf_high"], color=color, alpha=0.12, lw=0)
    _years(ax)
    ax.set_ylabel(f"{MAIN_INDEX[method]} (95% interval shaded)")
    ax.set_title(f"{_outcome_label(outcome)}: {MAIN_INDEX[method]} over time")
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda k: labels[k].endswith("other factors"))
    ax.legend([handles[k] for k in order], [textwrap.fill(labels[k], 30) for k in order],
              loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return plain(fig)


def plot_threshold_map(probability: pd.DataFrame, x: str, y: str, column: str,
                       bins: int = 8) -> Figure:
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
    fig.colorbar(mesh, ax=ax, label=f"probability the difference rate is below {GAP_TARGET}")
    ax.set_xlabel(factor_label(x))
    ax.set_ylabel(factor_label(y))
    year = column.partition("@")[2]
    ax.set_title(f"Probability of meeting the {GAP_TARGET} target"
                 + (f" in {year}" if year else ""))
    return plain(fig)


def _short(name: str) -> str:
    return name.removeprefix("policies.").removeprefix("params.")


EXAM_SCALE = "params.learning.exam_cv"


def plot_year_met_against(probability: pd.DataFrame, factor: str = EXAM_SCALE) -> Figure:
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
    ax.set_xlabel(factor_label(factor))
    ax.set_ylabel(f"first year held below {GAP_TARGET}")
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_title(f"When the {GAP_TARGET} target is met, against {factor_label(factor)}")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return plain(fig)


def analysis_caption(analysis: Analysis) -> str:
    m = analysis.manifest
    points, replicates = m.get("n_samples", "?"), m.get("replicates", "?")
    seed = m.get("seed")
    seeds = f"seeds {seed} + replicate" if seed is not None else "seeds as in the sweep"
    return caption(f"sweep {m.get('experiment', '')}: {seeds}".strip(),
                   f"{points} design points x {replicates} replicates",
                   f"intervals: 95% (bootstrap); uncertainty: {m.get('includes', 'stochastic only')}")


def save_analysis_charts(analysis: Analysis, out: Path, fmt: str = "png") -> list[Path]:
    """Every figure of an analysis: per outcome, bars (Sobol) or mu*-sigma (Morris) at the
    last year, indices over time, and the threshold map over the two decisive factors."""
    paths = []
    text = analysis_caption(analysis)

    def keep(fig, stem):
        paths.append(save(fig, out, stem, fmt, text))

    idx = analysis.indices
    full = idx[~idx["method"].str.contains("half")]
    for outcome, g in full.groupby("outcome", sort=False):
        years = list(dict.fromkeys(g["year"]))
        last = years[-1]
        method = g["method"].iloc[0]
        tag = outcome if last == "-" else f"{outcome}_{last}"
        if method == "sobol":
            keep(plot_sobol(idx, outcome, last), f"sobol_{tag}")
        elif method == "morris":
            keep(plot_morris(idx, outcome, last), f"morris_{tag}")
        if sum(str(y).isdigit() for y in years) > 1:
            keep(plot_indices_over_time(idx, outcome), f"over_time_{outcome}")
    prob = analysis.probability
    if "first_year_met (median of runs meeting it)" in prob and EXAM_SCALE in prob:
        keep(plot_year_met_against(prob, EXAM_SCALE), "year_met_vs_exam_scale")
    prob_cols = [c for c in analysis.probability.columns if c.startswith("P(met)@")]
    if prob_cols and not analysis.rsa.empty:
        last = prob_cols[-1]
        year = last.split("@")[1]
        top = analysis.rsa[analysis.rsa["year"] == year]["factor"].head(2).tolist()
        if len(top) == 2:
            keep(plot_threshold_map(analysis.probability, top[0], top[1], last),
                 f"threshold_map_{year}")
    return paths


def plot_calibration(result: CalibrationResult) -> Figure:
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
        ax.set_title(factor_label(key), fontsize=9)
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
    ax.set_yticks(range(len(p)), [f"{n.replace('_', ' ')} ({u})"
                                  for n, u in zip(p["pattern"], p["use"])], fontsize=8)
    ax.set_xlabel("posterior predictive - target, in tolerances (10-90%, median)")
    ax.legend(frameon=False, fontsize=8)
    fig.suptitle("Calibration: posterior and patterns")
    return plain(fig)


def calibration_caption(result: CalibrationResult, out: Path | None = None) -> str:
    made: dict = {}
    if out is not None and (Path(out) / "provenance.json").exists():
        try:
            made = json.loads((Path(out) / "provenance.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            made = {}
    g = result.generations
    seeds = made.get("seeds")
    model = f"model {_span(seeds)} per particle" if seeds else "model seeds as in the file"
    own = f", calibration seed {made['seed']}" if "seed" in made else ""
    particles = int(g["particles"].iloc[-1]) if len(g) and "particles" in g else "?"
    return caption(model + own, f"ABC-SMC: {len(g)} generations of {particles} particles",
                   "bars: posterior predictive 10-90% and median")


def save_calibration_charts(result: CalibrationResult, out: Path, fmt: str = "png"
                            ) -> list[Path]:
    return [save(plot_calibration(result), out, "calibration", fmt,
                 calibration_caption(result, out))]


def plot_pareto(result: OptimizationResult) -> Figure:
    """Every candidate of a policy search: its objective (mean over draws) against the share of
    draws meeting the first constraint; the Pareto front joined, the chosen package ringed,
    the required probability dashed."""
    trials, front = result.trials, result.pareto
    objective, probability = result.objective, result.probability
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    feasible = trials["feasible"]
    div, unit = _scale(objective.partition("@")[0])
    ax.scatter(trials.loc[~feasible, "objective"] / div, trials.loc[~feasible, probability],
               s=14, color="0.65", label="candidates missing a constraint")
    ax.scatter(trials.loc[feasible, "objective"] / div, trials.loc[feasible, probability],
               s=14, color=COLORS[0], label="candidates meeting every constraint")
    ax.step(front["objective"] / div, front[probability], where="post", color=COLORS[0],
            lw=1, label="Pareto front")
    best = result.best
    ax.scatter([best["objective"] / div], [best[probability]], s=120, facecolors="none",
               edgecolors="black", label="chosen package")
    unit = unit.removesuffix(" / year") if objective.endswith("@sum") else unit
    ax.set_xlabel(f"{_output_label(objective)}, mean over draws ({unit})")
    ax.set_ylabel(textwrap.fill(f"share of draws meeting: {_output_label(probability[2:-1])}",
                                42))
    ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return plain(fig)


def _output_label(output: str) -> str:
    """``gap_rate@2025 < 0.15`` in words: the codebook's label, the year or statistic, the bar
    (``below 0.15``)."""
    name, _, rest = output.partition("@")
    when, _, bar = rest.partition(" ")
    label = words(indicators.label(name))
    when = {"sum": "summed over the years", "mean": "mean over the years",
            "last": "last year"}.get(when, f"in {when}")
    op, _, value = bar.partition(" ")
    try:
        bar = bar_words(op, float(value)) if op in OP_WORDS else bar
    except ValueError:
        pass
    return f"{label} {when}" + (f" {bar}" if bar else "")


def optimization_caption(result: OptimizationResult) -> str:
    seeds = result.fresh["seed"] if "seed" in result.fresh else []
    return caption(f"each candidate on the same draws of luck and assumptions; the chosen "
                   f"package re-run on {len(result.fresh)} fresh draws ({_span(seeds)})",
                   f"{len(result.trials)} candidates",
                   "points: means and shares over the search draws")


def save_optimization_charts(result: OptimizationResult, out: Path, fmt: str = "png"
                             ) -> list[Path]:
    return [save(plot_pareto(result), out, "pareto", fmt, optimization_caption(result))]


def plot_province(result: ProvinceResult) -> Figure:
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


def province_caption(result: ProvinceResult) -> str:
    counties = result.counties["county"].nunique()
    return caption("one seed per county (from the province seed), the same for every package",
                   f"{counties} counties, one run each", "no bands: one run per county")


def save_province_charts(result: ProvinceResult, out: Path, fmt: str = "png") -> list[Path]:
    return [save(plot_province(result), out, "province", fmt, province_caption(result))]


def plot_province_effects(effects: pd.DataFrame, title: str = "") -> Figure:
    """Each package's effect against the reference over the years, one panel per measure: the
    province's difference (line: median over replicates; dark band: 10-90% over replicates)
    and how it spreads across counties (light band: 10-90% of the county effects), so a
    province-wide gain carried by a few counties shows as a wide light band around it. Totals
    (money, counts) have no county band: a county's share of a total is not on its scale."""
    from .sweep.counties import SUMS

    measures = list(dict.fromkeys(effects["measure"]))
    cols = min(3, len(measures))
    rows = -(-len(measures) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.6 * rows), squeeze=False)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.1, top=1 - 0.9 / fig.get_figheight(),
                        wspace=0.3, hspace=0.5)
    for ax in axes.ravel()[len(measures):]:
        ax.set_visible(False)
    for ax, measure in zip(axes.ravel(), measures):
        div, unit = _scale(measure)
        for package, rows_ in effects[effects["measure"] == measure].groupby("package",
                                                                             sort=False):
            color = package_color(str(package))
            years = rows_["year"].astype(int)
            if measure not in SUMS:  # a sum's county effects are on another scale
                ax.fill_between(years, rows_["county 10%"] / div, rows_["county 90%"] / div,
                                color=color, alpha=0.15, lw=0)
            ax.fill_between(years, rows_["province 10%"] / div, rows_["province 90%"] / div,
                            color=color, alpha=0.35, lw=0)
            ax.plot(years, rows_["province difference"] / div, color=color, lw=2,
                    label=f"{package} - {rows_['reference'].iloc[0]}")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(words(indicators.label(measure))
                     + (" (province total)" if measure in SUMS else ""), fontsize=10)
        ax.set_ylabel(f"difference ({unit})")
        _years(ax, 5)
        ax.grid(alpha=0.3)
    axes.ravel()[0].legend(frameon=False, fontsize=8)
    fig.suptitle(title or "Effect on the province: median and 10-90% over replicates (dark), "
                 "10-90% across counties (light)", fontsize=11)
    return plain(fig)


def save_province_comparison_charts(comparison: ProvinceComparison, out: Path,
                                    fmt: str = "png") -> list[Path]:
    runs = comparison.runs
    text = caption(f"{_span(runs['seed'])} for the province (each county's from it and its "
                   "row, the same in every package)",
                   f"{int(runs['replicate'].nunique())} replicates per package, "
                   f"{int(runs['counties'].iloc[0])} counties",
                   f"bands: 10-90% over replicates and across counties; uncertainty: "
                   f"{comparison.includes}")
    return [save(plot_province_effects(comparison.effects), out, "province_effects", fmt, text)]
