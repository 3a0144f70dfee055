"""Bad input gets the contract's answer (exit 2, one line naming file, field and allowed values,
no traceback, nothing written), and every output records what produced it."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

import sim
from sim.cli import main

from conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SHORT = ["--set", "end_year=2022", "--set", "county.students=4000", "--set", "county.towns=8"]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.parametrize("override, message", [
    ("params.learning.persistence=true", "expected a number, got True (allowed: a number from "
                                          "0.2 to 0.9)"),
    ('params.learning.persistence="0.5"', "expected a number, got '0.5'"),
    ("seed=true", "expected a number"),
    ("policies.pairing.schedule={1900 = 0.5}", "schedule years must lie between 2000 and 2060"),
    ("policies.pairing.start=2040", "first acts in 2040, after end_year 2022"),
])
def test_values_of_the_wrong_kind_or_time_are_refused(tmp_path, override, message):
    out = tmp_path / "o"
    r = invoke("run", BASELINE, *SHORT, "--set", override, "--out", out)
    assert r.exit_code == 2, r.output
    assert message in r.output and "Traceback" not in r.output
    assert not out.exists()


@pytest.mark.parametrize("seed", ["-1", str(2**32), str(2**64)])
def test_a_seed_out_of_range_is_refused(tmp_path, seed):
    r = invoke("run", BASELINE, *SHORT, "--seed", seed, "--out", tmp_path / "o")
    assert r.exit_code == 2 and "0<=x<=4294967295" in r.output and "Traceback" not in r.output
    r = invoke("compare", BASELINE, "--first-seed", seed, "--replicates", "1", *SHORT)
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_the_api_refuses_a_negative_seed():
    with pytest.raises(sim.InputError, match="seed: -1"):
        sim.CountyModel(seed=-1)


def test_an_empty_scenario_file_is_refused(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("# only a comment\n")
    r = invoke("check", empty)
    assert r.exit_code == 2 and "the file sets nothing" in r.output


def test_an_output_folder_that_cannot_be_made_is_explained(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = invoke("run", BASELINE, *SHORT, "--no-charts", "--out", blocker / "sub")
    assert r.exit_code == 2, r.output
    assert "cannot write the output folder" in r.output and "Traceback" not in r.output


def test_a_run_records_what_produced_it_and_clears_stale_files(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", BASELINE, *SHORT, "--out", out).exit_code == 0
    assert (out / "indicators.png").exists()
    r = invoke("run", BASELINE, *SHORT, "--set", "params.learning.peer_effect=0.2",
               "--no-charts", "--out", out)
    assert r.exit_code == 0, r.output
    assert not list(out.glob("*.png"))  # no charts of the earlier run left behind
    prov = json.loads((out / "summary.json").read_text())["provenance"]
    assert prov["overrides"]["params.learning.peer_effect"] == 0.2
    assert prov["scenario"]["params"]["learning"]["peer_effect"] == 0.2
    assert "command" in prov and "git_dirty" in prov
    mode = stat.S_IMODE((out / "timeseries.parquet").stat().st_mode)
    assert mode & stat.S_IRGRP  # group-readable, not 0600


def test_an_allowance_below_the_status_quo_costs_nothing():
    """The subsidy lever raises allowances; a setting below the pre-reform one leaves them."""
    sc = sim.load_scenario(None, {"county.students": 8000, "county.towns": 8,
                                  "end_year": 2023, "policies.subsidy.start": 2021,
                                  "policies.subsidy.village_yuan_month": 0.0})
    ts = sim.run(sc, seed=1).timeseries
    assert (ts["cost_lever_subsidy_yuan"] >= 0).all()
    assert ts["cost_lever_subsidy_yuan"].sum() == 0
