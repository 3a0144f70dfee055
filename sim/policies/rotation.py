"""Urban-rural teacher rotation (seed 000 四; seed 001 task 4; seed 002 三.二; seed 003: 4,000 a
year): a share of eligible county-seat teachers, a fifth of them backbone teachers, teach at
rural schools for a few years and then return to their post.

The lever sets the orders (``Effects.rotation_*``); the rotation itself happens in the labour
market (``sim.stages.rotation``). Rotated teachers raise the host school's value added and
leave their home school short for a while; backbone teachers also raise their host colleagues'
effectiveness while they stay. With ``senior_needs_rural_year`` a county-seat teacher cannot become
senior without a rural year, so those due for promotion ask to rotate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..budget import Spending, employer_cost
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Rotation(Lever):
    share: float = Field(0.10, ge=0, le=0.5,
                         description="eligible county-seat teachers sent per year (>= 10%)")
    backbone_share: float = Field(0.20, ge=0, le=1,
                                  description="backbone teachers among them (>= 20%)")
    duration_years: int = Field(2, ge=1, le=6, description="years a rotation lasts")
    max_age_men: int = Field(50, ge=30, le=63, description="eligible below this age (men)")
    max_age_women: int = Field(45, ge=30, le=58, description="eligible below this age (women)")
    senior_needs_rural_year: bool = Field(
        False, description="a senior title needs a year of rural service (seed 000)")
    principal_term_years: int = Field(
        0, ge=0, le=20, description="rural principals exchanged after this many years, e.g. 6 "
        "for two terms (seed 001 task 4); 0: not applied")
    young_principal_share: float = Field(
        0.0, ge=0, le=1, description="share of rural principal vacancies filled by young (< 45) "
        "county-seat reserve principals (seed 001 task 4: >= 50% under 45 by 2027)")


def apply(st: CountyState, lever: Rotation, level: float, year: int) -> None:
    """This year's rotation orders for the labour market (``stages.rotation``)."""
    e = st.effects
    e.senior_needs_rural_year = level > 0 and lever.senior_needs_rural_year
    if level > 0:
        e.rotation_level = level
        e.rotation_share = level * lever.share
        e.rotation_backbone_share = lever.backbone_share
        e.rotation_years = lever.duration_years
        e.rotation_max_age = (lever.max_age_men, lever.max_age_women)
        e.principal_term_years = lever.principal_term_years
        e.young_principal_share = level * lever.young_principal_share
        st.levers.principal_rotation_years = lever.principal_term_years or lever.duration_years


def cost(st: CountyState, lever: Rotation, level: float, year: int) -> Spending:
    """Allowance and travel of each rotated teacher, and a substitute for each post left empty
    at home, paid as an untitled teacher at the employer's cost: personnel."""
    substitutes = st.schools.cover.sum() * employer_cost(st.params, st.params.pay.salary_none)
    return Spending(personnel=float(st.levers.n_rotating * st.params.levers.rotation_yuan_year
                                    + substitutes))
