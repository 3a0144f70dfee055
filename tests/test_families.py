"""Girls and boys, closures with and without transport, the senior-high entrance exam (中考)
and its quota, and the cohort frame that lets a reader check them. Pairs of runs share seeds
(common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import sim

from conftest import small_scenario

SEEDS = (1, 2, 3)
CLOSE = {"policies.consolidation.start": 2021, "policies.consolidation.threshold": 150,
         "policies.consolidation.types": ["teaching_point", "village"],
         "policies.consolidation.require_shrinking": False,
         "params.levers.no_bus_dropout_per_km": 0.03}


def results(**overrides) -> list[sim.Result]:
    sc = small_scenario(end_year=2030, **overrides)
    return [sim.run(sc, seed=s) for s in SEEDS]


def dropouts_by_sex(rs: list[sim.Result]) -> pd.Series:
    frames = pd.concat([r.cohorts for r in rs])
    return frames.groupby("sex", observed=True)["dropped_out"].sum()


def test_closing_without_a_bus_costs_girls_more_than_boys():
    """Hannum, Liu & Wang 2021: closure cost girls 0.6 years of schooling, boys none."""
    with_bus = dropouts_by_sex(results(**CLOSE, **{"policies.consolidation.bus": True}))
    no_bus = dropouts_by_sex(results(**CLOSE, **{"policies.consolidation.bus": False}))
    extra = no_bus - with_bus
    assert extra["girl"] > 0
    assert extra["girl"] > 2 * max(extra["boy"], 0)


MODES = ["mode_share_own_way", "mode_share_bus", "mode_share_boarding", "mode_share_relocated"]


def test_closed_villages_ride_a_bus_only_when_the_closure_brings_one():
    """Every rural pupil has one way to school; a closure with buses moves displaced day pupils
    onto them, a closure without leaves them to their own way (or a bed, or a flat)."""
    with_bus = results(**CLOSE, **{"policies.consolidation.bus": True})
    no_bus = results(**CLOSE, **{"policies.consolidation.bus": False})
    for r in with_bus + no_bus:
        np.testing.assert_allclose(r.timeseries[MODES].sum(axis=1), 1.0, rtol=1e-9)
    later = slice(2, None)  # from the first year after the closures
    bus_share = np.mean([r.timeseries["bus_share_displaced"].iloc[later].mean() for r in with_bus])
    assert bus_share > 0.2
    assert all((r.timeseries["mode_share_bus"] == 0).all() for r in no_bus)
    def own_way(rs: list[sim.Result]) -> float:
        return float(np.mean([r.timeseries["mode_share_own_way"].iloc[later].mean() for r in rs]))

    assert own_way(no_bus) > own_way(with_bus)


def test_the_cohort_frame_accounts_for_every_child():
    r = results()[0]
    c = r.cohorts
    by_grade = c[[f"dropped_out_grade_{g}" for g in range(1, 10)]].sum(axis=1)
    assert (by_grade == c["dropped_out"]).all()
    fates = c[["dropped_out", "left_county", "still_enrolled", "graduated"]].sum(axis=1)
    assert (fates == c["entered"]).all()
    assert set(c["sex"]) == {"boy", "girl"}
    girls = c.loc[c["sex"] == "girl", "entered"].sum() / c["entered"].sum()
    assert 0.44 < girls < 0.50  # 113 boys per 100 girls: 47% girls


def test_quality_senior_places_go_to_the_best_and_the_quota_reaches_rural_schools():
    base = results()
    quota = results(**{"policies.quota.start": 2021, "policies.quota.share": 1.0})
    for r in base:
        ts = r.timeseries
        assert ts["quality_senior_rate"].between(0.28, 0.32).all()  # 30% of graduates
    rural = [r.timeseries.set_index("year").loc[2022:, "quality_senior_rate_rural_schools"].mean()
             for r in base]
    rural_quota = [r.timeseries.set_index("year").loc[2022:,
                                                      "quality_senior_rate_rural_schools"].mean()
                   for r in quota]
    assert np.mean(rural_quota) > np.mean(rural) + 0.02
