"""Policy search under uncertainty (sim.optimize): it finds a known optimum, a continued search
equals an uninterrupted one, and the chosen package is judged on draws it was not chosen on."""

from __future__ import annotations

import optuna.distributions as od
import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.optimize import Evaluation, chosen, pareto, search, trials_table

from conftest import ROOT

SPACE = {"x": od.IntDistribution(0, 6), "y": od.IntDistribution(0, 6)}
REQUIRED = {"x + y >= 5": 1.0}


def toy(values: dict) -> Evaluation:
    """Cost x + 2y; the constraint x + y >= 5 holds in every draw or none: optimum x=5, y=0."""
    x, y = values["x"], values["y"]
    return Evaluation(objective=x + 2 * y, probabilities={"x + y >= 5": float(x + y >= 5)},
                      means={})


def toy_search(tmp_path, trials: int, name: str = "toy", evaluate=toy):
    return search(SPACE, evaluate, REQUIRED, trials=trials, startup=8, seed=3,
                  storage=tmp_path / f"{name}.db", name=name)


def history(study) -> list[tuple]:
    table = trials_table(study, REQUIRED)
    return list(zip(table["x"], table["y"], table["objective"]))


def test_the_search_finds_the_known_optimum_of_a_toy_problem(tmp_path):
    study = toy_search(tmp_path, trials=40)
    best = chosen(trials_table(study, REQUIRED))
    assert (best["x"], best["y"], best["objective"]) == (5, 0, 5)
    front = pareto(trials_table(study, REQUIRED), "objective", "P(x + y >= 5)")
    assert front["objective"].is_monotonic_increasing


def test_a_continued_search_equals_an_uninterrupted_one(tmp_path):
    whole = history(toy_search(tmp_path, trials=20, name="whole"))
    toy_search(tmp_path, trials=9, name="parts")
    calls = {"n": 0}

    def dies_once(values):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # killed in the middle of a trial
        return toy(values)

    with pytest.raises(KeyboardInterrupt):
        toy_search(tmp_path, trials=20, name="parts", evaluate=dies_once)
    parts = history(toy_search(tmp_path, trials=20, name="parts"))
    assert parts == whole


SMALL_OPT = """
name = "small-search"
base = "{base}"
uncertainty = "{ensemble}"
minimize = "cost_policy_yuan@sum"
report = ["student_retention@2024"]
draws = 2
fresh_draws = 3
trials = 3
startup_trials = 2
seed = 5

[overrides]
end_year = 2024
"county.students" = 4000
"county.towns" = 8
"county.villages_per_town" = 20

[constraints.gap]
measure = "gap_rate@2024"
op = "<"
threshold = 0.15
probability = 0.5

[decisions."policies.pairing.start"]
low = 2021
high = 2023
off = true
[decisions."policies.pairing.strength"]
low = 0.2
high = 1.0
"""


def small_file(tmp_path):
    path = tmp_path / "opt.toml"
    path.write_text(SMALL_OPT.format(
        base=(ROOT / "scenarios" / "baseline.toml").as_posix(),
        ensemble=(ROOT / "experiments" / "calibrate-baseline" / "posterior.parquet").as_posix()),
        encoding="utf-8")
    return path


def test_the_county_search_writes_a_package_that_runs_judged_on_fresh_draws(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["optimize", str(small_file(tmp_path)), "--backend", "serial",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "fresh draws: P(gap_rate@2024 < 0.15)" in r.output
    for name in ("best.toml", "trials.csv", "pareto.csv", "report.csv", "fresh_draws.csv",
                 "pareto.png"):
        assert (out / name).is_file(), name
    # the chosen package is re-run on draws 2-4 (seeds 3-5), not the search's draws 0-1
    import pandas as pd

    fresh = pd.read_csv(out / "fresh_draws.csv")
    assert list(fresh["draw"]) == [2, 3, 4] and list(fresh["seed"]) == [3, 4, 5]
    check = CliRunner().invoke(main, ["check", str(out / "best.toml")])
    assert check.exit_code == 0, check.output
    best = sim.load_scenario(out / "best.toml")
    assert best.end_year == 2024 and best.county.students == 4000
    text = (out / "best.toml").read_text(encoding="utf-8")
    assert "policies.pairing.strength: 0.2 to 1 ->" in text
    # run again: the finished study is reused, nothing is searched anew
    again = CliRunner().invoke(main, ["optimize", str(small_file(tmp_path)), "--backend",
                                      "serial", "--out", str(out), "--no-charts"])
    assert again.exit_code == 0 and "3 candidates" in again.output


def test_bad_optimization_files_are_explained(tmp_path):
    bad = SMALL_OPT.replace('low = 0.2\nhigh = 1.0', 'low = 0.2\nhigh = 1.5')
    path = tmp_path / "bad.toml"
    path.write_text(bad.format(base=(ROOT / "scenarios" / "baseline.toml").as_posix(),
                               ensemble="nothing.parquet"), encoding="utf-8")
    r = CliRunner().invoke(main, ["optimize", str(path), "--backend", "serial",
                                  "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "decision 'policies.pairing.strength'" in r.output


PROVINCE_OPT = """
name = "province-search"
province = "prov.toml"
minimize = "cost_policy_yuan@sum"
draws = 2
fresh_draws = 2
trials = 3
startup_trials = 2
[constraints.townships]
measure = "share_townships_gap_met@2023"
op = ">="
threshold = 0.0
probability = 0.5
[decisions."policies.pairing.start"]
low = 2021
high = 2022
off = true
"""


def test_a_search_over_a_province_reads_the_provinces_table(tmp_path):
    (tmp_path / "small.toml").write_text('name = "small"\nend_year = 2023\n[county]\n'
                                         "villages_per_town = 20\nurban_ordinary_schools = 4\n",
                                         encoding="utf-8")
    (tmp_path / "counties.csv").write_text("county,prefecture,kind,students,towns\n"
                                           "A,P,county,4000,8\nB,P,district,4500,8\n",
                                           encoding="utf-8")
    (tmp_path / "prov.toml").write_text('name = "p"\ncounties = "counties.csv"\n'
                                        'package = "small.toml"\n', encoding="utf-8")
    path = tmp_path / "search.toml"
    path.write_text(PROVINCE_OPT, encoding="utf-8")
    assert CliRunner().invoke(main, ["check", str(path)]).output.endswith("2 counties\n")
    r = CliRunner().invoke(main, ["optimize", str(path), "--backend", "serial",
                                  "--out", str(tmp_path / "out"), "--no-charts"])
    assert r.exit_code == 0, r.output
    import pandas as pd

    fresh = pd.read_csv(tmp_path / "out" / "fresh_draws.csv")
    assert list(fresh["draw"]) == [2, 3]
    assert fresh["share_townships_gap_met@2023"].between(0, 1).all()
    assert CliRunner().invoke(main, ["check", str(tmp_path / "out" / "best.toml")]).exit_code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(PROVINCE_OPT.replace("share_townships_gap_met@2023", "gap_sd@2023"),
                   encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(bad)])
    assert r.exit_code == 2 and "read on the province's table" in r.output
