"""Bounded lever effects (issue: quality mechanisms a referee would accept): support gains
converge toward the urban quality schools' level and no further, saturate, and fade when cover
ends; rotation's effect on the reference is reported; strong teachers' exits respond less to
pay. Pairs of runs share seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.kinds import TOWN_SEAT, URBAN_QUALITY, VILLAGE
from sim.model import CountyModel
from sim.stages.labour import exit_probability, own_effectiveness

from conftest import ROOT, small_scenario

SEEDS = (1, 2)


def series(column: str, end_year: int = 2034, **overrides) -> np.ndarray:
    """``column`` per year, mean over the seeds."""
    sc = small_scenario(end_year=end_year, **overrides)
    return np.mean([sim.run(sc, seed=s).timeseries[column].to_numpy() for s in SEEDS], axis=0)


def effect(column: str, year: int, end_year: int = 2034, **overrides) -> float:
    """Change in ``column`` in ``year`` against no lever, with the same seeds."""
    years = np.arange(2020, end_year + 1)
    on, off = series(column, end_year, **overrides), series(column, end_year)
    return float((on - off)[years == year][0])


FAST = {"params.levers.pairing_convergence": 0.4}


@pytest.mark.parametrize("lever, column, settings", [
    ("pairing", "town_seat_support_gain", FAST),
    ("training", "town_seat_support_gain",
     {"policies.training.hours": 200.0, "params.levers.training_convergence_per_40h": 0.08}),
    ("digital", "town_seat_mean_z", {}),
    ("pairing", "town_seat_mean_z", FAST),
])
def test_an_effect_saturates(lever, column, settings):
    """Doubling the years of cover (5 -> 10) does not double the effect once the ceiling (or
    the steady state of learning) is near."""
    on = {f"policies.{lever}.start": 2021, **settings}
    five, ten = effect(column, 2025, **on), effect(column, 2030, **on)
    assert five > 0
    assert ten < 1.6 * five


@pytest.mark.parametrize("lever, column", [
    ("pairing", "town_seat_support_gain"), ("digital", "town_seat_mean_z"),
    ("training", "town_seat_support_gain"),
])
def test_an_effect_fades_after_the_end_year(lever, column):
    on = {f"policies.{lever}.start": 2021, f"policies.{lever}.end": 2026, **FAST,
          "policies.training.hours": 200.0}
    at_end, later = effect(column, 2026, **on), effect(column, 2033, **on)
    assert at_end > 0 and later < 0.6 * at_end


def test_support_never_lifts_a_teacher_past_the_urban_quality_mean():
    """Bar: with coverage levers on, no teacher (so no town-seat school) gains effectiveness
    beyond the mentor schools' mean; the gain is at most its bounded share of the gap."""
    package = sim.load_scenario(ROOT / "scenarios" / "gaotang-2027.toml",
                                {"county.students": 8000, "county.towns": 8, "end_year": 2030,
                                 "params.levers.pairing_convergence": 0.4,
                                 "params.levers.support_max_share": 1.0})
    model = CountyModel(package, seed=1)
    st = model.state
    T, c = st.teachers, st.county
    seen = 0.0
    while model.running:
        model.step()
        act = T.active()
        own = own_effectiveness(st, act, model.year)
        kind = c.school_type[T.school[act]]
        reference = own[kind == URBAN_QUALITY].mean()
        assert (own + T.support[act] <= np.maximum(own, reference) + 1e-5).all()
        seat = kind == TOWN_SEAT
        seen = max(seen, float(T.support[act][seat].mean()))
    assert seen > 0.005  # the levers did act


def test_rotation_reports_the_fall_of_the_reference():
    """Rotation takes teachers from urban quality schools; their posts are covered by
    substitutes, and the reference's achievement change is reported apart from the rural gain."""
    on = {"policies.rotation.start": 2021, "policies.rotation.share": 0.3,
          "policies.rotation.backbone_share": 1.0}
    assert series("substitute_teachers", 2028, **on)[2:].min() > 0
    assert (series("substitute_teachers", 2028) == 0).all()
    assert effect("urban_quality_mean_z", 2028, 2028, **on) < 0  # levelling down, reported
    assert effect("town_seat_mean_z", 2028, 2028, **on) > 0  # levelling up


def test_backbone_teachers_are_chosen_on_what_the_county_observes(small):
    """Backbone teachers are the highest-titled, most experienced: their mean title is above
    that of the eligible, while their talent is not selected on."""
    on = small_scenario(**{"policies.rotation.start": 2021, "policies.rotation.share": 0.3,
                           "policies.rotation.backbone_share": 0.5})
    model = CountyModel(on, seed=3)
    model.step()
    model.step()
    T = model.state.teachers
    act = T.active()
    backbone = act[T.backbone[act]]
    urban = act[model.state.county.is_urban_school[T.home_school[act]]]
    assert backbone.size > 5
    assert T.title[backbone].mean() > T.title[urban].mean()


def test_a_strong_teacher_responds_less_to_the_allowance():
    def exits(village_yuan: float) -> np.ndarray:
        sc = small_scenario(**{"policies.subsidy.start": 2020,
                               "policies.subsidy.village_yuan_month": village_yuan})
        model = CountyModel(sc, seed=1)
        model.step()
        st = model.state
        T = st.teachers
        ids = T.active()[:2]
        T.home_school[ids] = np.flatnonzero(st.county.school_type == VILLAGE)[0]
        T.start_year[ids] = model.year - 8
        T.title[ids] = 0
        T.rotation_until[ids] = 0
        T.talent[ids] = [0.0, 2 * st.params.learning.teacher_sd]  # average, strong
        return exit_probability(st, ids, model.year)

    low, high = exits(200.0), exits(3000.0)
    cut_average, cut_strong = 1 - high[0] / low[0], 1 - high[1] / low[1]
    assert cut_average > cut_strong > 0
    assert low[1] > low[0]  # better outside options


def test_a_school_without_teachers_gets_one(small):
    """A teaching point left without any teacher fills its vacancies whatever its fill rate."""
    sc = small_scenario(**{"params.teachers.fill_rate_teaching_point": 0.2})
    model = CountyModel(sc, seed=4)
    st = model.state
    for _ in range(5):
        model.step()
        pupils = st.schools.enrolled.sum(axis=1)
        taught = st.schools.staff + st.schools.cover
        assert (taught[(pupils > 0) & st.schools.open] > 0).all()
