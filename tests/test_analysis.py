"""Sensitivity and threshold analysis: known indices (Ishigami), every file from a small real
sweep, and refusal of incomplete sweeps."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from SALib.test_functions import Ishigami

import sim.sweep as sweep_mod
from sim.analysis import analyze, analyze_function, write
from sim.cli import main
from sim.errors import InputError

from conftest import ROOT

BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990; SALib's regression tests)
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_ishigami_sobol_indices_contain_the_analytic_values():
    t = analyze_function(Ishigami.evaluate, ISHIGAMI, "sobol", n=2048, second_order=True)
    for index, truth in (("S1", S1), ("ST", ST)):
        rows = t[t["index"] == index].set_index("factor")
        for factor, value in truth.items():
            lo, hi = rows.loc[factor, ["conf_low", "conf_high"]]
            assert lo <= value <= hi, (index, factor, lo, value, hi)
    s13 = t[(t["index"] == "S2") & (t["factor"] == "x1 x x3")].iloc[0]
    assert s13["conf_low"] <= 0.2437 <= s13["conf_high"]


def test_ishigami_screening_ranks_the_inert_first_order_factor_last():
    t = analyze_function(Ishigami.evaluate, ISHIGAMI, "morris", n=60)
    mu = t[t["index"] == "mu"].set_index("factor")["value"]
    assert abs(mu["x2"]) < abs(mu["x1"])  # x2 acts through sin^2: its mean effect cancels
    d = analyze_function(Ishigami.evaluate, ISHIGAMI, "delta", n=2000)
    s1 = d[d["index"] == "S1"].set_index("factor")["value"]
    assert s1["x2"] > s1["x1"] > s1["x3"]


def small_sweep(tmp_path, method: str = 'method = "sobol"\nn = 8', name: str = "a"):
    text = f'''
name = "{name}"
base = "{BASE}"
seed = 2
replicates = 2
shard_size = 8
outputs = ["gap_rate@2022", "gap_rate@2024", "student_retention@2024",
           "teacher_retention@mean", "first_year_gap_met"]
[overrides]
end_year = 2024
"county.students" = 4000
"county.towns" = 8
"county.villages_per_town" = 15
"policies.pairing.start" = 2021
"policies.digital.start" = 2021
[design]
{method}
[factors."params.levers.pairing_value_added"]
dist = "uniform"
low = 0.0
high = 0.06
[factors."params.levers.digital_value_added"]
dist = "uniform"
low = 0.0
high = 0.08
'''
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    out = tmp_path / f"sweep-{name}"
    sweep_mod.sweep(path, backend="serial", out=out, progress=False)
    return out


def test_a_small_real_sweep_gives_every_file(tmp_path):
    out = small_sweep(tmp_path)
    r = CliRunner().invoke(main, ["analyze", str(out)])
    assert r.exit_code == 0, r.output
    a = out / "analysis"
    for name in ("indices.csv", "noise.csv", "threshold.csv", "rsa.csv", "prim_boxes.csv",
                 "report.md", "sobol_gap_rate_2024.png", "over_time_gap_rate.png"):
        assert (a / name).exists(), name
    idx = pd.read_csv(a / "indices.csv")
    assert list(idx.columns) == ["outcome", "year", "method", "factor", "index", "value",
                                 "conf_low", "conf_high"]
    assert {"sobol", "sobol (first half)"} <= set(idx["method"])
    assert {"S1", "ST"} <= set(idx["index"])
    noise = pd.read_csv(a / "noise.csv")
    # a share where the output varies; NaN where it is constant (never met within the run)
    assert (noise["noise_share"].between(0, 1) | noise["noise_share"].isna()).all()
    assert noise["noise_share"].notna().sum() >= 3
    prob = pd.read_csv(a / "threshold.csv")
    assert {"P(met)@2022", "P(met)@2024"} <= set(prob.columns)
    assert prob["P(met)@2024"].between(0, 1).all()
    text = (a / "report.md").read_text()
    assert "Most influential factors" in text and "0.15" in text


def test_more_value_added_from_levers_is_what_moves_the_gap(tmp_path):
    a = analyze(small_sweep(tmp_path, 'method = "sobol"\nn = 16', name="b"))
    st = a.indices[(a.indices["outcome"] == "gap_rate") & (a.indices["year"] == "2024")
                   & (a.indices["method"] == "sobol") & (a.indices["index"] == "ST")]
    assert st["value"].sum() > 0.5  # the two factors explain the gap's variation


def test_morris_and_latin_sweeps_are_analysed(tmp_path):
    m = analyze(small_sweep(tmp_path, 'method = "morris"\ntrajectories = 4', name="m"))
    assert "mu_star" in set(m.indices["index"])
    d = analyze(small_sweep(tmp_path, 'method = "latin"\nn = 20', name="l"))
    assert "delta" in set(d.indices["index"])
    write(d, tmp_path / "sweep-l")
    assert (tmp_path / "sweep-l" / "analysis" / "report.md").exists()


def test_a_sweep_with_a_missing_run_is_refused(tmp_path):
    out = small_sweep(tmp_path, name="c")
    next((out / "runs").glob("shard-*.parquet")).unlink()
    with pytest.raises(InputError, match="runs are missing: finish the sweep"):
        analyze(out)
    r = CliRunner().invoke(main, ["analyze", str(out)])
    assert r.exit_code == 2 and "missing" in r.output and "Traceback" not in r.output
    assert not (out / "analysis").exists()


def test_failed_runs_block_a_sobol_analysis(tmp_path):
    out = small_sweep(tmp_path, name="d")
    shard = next((out / "runs").glob("shard-*.parquet"))
    frame = pd.read_parquet(shard)
    frame.loc[0, "status"] = "failed"
    frame.loc[0, "error"] = "RuntimeError: boom"
    frame.to_parquet(shard, index=False)
    with pytest.raises(InputError, match="1 of 64 runs failed"):
        analyze(out)


def test_not_a_sweep(tmp_path):
    with pytest.raises(InputError, match="no sweep here"):
        analyze(tmp_path)


def test_failed_runs_are_left_out_not_imputed(tmp_path):
    """A Latin sweep's design points whose runs all failed carry no value: the threshold
    probability and the first-year indices leave them out instead of counting them as 'not met'."""
    out = small_sweep(tmp_path, 'method = "latin"\nn = 6', name="f")
    shard = sorted((out / "runs").glob("shard-*.parquet"))[0]
    frame = pd.read_parquet(shard)
    lost = frame["sample_id"].iloc[0]
    failed = frame["sample_id"] == lost
    frame.loc[failed, "status"] = "failed"
    frame.loc[failed, "error"] = "RuntimeError: boom"
    frame.loc[failed, ["gap_rate@2024", "first_year_gap_met"]] = np.nan
    frame.to_parquet(shard, index=False)
    a = analyze(out)
    prob = a.probability
    assert np.isnan(prob.loc[lost, "P(met)@2024"])
    assert np.isnan(prob.loc[lost, "first_year_met (median of runs meeting it)"])
    assert prob.loc[lost, "runs with a value"] == 0 and prob.loc[lost, "runs without a value"] == 2
    assert prob.loc[lost, "runs never meeting it"] == 0  # no value: not "never met"
    assert any("failed runs left out" in w for w in a.warnings)


def test_an_output_that_does_not_vary_gets_a_warning_not_a_crash(tmp_path):
    """A design too small or an output the factors cannot move: the analysis says so and goes
    on with the other outputs."""
    from sim.analysis import analyze
    from sim.sweep import sweep

    text = (f'name = "flat"\nbase = "{ROOT / "scenarios" / "baseline.toml"}"\n'
            'outputs = ["schools_open@2021", "gap_rate@2022"]\nshard_size = 4\n[overrides]\n'
            '"county.students" = 3000\n"county.towns" = 8\n"county.villages_per_town" = 10\n'
            'end_year = 2022\n"policies.pairing.start" = 2021\n[design]\nmethod = "latin"\n'
            'n = 8\n[factors."policies.pairing.strength"]\ndist = "uniform"\nlow = 0.0\n'
            'high = 1.0\n')
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    sweep(path, backend="serial", out=tmp_path / "sw", progress=False)
    result = analyze(tmp_path / "sw")
    assert any("schools_open@2021" in w and "same value" in w for w in result.warnings)
    assert "gap_rate" in set(result.indices["outcome"])


def test_a_latin_analysis_with_failed_runs_equals_the_analysis_of_the_successful_runs(
        tmp_path, monkeypatch):
    """Runs made to fail where the digital lever is strong (every replicate at some points, one
    replicate at others): the threshold probability, the first year met, RSA, PRIM and the delta
    indices are those of the successful runs alone, never 'not met' for a run that failed."""
    from sim.analysis import sensitivity, threshold
    from sim.sweep import evaluate

    real_run = evaluate.run

    def failing(scenario, seed):
        strength = scenario.params.levers.digital_value_added
        if strength > 0.055 or (strength > 0.03 and seed == 2):
            raise RuntimeError("injected failure")
        return real_run(scenario, seed=seed)

    monkeypatch.setattr(evaluate, "run", failing)
    out = small_sweep(tmp_path, 'method = "latin"\nn = 12', name="fail")
    runs = sweep_mod.results_table(sweep_mod.Store(out))
    ok = runs[runs["status"] == "ok"]
    samples = pd.read_parquet(out / "samples.parquet")
    lost = sorted(set(samples["sample_id"]) - set(ok["sample_id"]))
    partial = sorted(set(runs.loc[runs["status"] == "failed", "sample_id"]) - set(lost))
    assert lost and partial, "the injected failures should hit whole points and single runs"

    a = analyze(out)
    assert f"{len(runs) - len(ok)} failed runs left out of the latin analysis" in a.warnings
    prob = a.probability.set_index("sample_id")
    for year in ("2022", "2024"):
        expected = ok[f"gap_rate@{year}"].lt(0.15).groupby(ok["sample_id"]).mean()
        got = prob[f"P(met)@{year}"]
        assert got.loc[lost].isna().all()  # no value, not "not met"
        pd.testing.assert_series_equal(got.dropna(), expected, check_names=False,
                                       check_index_type=False)
    median = ok["first_year_gap_met"].dropna().groupby(ok["sample_id"]).median()
    pd.testing.assert_series_equal(prob["first_year_met (median of runs meeting it)"].dropna(),
                                   median, check_names=False, check_index_type=False)
    never = ok["first_year_gap_met"].isna().groupby(ok["sample_id"]).sum()
    assert (prob.loc[never.index, "runs never meeting it"] == never).all()
    assert (prob.loc[lost, "runs never meeting it"] == 0).all()

    known = samples[~samples["sample_id"].isin(lost)]
    factors = ["params.levers.pairing_value_added", "params.levers.digital_value_added"]
    p = prob.loc[known["sample_id"], "P(met)@2024"].to_numpy()
    rsa = threshold.regional_sensitivity(known.set_index("sample_id")[factors], p >= 0.5)
    got_rsa = a.rsa[a.rsa["year"] == "2024"].drop(columns="year")
    pd.testing.assert_frame_equal(got_rsa.reset_index(drop=True), rsa.reset_index(drop=True))
    assert got_rsa["share_met"].iloc[0] == pytest.approx((p >= 0.5).mean())
    # counted as "not met", the failed points would make the failing factor look decisive
    failing_factor = got_rsa.set_index("factor").loc["params.levers.digital_value_added"]
    assert failing_factor["ks_distance"] <= 0.5

    means = ok.groupby("sample_id")["gap_rate@2024"].mean()
    X = known[[f"u:{f}" for f in factors]].to_numpy(float)
    problem = json.loads((out / "manifest.json").read_text())["problem"]
    delta = sensitivity.indices("delta", problem, X, means.loc[known["sample_id"]].to_numpy())
    got_delta = a.indices[(a.indices["outcome"] == "gap_rate") & (a.indices["year"] == "2024")
                          & (a.indices["method"] == "delta")]
    pd.testing.assert_frame_equal(got_delta.drop(columns=["outcome", "year"])
                                  .reset_index(drop=True), delta)
    assert any(f"{len(lost)} design points without a value" in w and "left out of the delta"
               in w for w in a.warnings)
    text = (write(a, out) / "report.md").read_text()
    assert f"{len(lost)} points without a value left out" in text


def test_analyze_writes_nothing_to_stderr_but_its_own_lines(tmp_path):
    """A design too small for the delta method makes SALib print notes and numpy warn; the
    command collects them into its own warnings (warnings.json, report.md) and the terminal
    sees only its own lines."""
    out = small_sweep(tmp_path, 'method = "latin"\nn = 6', name="q")
    proc = subprocess.run([sys.executable, "-m", "sim", "analyze", str(out)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") for line in lines), proc.stderr
    assert "Only one bin" not in proc.stderr and "RuntimeWarning" not in proc.stderr
    assert any("SALib could not bin" in line for line in lines)
    saved = json.loads((out / "analysis" / "warnings.json").read_text())
    assert [f"warning: {w}" for w in saved] == lines
    # SALib's delta replaces warnings.formatwarning for the whole process: put back
    import warnings

    from sim.analysis import analyze

    before = warnings.formatwarning
    analyze(out)
    assert warnings.formatwarning is before


def test_never_met_and_no_value_are_told_apart_up_to_the_scenarios_end_year(tmp_path):
    """threshold.csv: per design point, the runs with a value, those without (failed), those
    that never held the target by the scenario's end year (not the last year named in the
    outputs), their share, and the median first year over the runs that held it."""
    text = f'''
name = "never"
base = "{BASE}"
seed = 2
replicates = 3
shard_size = 6
outputs = ["gap_rate@2022", "first_year_gap_met"]
[overrides]
end_year = 2025
"county.students" = 4000
"county.towns" = 8
"county.villages_per_town" = 15
"policies.digital.start" = 2021
[design]
method = "latin"
n = 6
[factors."params.levers.digital_value_added"]
dist = "uniform"
low = 0.0
high = 0.08
'''
    path = tmp_path / "never.toml"
    path.write_text(text)
    out = tmp_path / "sw"
    sweep_mod.sweep(path, backend="serial", out=out, progress=False)
    lost = 0
    for shard in sorted((out / "runs").glob("shard-*.parquet")):  # (made to hold all kinds)
        frame = pd.read_parquet(shard)
        point, rep = frame["sample_id"], frame["replicate"]
        frame.loc[point == lost, ["status", "error"]] = ["failed", "RuntimeError: x"]
        frame.loc[point == lost, "first_year_gap_met"] = np.nan
        frame.loc[(point > 2) & (rep > 0), "first_year_gap_met"] = 2020.0 + point + rep
        frame.to_parquet(shard, index=False)
    a = analyze(out)
    assert a.end_year == 2025  # the scenario's end year, though the outputs stop at 2022
    runs = sweep_mod.results_table(sweep_mod.Store(out))
    ok = runs[runs["status"] == "ok"]
    prob = a.probability.set_index("sample_id")
    assert (prob["runs with a value"] + prob["runs without a value"] == 3).all()
    assert prob.loc[lost, "runs with a value"] == 0 and prob.loc[lost, "runs never meeting it"] == 0
    assert np.isnan(prob.loc[lost, "share of runs never meeting it"])
    never = ok["first_year_gap_met"].isna().groupby(ok["sample_id"]).sum()
    assert never.sum() > 0 and ok["first_year_gap_met"].notna().any(), "want both kinds"
    assert (prob.loc[never.index, "runs never meeting it"] == never).all()
    share = never / ok.groupby("sample_id").size()
    np.testing.assert_allclose(prob.loc[share.index, "share of runs never meeting it"], share)
    met = ok.dropna(subset=["first_year_gap_met"])
    median = met.groupby("sample_id")["first_year_gap_met"].median()
    np.testing.assert_allclose(prob.loc[median.index, "first_year_met (median of runs meeting it)"],
                               median)
    # NaN there now means only "no run of this point held it", and the counts say which
    no_year = prob["first_year_met (median of runs meeting it)"].isna()
    assert ((prob["runs never meeting it"] == prob["runs with a value"]) == no_year).all()
    # the first-year indices count a run that never met it as later than the end year
    noise = a.noise.set_index("outcome").loc["first_year_gap_met", "noise_share"]
    values = ok["first_year_gap_met"].fillna(2026)
    within = values.groupby(ok["sample_id"]).var(ddof=1).mean() / values.var(ddof=1)
    assert noise == pytest.approx(min(max(within, 0), 1))
    report = (write(a, out) / "report.md").read_text()
    assert "never held the target by 2025 (the scenario's end year" in report


def test_the_report_names_no_index_rather_than_nan():
    """An index SALib could not compute (too few points) is left out of the top factors, and a
    row with none says so instead of printing 'nan [nan, nan]'."""
    from sim.analysis.report import _top

    def rows(values):
        return pd.DataFrame({"outcome": "gap_rate", "year": "2025", "method": "delta",
                             "index": "delta", "factor": ["a", "b"], "value": values,
                             "conf_low": values, "conf_high": values})

    assert _top(rows([np.nan, np.nan]), "gap_rate", "2025") == "no index (see Warnings)"
    top = _top(rows([np.nan, 0.3]), "gap_rate", "2025")
    assert top.startswith("b 0.30") and "nan" not in top


def test_an_output_that_is_mostly_noise_is_flagged():
    from sim.analysis import noise_warning

    assert noise_warning("gap_rate@2025", 0.95)[0].startswith("gap_rate@2025: 95% of its "
                                                               "variance is the model's randomness")
    assert noise_warning("gap_rate@2025", 0.5) == []
    assert noise_warning("gap_rate@2025", float("nan")) == []
