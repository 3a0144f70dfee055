"""Every chart helper draws from a real small run, with the axes and series it promises."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import sim  # noqa: E402
from sim import plots  # noqa: E402
from sim.analysis import analyze_function  # noqa: E402

from conftest import small_scenario  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return sim.run(small_scenario(end_year=2026, **{"policies.consolidation.start": 2021,
                                                    "policies.consolidation.threshold": 200,
                                                    "policies.consolidation.types":
                                                        ["teaching_point", "village"],
                                                    "policies.consolidation.require_shrinking":
                                                        False}), seed=1)


def teardown_function():
    plt.close("all")


def test_indicators_panels_and_target_line(result):
    fig = plots.plot_indicators(result.timeseries, "t")
    axes = fig.axes
    assert len(axes) == 8
    assert axes[0].get_title().startswith("Difference rate")
    labels = [line.get_label() for line in axes[0].get_lines()]
    assert "this run" in labels and "target: below 0.15 by 2025" in labels  # words, not code
    assert list(axes[0].get_lines()[0].get_xdata()) == list(result.timeseries["year"])


def test_targets_dashboard(result):
    from sim.indicators import TARGETS

    fig = plots.plot_targets(result.timeseries)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(TARGETS)  # one panel per seed target
    # the years under the lowest panel of each column, the same years in every panel
    lowest = [ax for k, ax in enumerate(shown) if k + 4 >= len(shown)]
    assert len(lowest) == 4 and all(ax.get_xlabel() == "year" for ax in lowest)
    assert all(ax.get_xlim() == shown[0].get_xlim() for ax in shown)
    assert shown[0].get_title().startswith("Difference rate") and shown[0].get_ylabel() == "rate"


def test_school_gaps_one_line_per_town_seat_school(result):
    fig = plots.plot_school_gaps(result.schools)
    towns = result.schools[result.schools["type"] == "town_seat"]["school"].nunique()
    schools = fig.axes[0].collections[0]  # one line per school, drawn as one collection
    assert len(schools.get_segments()) == towns
    assert len(fig.axes[0].get_lines()) == 2  # the median, the target
    assert fig.axes[0].get_ylabel().startswith("difference rate")


def test_school_gaps_are_multi_year_means(result):
    """A school's line is its 3-year centred moving mean, not one year's noisy value."""
    fig = plots.plot_school_gaps(result.schools)
    towns = result.schools[result.schools["type"] == "town_seat"].sort_values("year")
    first = towns["school"].iloc[0]
    raw = towns[towns["school"] == first]["difference_rate"].to_numpy()
    smooth = plots.school_means(result.schools)
    line = smooth[smooth["school"] == first]["difference_rate"].to_numpy()
    assert abs(line[1] - raw[:3].mean()) < 1e-12 and abs(line[0] - raw[:2].mean()) < 1e-12
    drawn = [seg for seg in fig.axes[0].collections[0].get_segments()
             if len(seg) == len(line) and abs(seg[:, 1] - line).max() < 1e-12]
    assert drawn  # the school's drawn line is the moving mean
    assert any("moving mean" in t.get_text() for t in fig.axes[0].get_legend().get_texts())


def test_county_map_marks_types_and_closed_schools(result):
    fig = plots.plot_county_map(result.schools, result.places, year=2026)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"town seat", "urban quality", "closed school"} <= set(legend)
    assert ax.get_xlabel().startswith("km") and len(fig.axes) == 2  # map and colour bar


def test_fan_chart_one_line_per_scenario():
    packages = [small_scenario(end_year=2023, name="a"),
                small_scenario(end_year=2023, name="b", **{"policies.pairing.start": 2021})]
    comparison = sim.compare(packages, replicates=2)
    fig = plots.plot_fan(comparison.bands)
    assert len(fig.axes) == 6
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "a" in labels and "b" in labels
    from sim.provenance import VERSION

    text = plots.comparison_caption(comparison)
    assert "seeds 1, 2" in text and "2 replicates per package" in text and VERSION in text
    assert "stochastic only" in text  # what the bands hold


def test_sobol_morris_and_threshold_plots():
    import numpy as np
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    t = analyze_function(Ishigami.evaluate, problem, "sobol", n=256)
    t.insert(0, "year", "2030")
    t.insert(0, "outcome", "y")
    fig = plots.plot_sobol(t, "y", "2030")
    assert len(fig.axes[0].patches) == 6  # S1 and ST bars for three factors
    m = analyze_function(Ishigami.evaluate, problem, "morris", n=10)
    m.insert(0, "year", "2030")
    m.insert(0, "outcome", "y")
    fig = plots.plot_morris(m, "y", "2030")
    assert fig.axes[0].get_xlabel().startswith("mu*")
    over = t.copy()
    over["year"] = "2031"
    fig = plots.plot_indices_over_time(__import__("pandas").concat([t, over]), "y")
    assert len(fig.axes[0].get_lines()) == 3
    import pandas as pd

    prob = pd.DataFrame({"a": np.random.default_rng(1).random(50),
                         "b": np.random.default_rng(2).random(50),
                         "P(met)@2030": np.random.default_rng(3).random(50)})
    fig = plots.plot_threshold_map(prob, "a", "b", "P(met)@2030", bins=4)
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel() == "a"
    assert "P(met)" not in fig.axes[0].get_title()  # in words
    assert plots._outcome_label("gap_rate@2030").endswith("in 2030")
    assert plots._outcome_label("gap_rate", "2030").endswith("(2030)")
    assert plots._outcome_label("first_year_gap_met").startswith("First year")


def test_package_colours_do_not_depend_on_order():
    import pandas as pd

    names = ["qingdao-2020", "baseline", "my-package", "another", "gaotang-2027"]
    assert plots.package_colors(names) == plots.package_colors(list(reversed(names)))
    colours = plots.package_colors(names)
    assert colours["baseline"] == "#000000"
    assert colours["gaotang-2027"] == plots.package_color("gaotang-2027") == plots.COLORS[0]
    assert len(set(colours.values())) == len(names)  # told apart
    # the same packages drawn in two orders get the same colours in the fan chart
    rows = [{"scenario": n, "indicator": "gap_rate", "year": y, "p10": 0.1, "median": 0.2,
             "p90": 0.3} for n in names for y in (2021, 2022)]
    bands = pd.DataFrame(rows)

    def drawn(frame):
        ax = plots.plot_fan(frame).axes[0]
        return {line.get_label(): line.get_color() for line in ax.get_lines()}

    backwards = bands.iloc[::-1].reset_index(drop=True)
    assert drawn(bands) == drawn(backwards)
    from sim.dashboard import figures

    assert figures.package_color("jinan-2024") == plots.package_color("jinan-2024")


def test_labels_in_words():
    from sim.indicators import TARGETS

    seniors = next(t for t in TARGETS if t.indicator == "share_complete_rural_schools_4_seniors")
    assert plots.target_words(seniors) == "at least 1"
    assert plots.factor_label("policies.pairing.share") == "pairing: share"
    assert plots._output_label("gap_rate@2025 < 0.15").endswith("in 2025 below 0.15")
    assert plots.words("Personnel (人员经费)") == "Personnel"


def test_targets_titles_have_no_code_names(result):
    fig = plots.plot_targets(result.timeseries)
    texts = [ax.get_title() for ax in fig.axes] + [
        t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert len(fig.legends) == 1 and not any(ax.get_legend() for ax in fig.axes)
    assert not any("_" in t or ">=" in t or "<" in t for t in texts)


def test_saved_figures_have_no_offset_text_and_a_caption(result, tmp_path):
    """Costs in million yuan with plain numbers: no axis shows an offset or 1e7 after drawing;
    each saved chart has a caption with its seed and the version."""
    from sim.provenance import VERSION

    paths = plots.save_run_charts(result, tmp_path)
    assert [p.suffix for p in paths] == [".png"] * len(paths)
    fig = plots.plot_indicators(result.timeseries)
    plots.add_caption(fig, plots.run_caption(result))
    fig.canvas.draw()
    for ax in fig.axes:
        assert ax.xaxis.get_offset_text().get_text() == ""
        assert ax.yaxis.get_offset_text().get_text() == ""
    cost = fig.axes[-1]
    assert cost.get_ylabel() == "million yuan / year"
    caption = fig.texts[-1].get_text()
    assert "seed 1" in caption and VERSION in caption and "replicates" in caption
    # the caption sits under the axes, overlapping none of them
    box = fig.texts[-1].get_window_extent()
    assert all(not box.overlaps(ax.get_tightbbox()) for ax in fig.axes)


def test_save_in_svg_and_pdf(result, tmp_path):
    paths = plots.save_run_charts(result, tmp_path, fmt="svg")
    assert paths and all(p.suffix == ".svg" and p.exists() for p in paths)
    assert "ruraledu" in paths[0].read_text(encoding="utf-8")  # the caption, as text
    pdf = plots.save(plots.plot_targets(result.timeseries), tmp_path, "t", "pdf", "c")
    assert pdf.read_bytes().startswith(b"%PDF")


def _overlaps(texts, renderer):
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [(a.get_text(), b.get_text()) for i, (a, x) in enumerate(zip(texts, boxes))
            for b, y in zip(texts[i + 1:], boxes[i + 1:]) if x.overlaps(y)]


def test_morris_labels_do_not_overlap():
    """Many factors bunched together: the labels drawn do not overlap one another."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    rows = []
    for k in range(14):
        mu, sd = 0.5 + 0.02 * rng.random(), 0.3 + 0.02 * rng.random()
        factor = f"policies.lever_{k}.some_long_setting"
        rows += [{"outcome": "gap_rate", "year": "2030", "method": "morris", "factor": factor,
                  "index": "mu_star", "value": mu, "conf_low": mu - 0.01, "conf_high": mu + 0.01},
                 {"outcome": "gap_rate", "year": "2030", "method": "morris", "factor": factor,
                  "index": "sigma", "value": sd, "conf_low": sd, "conf_high": sd}]
    rows[0].update(value=2.0, conf_low=1.9, conf_high=2.1)  # one factor far out
    fig = plots.plot_morris(pd.DataFrame(rows), "gap_rate", "2030")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert 1 <= len(ax.texts) <= 8
    assert not _overlaps(ax.texts, fig.canvas.get_renderer())
    assert "lever 0: some long setting" in [t.get_text() for t in ax.texts]  # the largest mu*


def test_indices_over_time_legend_beside_the_lines():
    import pandas as pd

    rows = [{"outcome": "gap_rate", "year": str(y), "method": "sobol", "factor": f"params.f{k}",
             "index": "ST", "value": 0.05 * k, "conf_low": 0.0, "conf_high": 0.1 * k}
            for k in range(12) for y in (2025, 2030)]
    fig = plots.plot_indices_over_time(pd.DataFrame(rows), "gap_rate")
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == 8 and texts[-1] == "5 other factors" and texts[0] == "f11"
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())  # beside the axes
    assert not _overlaps(legend.get_texts(), fig.canvas.get_renderer())


def test_in_view_ticks_are_matplotlib_s_ticks_inside_the_limits():
    """plain() swaps matplotlib's default locator for InView: the ticks drawn and their labels
    are the same, and no tick is built outside the axis' limits."""
    import numpy as np

    def ticks(swap):
        fig, ax = plt.subplots()
        ax.plot([2020, 2035], [0.1437, 0.2712])
        if swap:
            plots.plain(fig)
        fig.canvas.draw()
        low, high = ax.get_ylim()
        shown = [(t.get_loc(), t.label1.get_text()) for t in ax.yaxis.get_major_ticks()
                 if low <= t.get_loc() <= high]
        return shown, ax.yaxis.get_majorticklocs(), (low, high)

    default, _, _ = ticks(False)
    shown, built, (low, high) = ticks(True)
    assert isinstance(plt.gca().yaxis.get_major_locator(), plots.InView)
    assert shown == default and len(shown) >= 4
    assert np.all((built >= low) & (built <= high))


def test_rendered_charts_are_the_saved_files(result, tmp_path):
    """render_run_charts (what a chart process hands back) gives the bytes save_run_charts
    writes, a chart per name, the county map only for a run with its places."""
    import dataclasses

    names = plots.run_chart_names(result)
    assert set(names) == {"indicators", "school_gaps", "targets", "county_map"}
    saved = {p.name: p.read_bytes() for p in plots.save_run_charts(result, tmp_path)}
    rendered = dict(plots.render_run_charts(result, ["school_gaps", "targets"]))
    assert rendered == {n: saved[n] for n in ("school_gaps.png", "targets.png")}
    assert "county_map" not in plots.run_chart_names(dataclasses.replace(result, places=None))
    with pytest.raises(ValueError, match="no chart 'pie'"):
        plots.run_chart(result, "pie")
