"""The year's accounts as timeseries columns: spending by budget line, each lever's cost, the
budget envelope and the financing gap (the rules are in ``sim.budget``).

A lever's yearly cost (``cost_lever_<name>_yuan``) is what it spends on personnel, operating
funds and aid this year plus this year's instalment of its capital: the economic cost a
cost-effectiveness ratio needs. ``cost_capital_outlay_yuan`` is the cash spent on building this
year. The financing gap compares the whole bill (status quo plus levers, capital by instalment,
as counties finance school building with bonds repaid over years) with the envelope, in each of
its two readings (``sim.budget``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .budget import LINES, RECURRENT, capital_charges, envelope, status_quo
from .policies import cost_column

if TYPE_CHECKING:
    from .state import CountyState

LINE_COLUMNS = tuple(f"cost_{line}_yuan" for line in LINES)


def accounts(st: CountyState, year: int) -> dict[str, float]:
    """This year's spending columns (after ``policies.costs``)."""
    base = status_quo(st)  # stage x recurrent line
    levers = st.now.costs
    charges = capital_charges(st.ledger.outlays, levers, year)
    per_lever = {name: s.recurrent + charges[name] for name, s in levers.items()}
    lines = dict(zip(RECURRENT, base.sum(axis=0)))
    for line in RECURRENT:
        lines[line] += sum(getattr(s, line) for s in levers.values())
    lines["capital"] = sum(charges.values())
    total = sum(lines.values())
    policy = sum(per_lever.values())
    budget, budget_per_pupil = envelope(st, year)
    pupils = st.schools.enrolled.sum(axis=0)
    per_pupil = np.divide(base.sum(axis=1), pupils, out=np.full(2, np.nan), where=pupils > 0)
    return {
        **{f"cost_{line}_yuan": float(v) for line, v in lines.items()},
        "cost_capital_outlay_yuan": float(sum(s.capital for s in levers.values())),
        **{cost_column(name): float(v) for name, v in per_lever.items()},
        "cost_policy_yuan": float(policy),
        "cost_total_yuan": float(total),
        "budget_envelope_yuan": budget,
        "financing_gap_yuan": max(float(total) - budget, 0.0),
        "budget_envelope_per_pupil_rule_yuan": budget_per_pupil,
        "financing_gap_per_pupil_rule_yuan": max(float(total) - budget_per_pupil, 0.0),
        "policy_share_of_budget": float(policy) / budget if budget > 0 else float("nan"),
        "spending_per_pupil_primary_yuan": float(per_pupil[0]),
        "spending_per_pupil_middle_yuan": float(per_pupil[1]),
        "discount_factor": (1 + st.params.budget.discount_rate) ** -(year
                                                                    - st.scenario.start_year),
    }
