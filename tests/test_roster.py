"""The roster loader: the example county loads and runs, and every bad roster is a readable error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.county import CountySpec, roster_county
from sim.kinds import (
    SCHOOL_TYPES,
    TEACHING_POINT,
    TOWN_SEAT,
    URBAN_ORDINARY,
    URBAN_QUALITY,
    VILLAGE,
    StudentStatus,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EXAMPLE_CSV = SCENARIOS / "example-roster.csv"
EXAMPLE_TOML = SCENARIOS / "roster-example.toml"

HEADER = "school,type,stage,town,x_km,y_km,enrollment,teachers"
GOOD_ROWS = [
    "Experimental Primary,urban_quality,primary,county-seat,0.4,0.6,2000,105",
    "Experimental Middle,urban_quality,middle,county-seat,-0.8,0.3,1500,110",
    "Chengbei Primary,urban_ordinary,primary,county-seat,0.9,2.1,1800,95",
    "Liuzhuang Central Primary,town_seat,primary,Liuzhuang,11.8,5.5,900,48",
    "Liuzhuang Middle,town_seat,middle,Liuzhuang,12.2,5.2,1000,75",
    "Wangtun Primary,village,primary,Liuzhuang,9.4,9.0,180,13",
    "Beiwa Teaching Point,teaching_point,lower_primary,Liuzhuang,7.7,10.1,20,2",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(sim.InputError) as info:
        roster_county(path, CountySpec())
    message = str(info.value)
    assert str(path) in message
    return message


@pytest.fixture(scope="module")
def example():
    return roster_county(EXAMPLE_CSV, CountySpec())


@pytest.fixture(scope="module")
def example_run():
    scenario = sim.load_scenario(EXAMPLE_TOML, overrides={"end_year": 2022})
    return sim.run(scenario, seed=1)


# --- the example county ---------------------------------------------------------------------


def test_example_csv_parses_with_pandas():
    table = pd.read_csv(EXAMPLE_CSV)
    assert list(table.columns[:8]) == HEADER.split(",")
    assert 35 <= len(table) <= 45
    assert table["school"].is_unique


def test_example_loads_with_its_schools_types_and_totals(example):
    table = pd.read_csv(EXAMPLE_CSV)
    assert example.n_schools == len(table)
    assert example.school_name == list(table["school"])
    counts = np.bincount(example.school_type, minlength=len(SCHOOL_TYPES))
    assert counts[URBAN_QUALITY] == 2
    assert 4 <= counts[URBAN_ORDINARY] <= 5
    assert counts[TOWN_SEAT] >= 5
    assert counts[VILLAGE] >= 15
    assert counts[TEACHING_POINT] >= 5
    assert example.n_towns == 5
    assert example.roster_students.sum() == table["enrollment"].sum()
    assert example.roster_teachers.sum() == table["teachers"].sum()
    # county-seat schools sit at the county seat, every other school in one of the five towns
    urban = example.is_urban_school
    assert (example.school_town[urban] == -1).all()
    assert (np.hypot(example.school_x[urban], example.school_y[urban]) < 5).all()
    assert set(example.school_town[~urban]) == set(range(5))
    # an empty optional cell means 'default', a filled one is kept
    beds = table["beds"].to_numpy(float)
    assert np.array_equal(np.isnan(example.beds), np.isnan(beds))
    assert np.allclose(example.beds[~np.isnan(beds)], beds[~np.isnan(beds)])


def test_example_is_plausible():
    table = pd.read_csv(EXAMPLE_CSV)
    tp = table[table["type"] == "teaching_point"]
    assert tp["enrollment"].between(10, 40).all() and tp["teachers"].between(2, 3).all()
    village = table[table["type"] == "village"]
    assert village["enrollment"].between(80, 300).all()
    seat = table[table["type"] == "town_seat"]
    assert (np.hypot(seat["x_km"], seat["y_km"]).between(8, 20)).all()
    primary = table[(table["stage"] == "primary") & (table["type"] != "village")]
    middle = table[table["stage"] == "middle"]
    ptr_p = primary["enrollment"].sum() / primary["teachers"].sum()
    ptr_m = middle["enrollment"].sum() / middle["teachers"].sum()
    assert 16 <= ptr_p <= 22 and 11 <= ptr_m <= 16


def test_example_scenario_checks_ok():
    result = CliRunner().invoke(main, ["check", str(EXAMPLE_TOML)])
    assert result.exit_code == 0, result.output
    assert "roster" in result.output


def test_run_on_the_example_conserves_students_and_matches_the_roster(example_run):
    scenario = sim.load_scenario(EXAMPLE_TOML, overrides={"end_year": 2022})
    start = sim.CountyModel(scenario, seed=1)
    at_school = int((start.state.students.status == StudentStatus.ENROLLED).sum())
    on_staff = int(start.state.teachers.active().size)
    ts, counts = example_run.timeseries, example_run.summary["conservation"]
    students, teachers = counts["students"], counts["teachers"]
    # everyone who was at school or entered is enrolled, graduated, dropped out or moved away
    assert students["not_entered"] == 0
    assert sum(students.values()) == at_school + ts["entrants"].sum()
    assert students["graduated"] == ts["graduates"].sum()
    assert students["dropped_out"] == ts["dropouts"].sum()
    assert students["moved_away"] == ts["moved_away"].sum()
    # every teacher on the roster or hired is teaching, retired or has left
    table = pd.read_csv(EXAMPLE_CSV)
    assert on_staff == table["teachers"].sum()
    assert sum(teachers.values()) == on_staff + ts["recruits"].sum()
    assert teachers["retired"] == ts["retirements"].sum()
    assert teachers["left"] == (ts["rural_quits"] + ts["urban_quits"]).sum()
    first = ts.iloc[0]
    assert list(ts["year"]) == [2020, 2021, 2022]
    assert first["students"] == pytest.approx(table["enrollment"].sum(), rel=0.15)
    assert first["teachers"] == pytest.approx(table["teachers"].sum(), rel=0.15)
    assert first["schools_open"] == len(table)


def test_roster_path_is_relative_to_the_scenario_file(tmp_path):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", GOOD_ROWS)
    scenario = tmp_path / "s.toml"
    scenario.write_text('name = "small"\nstart_year = 2020\nend_year = 2021\n'
                        '[county]\nsource = "roster"\nroster = "data/roster.csv"\n')
    result = sim.run(sim.load_scenario(scenario), seed=2)
    first = result.timeseries.iloc[0]
    assert first["students"] == pytest.approx(7400, rel=0.15)
    assert first["schools_open"] == len(GOOD_ROWS)


# --- what a roster may look like ----------------------------------------------------------


def test_small_valid_roster_loads(tmp_path):
    county = roster_county(write(tmp_path, GOOD_ROWS), CountySpec())
    assert county.n_schools == len(GOOD_ROWS)
    assert county.n_towns == 1
    assert np.isnan(county.capacity).all() and np.isnan(county.beds).all()


def test_optional_columns_blank_lines_spaces_and_bom_are_accepted(tmp_path):
    rows = [r + ",," for r in GOOD_ROWS]
    rows[0] = rows[0][:-2] + ",2100,"
    rows[4] = rows[4][:-2] + ", ,450"
    rows.insert(3, "")
    path = tmp_path / "roster.csv"
    text = "\n".join([HEADER.replace(",", ", ") + ", capacity, beds", *rows, "", ""])
    path.write_text("\ufeff" + text, encoding="utf-8")
    county = roster_county(path, CountySpec())
    assert county.n_schools == len(GOOD_ROWS)
    assert county.capacity[0] == 2100 and np.isnan(county.capacity[1:]).all()
    assert county.beds[4] == 450 and np.isnan(np.delete(county.beds, 4)).all()


def test_whole_numbers_written_as_decimals_are_accepted(tmp_path):
    rows = list(GOOD_ROWS)
    rows[5] = "Wangtun Primary,village,primary,Liuzhuang,9.4,9.0,180.0,13.0"
    county = roster_county(write(tmp_path, rows), CountySpec())
    assert county.roster_students[5] == 180 and county.roster_teachers[5] == 13


def test_a_town_with_county_seat_schools_needs_no_town_seat_school(tmp_path):
    rows = [*GOOD_ROWS, "Chengxi Village Primary,village,primary,county-seat,-4.5,1.0,120,9"]
    county = roster_county(write(tmp_path, rows), CountySpec())
    assert county.n_schools == len(rows)


# --- every bad roster is an InputError naming the file, the line, the column and what is allowed


def replace_cell(row: int, column: str, value: str) -> list[str]:
    rows = [r.split(",") for r in GOOD_ROWS]
    rows[row][HEADER.split(",").index(column)] = value
    return [",".join(r) for r in rows]


@pytest.mark.parametrize("column", HEADER.split(","))
def test_empty_cell(tmp_path, column):
    message = load_error(write(tmp_path, replace_cell(2, column, "")))
    assert f"line 4, column '{column}': empty" in message
    assert "allowed:" in message


@pytest.mark.parametrize("column, value", [("enrollment", "many"), ("teachers", "12 teachers"),
                                           ("x_km", "12km"), ("y_km", "north")])
def test_non_numeric_number(tmp_path, column, value):
    message = load_error(write(tmp_path, replace_cell(3, column, value)))
    assert f"line 5, column '{column}' = '{value}': not a number" in message
    assert "allowed:" in message


@pytest.mark.parametrize("column", ["enrollment", "teachers"])
def test_fractional_count(tmp_path, column):
    message = load_error(write(tmp_path, replace_cell(5, column, "12.5")))
    assert f"line 7, column '{column}' = '12.5': not a whole number" in message
    assert "allowed: a whole number >= 0" in message


@pytest.mark.parametrize("column", ["enrollment", "teachers"])
def test_negative_count(tmp_path, column):
    message = load_error(write(tmp_path, replace_cell(1, column, "-5")))
    assert f"line 3, column '{column}' = '-5'" in message
    assert "allowed: a whole number >= 0" in message


@pytest.mark.parametrize("value", ["nan", "inf", "2500"])
def test_coordinate_out_of_range(tmp_path, value):
    message = load_error(write(tmp_path, replace_cell(0, "x_km", value)))
    assert f"line 2, column 'x_km' = '{value}': out of range" in message
    assert "-200 to 200" in message


@pytest.mark.parametrize("column, value, allowed", [
    ("capacity", "-1", ">= 0"), ("beds", "lots", ">= 0"), ("facilities", "0", "0.1 to 3.0")])
def test_bad_optional_value(tmp_path, column, value, allowed):
    header = HEADER + "," + column
    rows = [r + "," for r in GOOD_ROWS]
    rows[2] += value
    message = load_error(write(tmp_path, rows, header))
    assert f"line 4, column '{column}' = '{value}'" in message
    assert allowed in message


def test_unknown_type_lists_the_types(tmp_path):
    message = load_error(write(tmp_path, replace_cell(2, "type", "urban")))
    assert "line 4, column 'type' = 'urban': unknown school type" in message
    assert all(t in message for t in SCHOOL_TYPES)


def test_unknown_stage_lists_the_stages(tmp_path):
    message = load_error(write(tmp_path, replace_cell(3, "stage", "high")))
    assert "line 5, column 'stage' = 'high': unknown stage" in message
    for stage in ("primary", "middle", "nine_year", "lower_primary"):
        assert stage in message


def test_teaching_point_cannot_teach_middle_grades(tmp_path):
    message = load_error(write(tmp_path, replace_cell(6, "stage", "middle")))
    assert "line 8, column 'stage' = 'middle'" in message
    assert "allowed: lower_primary, primary" in message


def test_duplicate_school_name(tmp_path):
    message = load_error(write(tmp_path, replace_cell(5, "school", "Chengbei Primary")))
    assert "line 7, column 'school' = 'Chengbei Primary': also on line 4" in message
    assert "unique" in message


def test_no_urban_quality_school(tmp_path):
    rows = replace_cell(0, "type", "urban_ordinary")
    rows[1] = rows[1].replace("urban_quality", "urban_ordinary")
    message = load_error(write(tmp_path, rows))
    assert "lines 2-8, column 'type': no urban_quality school" in message
    assert all(t in message for t in SCHOOL_TYPES)


def test_urban_quality_schools_must_teach_both_stages(tmp_path):
    rows = replace_cell(1, "type", "urban_ordinary")
    message = load_error(write(tmp_path, rows))
    assert "column 'stage': the urban_quality schools teach no grade 7, 8, 9" in message
    assert "nine_year" in message


def test_no_town_seat_school(tmp_path):
    rows = replace_cell(3, "type", "village")
    rows[4] = rows[4].replace("town_seat", "village")
    message = load_error(write(tmp_path, rows))
    assert "lines 2-8, column 'type': no town_seat school" in message
    assert all(t in message for t in SCHOOL_TYPES)


def test_misspelt_town_has_no_town_seat_school(tmp_path):
    message = load_error(write(tmp_path, replace_cell(5, "town", "Liuzhaung")))
    assert "line 7, column 'town' = 'Liuzhaung': this town has no town_seat school" in message
    assert "towns with one: Liuzhuang" in message


def test_missing_and_unknown_columns(tmp_path):
    header = HEADER.replace("teachers", "staff")
    message = load_error(write(tmp_path, GOOD_ROWS, header))
    assert "line 1 (header): unknown column 'staff'" in message
    assert "missing column(s) teachers" in message
    assert "capacity" in message and "beds" in message  # the optional columns are named too


def test_semicolon_separated_file_gets_a_hint(tmp_path):
    path = write(tmp_path, [r.replace(",", ";") for r in GOOD_ROWS], HEADER.replace(",", ";"))
    message = load_error(path)
    assert "line 1 (header)" in message and "comma-separated" in message


def test_row_with_the_wrong_number_of_values(tmp_path):
    rows = list(GOOD_ROWS)
    rows[2] = "Chengbei Primary, Dongcheng,urban_ordinary,primary,county-seat,0.9,2.1,1800,95"
    rows[4] = "Liuzhuang Middle,town_seat,middle,Liuzhuang,12.2,5.2,1000"
    message = load_error(write(tmp_path, rows))
    assert "line 4: 9 values, but the header (line 1) has 8 columns" in message
    assert "line 6: 7 values" in message


def test_line_numbers_count_blank_lines(tmp_path):
    rows = replace_cell(4, "enrollment", "x")
    rows.insert(2, "")
    message = load_error(write(tmp_path, rows))
    assert "line 7, column 'enrollment' = 'x'" in message


def test_every_problem_is_reported_at_once(tmp_path):
    rows = replace_cell(1, "teachers", "-1")
    rows[5] = rows[5].replace("village", "hamlet")
    message = load_error(write(tmp_path, rows))
    first, second = message.splitlines()
    assert "line 3, column 'teachers'" in first and "line 7, column 'type'" in second


def test_empty_files(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("")
    assert "empty" in load_error(path)
    assert "no schools" in load_error(write(tmp_path, []))


def test_not_utf8(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(("\n".join([HEADER, *GOOD_ROWS]).replace("Wangtun", "王屯")).encode("gbk"))
    assert "UTF-8" in load_error(path)


@pytest.mark.parametrize("pupils", ["0", "100"])
def test_total_enrollment_must_be_a_county_s(tmp_path, pupils):
    """No students, or a handful, is not a county (county.students' range)."""
    rows = [",".join([*r.split(",")[:6], pupils, r.split(",")[7]]) for r in GOOD_ROWS]
    message = load_error(write(tmp_path, rows))
    assert "lines 2-8, column 'enrollment': " in message
    assert "(allowed: a county's 2,000 to 2,000,000, as county.students)" in message


# --- the command line -----------------------------------------------------------------------


@pytest.fixture
def bad_scenario(tmp_path):
    write(tmp_path, replace_cell(2, "type", "urban"))
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[county]\nsource = "roster"\nroster = "roster.csv"\n')
    return path


def test_cli_run_on_a_bad_roster_exits_2_without_traceback(bad_scenario, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(bad_scenario), "--out", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "roster.csv" in result.output and "line 4, column 'type'" in result.output
    assert not out.exists()


def test_cli_check_on_a_bad_roster_exits_2_without_traceback(bad_scenario):
    proc = subprocess.run([sys.executable, "-m", "sim", "check", str(bad_scenario)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "line 4, column 'type' = 'urban'" in proc.stderr
    assert "urban_quality" in proc.stderr


PROFILE_HEADER = HEADER + ",mean_score,senior_teachers,bachelor_teachers,teacher_mean_age"
PROFILE = [",0.78,20,100,41", ",0.74,25,108,43", ",0.70,12,90,40", ",0.62,5,40,46",
           ",0.60,9,60,47", ",0.55,0,9,50", ",,,,"]


def test_a_roster_with_its_own_scores_and_teachers_starts_from_them(tmp_path):
    """Issue: a county loaded with its school scores (得分率), seniors, graduates and ages
    starts from its own difference rates and teacher profile."""
    from sim.outcomes import _weighted, difference_rates

    rows = [r + p for r, p in zip(GOOD_ROWS, PROFILE)]
    write(tmp_path, rows, PROFILE_HEADER)
    scenario_file = tmp_path / "own.toml"
    scenario_file.write_text('name = "own"\n[county]\nsource = "roster"\nroster = "roster.csv"\n')
    model = sim.CountyModel(sim.load_scenario(scenario_file), seed=1)
    st = model.state
    score, _, _ = difference_rates(st)
    school_score = _weighted(score, st.exam.count, axis=1)
    given = np.array([0.78, 0.74, 0.70, 0.62, 0.60, 0.55])
    np.testing.assert_allclose(school_score[:6], given, atol=0.004)
    T = st.teachers
    act = T.active()
    seniors = np.bincount(T.home_school[act][T.title[act] == 3], minlength=7)
    graduates = np.bincount(T.home_school[act][T.bachelor[act]], minlength=7)
    np.testing.assert_array_equal(seniors[:6], [20, 25, 12, 5, 9, 0])
    np.testing.assert_array_equal(graduates[:6], [100, 108, 90, 40, 60, 9])
    ages = st.scenario.start_year - 1 - T.birth_year[act]
    mean_age = np.bincount(T.home_school[act], weights=ages, minlength=7) / np.bincount(
        T.home_school[act], minlength=7)
    np.testing.assert_allclose(mean_age[:6], [41, 43, 40, 46, 47, 50], atol=1.0)


def test_profile_columns_are_checked(tmp_path):
    rows = [r + p for r, p in zip(GOOD_ROWS, PROFILE)]
    rows[3] = rows[3].replace(",0.62,", ",1.62,")
    rows[5] = rows[5].replace(",0,9,50", ",0,99,50")  # 99 graduates among 13 teachers
    message = load_error(write(tmp_path, rows, PROFILE_HEADER))
    assert "column 'mean_score' = '1.62': out of range" in message
    assert "column 'bachelor_teachers' = 99: more than the school's 13 teachers" in message
