"""A province (sim.province): its counties run as they would alone, on any backend and worker
count, an interrupted run continues to the same tables, and a bad county table is explained."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.province import county_seed, run_province

PACKAGE = """name = "small"
end_year = 2023
[county]
villages_per_town = 20
urban_ordinary_schools = 4
"""
COUNTIES = """county,prefecture,kind,students,towns,urban_share
Alpha County,East,county,4000,8,0.3
Beta District,West,district,5000,8,0.5
"""


def province(tmp_path, counties: str = COUNTIES, seed: int = 4):
    (tmp_path / "small.toml").write_text(PACKAGE, encoding="utf-8")
    (tmp_path / "counties.csv").write_text(counties, encoding="utf-8")
    path = tmp_path / "prov.toml"
    path.write_text(f'name = "two"\ncounties = "counties.csv"\npackage = "small.toml"\n'
                    f"seed = {seed}\n", encoding="utf-8")
    return path


def test_a_two_county_province_equals_the_two_counties_run_alone(tmp_path):
    result, _ = run_province(province(tmp_path), backend="serial", out=tmp_path / "out")
    for row, (students, share) in enumerate([(4000, 0.3), (5000, 0.5)]):
        alone = sim.run(sim.load_scenario(tmp_path / "small.toml", {
            "county.students": students, "county.towns": 8,
            "params.demography.urban_residence_share": share}), seed=county_seed(4, row))
        mine = result.counties[result.counties["row"] == row].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[alone.timeseries.columns], alone.timeseries)
    p = result.province
    assert (p["students"].to_numpy() == result.counties.groupby("year")["students"].sum()
            .to_numpy()).all()
    assert list(p["counties"]) == [2] * len(p)


def test_backends_and_worker_counts_give_identical_tables(tmp_path):
    path = province(tmp_path)
    tables = [run_province(path, backend=b, workers=w, out=tmp_path / f"{b}{w}")[0]
              for b, w in (("serial", None), ("process", 1), ("process", 2))]
    for other in tables[1:]:
        pd.testing.assert_frame_equal(other.counties, tables[0].counties)
        pd.testing.assert_frame_equal(other.province, tables[0].province)


def test_an_interrupted_province_continues_to_the_same_tables(tmp_path):
    path = province(tmp_path)
    whole, out = run_province(path, backend="serial", out=tmp_path / "out")
    files = sorted((out / "counties").glob("*.parquet"))
    files[0].unlink()  # never written: killed before it finished
    files[1].write_bytes(files[1].read_bytes()[:50])  # cut short by a kill
    again, _ = run_province(path, backend="serial", out=out)
    pd.testing.assert_frame_equal(again.counties, whole.counties)
    pd.testing.assert_frame_equal(again.province, whole.province)


def test_a_folder_of_another_province_is_not_mixed_in(tmp_path):
    run_province(province(tmp_path), backend="serial", out=tmp_path / "out")
    (tmp_path / "other").mkdir()
    other = province(tmp_path / "other", seed=9)
    with pytest.raises(sim.InputError, match="another province, package or seed"):
        run_province(other, backend="serial", out=tmp_path / "out")


@pytest.mark.parametrize("table, words", [
    (COUNTIES.replace("district", "borough"), "line 3, column 'kind' = 'borough': unknown kind "
                                              "(allowed: district, county_city, county)"),
    (COUNTIES.replace(",4000,", ",many,"), "line 2, column 'students' = 'many': not a whole number"),
    (COUNTIES.replace("towns,", "townz,"), "unknown column 'townz'"),
    (COUNTIES.replace(",4000,", ",40,"), "row 1 (Alpha County): field 'county.students' = 40"),
    (COUNTIES.replace("Beta District", "Alpha County"), "also on line 2"),
    ("county,prefecture,kind,students,towns\n", "line 2: no counties after the header"),
])
def test_a_bad_county_table_is_explained_in_one_line_per_problem(tmp_path, table, words):
    path = province(tmp_path, counties=table)
    r = CliRunner().invoke(main, ["province", str(path), "--backend", "serial", "--out",
                                  str(tmp_path / "o"), "--no-charts"])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert all(line.startswith("error: ") and "counties.csv" in line
               for line in r.output.strip().splitlines()), r.output
    assert words in r.output
    assert not (tmp_path / "o").exists()


def test_the_command_runs_several_packages_with_the_same_county_seeds(tmp_path):
    path = province(tmp_path)
    (tmp_path / "paired.toml").write_text(PACKAGE.replace('"small"', '"paired"')
                                          + '[policies.pairing]\nstart = 2021\n',
                                          encoding="utf-8")
    r = CliRunner().invoke(main, ["province", str(path), "--package", str(tmp_path / "small.toml"),
                                  "--package", str(tmp_path / "paired.toml"), "--backend",
                                  "serial", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    a = pd.read_parquet(tmp_path / "o" / "small" / "counties.parquet")
    b = pd.read_parquet(tmp_path / "o" / "paired" / "counties.parquet")
    assert (tmp_path / "o" / "paired" / "province.png").is_file()
    comparison = pd.read_csv(tmp_path / "o" / "comparison.csv")
    assert set(comparison["package"]) == {"paired"} and "better in" in r.output
    first = a["year"] == a["year"].min()
    # the same county seeds: identical before the lever acts, different after
    assert (a.loc[first, "students"].to_numpy() == b.loc[first, "students"].to_numpy()).all()
    assert not a["gap_rate"].equals(b["gap_rate"])


def test_packages_compared_over_a_province_county_by_county(tmp_path):
    """A package against the reference: the province's difference and its spread across
    counties, from counties that keep their seeds (identical packages differ by nothing)."""
    from sim.province import compare_packages

    path = province(tmp_path)
    (tmp_path / "same.toml").write_text(PACKAGE.replace('"small"', '"same"'), encoding="utf-8")
    (tmp_path / "paired.toml").write_text(PACKAGE.replace('"small"', '"paired"')
                                          + "[policies.pairing]\nstart = 2021\n",
                                          encoding="utf-8")
    runs = [run_province(path, tmp_path / f"{n}.toml", backend="serial",
                         out=tmp_path / n)[0] for n in ("small", "same", "paired")]
    table = compare_packages(runs)
    same = table[table["package"] == "same"]
    assert (same["province difference"] == 0).all() and (same["county median"] == 0).all()
    paired = table[(table["package"] == "paired") & (table["measure"] == "gap_rate")
                   & (table["year"] == 2023)].iloc[0]
    assert paired["county 10%"] <= paired["county median"] <= paired["county 90%"]
    assert 0 <= paired["share of counties doing better"] <= 1
    assert (table["reference"] == "small").all()


def with_prefecture(path, settings: str):
    path.write_text(path.read_text(encoding="utf-8") + settings, encoding="utf-8")
    return path


def test_a_prefectures_settings_reach_its_counties_only(tmp_path):
    path = with_prefecture(province(tmp_path),
                           '[prefectures.East]\n"policies.pairing.start" = 2021\n')
    result, _ = run_province(path, backend="serial", out=tmp_path / "out")
    for row, (students, share, extra) in enumerate([
            (4000, 0.3, {"policies.pairing.start": 2021}), (5000, 0.5, {})]):
        alone = sim.run(sim.load_scenario(tmp_path / "small.toml", {
            "county.students": students, "county.towns": 8,
            "params.demography.urban_residence_share": share, **extra}), seed=county_seed(4, row))
        mine = result.counties[result.counties["row"] == row].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[alone.timeseries.columns], alone.timeseries)
    east = result.counties[result.counties["row"] == 0]
    assert (east["cost_policy_yuan"].iloc[1:] > 0).all()  # pairing costs from 2021


@pytest.mark.parametrize("settings, words", [
    ('[prefectures.North]\n"policies.pairing.start" = 2021\n',
     "prefectures.North: no county of this prefecture in the county table (prefectures: "
     "East, West)"),
    ('[prefectures.East]\n"county.students" = 9000\n',
     "prefectures.East: 'county.students': each county takes it from the county table "
     "(column 'students')"),
    ('[prefectures.East]\n"policies.pairing.strat" = 2021\n', "prefectures.East: "),
])
def test_bad_prefecture_settings_are_explained(tmp_path, settings, words):
    path = with_prefecture(province(tmp_path), settings)
    r = CliRunner().invoke(main, ["province", str(path), "--backend", "serial", "--out",
                                  str(tmp_path / "o"), "--no-charts"])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert words in r.output and "prov.toml" in r.output, r.output
    assert not (tmp_path / "o").exists()


def test_set_reaches_every_county_and_refuses_what_the_table_sets(tmp_path):
    path = province(tmp_path)
    r = CliRunner().invoke(main, ["province", str(path), "--backend", "serial", "--out",
                                  str(tmp_path / "o"), "--no-charts",
                                  "--set", "policies.pairing.start=2021"])
    assert r.exit_code == 0, r.output
    paired = pd.read_parquet(tmp_path / "o" / "counties.parquet")
    with_prefecture(path, '[prefectures.East]\n"policies.pairing.start" = 2021\n'
                          '[prefectures.West]\n"policies.pairing.start" = 2021\n')
    same, _ = run_province(path, backend="serial", out=tmp_path / "p")
    pd.testing.assert_frame_equal(paired, same.counties)
    r = CliRunner().invoke(main, ["province", str(path), "--backend", "serial", "--out",
                                  str(tmp_path / "q"), "--set", "county.towns=9"])
    assert r.exit_code == 2 and "--set 'county.towns': each county takes it from the county " \
        "table (column 'towns')" in r.output, r.output
    assert not (tmp_path / "q").exists()
