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

from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..model import CountyModel


class Pairing(Lever):
    """Each covered rural school is paired with a county-seat school or joins an education group."""


class Digital(Lever):
    """Each covered rural school has synchronous (专递) classrooms with county-seat teachers."""


class Itinerant(Lever):
    """Covered small schools get shortage subjects taught by itinerant teachers."""


def covered(model: CountyModel, level: float, small_only: bool = False) -> np.ndarray:
    """The rural schools covered at ``level`` (a share), in the fixed cover order."""
    c = model.county
    rural = model.school_open & (c.school_type >= TOWN_SEAT)
    if small_only:
        rural &= c.school_type > TOWN_SEAT
    order = model.cover_order[rural[model.cover_order]]
    return order[: int(np.floor(level * order.size + 1e-9))]


def apply_pairing(model: CountyModel, lever: Pairing, level: float, year: int) -> None:
    lp = model.params.levers
    schools = covered(model, level)
    model.effects.value_added[schools] += lp.pairing_value_added
    model.effects.teacher_growth[schools] += lp.pairing_teacher_growth


def apply_digital(model: CountyModel, lever: Digital, level: float, year: int) -> None:
    model.effects.value_added[covered(model, level)] += model.params.levers.digital_value_added


def apply_itinerant(model: CountyModel, lever: Itinerant, level: float, year: int) -> None:
    model.effects.full_curriculum[covered(model, level, small_only=True)] = True


def cost_pairing(model: CountyModel, lever: Pairing, level: float, year: int) -> float:
    return covered(model, level).size * model.params.levers.pairing_yuan_year


def cost_digital(model: CountyModel, lever: Digital, level: float, year: int) -> float:
    return covered(model, level).size * model.params.levers.digital_yuan_year


def cost_itinerant(model: CountyModel, lever: Itinerant, level: float, year: int) -> float:
    return covered(model, level, small_only=True).size * model.params.levers.itinerant_yuan_year
