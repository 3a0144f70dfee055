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

from .timeline import Lever

if TYPE_CHECKING:
    from ..model import CountyModel


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


def baseline_allowance(model: CountyModel) -> np.ndarray:
    """Monthly allowance by school type before any new policy (yuan)."""
    p = model.params.pay
    return np.array([0.0, 0.0, p.allowance_town_seat, p.allowance_village,
                     p.allowance_teaching_point])


def apply(model: CountyModel, lever: Subsidy, level: float, year: int) -> None:
    e = model.effects
    base = baseline_allowance(model)
    target = base.copy()
    for k, value in ((2, lever.town_seat_yuan_month), (3, lever.village_yuan_month),
                     (4, lever.teaching_point_yuan_month)):
        if value is not None:
            target[k] = value
    new = base + level * (target - base)
    transport = level * lever.transport_yuan_month
    rural = np.arange(5) >= 2
    # a rise in what a rural teacher receives (allowance plus transport) restarts the fading
    rose = (new + transport * rural) > (e.allowance + e.transport_yuan * rural) + 1e-9
    e.allowance_rise_year[rose] = year
    e.allowance = new
    e.transport_yuan = transport
    e.housing_share = level * lever.housing_share


def cost(model: CountyModel, lever: Subsidy, level: float, year: int) -> float:
    e, lp = model.effects, model.params.levers
    extra = (e.allowance - baseline_allowance(model))[2:] + e.transport_yuan
    if not extra.any() and e.housing_share == 0:
        return 0.0
    per_type = model.posts_by_type
    return float(12 * (per_type[2:] * extra).sum()
                 + e.housing_share * per_type[2:].sum() * lp.housing_yuan_year)
