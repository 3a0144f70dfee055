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
    assert "this run" in labels and "target 0.15" in labels  # no code names in legends
    assert list(axes[0].get_lines()[0].get_xdata()) == list(result.timeseries["year"])


def test_targets_dashboard(result):
    from sim.indicators import TARGETS

    fig = plots.plot_targets(result.timeseries)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(TARGETS)  # one panel per seed target
    assert all(ax.get_xlabel() == "year" for ax in shown)
    assert shown[0].get_title().startswith("Difference rate") and shown[0].get_ylabel() == "rate"


def test_school_gaps_one_line_per_town_seat_school(result):
    fig = plots.plot_school_gaps(result.schools)
    towns = result.schools[result.schools["type"] == "town_seat"]["school"].nunique()
    schools = fig.axes[0].collections[0]  # one line per school, drawn as one collection
    assert len(schools.get_segments()) == towns
    assert len(fig.axes[0].get_lines()) == 2  # the median, the target
    assert fig.axes[0].get_ylabel().startswith("difference rate")


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
