"""The county's education accounts by budget line, as a county finance bureau keeps them.

Four lines: personnel (人员经费) at the employer's full cost, operating funds (公用经费) per pupil
with the small-school floor, student aid (资助: boarding living subsidies, school lunch) and
capital (基本建设 and equipment). A lever's cost is split over the same lines (``Spending``), so
the status quo plus the levers is the whole bill. Capital is paid in the year it is built (the
cash ``outlay``) and charged over its life in equal instalments, as government accounting
depreciates it: an outlay's instalments sum to the outlay.

The budget envelope is what the county can spend on these schools. The rule that binds counties,
两个只增不减 (general-budget education spending, in total and per pupil, never falls), has two
readings once enrolment falls: the total held (the start year's spending, or the county's own
figure) and spending per pupil held (the envelope shrinks with the pupils). Both are reported,
each grown at a real rate (``params.budget``).

This module knows the rules; ``sim.policies`` says what each lever spends and ``sim.accounts``
assembles the year's columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .pay import baseline_allowance, salary

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .parameters import Parameters
    from .state import CountyState

LINES = ("personnel", "operating", "aid", "capital")
RECURRENT = LINES[:3]  # what the status quo spends every year (事业费); capital comes from levers


class Spending(NamedTuple):
    """One year's cost of a lever (yuan) by budget line. ``capital`` is the outlay made this
    year; it is charged over ``life`` years from this year on."""

    personnel: float = 0.0
    operating: float = 0.0
    aid: float = 0.0
    capital: float = 0.0
    life: int = 1

    @property
    def recurrent(self) -> float:
        return self.personnel + self.operating + self.aid


NOTHING = Spending()


def employer_cost(params: Parameters, monthly: np.ndarray | float) -> np.ndarray | float:
    """What a monthly salary costs the employer in a year: gross annual pay (``pay_months`` of
    it) plus social contributions and the housing fund."""
    b = params.budget
    return monthly * b.pay_months * (1 + b.employer_on_cost)


def instalment(outlay: float, built: int, life: int, year: int) -> float:
    """This year's charge for an outlay made in ``built``: outlay / life in each of the ``life``
    years from ``built``, nothing before or after."""
    return outlay / life if built <= year < built + life else 0.0


def capital_charges(outlays: list[tuple[str, int, float, int]], levers: Iterable[str],
                    year: int) -> dict[str, float]:
    """This year's charge for each lever's past outlays (``(lever, year, yuan, life)``
    records), in one pass over the records."""
    charges: dict[str, float] = dict.fromkeys(levers, 0.0)
    for name, built, yuan, life in outlays:
        if name in charges:
            charges[name] += instalment(yuan, built, life, year)
    return charges


def status_quo(st: CountyState) -> np.ndarray:
    """The year's spending before any lever, by stage (rows: primary, middle) and recurrent
    line (columns: personnel, operating, aid), in yuan.

    Personnel: every active teacher's salary by title (without what a directed title added: the
    title-reform lever pays that) at the employer's cost, the status-quo rural allowance, and
    non-teaching staff paid as untitled teachers. Operating: per-pupil funds, with open schools
    under the floor funded as if they had ``funding_floor_pupils``. Aid: boarding living
    subsidies. A school's costs go to the stages in proportion to its pupils."""
    p, b, c, T = st.params, st.params.budget, st.county, st.teachers
    enr = st.schools.enrolled.astype(float)
    pupils = enr.sum(axis=1)
    middle_share = np.divide(enr[:, 1], pupils, out=np.zeros_like(pupils), where=pupils > 0)
    act = T.active()
    home = T.home_school[act]
    monthly = salary(p)[T.title[act]] - T.directed_gain[act]
    pay = (employer_cost(p, monthly) + 12 * baseline_allowance(p)[c.school_type[home]]
           + b.non_teaching_staff * employer_cost(p, p.pay.salary_none))
    per_school = np.bincount(home, weights=pay, minlength=c.n_schools)
    personnel = np.array([(per_school * (1 - middle_share)).sum(),
                          (per_school * middle_share).sum()])
    operating = funded_pupils(st) * [p.pay.funding_primary, p.pay.funding_middle]
    aid = np.array(st.now.boarders_by_stage) * [p.pay.boarding_primary_yuan,
                                                p.pay.boarding_middle_yuan]
    return np.column_stack([personnel, operating, aid])


def funded_pupils(st: CountyState) -> np.ndarray:
    """Pupils funded by stage (primary, middle) under the small-school floor."""
    b = st.params.budget
    enr = st.schools.enrolled.astype(float)
    pupils = enr.sum(axis=1)
    scale = np.divide(np.maximum(pupils, b.funding_floor_pupils), pupils,
                      out=np.zeros_like(pupils), where=(pupils > 0) & st.schools.open)
    return (enr * scale[:, None]).sum(axis=0)


def envelope(st: CountyState, year: int) -> tuple[float, float]:
    """The year's budget envelope (yuan) in the two readings of 两个只增不减: the total held
    (``params.budget.envelope_yuan`` when given, else the start year's status-quo recurrent
    spending) and the start year's spending per pupil held for this year's pupils. Both grow
    at ``envelope_growth`` a year."""
    b, ledger = st.params.budget, st.ledger
    growth = (1 + b.envelope_growth) ** (year - st.scenario.start_year)
    total = b.envelope_yuan if b.envelope_yuan is not None else ledger.envelope_base
    per_pupil = total / max(ledger.start_pupils, 1) * st.schools.enrolled.sum()
    return float(total * growth), float(per_pupil * growth)
