"""Each mechanism moves outcomes the way its evidence says. Pairs of runs share a seed, so
common random numbers keep the comparison free of noise (docs/ODD.md, stochasticity)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.kinds import TOWN_SEAT, URBAN_ORDINARY, StudentStatus, TeacherStatus
from sim.model import CountyModel
from sim.stages.labour import retirement_age

from conftest import small_scenario

SEEDS = (1, 2)


def mean_over(column: str, **overrides) -> float:
    """Mean of a timeseries column over the years and two seeds of the small county."""
    sc = small_scenario(**overrides)
    return float(np.mean([sim.run(sc, seed=s).timeseries[column].mean() for s in SEEDS]))


def first_year(column: str, **overrides) -> float:
    sc = small_scenario(**overrides)
    return float(np.mean([sim.run(sc, seed=s).timeseries[column].iloc[0] for s in SEEDS]))


def test_more_exit_intent_lowers_teacher_retention():
    low = mean_over("teacher_retention", **{"params.teachers.rural_exit_base": 0.05})
    high = mean_over("teacher_retention", **{"params.teachers.rural_exit_base": 0.2})
    assert high < low - 0.03


def test_cheaper_relocation_draws_children_to_the_county_seat():
    dear = mean_over("student_retention", **{"params.choice.relocation_cost": 4.0})
    cheap = mean_over("student_retention", **{"params.choice.relocation_cost": 1.5})
    assert cheap < dear - 0.05


def test_rising_rural_incomes_draw_children_to_the_county_seat():
    sc = small_scenario(end_year=2030, **{"params.choice.income_weight": 2.0})
    ts = sim.run(sc, seed=1).timeseries
    flat = sim.run(small_scenario(end_year=2030, **{"params.choice.income_weight": 0.0}),
                   seed=1).timeseries
    drop_trend = ts["student_retention"].iloc[-1] - ts["student_retention"].iloc[0]
    drop_flat = flat["student_retention"].iloc[-1] - flat["student_retention"].iloc[0]
    assert drop_trend < drop_flat - 0.05


def test_teacher_sorting_widens_the_rural_urban_gap():
    even = first_year("rural_urban_gap_sd", **{"county.initial_sorting": 0.0})
    sorted_ = first_year("rural_urban_gap_sd", **{"county.initial_sorting": 1.5})
    assert sorted_ > even + 0.1


def test_family_background_gap_shows_in_achievement():
    none = first_year("rural_urban_gap_sd", **{"params.demography.ses_urban_gap": 0.0})
    wide = first_year("rural_urban_gap_sd", **{"params.demography.ses_urban_gap": 1.2})
    assert wide > none + 0.1


def test_county_seat_picks_the_most_effective_rural_applicants():
    """Transfers up select on a signal of effectiveness: with a sharp signal the teachers who
    leave rural schools for the county seat are better than those who stay; with none, not."""
    def movers_minus_stayers(signal: float) -> float:
        diffs = []
        for seed in SEEDS:
            model = CountyModel(small_scenario(**{"params.teachers.hiring_signal": signal}), seed)
            T, c = model.state.teachers, model.state.county
            rural = np.flatnonzero(c.school_type[T.school[: T.n]] >= TOWN_SEAT)
            for _ in range(4):
                model.step()
            still = T.status[rural] == TeacherStatus.TEACHING
            moved = still & (c.school_type[T.school[rural]] <= URBAN_ORDINARY)
            stayed = still & ~moved
            diffs.append(T.talent[rural][moved].mean() - T.talent[rural][stayed].mean())
        return float(np.mean(diffs))

    sharp, blind = movers_minus_stayers(1.0), movers_minus_stayers(0.0)
    assert sharp > 0.03 and sharp > blind + 0.03


def test_distance_raises_dropout_for_day_students():
    near = mean_over("middle_dropout_rate", **{"params.dropout.distance_odds": 1.0})
    far = mean_over("middle_dropout_rate", **{"params.dropout.distance_odds": 1.3})
    assert far > near * 1.05


def test_higher_middle_school_dropout_lowers_three_year_retention():
    base = mean_over("middle_retention_3yr")
    worse = mean_over("middle_retention_3yr", **{"params.dropout.middle_base": 0.04})
    assert worse < base - 0.05


def test_boarding_age_limit_and_distance():
    assert mean_over("boarding_rate_primary", **{"params.boarding.min_grade": 7}) == 0.0
    assert mean_over("boarding_rate_primary", **{"params.boarding.min_grade": 4}) > 0.01
    near = mean_over("boarding_rate", **{"params.boarding.distance_km": 2.0})
    far = mean_over("boarding_rate", **{"params.boarding.distance_km": 10.0})
    assert far < near


def test_left_behind_children_fall_behind_when_the_effect_is_negative():
    def lb_gap(effect: float) -> float:
        model = CountyModel(small_scenario(**{"params.learning.left_behind_effect": effect}), 1)
        for _ in range(4):
            model.step()
        s = model.state.students
        on = (s.status == StudentStatus.ENROLLED) & s.hukou_rural
        return float(s.z[on & s.left_behind].mean() - s.z[on & ~s.left_behind].mean())

    assert lb_gap(-0.3) < lb_gap(0.05) - 0.2


def test_births_drive_entry_cohorts():
    ts = sim.run(small_scenario(end_year=2030), seed=1).timeseries.set_index("year")
    # entrants follow births six years earlier: 2016 peak -> 2023 trough
    assert ts.loc[2022, "entrants"] > ts.loc[2029, "entrants"] * 1.6


def test_retirement_age_follows_the_2024_reform():
    men = retirement_age(np.array([1964, 1965, 1965, 1966, 1976, 1990]),
                         np.array([11, 0, 4, 0, 8, 0]), np.zeros(6, bool))
    months = np.round((men - 60) * 12)
    assert months.tolist() == [0, 1, 2, 4, 36, 36]
    women = retirement_age(np.array([1969, 1970, 1982]), np.array([11, 0, 0]), np.ones(3, bool))
    assert np.round((women - 55) * 12).tolist() == [0, 1, 36]


def test_retirements_come_every_year_under_the_gradual_reform():
    ts = sim.run(sim.Scenario(), seed=1).timeseries
    assert (ts["retirements"] > 0).all()


@pytest.mark.parametrize("years", [3])
def test_quality_weight_sends_more_children_to_better_schools(years):
    low = mean_over("urban_enrollment_share", **{"params.choice.quality_weight": 0.5})
    high = mean_over("urban_enrollment_share", **{"params.choice.quality_weight": 5.0})
    assert high > low + 0.02
