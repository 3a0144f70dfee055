"""Levers on teachers' careers: training hours (seed 000: >= 40 h; seed 002), directed title
evaluation for long-serving rural teachers (seed 000 三.2: 10/20 years, outside the post quota;
seed 002: 515 senior titles), degree upgrading of rural teachers (seed 001 task 5: 学历提升) and
the rural service period binding new teachers (seed 001 task 5: 新任职教师前两个聘期捆绑).

Training moves rural teachers a little toward the urban quality schools' effectiveness (the
evidence finds little: Loyalka et al. 2019), as mentoring does (``stages.labour``: bounded
support gains). Directed titles raise pay and lower exit intent through the title; the pay they
add is their cost. Bound teachers may not request a transfer during their service period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..budget import NOTHING, Spending, employer_cost
from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..state import CountyState


class Training(Lever):
    hours: float = Field(40.0, ge=0, le=500, description="hours per trained teacher per year")
    coverage: float = Field(1.0, ge=0, le=1, description="share of rural teachers trained")


class TitleReform(Lever):
    level1_years: int = Field(10, ge=1, le=40, description="rural years for a level-1 title")
    senior_years: int = Field(20, ge=1, le=40, description="rural years for a senior title")
    per_year: int | None = Field(None, ge=0, le=10000, description="directed titles granted a "
                                 "year at most, per step, longest rural service first (none: "
                                 "every eligible applicant)")


class DegreeUpgrade(Lever):
    rate: float = Field(0.10, ge=0, le=0.5, description="share of rural non-graduates under 50 "
                        "completing a bachelor's degree a year (seed 001 task 5: 学历提升)")


class ServiceBinding(Lever):
    years: int = Field(6, ge=1, le=15,
                       description="rural service period of new teachers (two contract periods)")


def apply_training(st: CountyState, lever: Training, level: float, year: int) -> None:
    rate = (st.params.levers.training_convergence_per_40h * lever.hours / 40 * lever.coverage
            * level)
    st.effects.support_rate[st.county.school_type >= TOWN_SEAT] += rate


def cost_training(st: CountyState, lever: Training, level: float, year: int) -> Spending:
    """Course fees and cover (operating funds pay for training: 公用经费)."""
    rural = st.schools.staff[st.county.school_type >= TOWN_SEAT].sum()  # who teaches there
    return Spending(operating=float(level * lever.coverage * rural * lever.hours
                                    * st.params.levers.training_yuan_hour))


def apply_title_reform(st: CountyState, lever: TitleReform, level: float, year: int) -> None:
    if level > 0:
        st.effects.title_years = (lever.level1_years, lever.senior_years)
        st.effects.titles_per_year = (None if lever.per_year is None
                                      else int(round(level * lever.per_year)))


def apply_degree_upgrade(st: CountyState, lever: DegreeUpgrade, level: float,
                         year: int) -> None:
    st.effects.degree_upgrade_rate = level * lever.rate


def cost_degree_upgrade(st: CountyState, lever: DegreeUpgrade, level: float,
                        year: int) -> Spending:
    """Tuition for each degree the lever adds (operating funds: teacher development)."""
    return Spending(operating=st.now.funded_degrees * st.params.levers.degree_yuan)


def apply_binding(st: CountyState, lever: ServiceBinding, level: float, year: int) -> None:
    if level > 0:
        st.effects.binding_years = lever.years


def cost_title_reform(st: CountyState, lever: TitleReform, level: float,
                      year: int) -> Spending:
    """The salaries directed titles added, at the employer's cost, for as long as their holders
    teach (an upper bound: some of them would have been promoted later anyway)."""
    T = st.teachers
    gain = float(T.directed_gain[T.active()].sum())
    return Spending(personnel=float(employer_cost(st.params, gain))) if gain else NOTHING


def no_cost(st: CountyState, lever: Lever, level: float, year: int) -> Spending:
    """Levers whose cost is administrative."""
    return NOTHING
