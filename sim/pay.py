"""Teachers' pay before any new policy: base salary by title and the rural allowance by school
type. Shared by the labour market (exit intent, fill rates), the subsidy lever (its cost is the
allowance above this) and the salary cost indicator."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .parameters import Parameters


def salary(params: Parameters) -> np.ndarray:
    """Monthly base salary by title (yuan), indexed by ``kinds.Title``."""
    p = params.pay
    return np.array([p.salary_none, p.salary_level2, p.salary_level1, p.salary_senior])


def baseline_allowance(params: Parameters) -> np.ndarray:
    """Monthly allowance by school type before any new policy (yuan), indexed by
    ``kinds.SchoolType``: none at county-seat schools."""
    p = params.pay
    return np.array([0.0, 0.0, p.allowance_town_seat, p.allowance_village,
                     p.allowance_teaching_point])
