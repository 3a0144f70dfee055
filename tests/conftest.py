"""Shared fixtures: a small county that runs in milliseconds, and the baseline over seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"county.students": 8000, "county.towns": 8, "county.villages_per_town": 20,
         "county.urban_ordinary_schools": 4, "end_year": 2026}


def small_scenario(**overrides) -> sim.Scenario:
    """A small synthetic county (8 towns, 8,000 students, 2020-2026)."""
    return sim.load_scenario(None, {**SMALL, **overrides})


@pytest.fixture(scope="session")
def small() -> sim.Scenario:
    return small_scenario()


@pytest.fixture(scope="session")
def baseline_runs():
    from sim.validation import baseline_runs

    return baseline_runs(seeds=5, scenario_path=ROOT / "scenarios" / "baseline.toml")
