"""The accounts: lines add up, capital is charged over its life, closures save, directed titles
and rotation cover cost what they pay, the envelope and the financing gap. Pairs of runs share
seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.accounts import LINE_COLUMNS
from sim.budget import capital_charges, instalment
from sim.parameters import Parameters

from conftest import small_scenario

LONG = {"end_year": 2032}


def series(seed: int = 1, **overrides) -> pd.DataFrame:
    return sim.run(small_scenario(**LONG, **overrides), seed=seed).timeseries.set_index("year")


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return series()


def test_instalments_sum_to_the_outlay_over_its_life():
    charges = np.array([instalment(3_000_000.0, 2022, 30, y) for y in range(2022, 2081)])
    assert charges.sum() == pytest.approx(3_000_000.0)
    assert (charges[:30] == 100_000.0).all() and (charges[30:] == 0).all()
    outlays = [("boarding", 2021, 600_000.0, 6), ("town_hub", 2021, 1e6, 6)]
    by_year = [capital_charges(outlays, ["boarding", "town_hub"], y) for y in range(2015, 2035)]
    assert sum(c["boarding"] for c in by_year) == pytest.approx(600_000.0)
    assert sum(c["town_hub"] for c in by_year) == pytest.approx(1e6)
    assert by_year[2020 - 2015]["boarding"] == 0 == by_year[2027 - 2015]["boarding"]
    assert capital_charges(outlays, ["boarding"], 2021) == {"boarding": 100_000.0}


def test_lines_add_up_to_the_total_and_levers_to_the_policy_cost():
    ts = series(**{"policies.town_hub.start": 2021, "policies.town_hub.ramp_years": 3,
                   "policies.rotation.start": 2021, "policies.funding.start": 2021,
                   "policies.funding.primary_yuan": 1300.0, "policies.transport.start": 2021,
                   "policies.transport.min_km": 1.5})
    assert ts[list(LINE_COLUMNS)].sum(axis=1).to_numpy() == pytest.approx(
        ts["cost_total_yuan"].to_numpy())
    levers = ts.filter(like="cost_lever_").sum(axis=1)
    assert levers.to_numpy() == pytest.approx(ts["cost_policy_yuan"].to_numpy())
    # town-hub building is paid in the ramp years and charged a thirtieth a year from then on
    outlay = ts["cost_capital_outlay_yuan"]
    assert outlay.loc[2021:2023].gt(0).all() and outlay.loc[2024:].eq(0).all()
    life = Parameters().budget.building_life_years
    expected = sum(outlay.loc[y] / life * (2032 - y + 1) for y in range(2021, 2024))
    assert ts["cost_capital_yuan"].sum() == pytest.approx(expected)


def test_levers_off_spend_only_the_status_quo(base):
    assert (base["cost_capital_yuan"] == 0).all() and (base["cost_policy_yuan"] == 0).all()
    assert base.loc[2020, "budget_envelope_yuan"] == pytest.approx(base.loc[2020,
                                                                            "cost_total_yuan"])
    assert (base["financing_gap_yuan"] == 0).all()  # enrolment falls, the total is held


def test_closures_save_personnel_and_operating_funds(base):
    """Closing every small school without bus or lunch (so the lever itself costs nothing):
    fewer schools under the funding floor, fewer posts once teachers are redeployed."""
    shut = series(**{"policies.consolidation.start": 2021,
                     "policies.consolidation.threshold": 150,
                     "policies.consolidation.types": ["teaching_point", "village"],
                     "policies.consolidation.require_shrinking": False,
                     "policies.consolidation.bus": False, "policies.consolidation.lunch": False})
    assert shut["schools_open"].iloc[-1] < base["schools_open"].iloc[-1]
    assert (shut["cost_lever_consolidation_yuan"] == 0).all()
    later = slice(2023, None)
    assert (shut.loc[later, "cost_operating_yuan"] < base.loc[later, "cost_operating_yuan"]).all()
    assert shut.loc[later, "cost_personnel_yuan"].sum() < base.loc[later,
                                                                   "cost_personnel_yuan"].sum()


def test_directed_titles_raise_the_personnel_line_by_what_they_pay(base):
    titles = series(**{"policies.title_reform.start": 2021,
                       "policies.title_reform.level1_years": 5,
                       "policies.title_reform.senior_years": 10})
    later = slice(2022, None)
    assert (titles.loc[later, "cost_lever_title_reform_yuan"] > 0).all()
    rise = titles.loc[later, "cost_personnel_yuan"] - base.loc[later, "cost_personnel_yuan"]
    assert rise.sum() > 0
    # the lever's line is the whole rise, give or take the exits the titles prevent
    assert rise.sum() == pytest.approx(titles.loc[later, "cost_lever_title_reform_yuan"].sum(),
                                       rel=0.35)


def test_rotation_pays_a_substitute_for_every_post_left_empty(base):
    rot = series(**{"policies.rotation.start": 2021, "policies.rotation.share": 0.2})
    p = Parameters()
    substitute = p.pay.salary_none * p.budget.pay_months * (1 + p.budget.employer_on_cost)
    floor = rot["substitute_teachers"] * substitute
    assert (rot.loc[2021:, "cost_lever_rotation_yuan"] >= floor.loc[2021:]).all()
    assert rot.loc[2021:, "substitute_teachers"].sum() > 0


def test_a_small_envelope_shows_a_financing_gap_and_the_policy_share(base):
    tight = series(**{"params.budget.envelope_yuan": 0.9 * base.loc[2020, "cost_total_yuan"],
                      "policies.funding.start": 2021, "policies.funding.primary_yuan": 1300.0})
    assert tight.loc[2020, "financing_gap_yuan"] == pytest.approx(
        0.1 * base.loc[2020, "cost_total_yuan"])
    share = tight["cost_policy_yuan"] / tight["budget_envelope_yuan"]
    assert tight["policy_share_of_budget"].to_numpy() == pytest.approx(share.to_numpy())
    # the per-pupil reading shrinks with enrolment, so it binds once pupils fall
    shrinking = base["students"].iloc[-1] < base["students"].iloc[0]
    assert shrinking and (base["budget_envelope_per_pupil_rule_yuan"].iloc[-1]
                          < base["budget_envelope_yuan"].iloc[-1])


def test_bus_and_lunch_without_closures_lower_dropout_and_cost_money():
    seeds = (1, 2)
    off = [series(s) for s in seeds]
    on = [series(s, **{"policies.transport.start": 2021, "policies.transport.min_km": 1.0})
          for s in seeds]
    assert np.mean([t.loc[2021:, "dropouts"].sum() for t in on]) < np.mean(
        [t.loc[2021:, "dropouts"].sum() for t in off])
    assert all(t.loc[2021:, "cost_lever_transport_yuan"].gt(0).all() for t in on)
    assert all((t["cost_lever_consolidation_yuan"] == 0).all() for t in on)  # nothing closed
