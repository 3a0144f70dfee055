"""A province as the base of a sweep and of `compare`: a one-county province sweeps as that
county alone, backends agree, an interrupted province sweep resumes to the same tables, and
`compare --province` gives the differences `ruraledu province` gives with the same seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim.sweep as sweep_mod
from sim.cli import main
from sim.errors import InputError
from sim.province import county_seed, run_province
from sim.sweep import county_table, evaluate
from sim.sweep.store import Store

PACKAGE = """name = "small"
end_year = 2023
[county]
villages_per_town = 20
urban_ordinary_schools = 4
"""
PAIRED = PACKAGE.replace('"small"', '"paired"') + "[policies.pairing]\nstart = 2021\n"
COUNTIES = """county,prefecture,kind,students,towns,urban_share
Alpha County,East,county,2500,8,0.3
Beta District,West,district,3000,8,0.5
"""
ONE_COUNTY = COUNTIES.splitlines()[0] + "\n" + COUNTIES.splitlines()[1] + "\n"
OUTPUTS = ["gap_rate@2023", "share_townships_gap_met@2023", "cost_policy_yuan@sum",
           "students@2020"]
SEED = 4  # the province's


def province(tmp_path: Path, counties: str = COUNTIES, seed: int = SEED,
             name: str = "prov") -> Path:
    (tmp_path / "small.toml").write_text(PACKAGE, encoding="utf-8")
    (tmp_path / "paired.toml").write_text(PAIRED, encoding="utf-8")
    (tmp_path / f"{name}.csv").write_text(counties, encoding="utf-8")
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\ncounties = "{name}.csv"\npackage = "small.toml"\n'
                    f"seed = {seed}\n", encoding="utf-8")
    return path


def experiment(tmp_path: Path, name: str = "p", replicates: int = 2, shard: int = 2,
               head: str = 'province = "prov.toml"', overrides: str = "") -> Path:
    """A two-point grid over the village subsidy, on the province (or, with ``head``, on a
    county of one's own)."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f'''name = "{name}"
base = "small.toml"
{head}
replicates = {replicates}
shard_size = {shard}
outputs = {OUTPUTS!r}

[overrides]
"policies.subsidy.start" = 2021
{overrides}
[design]
method = "grid"
levels = 2

[factors."policies.subsidy.village_yuan_month"]
dist = "uniform"
low = 200.0
high = 2500.0
''', encoding="utf-8")
    return path


def sweep(path: Path, out: Path, backend: str = "serial", workers: int | None = None):
    return sweep_mod.sweep(path, backend=backend, workers=workers, out=out, progress=False)


def same(table: pd.DataFrame) -> pd.DataFrame:
    """A table without the one column that varies by machine."""
    return table.drop(columns=["runtime_s"], errors="ignore")


def test_a_one_county_province_sweeps_as_that_county_alone(tmp_path):
    """The province's outputs are its one county's, which are those of a county-base sweep
    with the county's settings and the seed the province gives it."""
    province(tmp_path, ONE_COUNTY)
    mine = sweep(experiment(tmp_path, replicates=1), tmp_path / "prov-out")
    alone = sweep(experiment(tmp_path, "alone", replicates=1,
                             head=f"seed = {county_seed(SEED, 0)}",
                             overrides='"county.students" = 2500\n"county.towns" = 8\n'
                                       '"params.demography.urban_residence_share" = 0.3\n'),
                  tmp_path / "alone-out")
    assert mine.status["failed"] == alone.status["failed"] == 0
    assert (mine.table["seed"] == SEED).all()
    np.testing.assert_allclose(mine.table[OUTPUTS].to_numpy(float),
                               alone.table[OUTPUTS].to_numpy(float), rtol=1e-12)
    assert mine.counties is not None and len(mine.counties) == len(alone.table)
    assert (mine.counties["county_seed"] == county_seed(SEED, 0)).all()
    assert (mine.counties["county"] == "Alpha County").all()
    pd.testing.assert_frame_equal(mine.counties[OUTPUTS], alone.table[OUTPUTS])


def test_serial_and_process_backends_give_identical_tables(tmp_path):
    path = experiment(tmp_path, shard=1)
    province(tmp_path)
    serial = sweep(path, tmp_path / "serial")
    pooled = sweep(path, tmp_path / "process", backend="process", workers=2)
    assert pooled.backend == "process" and serial.status["done"] == 4
    pd.testing.assert_frame_equal(same(pooled.table), same(serial.table))
    pd.testing.assert_frame_equal(pooled.counties, serial.counties)
    counties = serial.counties
    assert len(counties) == 4 * 2 and set(counties["prefecture"]) == {"East", "West"}
    # the same county seeds at both design points, another set for the other replicate
    seeds = counties.groupby(["replicate", "row"])["county_seed"].nunique()
    assert (seeds == 1).all() and counties["county_seed"].nunique() == 4
    # the province adds its counties up: money summed, students summed
    by_run = counties.groupby("run_id")[["cost_policy_yuan@sum", "students@2020"]].sum()
    np.testing.assert_allclose(by_run.to_numpy(), serial.table.set_index("run_id")[
        ["cost_policy_yuan@sum", "students@2020"]].to_numpy(), rtol=1e-12)


def test_an_interrupted_province_sweep_resumes_to_the_same_tables(tmp_path, monkeypatch):
    province(tmp_path)
    path = experiment(tmp_path, shard=1)
    whole = sweep(path, tmp_path / "whole")

    real = evaluate.run_province
    calls = {"n": 0}

    def interrupted(spec, r):
        calls["n"] += 1
        if calls["n"] == 3:  # Ctrl-C in the third run (its shard's county rows not written)
            raise KeyboardInterrupt
        return real(spec, r)

    monkeypatch.setattr(evaluate, "run_province", interrupted)
    out = tmp_path / "parts"
    with pytest.raises(KeyboardInterrupt):
        sweep(path, out)
    monkeypatch.setattr(evaluate, "run_province", real)
    assert len(list((out / "runs").glob("shard-*"))) == 2
    again = sweep(path, out)
    pd.testing.assert_frame_equal(same(again.table), same(whole.table))
    pd.testing.assert_frame_equal(again.counties, whole.counties)

    # a shard whose county rows are lost or cut short is redone with its runs
    (out / "counties" / "shard-000001.parquet").unlink()
    cut = out / "counties" / "shard-000002.parquet"
    cut.write_bytes(cut.read_bytes()[:60])
    damaged = Store(out).scan()
    assert sorted(p.name for p in damaged.damaged) == ["shard-000001.parquet",
                                                       "shard-000002.parquet"]
    assert all("county table" in why for why in damaged.damaged.values())
    repaired = sweep(path, out)
    assert any("2 damaged shard files" in n for n in repaired.notes)
    pd.testing.assert_frame_equal(same(repaired.table), same(whole.table))
    pd.testing.assert_frame_equal(county_table(Store(out)), whole.counties)


def test_the_commands_write_the_county_table_codebook_export_and_county_indices(tmp_path):
    province(tmp_path)
    out = tmp_path / "out"
    path = experiment(tmp_path)
    path.write_text(path.read_text().replace('method = "grid"\nlevels = 2',
                                             'method = "morris"\ntrajectories = 2\nlevels = 4'))
    r = CliRunner().invoke(main, ["sweep", str(path), "--backend", "serial", "--out", str(out)])
    assert r.exit_code == 0, r.output
    book = pd.read_csv(out / "codebook.csv")
    assert {"county", "county_seed"} <= set(book.loc[book["frame"] == "counties", "name"])
    sweep_rows = book[book["frame"] == "sweep"].set_index("name")
    assert "(province)" in sweep_rows.loc["gap_rate@2023", "label"]
    r = CliRunner().invoke(main, ["export", str(out)])
    assert r.exit_code == 0, r.output
    exported = pd.read_csv(out / "export" / "counties.csv")
    assert len(exported) == 4 * 2 * 2 and "gap_rate_at_2023" in exported.columns
    r = CliRunner().invoke(main, ["analyze", str(out), "--no-charts"])
    assert r.exit_code == 0, r.output
    indices = pd.read_csv(out / "analysis" / "county_indices.csv")
    gap = indices[indices["outcome"] == "gap_rate"]
    assert set(gap["county"]) == {"Alpha County", "Beta District"}
    assert set(gap["index"]) == {"mu_star"}
    report = (out / "analysis" / "report.md").read_text(encoding="utf-8")
    assert "## Across the counties" in report and "province seed 4 + replicate" in report


@pytest.mark.parametrize("change, says", [
    (lambda p: p.write_text(p.read_text().replace("prov.toml", "nowhere.toml")),
     "province: file not found"),
    (lambda p: p.write_text(p.read_text().replace('"policies.subsidy.start" = 2021',
                                                  '"policies.subsidy.start" = 2021\n'
                                                  '"county.students" = 4000')),
     "[overrides] 'county.students': each county takes it from the county table (column "
     "'students')"),
    (lambda p: p.write_text(p.read_text().replace("students@2020", "gap_sd@2020")),
     "output 'gap_sd@2020': outputs over a province are read on the province's table"),
    (lambda p: (p.parent / "prov.csv").write_text(COUNTIES.replace("district", "borough")),
     "province: "),
])
def test_a_bad_province_experiment_is_refused_in_one_line_and_writes_nothing(tmp_path, change,
                                                                           says):
    province(tmp_path)
    path = experiment(tmp_path)
    change(path)
    r = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    lines = r.output.strip().splitlines()
    assert all(line.startswith("error: ") and "p.toml" in line for line in lines), r.output
    assert says in r.output
    assert not (tmp_path / "o").exists()


# --- compare --province -------------------------------------------------------------------

def test_compare_over_a_province_gives_the_differences_of_ruraledu_province(tmp_path):
    """Replicate r of `compare --province` is `ruraledu province` with the province seed + r,
    so its province effect is the difference of the two packages' province tables."""
    path = province(tmp_path)
    out = tmp_path / "cmp"
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "small.toml"),
                                  str(tmp_path / "paired.toml"), "--province", str(path),
                                  "--replicates", "2", "--backend", "serial", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "paired vs small | gap_rate | 2023" in r.output
    runs = pd.read_parquet(out / "runs.parquet")
    effects = pd.read_csv(out / "province_effects.csv")
    province(tmp_path, seed=SEED + 1, name="next")  # the province seed of replicate 1
    for rep, prov in ((0, path), (1, tmp_path / "next.toml")):
        alone = {n: run_province(prov, tmp_path / f"{n}.toml", backend="serial",
                                 out=tmp_path / f"alone-{n}-{rep}")[0].province
                 for n in ("small", "paired")}
        for n, table in alone.items():
            mine = runs[(runs["scenario"] == n) & (runs["replicate"] == rep)]
            pd.testing.assert_frame_equal(mine[table.columns].reset_index(drop=True), table)
        if rep == 0:
            first = alone
    second = alone
    gap = effects[effects["measure"] == "gap_rate"].set_index("year")
    for year in gap.index:
        diffs = [t["paired"].set_index("year").loc[year, "gap_rate"]
                 - t["small"].set_index("year").loc[year, "gap_rate"] for t in (first, second)]
        assert gap.loc[year, "province difference"] == pytest.approx(np.median(diffs), abs=1e-12)
    assert (gap["replicates"] == 2).all() and (gap["counties"] == 2).all()
    assert ((gap["county 10%"] <= gap["county median"])
            & (gap["county median"] <= gap["county 90%"])).all()
    counties = pd.read_parquet(out / "counties.parquet")
    assert set(counties.groupby(["replicate", "row"])["county_seed"].nunique()) == {1}
    assert {"province_effects.md", "county_effects.csv", "codebook.csv",
            "provenance.json", "bands.parquet", "province_effects.png"} <= {
        p.name for p in out.iterdir()}


def test_compare_over_a_province_with_one_replicate_equals_the_province_command(tmp_path):
    path = province(tmp_path)
    r = CliRunner().invoke(main, ["province", str(path), "--package", str(tmp_path / "small.toml"),
                                  "--package", str(tmp_path / "paired.toml"), "--backend",
                                  "serial", "--no-charts", "--out", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "small.toml"),
                                  str(tmp_path / "paired.toml"), "--province", str(path),
                                  "--replicates", "1", "--backend", "serial", "--out",
                                  str(tmp_path / "c"), "--no-charts"])
    assert r.exit_code == 0, r.output
    assert not list((tmp_path / "c").glob("*.png"))
    command = pd.read_csv(tmp_path / "p" / "comparison.csv")
    mine = pd.read_csv(tmp_path / "c" / "province_effects.csv")[command.columns]
    pd.testing.assert_frame_equal(mine, command)


def test_compare_over_a_province_refuses_a_setting_the_county_table_owns(tmp_path):
    path = province(tmp_path)
    r = CliRunner().invoke(main, ["compare", str(tmp_path / "small.toml"), "--province",
                                  str(path), "--set", "county.towns=9", "--out",
                                  str(tmp_path / "c")])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert "--set 'county.towns': each county takes it from the county table" in r.output
    assert not (tmp_path / "c").exists()


def test_a_province_experiment_resumes_only_with_the_same_counties(tmp_path):
    province(tmp_path)
    path = experiment(tmp_path)
    sweep(path, tmp_path / "out")
    (tmp_path / "prov.csv").write_text(COUNTIES.replace("3000", "3200"), encoding="utf-8")
    with pytest.raises(InputError, match="holds a different experiment"):
        sweep(path, tmp_path / "out")


def test_a_province_shard_whose_worker_died_is_kept_as_failed_runs(tmp_path):
    """A shard lost with its worker is stored as failed runs (no county rows): the sweep ends
    with every run accounted for and the shard is not taken for damaged."""
    from sim.sweep import design, plan
    from sim.sweep.evaluate import record_lost
    from sim.sweep.experiment import experiment_province, load_experiment

    province(tmp_path)
    path = experiment(tmp_path, shard=1)
    out = tmp_path / "out"
    sweep(path, out)
    exp, _, _ = load_experiment(path)
    prov, counties = experiment_province(path, exp)
    store = Store(out)
    shards = plan(exp, design.samples(exp), store, tmp_path / "small.toml", None, counties,
                  prov.seed)
    record_lost(shards[1], "WorkerDied: killed")
    scan = store.scan()
    assert not scan.damaged and store.status(scan)["failed"] == 1
    assert set(county_table(store)["run_id"]) == {0, 2, 3}


def test_a_province_sweep_moved_with_its_files_resumes_without_rerunning(tmp_path):
    """The manifest and digest name the province as the experiment does, not where it lies,
    so a sweep copied to a cluster with its files resumes there."""
    here = tmp_path / "laptop"
    here.mkdir()
    province(here)
    first = sweep(experiment(here), here / "out")
    shutil.copytree(here, tmp_path / "cluster")
    runs = tmp_path / "cluster" / "out" / "runs"
    stamp = {p.name: p.stat().st_mtime_ns for p in runs.iterdir()}
    moved = sweep(tmp_path / "cluster" / "p.toml", tmp_path / "cluster" / "out")
    assert not moved.notes and stamp == {p.name: p.stat().st_mtime_ns for p in runs.iterdir()}
    pd.testing.assert_frame_equal(same(moved.table), same(first.table))
