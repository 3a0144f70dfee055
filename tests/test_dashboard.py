"""The browser dashboard: what a choice resolves to, the cache, the figures, the downloaded
scenario, and the page itself in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.dashboard import compute, figures, settings, tables
from sim.dashboard.compute import LRU, Runner, run_one
from sim.dashboard.settings import Choice, resolve
from sim.parameters import field_bounds
from sim.policies import LEVERS
from sim.results import run
from sim.scenario import load_scenario
from sim.scenario_toml import scenario_toml

ARTIFACTS = Path(__file__).parent / "artifacts"  # kept for a reader (ignored by git)
ROSTER = "roster: example-roster.csv"  # the smaller county: quicker runs


def test_every_lever_has_a_main_setting_within_its_bounds():
    for name, setting in settings.MAIN_SETTINGS.items():
        field = LEVERS[name].model.model_fields[setting.key]
        lo, hi = field_bounds(field)
        assert lo is None or setting.low >= lo, name
        assert hi is None or setting.high <= hi, name


def test_changes_reach_the_package_assumptions_reach_both():
    choice = Choice("gaotang-2027").with_changes({
        **settings.set_main("rotation", 0.3), "params.learning.exam_cv": 0.5})
    resolved = resolve(choice)
    assert resolved.package.policies.rotation.share == 0.3
    assert resolved.package.params.learning.exam_cv == 0.5
    assert resolved.reference.params.learning.exam_cv == 0.5
    assert not resolved.reference.policies.rotation.enabled
    assert resolved.labels == ("baseline", "gaotang-2027 (edited)")


def test_a_roster_county_applies_to_both():
    resolved = resolve(Choice("baseline", ROSTER))
    for sc in (resolved.reference, resolved.package):
        assert sc.county.source == "roster"
        assert sc.roster_path() is not None and sc.roster_path().is_file()
    assert resolved.labels[0] != resolved.labels[1]


def test_a_province_county_is_the_county_the_province_runs():
    """Each county of a shipped province file is on offer, with the settings `ruraledu
    province` gives it (size, towns, urban share), for the package and the baseline alike."""
    from sim.province import load_province

    _, _, _, counties = load_province(settings.SCENARIOS / "province-example.toml")
    nanhe = next(c for c in counties if c.name == "Nanhe County")
    r = resolve(Choice(county="province-example: Nanhe County"))
    for sc in (r.package, r.reference):
        assert sc.county.students == nanhe.overrides["county.students"] == 55_000
        assert sc.params.demography.urban_residence_share == 0.33
    assert "province-example: Roster County" in settings.county_choices()


def test_moving_a_schedule_keeps_its_steps():
    sc = load_scenario(settings.preset_path("gaotang-2027"))
    assert sc.policies.pairing.schedule == {2023: 0.4, 2025: 1.0}
    moved = settings.move_start(sc, "pairing", 2026)
    assert moved == {"policies.pairing.schedule": {2026: 0.4, 2028: 1.0},
                     "policies.pairing.start": None}
    assert settings.move_end(sc, "pairing", sc.end_year) == {"policies.pairing.end": None}
    off = resolve(Choice("gaotang-2027").with_changes(settings.switch(sc, "pairing", False)))
    assert not off.package.policies.pairing.enabled


@pytest.mark.parametrize("preset", settings.PRESETS)
def test_download_reads_back_to_the_same_scenario_and_passes_check(preset, tmp_path):
    choice = Choice(preset, ROSTER)
    sc = resolve(choice).package
    choice = choice.with_changes({**settings.switch(sc, "digital", True),
                                  **settings.set_main("digital", 0.6)})
    choice = choice.with_changes({**settings.move_start(resolve(choice).package, "digital", 2024),
                                  "params.learning.persistence": 0.6})
    package = resolve(choice).package
    assert package.policies.digital.first_year() == 2024
    path = tmp_path / "settings.toml"
    path.write_text(scenario_toml(package, "from the test"), encoding="utf-8")
    assert load_scenario(path).model_dump() == package.model_dump()
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


def test_lru_forgets_the_least_recently_used():
    cache = LRU[str, int](2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now b is the oldest
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and len(cache) == 2


def test_a_dashboard_run_is_sim_run():
    """The page's lean run gives ``sim.run``'s timeseries and last-year schools exactly."""
    scenario = resolve(Choice("gaotang-2027", ROSTER)).package
    lean, full = run_one(scenario, 3), run(scenario, seed=3)
    pd.testing.assert_frame_equal(lean.timeseries, full.timeseries)
    last = full.schools[full.schools["year"] == full.schools["year"].max()]
    pd.testing.assert_frame_equal(lean.schools, last.reset_index(drop=True))


@pytest.fixture(scope="module")
def runner():
    return Runner(workers=0)  # in this process: the unit tests need no pool


@pytest.fixture(scope="module")
def outcome(runner):
    return runner.outcome(Choice("gaotang-2027", ROSTER, replicates=2))


def test_runs_are_cached_and_the_baseline_is_shared(runner, outcome):
    assert outcome.computed == 4
    again = runner.outcome(Choice("gaotang-2027", ROSTER, replicates=2))
    assert again.computed == 0 and again.targets is outcome.targets
    moved = runner.outcome(Choice("gaotang-2027", ROSTER, replicates=2).with_changes(
        settings.set_main("rotation", 0.3)))
    assert moved.computed == 2  # the baseline's two runs came from the cache
    assert set(moved.targets["scenario"]) == {"baseline", "gaotang-2027 (edited)"}


def test_the_calibrated_assumptions_reach_both_scenarios_alike(runner):
    choice = Choice("gaotang-2027", ROSTER, replicates=2, uncertainty=settings.CALIBRATED)
    out = runner.outcome(choice)
    assert "assumptions" in out.includes and "assumptions" in figures.caption(out)
    sets = out.runs.groupby(["scenario", "replicate"], observed=True)["parameter_set"].first()
    assert (sets >= 0).all()
    assert (sets.loc["baseline"].to_numpy() == sets.loc[out.labels[1]].to_numpy()).all()
    # an assumption set by hand holds over the ensemble's value, in every replicate
    held = choice.with_changes({"params.learning.exam_cv": 0.3})
    table = compute.load_ensemble(settings.POSTERIOR)
    draws = compute.draw_parameter_sets(table, 2, 1)
    for r in range(2):
        sc = compute.replicate_scenario(resolve(held).package, table, draws, r, held)
        assert sc.params.learning.exam_cv == 0.3
        assert sc.params.choice.quality_weight == pytest.approx(
            table["params.choice.quality_weight"].iloc[int(draws[r])])


def test_tables_name_each_target_and_its_deadline(outcome):
    frame = tables.targets_frame(outcome.targets)
    assert len(frame) == len(tables.TARGETS)
    assert "Difference rate, town seat vs urban quality below 0.15" in set(frame["target"])
    assert frame.loc[0, "deadline"] == 2025
    html = tables.to_html(tables.effects_frame(outcome.targets), "rd-effects")
    assert "gap_rate" not in html and "town-seat difference rate" in html


def test_figures_are_report_ready(outcome):
    for draw in (figures.fan_chart, figures.cost_chart, figures.county_map):
        fig = draw(outcome)
        ax = fig.axes[0]
        fig.canvas.draw()
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        assert ax.yaxis.get_offset_text().get_text() == ""  # no 1e7 above the axis
        assert "_" not in ax.get_ylabel()
    fan = figures.fan_chart(outcome).axes[0]
    colours = {line.get_label(): line.get_color() for line in fan.get_lines()}
    assert colours[f"{outcome.labels[1]} (median, 10-90%)"] == figures.package_color("gaotang-2027")
    assert figures.package_color("baseline") != figures.package_color("gaotang-2027")


def test_the_command_says_what_to_install_without_solara(monkeypatch):
    from sim.dashboard import server

    assert "browser" in CliRunner().invoke(main, ["dashboard", "--help"]).output
    monkeypatch.setattr(server, "available", lambda: False)
    result = CliRunner().invoke(main, ["dashboard", "--no-open"])
    assert result.exit_code == 1
    assert 'pip install -e ".[dashboard]"' in result.output


def test_the_server_command_is_solara_in_production_mode():
    from sim.dashboard import server

    cmd = server.command("127.0.0.1", 8123)
    assert cmd[1:4] == ["-m", "solara", "run"] and server.APP in cmd
    assert "--production" in cmd and "--no-open" in cmd and "8123" in cmd


# --- the page in a real browser ------------------------------------------------------------

def _chromium() -> str:
    from sim.dashboard.browser import find_chromium

    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium found (install Debian's chromium package, or set CHROMIUM)")
    return path


def test_the_page_in_a_browser(tmp_path):
    """Load the page, move a lever, run, and see the chart and the targets table change; the
    settings download as a scenario that ``ruraledu check`` accepts."""
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    pytest.importorskip("playwright", reason="playwright (the test extra) is not installed")
    from sim.dashboard.browser import Dashboard, browser_page, running_server

    chromium = _chromium()
    with running_server(tmp_path / "server.log") as url, browser_page(chromium) as page:
        dash = Dashboard(page)
        dash.open(url)
        assert "gaotang-2027" in dash.status()
        chart, targets = dash.fan_chart(), dash.targets()
        dash.move_main_setting("pairing", "Home")  # no rural school paired
        page.wait_for_function("() => document.querySelector('.rd-lever-pairing')"
                               ".innerText.includes('(share): 0')")
        seconds = dash.run()
        figure = (f"redraw after a lever change, 5 replicates: {seconds:.2f} s "
                  f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print("\n" + figure)
        assert "gaotang-2027 (edited)" in dash.status()
        assert dash.fan_chart() != chart
        assert dash.targets() != targets
        shot = tmp_path / "dashboard.png"
        page.set_viewport_size({"width": 1500, "height": 3000})  # the page scrolls inside
        page.screenshot(path=str(shot))
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "dashboard.png")
        (ARTIFACTS / "dashboard-redraw.txt").write_text(figure + "\n", encoding="utf-8")
        with page.expect_download() as download:
            page.locator(".rd-download").first.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
    assert "strength = 0.0" in saved.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(saved)])
    assert result.exit_code == 0, result.output
