"""Calibration (ABC-SMC): it recovers known parameters, a continued run equals an uninterrupted
one and a process pool gives the serial posterior, the county model calibrates from a file to
an ensemble that compare accepts, and bad files are explained."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from sim import ensemble
from sim.calibrate import Calibration, calibrate, to_unit
from sim.cli import main
from sim.scenario import Scenario

from conftest import ROOT

TRUTH = {"params.choice.quality_weight": 0.4, "params.choice.distance_weight": 0.3}


class Toy:
    """A model whose answer is known: a = 2x, b = y, observed at x = 0.4, y = 0.3."""

    def __init__(self, cal: Calibration):
        self.priors = [cal.priors[k] for k in TRUTH]

    def __call__(self, u: dict) -> dict:
        x, y = (p.ppf(np.array([to_unit(u[f"z{j}"])]))[0] for j, p in enumerate(self.priors))
        return {"a": 2 * x, "b": y}


def toy_calibration(**changes) -> Calibration:
    return Calibration.model_validate({
        "name": "toy", "base": "unused.toml", "population": 40, "generations": 4,
        "min_tolerance": 0.0,
        "priors": {k: {"dist": "uniform", "low": 0.0, "high": 1.0} for k in TRUTH},
        "patterns": {"a": {"measure": "gap_rate@mean", "target": 0.8, "tolerance": 0.05,
                           "source": "a = 2x at x = 0.4"},
                     "b": {"measure": "gap_rate@mean", "target": 0.3, "tolerance": 0.05,
                           "source": "b = y at y = 0.3"}},
        **changes})


def test_a_calibration_recovers_known_parameters(tmp_path):
    cal = toy_calibration()
    post = calibrate(cal, Scenario(), tmp_path / "c.db", simulator=Toy(cal)).posterior
    for key, truth in TRUTH.items():
        order = np.argsort(post[key].to_numpy())
        cum = np.cumsum(post["weight"].to_numpy()[order])
        lo, hi = post[key].to_numpy()[order][np.searchsorted(cum, [0.05, 0.95])]
        assert lo <= truth <= hi, key
    prior_sd = 1 / np.sqrt(12)
    assert post[list(TRUTH)].std().max() < 0.6 * prior_sd  # it learnt something


def test_a_continued_calibration_equals_an_uninterrupted_one_on_any_backend(tmp_path):
    cal = toy_calibration(generations=3, population=30)
    whole = calibrate(cal, Scenario(), tmp_path / "whole.db", simulator=Toy(cal))
    calibrate(cal, Scenario(), tmp_path / "parts.db", simulator=Toy(cal), stop_after=1)
    parts = calibrate(cal, Scenario(), tmp_path / "parts.db", simulator=Toy(cal))
    pd.testing.assert_frame_equal(whole.posterior, parts.posterior)
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        pooled = calibrate(cal, Scenario(), tmp_path / "pool.db", simulator=Toy(cal),
                           mapper=pool.map)
    pd.testing.assert_frame_equal(whole.posterior, pooled.posterior)
    assert list(whole.generations["generation"]) == [0, 1, 2]
    assert (whole.generations["tolerance"].diff().dropna() < 0).all()


def small_file(tmp_path: Path, **extra: str) -> Path:
    text = (ROOT / "experiments" / "calibrate-baseline.toml").read_text(encoding="utf-8")
    text = text.replace('base = "../scenarios/baseline.toml"',
                        f'base = "{ROOT / "scenarios" / "baseline.toml"}"')
    text = text.replace("population = 100", "population = 20").replace(
        "generations = 8 ", "generations = 2 ")
    text = text.replace('seed = 1\n', 'seed = 1\n[overrides]\n"county.students" = 4000\n'
                        '"county.towns" = 8\n"county.villages_per_town" = 15\n'
                        '"end_year" = 2024\n', 1)
    for old, new in extra.items():
        text = text.replace(old, new)
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_county_model_calibrates_from_a_file_to_an_ensemble(tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["calibrate", str(small_file(tmp_path)), "--backend",
                                  "serial", "--out", str(out), "--no-charts"])
    assert r.exit_code == 0, r.output
    assert "validate:" in r.output and "within tolerance" in r.output
    table = ensemble.load(out / "posterior.parquet")  # what compare --uncertainty reads
    assert len(table) == 20 and abs(table["weight"].sum() - 1) < 1e-9
    patterns = pd.read_csv(out / "patterns.csv")
    assert set(patterns["use"]) == {"calibrate", "validate"}
    assert len(pd.read_csv(out / "generations.csv")) == 2
    made = json.loads((out / "provenance.json").read_text())  # how it was made
    assert made["base_scenario"]["overrides"]["county.students"] == 4000
    assert made["base_scenario"]["resolved"]["county"]["students"] == 4000
    assert made["seed"] == 1 and made["seeds"] and all(isinstance(s, int) for s in made["seeds"])
    assert {"command", "git_commit", "git_dirty", "packages", "python"} <= set(made)


def test_bad_calibration_files_are_explained(tmp_path):
    for old, new, says in (
            ('[priors."params.choice.quality_weight"]', '[priors."policies.pairing.start"]',
             "params.* keys"),
            ('measure = "boarding_rate_primary@2020"', 'measure = "boarding_rate_primary@1999"',
             "column@year"),
            ("tolerance = 0.04\nsource = \"Zhao", "tolerance = 0\nsource = \"Zhao",
             "greater than 0")):
        path = small_file(tmp_path, **{old: new})
        r = CliRunner().invoke(main, ["calibrate", str(path), "--backend", "serial",
                                      "--out", str(tmp_path / "x")])
        assert r.exit_code == 2, r.output
        assert says in r.output and "Traceback" not in r.output


def test_a_folder_holding_another_calibration_is_not_continued(tmp_path):
    out = tmp_path / "out"
    args = ["calibrate", "--backend", "serial", "--out", str(out), "--no-charts"]
    first = CliRunner().invoke(main, [*args[:1], str(small_file(tmp_path)), *args[1:]])
    assert first.exit_code == 0, first.output
    other = small_file(tmp_path, **{"target = 0.37": "target = 0.30"})
    r = CliRunner().invoke(main, [*args[:1], str(other), *args[1:]])
    assert r.exit_code == 2 and "different calibration" in r.output
