"""Comparing policy packages: common random numbers, bands, targets table, files."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

import sim
from sim.cli import main

from conftest import ROOT, small_scenario


def small_pair():
    base = small_scenario(end_year=2026, name="base")
    pairing = small_scenario(end_year=2026, name="pairing",
                             **{"policies.pairing.start": 2022, "policies.digital.start": 2022})
    return base, pairing


def test_replicates_share_seeds_so_identical_packages_do_not_differ():
    base, _ = small_pair()
    twin = base.model_copy(update={"name": "twin"})
    result = sim.compare([base, twin], replicates=3)
    a = result.runs[result.runs["scenario"] == "base"].drop(columns="scenario")
    b = result.runs[result.runs["scenario"] == "twin"].drop(columns="scenario")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    row = result.targets.set_index("scenario").loc["twin"]
    assert row["gap_rate change vs base at 2026"] == 0


def test_bands_targets_and_effects():
    result = sim.compare(list(small_pair()), replicates=4)
    assert set(result.runs["seed"]) == {1, 2, 3, 4}
    b = result.bands
    assert (b["p10"] <= b["median"]).all() and (b["median"] <= b["p90"]).all()
    assert {"gap_rate", "student_retention", "cost_policy_yuan"} <= set(b["indicator"])
    t = result.targets.set_index("scenario")
    assert t.loc["pairing", "gap_rate change vs base at 2026"] < 0
    assert t.loc["pairing", "policy cost, all years (median, million yuan)"] > 0
    assert t.loc["base", "policy cost, all years (median, million yuan)"] == 0
    assert "gap_rate < 0.15: first year held 3 years (median)" in t.columns
    assert "gap_rate < 0.15: share of runs meeting it by 2025" in t.columns
    # the money beside the targets: pairing and platforms are operating funds, classrooms capital
    assert t.loc["pairing", "extra operating vs base, mean a year (million yuan)"] > 0
    assert t.loc["pairing", "extra capital vs base, mean a year (million yuan)"] > 0
    assert t.loc["base", "years with a financing gap (total held)"] == 0
    assert t.loc["pairing", "policy cost share of the budget, mean"] > 0
    assert t.loc["pairing", "extra public cost vs base, present value (million yuan)"] > 0
    assert t.loc["pairing", "million yuan (present value) per 0.01 gap_rate held a year vs base"] > 0


def test_cli_compare_writes_tables_fan_chart_and_budget(tmp_path):
    out = tmp_path / "cmp"
    args = ["compare", str(ROOT / "scenarios" / "baseline.toml"),
            str(ROOT / "scenarios" / "gaotang-2027.toml"), "--replicates", "2", "--out", str(out),
            "--set", "end_year=2024", "--set", "county.students=5000", "--set", "county.towns=8"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert "gaotang-2027" in r.output and "first year" in r.output
    assert "extra personnel vs baseline" in r.output and "financing gap" in r.output
    for name in ("runs.parquet", "bands.parquet", "targets.csv", "targets.md", "fan_charts.png",
                 "budget.png", "codebook.csv"):
        assert (out / name).exists(), name
    assert len(pd.read_parquet(out / "runs.parquet")) == 2 * 2 * 5
    book = pd.read_csv(out / "codebook.csv")
    assert set(pd.read_parquet(out / "runs.parquet").columns) <= set(book["name"])
    assert set(pd.read_parquet(out / "bands.parquet").columns) <= set(book["name"])
    # years as years (2020, never 2020.0, even beside a target never met): nullable integers
    text = (out / "targets.csv").read_text(encoding="utf-8")
    assert ",2020," in text and "2020.0" not in text
    firsts = [c for c in pd.read_csv(out / "targets.csv").columns if "first year" in c]
    table = sim.compare([sim.Scenario(name="a", end_year=2023, county={"students": 3000,
                                                                   "towns": 8})], replicates=2)
    assert firsts and all(str(table.targets[c].dtype) == "Int64" for c in firsts)


def test_cli_compare_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[policies.pairing]\nschedule = { 2023 = 2.0 }\n")
    r = CliRunner().invoke(main, ["compare", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "between 0 and 1" in r.output
    assert not (tmp_path / "o").exists()
