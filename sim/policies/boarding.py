"""Boarding at town-seat schools (seed 001 task 8; seed 004 四.一): more beds, the youngest grade
allowed to board, and dormitory staffing.

Beds let far-away pupils board instead of travelling (no distance dropout risk, shorter felt
journey in school choice). Boarding costs young pupils achievement (Wang et al. 2016; Yue et
al. 2014), which good dormitory staffing offsets in part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..model import CountyModel


class Boarding(Lever):
    beds_per_student: float = Field(0.9, ge=0, le=1.5,
                                     description="town-seat beds per student of boarding age")
    min_grade: int | None = Field(None, ge=1, le=9,
                                  description="youngest grade allowed to board (none: as before)")
    dorm_staff_quality: float = Field(0.0, ge=0, le=1,
                                      description="0: as now; 1: full dormitory staffing")


def apply(model: CountyModel, lever: Boarding, level: float, year: int) -> None:
    e = model.effects
    if level <= 0:
        return
    e.min_board_grade = lever.min_grade
    e.dorm_quality = level * lever.dorm_staff_quality
    c = model.county
    min_grade = lever.min_grade or model.params.boarding.min_grade
    primary_share = np.clip((7 - min_grade) / 6, 0, 1)
    of_age = model.enrolled[:, 0] * primary_share + model.enrolled[:, 1] * (min_grade <= 9)
    target = np.where((c.school_type == TOWN_SEAT) & model.school_open,
                      np.round(lever.beds_per_student * of_age), 0)
    goal = model.initial_beds + level * np.maximum(target - model.initial_beds, 0)
    added = np.maximum(goal - model.beds, 0)
    model.beds = model.beds + added
    model.beds_added += added


def cost(model: CountyModel, lever: Boarding, level: float, year: int) -> float:
    lp = model.params.levers
    boarders = model.school_boarders.sum()
    return float(model.beds_added.sum() * lp.bed_yuan_year
                 + model.effects.dorm_quality * boarders / 50 * lp.dorm_staff_yuan_year)
