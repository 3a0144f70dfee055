"""Scenario files: loading, overrides, and an error message for every kind of bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.errors import InputError
from sim.scenario import parse_value

from conftest import ROOT


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path, overrides=None) -> str:
    with pytest.raises(InputError) as info:
        sim.load_scenario(path, overrides)
    return str(info.value)


def test_baseline_loads_with_its_values():
    sc = sim.load_scenario(ROOT / "scenarios" / "baseline.toml")
    assert sc.name == "baseline" and sc.start_year == 2020 and sc.end_year == 2035
    assert sc.params.pay.funding_middle == 1100.0
    assert len(sc.file_hash) == 64


def test_dotted_overrides_reach_nested_fields_and_change_the_hash():
    base = sim.load_scenario(ROOT / "scenarios" / "baseline.toml")
    sc = sim.load_scenario(ROOT / "scenarios" / "baseline.toml",
                           {"params.learning.peer_effect": 0.2, "county.towns": 9})
    assert sc.params.learning.peer_effect == 0.2 and sc.county.towns == 9
    assert sc.file_hash != base.file_hash


def test_values_from_the_command_line_are_toml_literals():
    assert parse_value("800") == 800
    assert parse_value("0.5") == 0.5
    assert parse_value("true") is True
    assert parse_value('"roster"') == "roster"
    assert parse_value("roster") == "roster"


def test_unknown_field_names_file_field_and_allowed_fields(tmp_path):
    path = write(tmp_path, "[county]\ntonws = 9\n")
    msg = error_of(path)
    assert str(path) in msg and "county.tonws" in msg
    assert "allowed here:" in msg and "towns" in msg


def test_unknown_top_level_field(tmp_path):
    msg = error_of(write(tmp_path, "nmae = 'x'\n"))
    assert "unknown field 'nmae'" in msg and "start_year" in msg


def test_out_of_range_value_gives_the_allowed_range(tmp_path):
    msg = error_of(write(tmp_path, "[county]\ntowns = 45\n"))
    assert "county.towns" in msg and "45" in msg and "1 to 30" in msg


def test_out_of_range_parameter_deep_in_params(tmp_path):
    msg = error_of(write(tmp_path, "[params.learning]\npersistence = 1.5\n"))
    assert "params.learning.persistence" in msg and "0.2 to 0.9" in msg


def test_wrong_type(tmp_path):
    msg = error_of(write(tmp_path, "[county]\nstudents = 'many'\n"))
    assert "county.students" in msg and "'many'" in msg


def test_wrong_choice_lists_the_choices(tmp_path):
    msg = error_of(write(tmp_path, "[county]\nsource = 'census'\n"))
    assert "county.source" in msg and "'synthetic'" in msg and "'roster'" in msg


def test_several_errors_are_all_reported(tmp_path):
    msg = error_of(write(tmp_path, "start_year = 1900\n[county]\ntowns = 0\n"))
    lines = msg.splitlines()
    assert len(lines) == 2 and all(line.startswith(str(tmp_path)) for line in lines)
    assert "start_year" in lines[0] and "county.towns" in lines[1]


def test_end_before_start(tmp_path):
    msg = error_of(write(tmp_path, "start_year = 2030\nend_year = 2025\n"))
    assert "end_year (2025) must be after start_year (2030)" in msg


def test_roster_source_needs_a_roster(tmp_path):
    msg = error_of(write(tmp_path, "[county]\nsource = 'roster'\n"))
    assert "county.roster" in msg


def test_missing_roster_file(tmp_path):
    msg = error_of(write(tmp_path, "[county]\nsource = 'roster'\nroster = 'nope.csv'\n"))
    assert "file not found" in msg and "nope.csv" in msg


def test_missing_file(tmp_path):
    msg = error_of(tmp_path / "absent.toml")
    assert "absent.toml" in msg and "file not found" in msg


def test_invalid_toml(tmp_path):
    msg = error_of(write(tmp_path, "name = \n"))
    assert "not valid TOML" in msg and "s.toml" in msg


def test_bad_override_key(tmp_path):
    msg = error_of(None, {"params.learning.persistance": 0.5})
    assert "params.learning.persistance" in msg and "persistence" in msg


def test_override_into_a_value_is_refused():
    msg = error_of(ROOT / "scenarios" / "baseline.toml", {"name.first": "x"})
    assert "'name' is a value, not a table" in msg
    msg = error_of(None, {"name.first": "x"})  # no file: the table fails validation instead
    assert "field 'name'" in msg
