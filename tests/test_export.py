"""Sharing outputs: CSV or Excel with names R and pandas read unquoted, and the codebook."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.cli import main
from sim.export import export, safe_name

from conftest import small_scenario

R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def test_names_are_plain():
    assert safe_name("gap_rate@2025") == "gap_rate_at_2025"
    assert safe_name("params.learning.persistence") == "params_learning_persistence"
    assert safe_name("u:policies.x") == "u_policies_x"
    assert R_NAME.match(safe_name("2035"))


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    sim.run(small_scenario(end_year=2022), seed=1).write(out)
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_run_exports_every_table_and_its_codebook(run_folder, fmt):
    target = export(run_folder, fmt)
    book = pd.read_csv(target / "codebook.csv")
    assert {"name", "exported_as", "definition"} <= set(book.columns)
    if fmt == "csv":
        ts = pd.read_csv(target / "timeseries.csv")
        assert len(ts) == 3 and all(R_NAME.match(c) for c in ts.columns)
        assert {p.name for p in target.glob("*.csv")} >= {"timeseries.csv", "schools.csv",
                                                          "towns.csv", "places.csv"}
    else:
        sheets = pd.read_excel(target / "tables.xlsx", sheet_name=None)
        assert {"timeseries", "schools", "codebook"} <= set(sheets)


def test_a_sweep_exports_its_joined_table(tmp_path):
    from test_sweep import experiment

    out = tmp_path / "s"
    sim.sweep(experiment(tmp_path, n=2, replicates=1), backend="serial", out=out,
              progress=False)
    r = CliRunner().invoke(main, ["export", str(out)])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out / "export" / "sweep.csv")
    assert "gap_rate_at_2023" in table and all(R_NAME.match(c) for c in table.columns)


def test_export_of_a_folder_without_tables_is_explained(tmp_path):
    r = CliRunner().invoke(main, ["export", str(tmp_path)])
    assert r.exit_code == 2 and "no output tables here" in r.output
