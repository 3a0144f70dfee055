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

from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..model import CountyModel


class Funding(Lever):
    primary_yuan: float | None = Field(None, ge=0, le=10000,
                                       description="per-student funding, primary (seed 003: 1300)")
    middle_yuan: float | None = Field(None, ge=0, le=10000,
                                      description="per-student funding, middle (seed 003: 1700)")


class TownHub(Lever):
    target_facilities: float = Field(1.0, ge=0.5, le=2.0,
                                     description="town-seat facilities reached (1 = standard)")


def extra_funding(model: CountyModel, lever: Funding, level: float) -> np.ndarray:
    """Extra yuan per student (primary, middle) above the status quo."""
    p = model.params.pay
    base = np.array([p.funding_primary, p.funding_middle])
    target = np.array([lever.primary_yuan if lever.primary_yuan is not None else base[0],
                       lever.middle_yuan if lever.middle_yuan is not None else base[1]])
    return level * np.maximum(target - base, 0)


def apply_funding(model: CountyModel, lever: Funding, level: float, year: int) -> None:
    lp = model.params.levers
    enr = model.enrolled.astype(float)
    pupils = np.maximum(enr.sum(axis=1), 1)
    per_student = (enr @ extra_funding(model, lever, level)) / pupils
    gain = lp.funding_to_facilities * per_student / 1000
    model.facilities = np.maximum(model.facilities,
                                  np.minimum(model.facilities + gain, lp.facilities_cap))


def apply_town_hub(model: CountyModel, lever: TownHub, level: float, year: int) -> None:
    c = model.county
    seat = c.school_type == TOWN_SEAT
    base = c.facilities[seat]
    goal = base + level * np.maximum(lever.target_facilities - base, 0)
    rise = np.maximum(goal - model.facilities[seat], 0)
    model.facilities[seat] += rise
    model.town_hub_spent += rise.sum() * model.params.levers.town_hub_yuan_per_unit


def cost_funding(model: CountyModel, lever: Funding, level: float, year: int) -> float:
    return float(model.enrolled.sum(axis=0) @ extra_funding(model, lever, level))


def cost_town_hub(model: CountyModel, lever: TownHub, level: float, year: int) -> float:
    spent, model.town_hub_spent = model.town_hub_spent, 0.0
    return float(spent)
