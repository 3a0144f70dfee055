"""Consolidation of small schools (seed 001 task 8; seed 004 四.一): close teaching points or village
primaries whose enrollment is below a threshold (and, by default, shrinking), smallest first.

Their pupils choose again among the remaining schools and their teachers are redeployed. A school
bus shortens the felt journey and removes the distance risk; without one, younger pupils from
the closed schools' villages face a dropout (non-attendance) risk that grows with distance,
the concern behind the seed's "保障学生就学交通和午餐". Lunch lowers dropout a little. The bus
and lunch stay for those villages (``sim.policies.transport`` gives them without closures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from ..budget import Spending
from ..kinds import TEACHING_POINT, VILLAGE, of_types
from .timeline import Lever
from .transport import service_cost

if TYPE_CHECKING:
    from ..state import CountyState

CLOSABLE = {"teaching_point": TEACHING_POINT, "village": VILLAGE}


def _teaching_points_only() -> list[Literal["teaching_point", "village"]]:
    """The default of ``Consolidation.types`` (a function, so its element type is the Literal)."""
    return ["teaching_point"]


class Consolidation(Lever):
    threshold: int = Field(30, ge=0, le=2000, description="close below this many students")
    types: list[Literal["teaching_point", "village"]] = Field(
        default_factory=_teaching_points_only, description="which schools may close")
    max_share_per_year: float = Field(1.0, ge=0, le=1,
                                      description="share of the eligible closed in one year")
    require_shrinking: bool = Field(True, description="only schools whose enrollment fell over "
                                    "the last two years (seed 001: 生源持续萎缩)")
    bus: bool = Field(True, description="school buses for the closed schools' villages")
    lunch: bool = Field(True, description="school lunch for their pupils")


def apply(st: CountyState, lever: Consolidation, level: float, year: int) -> None:
    e = st.effects
    if level <= 0:
        return
    c = st.county
    history = st.history.enrollment
    if not history:
        return
    now = history[-1]
    kinds = of_types(c.school_type, [CLOSABLE[t] for t in lever.types])
    eligible = st.schools.open & kinds & (now < lever.threshold)
    if lever.require_shrinking:
        before = history[-3] if len(history) >= 3 else history[0]
        eligible &= now < before
    candidates = np.flatnonzero(eligible)
    n_close = int(np.floor(level * lever.max_share_per_year * candidates.size + 0.5))
    close = candidates[np.argsort(now[candidates], kind="stable")][:n_close]
    if close.size == 0:
        return
    lost = st.close_schools(close, year)
    for kept, now, on in ((e.closure_bus, e.bus, lever.bus), (e.closure_lunch, e.lunch,
                                                              lever.lunch)):
        kept[lost] = on
        now |= kept


def cost(st: CountyState, lever: Consolidation, level: float, year: int) -> Spending:
    """Buses and lunch for the day pupils of the villages that lost their school. Closing
    saves personnel and operating funds through the status quo (fewer posts, no small-school
    floor), not here."""
    return service_cost(st, st.effects.closure_bus, st.effects.closure_lunch)
