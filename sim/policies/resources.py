"""Levers on school resources: per-student public funding (seed 003: 900 -> 1,300 yuan primary,
1,100 -> 1,700 middle) and town-hub strengthening of town-seat schools (seed 001 tasks 7-8, seed
004: town-seat schools at or above the provincial standard by 2025/2027).

Extra funding raises facilities a little each year, up to a cap; town-hub investment raises
town-seat facilities to the target along the timeline. Facilities enter learning through
``params.learning.resources_effect``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..budget import Spending, funded_pupils
from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Funding(Lever):
    primary_yuan: float | None = Field(None, ge=0, le=10000,
                                       description="per-student funding, primary (seed 003: 1300)")
    middle_yuan: float | None = Field(None, ge=0, le=10000,
                                      description="per-student funding, middle (seed 003: 1700)")


class TownHub(Lever):
    target_facilities: float = Field(1.0, ge=0.5, le=2.0,
                                     description="town-seat facilities reached (1 = standard)")


def extra_funding(st: CountyState, lever: Funding, level: float) -> np.ndarray:
    """Extra yuan per student (primary, middle) above the status quo."""
    p = st.params.pay
    base = np.array([p.funding_primary, p.funding_middle])
    target = np.array([lever.primary_yuan if lever.primary_yuan is not None else base[0],
                       lever.middle_yuan if lever.middle_yuan is not None else base[1]])
    return level * np.maximum(target - base, 0)


def apply_funding(st: CountyState, lever: Funding, level: float, year: int) -> None:
    lp = st.params.levers
    enr = st.schools.enrolled.astype(float)
    pupils = np.maximum(enr.sum(axis=1), 1)
    per_student = (enr @ extra_funding(st, lever, level)) / pupils
    gain = lp.funding_to_facilities * per_student / 1000
    st.schools.facilities = np.maximum(st.schools.facilities,
                                  np.minimum(st.schools.facilities + gain, lp.facilities_cap))


def apply_town_hub(st: CountyState, lever: TownHub, level: float, year: int) -> None:
    c = st.county
    seat = c.school_type == TOWN_SEAT
    base = c.facilities[seat]
    goal = base + level * np.maximum(lever.target_facilities - base, 0)
    rise = np.maximum(goal - st.schools.facilities[seat], 0)
    st.schools.facilities[seat] += rise
    st.now.outlays["town_hub"] = rise.sum() * st.params.levers.town_hub_yuan_per_unit


def cost_funding(st: CountyState, lever: Funding, level: float, year: int) -> Spending:
    """Operating funds above the status quo, for the pupils the floor rule funds."""
    return Spending(operating=float(funded_pupils(st) @ extra_funding(st, lever, level)))


def cost_town_hub(st: CountyState, lever: TownHub, level: float, year: int) -> Spending:
    """Building spent this year raising town-seat facilities, charged over a building's life."""
    return Spending(capital=st.now.outlays.get("town_hub", 0.0),
                    life=st.params.budget.building_life_years)
