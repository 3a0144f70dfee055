"""Boarding at town-seat schools (seed 001 task 8; seed 004 四.一) and, where a county chooses,
at each town's central village primary: more beds, the youngest grade allowed to board, and
dormitory staffing.

Beds let far-away pupils board instead of travelling (no distance dropout risk, shorter felt
journey in school choice). Boarding costs young pupils achievement (Wang et al. 2016; Yue et
al. 2014), which good dormitory staffing offsets in part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from ..budget import Spending
from ..kinds import FIRST_MIDDLE_GRADE, TOWN_SEAT
from .timeline import Lever

BOARDERS_PER_DORM_STAFF = 50  # dormitory staff per boarders (ODD, fixed constants)

if TYPE_CHECKING:
    from ..state import CountyState


class Boarding(Lever):
    beds_per_student: float = Field(0.9, ge=0, le=1.5,
                                     description="town-seat beds per student of boarding age")
    min_grade: int | None = Field(None, ge=1, le=9,
                                  description="youngest grade allowed to board (none: as before)")
    dorm_staff_quality: float = Field(0.0, ge=0, le=1,
                                      description="0: as now; 1: full dormitory staffing")
    sites: list[Literal["town_seat", "central_village"]] = Field(
        ["town_seat"], min_length=1,
        description="where beds are built: town-seat schools, and each town's central village "
                    "primary (its largest village school)")


def apply(st: CountyState, lever: Boarding, level: float, year: int) -> None:
    e = st.effects
    if level <= 0:
        return
    e.min_board_grade = lever.min_grade
    e.dorm_quality = level * lever.dorm_staff_quality
    c = st.county
    min_grade = lever.min_grade or st.params.boarding.min_grade
    primary_share = min(max((FIRST_MIDDLE_GRADE - min_grade) / 6, 0.0), 1.0)  # of 6 primary grades
    enrolled = st.schools.enrolled
    of_age = enrolled[:, 0] * primary_share + enrolled[:, 1] * (min_grade <= 9)
    sites = (c.school_type == TOWN_SEAT) if "town_seat" in lever.sites else np.zeros_like(
        st.schools.open)
    if "central_village" in lever.sites:
        sites = sites | st.schools.central_village
    target = np.where(sites & st.schools.open,
                      np.round(lever.beds_per_student * of_age), 0)
    goal = st.schools.initial_beds + level * np.maximum(target - st.schools.initial_beds, 0)
    added = np.maximum(goal - st.schools.beds, 0)
    st.schools.beds = st.schools.beds + added
    st.schools.beds_added += added
    st.now.outlays["boarding"] = added.sum() * st.params.levers.bed_yuan


def cost(st: CountyState, lever: Boarding, level: float, year: int) -> Spending:
    """Dormitory carers (personnel) and this year's new beds, charged over a building's life.
    The extra boarders' living subsidies are status-quo aid."""
    lp = st.params.levers
    boarders = st.schools.boarders.sum()
    return Spending(personnel=float(st.effects.dorm_quality * boarders / BOARDERS_PER_DORM_STAFF
                                    * lp.dorm_staff_yuan_year),
                    capital=st.now.outlays.get("boarding", 0.0),
                    life=st.params.budget.building_life_years)
