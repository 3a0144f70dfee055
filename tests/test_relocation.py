"""Mid-stage moves to the county seat follow the school choice's odds (sim.stages.relocation):
the start year's rate is the parameter's, and incomes, journeys and school results move it the
way they move a choice."""

from __future__ import annotations

import numpy as np

import sim
from sim.kinds import ENROLLED, URBAN_PLACE
from sim.model import CountyModel
from sim.stages import relocation

from conftest import small_scenario


def at_risk(st) -> np.ndarray:
    win = st.students.window(st.scenario.start_year)
    ids = np.arange(win.start, win.stop)
    return ids[relocation.eligible(st, ids)]


def test_the_start_years_mean_hazard_is_the_relocation_rate():
    st = CountyModel(small_scenario(), seed=3).state
    ids = at_risk(st)
    odds = relocation.advantage(st, ids, st.scenario.start_year)
    assert ids.size > 1000
    rate = st.params.demography.relocation_rate
    assert abs(np.mean(rate * odds / st.relocation_norm) - rate) < 1e-9
    # the families differ: richer ones and those far from school are likelier to move
    assert odds.std() > 0.1 * odds.mean()


def test_only_rural_families_at_rural_schools_are_at_risk():
    st = CountyModel(small_scenario(), seed=3).state
    s, c = st.students, st.county
    ids = at_risk(st)
    assert (s.status[ids] == ENROLLED).all()
    assert (c.place_kind[s.place[ids]] != URBAN_PLACE).all()
    assert not c.is_urban_school[s.school[ids]].any()


def test_a_longer_journey_to_the_present_school_raises_the_odds():
    st = CountyModel(small_scenario(), seed=3).state
    ids = at_risk(st)
    year = st.scenario.start_year
    before = relocation.advantage(st, ids, year)
    st.places.distance[:, :-1] *= 3.0  # every school three times as far (county seat: rent)
    st.places.journey = None  # the journey terms are cached until schools or buses change
    st.now.utilities = None  # and the year's utilities until a closure
    after = relocation.advantage(st, ids, year)
    moved = st.county.place_kind[st.students.place[ids]] != URBAN_PLACE
    assert (after[moved] >= before[moved] * (1 - 1e-6)).all()
    assert after.mean() > 1.2 * before.mean()


def test_a_better_rural_school_lowers_the_odds():
    st = CountyModel(small_scenario(), seed=3).state
    ids = at_risk(st)
    year = st.scenario.start_year
    before = relocation.advantage(st, ids, year)
    rural = ~st.county.is_urban_school
    st.exam.mean_z[rural] += 0.5 * st.exam.county_sd
    st.now.utilities = None  # the year's utilities are kept until a closure
    after = relocation.advantage(st, ids, year)
    assert after.mean() < 0.8 * before.mean()


def relocated(years: slice, seeds=(1, 2), **overrides) -> float:
    sc = small_scenario(**overrides)
    return float(sum(sim.run(sc, seed=s).timeseries.set_index("year")["relocated"].loc[years].sum()
                     for s in seeds))


def test_richer_later_cohorts_relocate_more():
    years = {"end_year": 2032}
    flat = relocated(slice(2026, 2032), **years,
                     **{"params.choice.rural_income_growth_after_data": 0.0})
    rising = relocated(slice(2026, 2032), **years,
                       **{"params.choice.rural_income_growth_after_data": 0.10})
    assert rising > 1.15 * flat


def test_no_relocation_rate_moves_nobody():
    assert relocated(slice(2020, 2035), seeds=(1,), **{"params.demography.relocation_rate": 0.0}) == 0


def test_the_ceiling_holds_back_only_the_families_above_it():
    low = relocated(slice(2020, 2026), **{"params.demography.relocation_max_hazard": 0.05})
    high = relocated(slice(2020, 2026), **{"params.demography.relocation_max_hazard": 0.30})
    assert high > low  # the few far, well-off families the lower ceiling held back
    assert high < 1.5 * low  # the rest move at their own odds, whatever the ceiling
