"""School buses and lunch for rural pupils who live far from their school, with or without
closures (seed 004 四.一: 小学以午餐和校车为主, 初中以寄宿为主; seed 001 task 8: closures only with
transport and lunch guaranteed).

The level is the share of eligible villages served, farthest first; a village is eligible when
its nearest open rural primary lies at least ``min_km`` away. A bus shortens the felt journey
and removes the distance risk of dropping out; lunch lowers the dropout odds of the served
pupils (``params.levers``). Consolidation gives the same service to the villages whose school it
closes, for good. Both pay only for pupils who use the service: day pupils of a served village
at a rural school (a county-seat school or a dormitory needs no bus).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..budget import NOTHING, Spending
from ..kinds import RURAL_DAY, URBAN_PLACE
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState

PRIMARY_BAND = 1  # grades 4-6: the local primary every village can reach


class Transport(Lever):
    bus: bool = Field(True, description="school buses for the served villages")
    lunch: bool = Field(True, description="school lunch for their pupils")
    min_km: float = Field(3.0, ge=0, le=30, description="villages at least this far from their "
                          "nearest rural primary are eligible")


def apply(st: CountyState, lever: Transport, level: float, year: int) -> None:
    if level <= 0:
        return
    places = st.places
    local = places.options[:, PRIMARY_BAND, 0]
    km = places.distance[np.arange(local.size), local]
    rural = st.county.place_kind != URBAN_PLACE
    eligible = np.flatnonzero(rural & (km >= lever.min_km))
    served = eligible[np.argsort(-km[eligible], kind="stable")]
    served = served[: int(np.floor(level * served.size + 1e-9))]
    st.effects.bus[served] |= lever.bus
    st.effects.lunch[served] |= lever.lunch


def cost(st: CountyState, lever: Transport, level: float, year: int) -> Spending:
    """Buses and lunch for the served villages beyond those consolidation already serves."""
    e = st.effects
    return service_cost(st, e.bus & ~e.closure_bus, e.lunch & ~e.closure_lunch)


def service_cost(st: CountyState, bus: np.ndarray, lunch: np.ndarray) -> Spending:
    """Buses (a purchased service: operating funds) and lunch (student aid) for the day pupils
    at rural schools who live in the ``bus`` and ``lunch`` villages."""
    if not (bus.any() or lunch.any()):
        return NOTHING
    lp = st.params.levers
    users = day_pupils_by_place(st)
    return Spending(operating=float(users[bus].sum() * lp.bus_yuan_student_year),
                    aid=float(users[lunch].sum() * lp.lunch_yuan_student_year))


def day_pupils_by_place(st: CountyState) -> np.ndarray:
    """This year's day pupils at rural schools, by home place, as enrolled this year (counted
    when enrollment is observed, before anyone leaves at the end of the year)."""
    return st.now.pupils_by_place[:, RURAL_DAY]
