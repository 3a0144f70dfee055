"""Every output records how it was made (the resolved scenarios with their overrides, the
command line, seeds, versions, commit and whether the tree was dirty), goes to its own folder
per scenario and seed, and holds no stale file from an earlier write."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sim.cli import main

from conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SHORT = ["--set", "end_year=2022", "--set", "county.students=4000", "--set", "county.towns=8"]
MADE = {"command", "created_utc", "package_version", "git_commit", "git_dirty", "python",
        "packages"}


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_run_with_another_seed_does_not_overwrite_the_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for seed in ([], ["--seed", "3"]):
        r = invoke("run", BASELINE, "--no-charts", *seed, *SHORT)
        assert r.exit_code == 0, r.output
    runs = tmp_path / "results" / "runs" / "baseline"
    assert sorted(p.name for p in runs.iterdir()) == ["seed-1", "seed-3"]
    for seed in (1, 3):
        summary = json.loads((runs / f"seed-{seed}" / "summary.json").read_text())
        assert summary["provenance"]["seed"] == seed
        assert f"written to {runs.relative_to(tmp_path) / f'seed-{seed}'}/" in \
            invoke("run", BASELINE, "--no-charts", "--seed", str(seed), *SHORT).output


def test_run_records_overrides_resolved_scenario_and_a_dirty_flag(tmp_path):
    out = tmp_path / "run"
    r = invoke("run", BASELINE, "--out", str(out), "--no-charts", *SHORT)
    assert r.exit_code == 0, r.output
    made = json.loads((out / "summary.json").read_text())["provenance"]
    assert made["overrides"] == {"end_year": 2022, "county.students": 4000, "county.towns": 8}
    assert made["scenario"]["end_year"] == 2022 and made["scenario"]["county"]["towns"] == 8
    assert {"command", "git_commit", "git_dirty", "python", "numpy", "mesa"} <= set(made)


def test_no_charts_removes_the_charts_of_an_earlier_run(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", BASELINE, "--out", str(out), *SHORT).exit_code == 0
    assert list(out.glob("*.png"))
    (out / "notes.txt").write_text("mine")  # not an output: kept
    assert invoke("run", BASELINE, "--out", str(out), "--no-charts", *SHORT).exit_code == 0
    assert not list(out.glob("*.png"))
    assert (out / "notes.txt").read_text() == "mine"


def test_compare_records_each_package_resolved_with_overrides_and_seeds(tmp_path):
    out = tmp_path / "cmp"
    package = str(ROOT / "scenarios" / "jinan-2024.toml")
    r = invoke("compare", BASELINE, package, "--replicates", "2", "--first-seed", "5",
               "--out", str(out), "--no-charts", *SHORT)
    assert r.exit_code == 0, r.output
    made = json.loads((out / "provenance.json").read_text())
    assert MADE <= set(made)
    assert made["seeds"] == [5, 6] and made["replicates"] == 2 and made["first_seed"] == 5
    assert made["ensemble_file"] is None and made["parameter_sets"] is None
    assert len(made["scenarios"]) == 2
    for record in made["scenarios"].values():
        assert record["overrides"]["county.students"] == 4000
        assert record["resolved"]["county"]["students"] == 4000
        assert record["file"] in (BASELINE, package) and len(record["sha256"]) == 64
    # a second comparison into the same folder leaves nothing of the first's charts
    assert invoke("compare", BASELINE, "--replicates", "2", "--out", str(out),
                  *SHORT).exit_code == 0
    assert list(out.glob("*.png"))
    assert invoke("compare", BASELINE, "--replicates", "2", "--out", str(out), "--no-charts",
                  *SHORT).exit_code == 0
    assert not list(out.glob("*.png"))


def test_a_sweep_manifest_records_how_it_was_made(tmp_path):
    from sim.sweep import sweep

    text = (f'name = "made"\nbase = "{BASELINE}"\noutputs = ["gap_rate@2021"]\nshard_size = 4\n'
            '[overrides]\n"county.students" = 3000\n"county.towns" = 8\nend_year = 2023\n'
            '"policies.pairing.start" = 2021\n[design]\nmethod = "latin"\nn = 4\n'
            '[factors."policies.pairing.strength"]\ndist = "uniform"\nlow = 0.0\nhigh = 1.0\n')
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    sweep(path, backend="serial", out=tmp_path / "sw", progress=False)
    manifest = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert MADE <= set(manifest)
    assert manifest["end_year"] == 2023  # the scenario's, not the last year of the outputs
    base = manifest["base_scenario"]
    assert base["overrides"]["county.students"] == 3000 and base["resolved"]["end_year"] == 2023
    assert isinstance(manifest["seed"], int) and manifest["seeds"] == "seed + replicate"
    # a resume (same experiment) is not refused for what was recorded about the first command
    again = sweep(path, backend="serial", out=tmp_path / "sw", progress=False)
    assert again.status["done"] == 4
