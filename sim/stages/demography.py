"""Cohort entry by place (with the birth decline) and families leaving the county."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..kinds import ENROLLED, MOVED_AWAY, URBAN_PLACE
from ..state import Students

if TYPE_CHECKING:
    from ..county import County
    from ..rng import Streams
    from ..scenario import Scenario
    from ..state import CountyState

# Births in China, millions (NBS Statistical Communiqués 2005-2024). A child enters grade 1 at
# six, so entrants in year Y follow births in Y-6. The national curve stands in for Shandong's.
BIRTHS = {2005: 16.17, 2006: 15.85, 2007: 15.94, 2008: 16.08, 2009: 15.91, 2010: 15.92,
          2011: 16.04, 2012: 16.35, 2013: 16.40, 2014: 16.87, 2015: 16.55, 2016: 17.86,
          2017: 17.23, 2018: 15.23, 2019: 14.65, 2020: 12.02, 2021: 10.62, 2022: 9.56,
          2023: 9.02, 2024: 9.54}
ENTRY_AGE = 6

# Rural residents' per-capita disposable income, yuan, nominal (NBS Statistical Communiqués
# 2013-2024): what makes a flat or rent in the county seat affordable for a rural family.
RURAL_INCOME = {2013: 9430, 2014: 10489, 2015: 11422, 2016: 12363, 2017: 13432, 2018: 14617,
                2019: 16021, 2020: 17131, 2021: 18931, 2022: 20133, 2023: 21691, 2024: 23119}


def observed(series: Mapping[int, float], year: int, growth_after_data: float) -> float:
    """A yearly series in ``year``: the data, its first value before it and a constant growth
    after it."""
    first, last = min(series), max(series)
    if year < first:
        return series[first]
    if year > last:
        return series[last] * (1 + growth_after_data) ** (year - last)
    return series[year]


def rural_income(year: int, growth_after_data: float) -> float:
    """Rural per-capita income in ``year`` (NBS series)."""
    return observed(RURAL_INCOME, year, growth_after_data)


def births(year: int, trend_after_data: float) -> float:
    """Births in ``year`` (NBS series)."""
    return observed(BIRTHS, year, trend_after_data)


def initial_students(scenario: Scenario, county: County, streams: Streams) -> Students:
    """Every cohort of the run, allocated up front; the nine already at school start enrolled."""
    p = scenario.params.demography
    start = scenario.start_year
    years = np.arange(start - 8, scenario.end_year + 1)
    index = np.array([births(int(y) - ENTRY_AGE, p.birth_trend_after_data) for y in years])
    total = (county.roster_students.sum() if county.roster_students is not None
             else scenario.county.students)
    expected = index * total / index[years <= start].sum()
    share = county.place_weight / county.place_weight.sum()
    rng = streams.generator("cohorts")
    per_place = rng.poisson(np.outer(expected, share))  # cohort x place
    sizes = per_place.sum(axis=1)
    s = Students.allocate(int(sizes.sum()), years, sizes, county.n_schools)
    s.place[:] = np.repeat(np.tile(np.arange(county.n_places), len(years)), per_place.ravel())
    rural = county.place_kind[s.place] != URBAN_PLACE
    s.hukou_rural[:] = rural
    s.hukou_town[:] = county.place_town[s.place]
    s.hukou[:] = (s.hukou_town + 1) * 2 + s.hukou_rural
    g = streams.generator("students")
    s.ses[:] = g.standard_normal(len(s), dtype=np.float32) + np.where(rural, 0.0, p.ses_urban_gap)
    s.left_behind[:] = rural & (g.random(len(s), dtype=np.float32) < p.left_behind_share)
    s.home_kind[:] = county.place_kind[s.place]
    girls = 100 / (100 + p.boys_per_100_girls)
    s.female[:] = streams.generator("sex").random(len(s), dtype=np.float32) < girls
    old = s.cohort_slice(start - 8, start - 1)
    s.status[old] = ENROLLED
    s.grade[old] = (start - np.repeat(years, sizes)[old] + 1).astype(np.int8)
    return s


def enter_and_migrate(st: CountyState, year: int) -> None:
    """This year's six-year-olds enter; some families leave the county."""
    s, p, f = st.students, st.params.demography, st.now.flows
    new = s.cohort_slice(year, year)
    s.status[new] = ENROLLED
    s.grade[new] = 1
    f["entrants"] = new.stop - new.start

    win = s.window(year)
    u = st.streams.uniform("migration", year, win.stop - win.start)
    enrolled = s.status[win] == ENROLLED
    leave = enrolled & (u < p.move_away_rate)
    ids = np.flatnonzero(leave) + win.start
    s.status[ids] = MOVED_AWAY
    s.school[ids] = st.county.n_schools
    s.distance[ids] = 0
    s.boarding[ids] = False
    f["moved_away"] = ids.size
