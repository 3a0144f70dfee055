"""Shared fixtures: a small county that runs in milliseconds, and the baseline over seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.kinds import StudentStatus

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


def run_keeping_the_books(model) -> None:
    """Step ``model`` to its end year, asserting every year that every student and teacher is
    accounted for and that the year's flows add up with the stocks."""
    sc = model.state.scenario
    s, T = model.state.students, model.state.teachers
    hired = T.n
    for _ in sc.years:
        model.step()
        counts = s.status_counts()
        entered = int((s.status != StudentStatus.NOT_ENTERED).sum())
        assert entered == counts["enrolled"] + counts["graduated"] + counts["dropped_out"] \
            + counts["moved_away"]
        # every entrant of the run so far has entered, nobody else
        assert entered == s.cohort_slice(sc.start_year - 8, model.year).stop
        flows = model.indicators
        hired += flows["recruits"]
        tc = T.status_counts()
        assert T.n == hired == tc["teaching"] + tc["retired"] + tc["left"]
        # flows add up with stocks
        assert flows["students"] == counts["enrolled"] + flows["graduates"] + flows["dropouts"]
