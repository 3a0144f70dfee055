"""Assumption uncertainty in a comparison: an ensemble of parameter sets, drawn once per
replicate and shared by every package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim import ensemble as ensembles
from sim.cli import main
from sim.compare import compare, wilson_interval
from sim.sweep.design import prior as draw_prior

from conftest import ROOT, small_scenario

THRESHOLD = ROOT / "experiments" / "threshold.toml"


@pytest.fixture(scope="module")
def prior():
    return draw_prior(THRESHOLD, n=12)


def test_a_prior_draws_the_uncertain_parameters_only(prior):
    keys = [c for c in prior.columns if c != "weight"]
    assert keys and all(k.startswith("params.") for k in keys)
    assert "params.learning.exam_cv" in keys
    assert np.isclose(prior["weight"].sum(), 1.0) and len(prior) == 12
    assert prior["params.learning.exam_cv"].between(0.2, 0.5).all()


def test_an_ensemble_compare_is_reproducible_and_wider_than_luck_alone(prior):
    packages = [small_scenario(end_year=2026),
                small_scenario(end_year=2026, name="pairing", **{"policies.pairing.start": 2021})]
    a = compare(packages, replicates=6, ensemble=prior)
    b = compare(packages, replicates=6, ensemble=prior)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    luck = compare(packages, replicates=6)
    assert a.includes.startswith("stochastic + assumptions") and luck.includes == "stochastic only"
    # the same parameter set for a replicate in every package (paired)
    sets = a.runs.groupby(["replicate", "scenario"], observed=True)["parameter_set"].first()
    assert (sets.unstack().nunique(axis=1) == 1).all()

    def width(c):
        g = c.bands[(c.bands["indicator"] == "gap_rate") & (c.bands["year"] == 2026)]
        return float((g["p90"] - g["p10"]).mean())

    assert width(a) > width(luck)


def test_the_cli_takes_an_ensemble_and_says_what_the_bands_hold(tmp_path, prior):
    path = ensembles.save(prior, tmp_path / "prior.parquet")
    base = str(ROOT / "scenarios" / "baseline.toml")
    r = CliRunner().invoke(main, ["compare", base, "--replicates", "3", "--uncertainty",
                                  str(path), "--no-charts", "--out", str(tmp_path / "c"),
                                  "--set", "end_year=2023", "--set", "county.students=4000",
                                  "--set", "county.towns=8"])
    assert r.exit_code == 0, r.output
    assert "stochastic + assumptions (12 parameter sets)" in r.output
    assert "90% interval" in r.output


def test_a_bad_ensemble_is_explained(tmp_path):
    bad = tmp_path / "bad.parquet"
    pd.DataFrame({"params.learning.persistence": [0.5, 2.0], "weight": [1, 1]}).to_parquet(bad)
    with pytest.raises(sim.InputError, match="row 1: field 'params.learning.persistence'"):
        ensembles.load(bad)
    pd.DataFrame({"policies.pairing.start": [2021], "weight": [1]}).to_parquet(bad)
    with pytest.raises(sim.InputError, match="uncertain parameters only"):
        ensembles.load(bad)


def test_wilson_interval_is_honest_at_the_edges():
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and 0.7 < lo < 0.9
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0.1 < hi < 0.3


def test_a_sweep_integrates_its_levers_over_an_ensemble(tmp_path, prior):
    """EMA's scenarios x policies: replicate r of every design point takes the same parameter
    set, drawn by weight, and a design factor may not also be an ensemble column."""
    from sim.sweep import sweep

    ens = ensembles.save(prior, tmp_path / "prior.parquet")
    text = (f'name = "unc"\nbase = "{ROOT / "scenarios" / "baseline.toml"}"\n'
            f'uncertainty = "{ens}"\nreplicates = 2\nshard_size = 4\n'
            'outputs = ["gap_rate@2023"]\n[overrides]\n"county.students" = 3000\n'
            '"county.towns" = 8\n"county.villages_per_town" = 10\nend_year = 2023\n'
            '[design]\nmethod = "latin"\nn = 3\n[factors."policies.pairing.start"]\n'
            'dist = "choice"\nvalues = [2021, 2023]\n')
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    table = sweep(path, backend="serial", out=tmp_path / "sw", progress=False).table
    sets = table.groupby("replicate")["parameter_set"].nunique()
    assert (sets == 1).all() and table["parameter_set"].min() >= 0
    assert table.groupby("sample_id")["parameter_set"].apply(tuple).nunique() == 1
    clash = text.replace('[factors."policies.pairing.start"]\ndist = "choice"\n'
                         'values = [2021, 2023]\n',
                         f'[factors."{prior.columns[0]}"]\ndist = "uniform"\nlow = {prior.iloc[:, 0].min()}\n'
                         f'high = {prior.iloc[:, 0].max()}\n')
    path.write_text(clash, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", str(path)])
    assert r.exit_code == 2 and "factors of the design and columns of the ensemble" in r.output


POSTERIOR = ROOT / "experiments" / "calibrate-baseline" / "posterior.parquet"


def test_a_posterior_keeps_its_sets_and_gains_the_other_assumptions(tmp_path):
    """`ruraledu ensemble EXPERIMENT --calibrated POSTERIOR`: the posterior's columns and weights
    unchanged (the calibration wins where both hold a parameter), one draw of each assumption
    it does not speak to beside every calibrated set."""
    out = tmp_path / "ens.parquet"
    r = CliRunner().invoke(main, ["ensemble", str(THRESHOLD), "--calibrated", str(POSTERIOR),
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    posterior, table = ensembles.load(POSTERIOR), ensembles.load(out)
    pd.testing.assert_frame_equal(table[posterior.columns], posterior)
    assumed = draw_prior(THRESHOLD, n=len(posterior))
    added = [c for c in assumed.columns if c not in posterior]
    assert "params.levers.pairing_value_added" in added
    assert "params.learning.exam_cv" not in added  # calibrated: the posterior's values stay
    np.testing.assert_array_equal(table[added].to_numpy(), assumed[added].to_numpy())
    assert f"effective size {ensembles.effective_size(posterior):.0f}" in r.output
    r = CliRunner().invoke(main, ["ensemble", str(THRESHOLD), "--calibrated", str(POSTERIOR),
                                  "--n", "7", "--out", str(tmp_path / "x.parquet")])
    assert r.exit_code == 2 and "--n" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x.parquet").exists()


def test_effective_size_counts_equal_weights_and_discounts_uneven_ones():
    even = pd.DataFrame({"params.x": [1, 2, 3, 4], "weight": 0.25})
    uneven = even.assign(weight=[0.7, 0.1, 0.1, 0.1])
    assert ensembles.effective_size(even) == pytest.approx(4)
    assert 1 < ensembles.effective_size(uneven) < 2
