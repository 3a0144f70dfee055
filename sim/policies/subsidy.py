"""Rural teacher subsidies: allowance graded by remoteness, transport allowance, turnover housing
(seed 000 三.1-2; seed 001 task 6).

The allowance acts through the exit intent (stages.labour.exit_probability) and the fill rate of
rural posts, both only above ~15% of salary, and a rise loses part of its effect over the years
(Jiang & Yip 2024). Its cost is the allowance above the status quo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..budget import Spending
from ..kinds import N_SCHOOL_TYPES, TEACHING_POINT, TOWN_SEAT, VILLAGE, is_rural
from ..pay import baseline_allowance
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Subsidy(Lever):
    town_seat_yuan_month: float | None = Field(None, ge=0, le=5000,
                                               description="allowance at town-seat schools")
    village_yuan_month: float | None = Field(None, ge=0, le=5000,
                                             description="allowance at village schools")
    teaching_point_yuan_month: float | None = Field(None, ge=0, le=5000,
                                                    description="allowance at teaching points")
    transport_yuan_month: float = Field(0.0, ge=0, le=2000,
                                        description="transport allowance of rural teachers")
    housing_share: float = Field(0.0, ge=0, le=1,
                                 description="share of rural teachers given turnover housing")


def apply(st: CountyState, lever: Subsidy, level: float, year: int) -> None:
    e = st.effects
    base = baseline_allowance(st.params)
    target = base.copy()
    for k, value in ((TOWN_SEAT, lever.town_seat_yuan_month), (VILLAGE, lever.village_yuan_month),
                     (TEACHING_POINT, lever.teaching_point_yuan_month)):
        if value is not None:
            target[k] = value
    target = np.maximum(target, base)  # the lever raises allowances; it never cuts them
    new = base + level * (target - base)
    transport = level * lever.transport_yuan_month
    rural = is_rural(np.arange(N_SCHOOL_TYPES))
    # a rise in what a rural teacher receives (allowance plus transport) restarts the fading
    rose = (new + transport * rural) > (e.allowance + e.transport_yuan * rural) + 1e-9
    e.allowance_rise_year[rose] = year
    e.allowance = new
    e.transport_yuan = transport
    e.housing_share = level * lever.housing_share
    flats = round(e.housing_share * st.schools.posts[is_rural(st.county.school_type)].sum())
    new = max(flats - st.levers.flats, 0)
    st.levers.flats += new
    st.now.outlays["subsidy"] = new * st.params.levers.housing_yuan_flat


def cost(st: CountyState, lever: Subsidy, level: float, year: int) -> Spending:
    """The allowance and transport allowance above the status quo (personnel; allowances
    carry no social contributions) and the turnover flats built this year (capital)."""
    e = st.effects
    rural = slice(TOWN_SEAT, None)  # town seat, village, teaching point
    extra = (e.allowance - baseline_allowance(st.params))[rural] + e.transport_yuan
    per_type = np.bincount(st.county.school_type, weights=st.schools.posts,
                           minlength=N_SCHOOL_TYPES)
    return Spending(personnel=float(12 * (per_type[rural] * extra).sum()),
                    capital=st.now.outlays.get("subsidy", 0.0),
                    life=st.params.budget.building_life_years)
