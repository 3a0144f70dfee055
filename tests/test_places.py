"""Places and families: county-seat places and admission as a lever, retention measured as seed
004 words it (no drift from children who left the county), and no artefact in the first years.
Pairs of runs share seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.kinds import MOVED_AWAY, URBAN_PLACE

from conftest import small_scenario

SEEDS = (1, 2)
LONG = {"end_year": 2032}


def runs(**overrides) -> list[pd.DataFrame]:
    sc = small_scenario(**LONG, **overrides)
    return [sim.run(sc, seed=s).timeseries.set_index("year") for s in SEEDS]


def mean(column: str, years=slice(2024, None), **overrides) -> float:
    return float(np.mean([ts.loc[years, column].mean() for ts in runs(**overrides)]))


def test_more_county_seat_places_raise_urban_enrolment_and_lower_retention():
    more = {"policies.places.start": 2021, "policies.places.places_per_year": 150}
    assert mean("urban_enrollment_share", **more) > mean("urban_enrollment_share") + 0.01
    assert mean("student_retention", **more) < mean("student_retention") - 0.01
    assert mean("cost_lever_places_yuan", **more) > 0


def test_admission_by_residence_keeps_rural_children_at_rural_schools():
    residents_only = {"policies.places.start": 2021, "policies.places.rural_admission": 0.0}
    assert mean("student_retention", **residents_only) > mean("student_retention") + 0.02


def test_county_seat_places_never_fall_and_seat_every_resident():
    model = sim.CountyModel(small_scenario(**LONG), seed=1)
    urban = model.state.county.is_urban_school
    before = model.state.schools.capacity[urban].copy()
    while model.running:
        model.step()
        now = model.state.schools.capacity[urban]
        assert (now >= before).all()
        assert (model.state.schools.enrolled[urban].sum(axis=1) <= now).all()
        before = now.copy()


def test_no_artefact_jump_between_the_first_two_years():
    for ts in runs():
        changes = ts["changed_school"]
        assert abs(changes[2021] - changes[2020]) < 0.2 * changes.loc[2021:2024].mean()
        assert abs(ts.loc[2021, "student_retention"] - ts.loc[2020, "student_retention"]) < 0.02


def test_retention_counts_only_children_at_school_in_the_county():
    """Seed 004 三(七): local pupils at school locally, of local pupils at school in the
    county; children who left the county are reported apart and not in the denominator."""
    model = sim.CountyModel(small_scenario(end_year=2024, **{
        "params.demography.move_away_rate": 0.05}), seed=1)
    while model.running:
        model.step()
    st = model.state
    s = st.students
    win = s.window(st.year)
    at_school = s.hukou_rural[win] & (st.now.cell < 2 * st.county.n_schools)
    towns = st.history.town_rows[-1]
    assert towns["local_children"].sum() == at_school.sum()
    assert model.indicators["left_county_share"] > 0.1  # 5% a year for five years
    assert model.indicators["student_retention"] == pytest.approx(
        towns["attending_local"].sum() / towns["local_children"].sum())
    # the children who left the county are in neither count
    left = s.hukou_rural[win] & (s.status[win] == MOVED_AWAY)
    assert left.any() and not (left & at_school).any()


def test_schools_that_empty_out_lapse_and_their_pupils_go_elsewhere():
    """Status quo: a small school below the floor for two years closes without a lever; no
    child is left enrolled at a closed school and every school's pupils are counted."""
    model = sim.CountyModel(small_scenario(**LONG, **{
        "params.staffing.lapse_below_pupils": 25}), seed=1)
    while model.running:
        model.step()
    st = model.state
    ts = model.datacollector.get_model_vars_dataframe()
    assert ts["schools_lapsed"].sum() > 0
    assert ts["schools_open"].iloc[-1] < ts["schools_open"].iloc[0]
    closed = ~st.schools.open
    at = st.now.cell[st.now.cell < 2 * st.county.n_schools] // 2  # this year's schools
    assert not closed[at].any()
    assert (st.schools.enrolled[closed] == 0).all()


def test_with_no_places_offered_to_rural_applicants_no_rural_entrant_attends_the_county_seat():
    model = sim.CountyModel(small_scenario(**{"policies.places.start": 2021,
                                              "policies.places.rural_admission": 0.0}), seed=1)
    for _ in range(4):
        model.step()
    st = model.state
    s, c = st.students, st.county
    entrants = s.cohort_slice(2021, model.year)
    school = s.school[entrants]
    at_school = school < c.n_schools
    rural_home = c.place_kind[s.place[entrants]] != URBAN_PLACE
    county_seat = np.append(c.is_urban_school, False)[school]
    assert at_school.sum() > 100
    assert not (at_school & rural_home & county_seat).any()
