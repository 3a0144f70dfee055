"""Coverage levers that reach a share of rural schools: urban-rural pairing and education groups
(seed 000: 1:1 pairing; seed 001 task 9: 40% in 2023 -> 100% in 2025), digital synchronous
classrooms (seed 001 task 12: 30%/50% -> 100% by 2025) and itinerant teaching of shortage subjects
(seed 001 task 5: 走教). The level of the timeline is the share of rural schools covered (of
village schools and teaching points for itinerant teaching); schools
are covered in a fixed order (town seats first, then the largest villages), so a school keeps
its cover as coverage grows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..budget import Spending
from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Pairing(Lever):
    """Each covered rural school is paired with a county-seat school or joins an education group."""


class Digital(Lever):
    """Each covered rural school has synchronous (专递) classrooms with county-seat teachers."""


class Itinerant(Lever):
    """Covered small schools get shortage subjects taught by itinerant teachers."""


def covered(st: CountyState, level: float, small_only: bool = False) -> np.ndarray:
    """The rural schools covered at ``level`` (a share), in the fixed cover order."""
    c = st.county
    rural = st.schools.open & (c.school_type >= TOWN_SEAT)
    if small_only:
        rural &= c.school_type > TOWN_SEAT
    order = st.levers.cover_order[rural[st.levers.cover_order]]
    return order[: int(np.floor(level * order.size + 1e-9))]


def apply_pairing(st: CountyState, lever: Pairing, level: float, year: int) -> None:
    lp = st.params.levers
    schools = covered(st, level)
    st.effects.value_added[schools] += lp.pairing_value_added
    st.effects.support_rate[schools] += lp.pairing_convergence


def apply_digital(st: CountyState, lever: Digital, level: float, year: int) -> None:
    """Covered schools gain value added; a covered school without equipment, or whose
    equipment has reached the end of its life, is equipped this year."""
    schools = covered(st, level)
    st.effects.value_added[schools] += st.params.levers.digital_value_added
    installed = st.levers.equipped_in[schools]
    due = (installed == 0) | (year - installed >= st.params.budget.equipment_life_years)
    st.levers.equipped_in[schools[due]] = year
    st.now.outlays["digital"] = due.sum() * st.params.levers.digital_equipment_yuan


def apply_itinerant(st: CountyState, lever: Itinerant, level: float, year: int) -> None:
    st.effects.full_curriculum[covered(st, level, small_only=True)] = True


def cost_pairing(st: CountyState, lever: Pairing, level: float, year: int) -> Spending:
    """Joint teaching research, visits and group management: operating funds."""
    return Spending(operating=covered(st, level).size * st.params.levers.pairing_yuan_year)


def cost_digital(st: CountyState, lever: Digital, level: float, year: int) -> Spending:
    """Network and platform fees, and this year's equipment charged over its life."""
    lp = st.params.levers
    return Spending(operating=covered(st, level).size * lp.digital_yuan_year,
                    capital=st.now.outlays.get("digital", 0.0),
                    life=st.params.budget.equipment_life_years)


def cost_itinerant(st: CountyState, lever: Itinerant, level: float, year: int) -> Spending:
    """Travel and allowances of the itinerant teachers: personnel."""
    schools = covered(st, level, small_only=True)
    return Spending(personnel=schools.size * st.params.levers.itinerant_yuan_year)
