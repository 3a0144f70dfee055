"""The model core: conservation, determinism, Mesa structure and state invariants."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import sim
from sim.indicators import TIMESERIES_COLUMNS
from sim.kinds import TOWN_SEAT, StudentStatus, TeacherStatus
from sim.model import YEAR, CountyModel
from sim.schools import School
from sim.state import CountyState

from conftest import run_keeping_the_books, small_scenario

ENROLLED = StudentStatus.ENROLLED
TEACHING, RETIRED = TeacherStatus.TEACHING, TeacherStatus.RETIRED


def test_is_a_mesa_model_with_school_agents(small):
    model = CountyModel(small, seed=1)
    assert isinstance(model, mesa.Model)
    schools = model.agents_by_type[School]
    assert len(schools) == model.state.county.n_schools
    kinds = {s.kind for s in schools}
    assert kinds == {"urban_quality", "urban_ordinary", "town_seat", "village", "teaching_point"}
    model.step()
    town_seats = schools.select(lambda s: s.kind == "town_seat")
    assert len(town_seats) > 0
    assert all(np.isfinite(s.difference_rate) for s in town_seats)
    assert sum(s.enrollment for s in schools) == model.state.schools.enrolled.sum()


def test_constructible_with_defaults_and_steppable():
    model = CountyModel()
    model.step()
    assert model.year == 2020
    assert model.indicators["students"] > 50_000


def test_students_and_teachers_are_conserved_every_year(small):
    run_keeping_the_books(CountyModel(small, seed=3))


def test_enrolled_students_sit_in_open_schools_that_teach_their_grade(small):
    """Checked right after enrollment (at the end of a year pupils have been promoted to a
    grade their school may not teach; they choose again at the next enrollment)."""
    model = CountyModel(small, seed=2)
    for _ in range(3):
        model.step()
    st = model.state
    st.begin_year(tuple(st.now.flows))
    for _name, stage in YEAR[: [n for n, _ in YEAR].index("enrollment") + 1]:
        stage(st, st.year)
    s, c = st.students, st.county
    on = np.flatnonzero(s.status == ENROLLED)
    sch, grade = s.school[on], s.grade[on]
    assert (sch < c.n_schools).all()
    assert ((grade >= 1) & (grade <= 9)).all()
    assert ((c.min_grade[sch] <= grade) & (grade <= c.max_grade[sch])).all()
    assert st.schools.open[sch].all()
    # boarders only where beds are, never more than the beds
    boarders = np.bincount(sch[s.boarding[on]], minlength=c.n_schools)
    assert (boarders <= st.schools.beds).all()
    assert not s.boarding[s.status != ENROLLED].any()


def test_teachers_counted_per_school(small):
    model = CountyModel(small, seed=2)
    model.step()
    st = model.state
    T = st.teachers
    active = T.status[: T.n] == TEACHING
    assert st.schools.staff.sum() == active.sum()
    principals = np.bincount(T.school[: T.n][active & (T.principal_since[: T.n] > 0)],
                             minlength=st.county.n_schools)
    assert principals.max() == 1
    staffed = st.schools.open & (st.schools.staff > 0)
    assert (principals[staffed] == 1).mean() > 0.95  # almost every staffed school has one


def test_same_seed_same_results_other_seed_differs(small):
    a = sim.run(small, seed=11)
    b = sim.run(small, seed=11)
    c = sim.run(small, seed=12)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.schools, b.schools)
    assert not a.timeseries.equals(c.timeseries)


def test_seed_defaults_to_the_scenario_seed():
    sc = small_scenario(seed=5, end_year=2021)
    pd.testing.assert_frame_equal(sim.run(sc).timeseries, sim.run(sc, seed=5).timeseries)


def test_result_frames_have_the_contract_columns(small):
    r = sim.run(small, seed=1)
    required = {"year", "student_retention", "teacher_retention", "gap_rate", "gap_sd",
                "share_towns_gap_met", "dropout_rate", "boarding_rate", "mean_travel_km",
                "schools_open", "students", "teachers", "cost_total_yuan"}
    assert required <= set(r.timeseries.columns)
    assert list(r.timeseries.columns) == list(TIMESERIES_COLUMNS)
    assert list(r.timeseries["year"]) == list(small.years)
    assert len(r.schools) == len(small.years) * r.summary["provenance"]["counts_start"]["schools"]
    assert {"year", "school", "name", "type", "difference_rate", "gap_met"} <= set(r.schools)
    towns = r.schools[r.schools["type"] == "town_seat"]
    # the county gap is the enrollment-weighted mean of town-seat schools' rates
    y = towns[towns["year"] == 2022]
    weighted = np.average(y["difference_rate"], weights=y["students"])
    assert weighted == pytest.approx(r.timeseries.set_index("year").loc[2022, "gap_rate"],
                                     rel=0.02)


def test_summary_has_provenance_and_targets(small):
    r = sim.run(small, seed=4)
    p = r.summary["provenance"]
    assert p["seed"] == 4 and p["package_version"] == sim.__version__
    assert len(p["scenario_sha256"]) == 64
    assert p["counts_start"]["students"] > 7000
    names = {t["indicator"] for t in r.summary["targets"]}
    assert {"gap_rate", "bachelor_ratio", "share_complete_rural_schools_4_seniors",
            "rural_principals_under45"} <= names


def test_town_rows_add_up_to_the_county(small):
    r = sim.run(small, seed=2)
    t = r.towns.groupby("year")[["local_children", "attending_local"]].sum()
    ts = r.timeseries.set_index("year")
    np.testing.assert_allclose(t["attending_local"] / t["local_children"],
                               ts["student_retention"], rtol=1e-12)
    assert r.towns["town"].nunique() == small.county.towns
    assert r.towns["town_seat_difference_rate"].notna().all()


def test_teacher_retention_is_the_share_of_rural_teachers_still_rural(small):
    """Definition check against the individuals: rural teachers at the start of the year who
    still teach at a rural school at its end, retirements set apart."""
    model = CountyModel(small, seed=5)
    model.step()
    T, c = model.state.teachers, model.state.county
    start = T.active()
    start = start[c.school_type[T.school[start]] >= TOWN_SEAT]
    model.step()
    status = T.status[start]
    retired = status == RETIRED
    still_rural = (status == TEACHING) & (c.school_type[T.school[start]] >= TOWN_SEAT)
    expected = still_rural.sum() / (~retired).sum()
    assert model.indicators["teacher_retention"] == pytest.approx(expected, abs=1e-12)


def test_a_finished_run_leaves_no_model_in_memory(small):
    """Sweeps run thousands of models in one process: each must be collectable."""
    import gc
    import weakref

    model = CountyModel(small, seed=1)
    ref = weakref.ref(model)
    model.step()
    model.release()
    del model
    gc.collect()
    assert ref() is None


def test_the_year_is_the_table_and_every_stage_is_timed(small):
    model = CountyModel(small, seed=1)
    model.step()
    assert list(model.timings) == [name for name, _ in YEAR]
    assert all(t > 0 for t in model.timings.values())
    result = sim.run(small, seed=1)
    assert list(result.timings) == [name for name, _ in YEAR]


def test_running_stops_at_the_end_year(small):
    model = CountyModel(small, seed=1)
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == len(small.years) and model.year == small.end_year


def test_state_rejects_a_misspelt_attribute(small):
    st = CountyModel(small, seed=1).state
    assert isinstance(st, CountyState)
    with pytest.raises(AttributeError):
        st.shools = None  # a typo must not create new state
    with pytest.raises(AttributeError):
        st.schools.enroled = None


def test_lever_costs_are_pure(small):
    """Calling the costs twice in a year gives the same numbers (no hidden accumulators)."""
    from sim.policies import lever_costs

    from regression_cases import every_lever_on

    model = CountyModel(small_scenario(**every_lever_on()), seed=1)
    for _ in range(3):
        model.step()
    st = model.state
    first = lever_costs(st, st.year)
    assert first == lever_costs(st, st.year) == st.now.costs
    assert first["rotation"].personnel > 0 and first["funding"].operating > 0


def test_urban_residence_scales_a_copy_of_the_geography(small):
    from sim.county import build_county, with_urban_residence
    from sim.kinds import URBAN_PLACE
    from sim.rng import Streams

    county = build_county(small.county, Streams(1).generator("county"), None)
    before = county.place_weight.copy()
    scaled = with_urban_residence(county, 0.4)
    np.testing.assert_array_equal(county.place_weight, before)  # the input is left alone
    urban = scaled.place_kind == URBAN_PLACE
    assert scaled.place_weight[urban].sum() / scaled.place_weight.sum() == pytest.approx(0.4)


def test_an_undeclared_indicator_is_an_error():
    from sim.indicators import checked_row

    row = dict.fromkeys(TIMESERIES_COLUMNS, 0.0)
    assert list(checked_row(row)) == list(TIMESERIES_COLUMNS)
    with pytest.raises(KeyError, match="not declared"):
        checked_row({**row, "new_indicator": 1.0})
    del row["gap_rate"]
    with pytest.raises(KeyError, match="gap_rate"):
        checked_row(row)


def test_stream_keys_are_pinned():
    """A stream's key is the decision's position in DECISIONS: inserting a name mid-tuple would
    change every later stream and every result. New decisions go at the end."""
    from sim.rng import DECISIONS

    assert DECISIONS[:16] == ("county", "cohorts", "students", "teachers", "history", "choice",
                              "migration", "learning", "dropout", "teacher_exit", "teacher_move",
                              "recruit", "promotion", "redeploy", "upgrade", "rotation")
