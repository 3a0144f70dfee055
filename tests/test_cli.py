"""The command line end to end: files written, summary printed, bad input refused cleanly."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from click.testing import CliRunner

from sim.cli import main

from conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SHORT = ["--set", "end_year=2023", "--set", "county.students=6000", "--set", "county.towns=8"]


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_run_writes_frames_summary_and_charts(tmp_path):
    out = tmp_path / "run"
    r = invoke("run", BASELINE, "--seed", "7", "--out", str(out), *SHORT)
    assert r.exit_code == 0, r.output
    assert "targets:" in r.output and "gap_rate" in r.output
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts["year"]) == [2020, 2021, 2022, 2023]
    schools = pd.read_parquet(out / "schools.parquet")
    assert set(schools["year"]) == {2020, 2021, 2022, 2023}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["provenance"]["seed"] == 7
    assert summary["provenance"]["scenario_file"] == BASELINE
    assert (out / "indicators.png").stat().st_size > 10_000
    assert (out / "school_gaps.png").exists()
    assert not list(out.glob(".partial-*"))


def test_run_format_svg_writes_svg_charts_with_a_caption(tmp_path):
    """--format svg: the same charts as .svg (a previous run's PNGs removed), each with the
    caption line naming the seed and the version."""
    from sim.provenance import VERSION

    out = tmp_path / "run"
    assert invoke("run", BASELINE, "--seed", "7", "--out", str(out), *SHORT).exit_code == 0
    r = invoke("run", BASELINE, "--seed", "7", "--out", str(out), "--format", "svg", *SHORT)
    assert r.exit_code == 0, r.output
    svgs = sorted(p.name for p in out.glob("*.svg"))
    assert svgs == ["county_map.svg", "indicators.svg", "school_gaps.svg", "targets.svg"]
    assert not list(out.glob("*.png"))
    text = (out / "indicators.svg").read_text(encoding="utf-8")
    assert "seed 7" in text and f"ruraledu {VERSION}" in text


def test_every_chart_command_takes_format():
    for command in ("run", "compare", "analyze", "calibrate", "optimize"):
        r = invoke(command, "--help")
        assert "--format [png|svg|pdf]" in r.output, command
    assert invoke("run", BASELINE, "--format", "gif").exit_code == 2


def test_run_defaults_to_results_runs_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("run", BASELINE, "--no-charts", *SHORT)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "results" / "runs" / "baseline" / "seed-1" / "summary.json").exists()
    assert not (tmp_path / "results" / "runs" / "baseline" / "seed-1" / "indicators.png").exists()


def test_bad_input_exits_2_without_traceback_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[county]\ntowns = 99\n")
    out = tmp_path / "out"
    r = invoke("run", str(bad), "--out", str(out))
    assert r.exit_code == 2
    assert "county.towns" in r.output and "1 to 30" in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_bad_set_option(tmp_path):
    r = invoke("run", BASELINE, "--set", "noequals", "--out", str(tmp_path / "o"))
    assert r.exit_code == 2 and "KEY=VALUE" in r.output
    r = invoke("run", BASELINE, "--set", "params.nope=1", "--out", str(tmp_path / "o"))
    assert r.exit_code == 2 and "params.nope" in r.output
    assert not (tmp_path / "o").exists()


def test_check_good_and_bad_files(tmp_path):
    r = invoke("check", BASELINE)
    assert r.exit_code == 0 and "ok:" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text("start_year = 2040\nend_year = 2030\n")
    r = invoke("check", BASELINE, str(bad))
    assert r.exit_code == 2
    assert "ok:" in r.output and "must be after start_year" in r.output


def test_console_entry_points_exist():
    """``python -m sim`` is the same command (a real subprocess, as a user would call it)."""
    proc = subprocess.run([sys.executable, "-m", "sim", "check", BASELINE],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "ok:" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "sim", "check", "missing.toml"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_demo_runs_the_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("demo")
    assert r.exit_code == 0, r.output
    out = tmp_path / "results" / "runs" / "demo" / "seed-1"
    for name in ("timeseries.parquet", "schools.parquet", "towns.parquet", "places.parquet",
                 "summary.json", "indicators.png", "county_map.png", "targets.png"):
        assert (out / name).exists(), name
    assert "scenario demo" in r.output and "targets:" in r.output


def test_check_explains_experiment_files(tmp_path):
    r = invoke("check", str(ROOT / "experiments" / "levers-sobol.toml"))
    assert r.exit_code == 0 and "experiment 'levers-sobol', sobol design" in r.output
