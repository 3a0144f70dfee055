"""Families moving to the county seat for school in mid-stage (陪读, a rented or bought flat).

Between the choice points (entry, grade 7, a closure) a rural family may still move to the
county seat. How likely it is follows the same utilities as the school choice
(``enrollment.choice_set``): what the county-seat schools offer over the child's present
school (observed results, the 中考 chance, a full curriculum), the daily journey it spares,
the cost of moving, which falls as rural incomes rise, and the family's background. A family's
yearly hazard is

    h = relocation_rate * exp(A) / mean_0 exp(A),    A = logsum of the county-seat options
                                                         - the utility of staying put,

the odds form of a logit whose outside option is rare: ``relocation_rate`` keeps its meaning,
the share of rural pupils at rural schools whose family moves in a year, at the county as it is
at the start (``mean_0``: over those pupils before any lever acts), and every later change moves
it through the choice model's own weights. A lever that improves the rural school, a closure
that lengthens the journey, richer later cohorts: each raises or lowers the hazard as it would
move a choice, with no second set of effect sizes.
"""

from __future__ import annotations

from functools import reduce  # over the options, left to right, as numpy reduces a row
from typing import TYPE_CHECKING

import numpy as np

from ..kinds import ENROLLED, URBAN_PLACE
from .enrollment import LOCAL, ORDINARY, QUALITY, SEAT, choice_set, refresh_options

if TYPE_CHECKING:
    from ..state import CountyState

def eligible(st: CountyState, ids: np.ndarray) -> np.ndarray:
    """Which of the pupils ``ids`` may relocate: enrolled, rural home, at a rural school (a
    rural child already at a county-seat school has made the move; an entrant chooses)."""
    s, c = st.students, st.county
    sch = s.school[ids]
    rural_school = (sch < c.n_schools) & ~np.append(c.is_urban_school, True)[sch]
    return ((s.status[ids] == ENROLLED) & (c.place_kind[s.place[ids]] != URBAN_PLACE)
            & rural_school)


def advantage(st: CountyState, ids: np.ndarray, year: int) -> np.ndarray:
    """exp(A) for the pupils ``ids``: the logit odds of moving to the county seat over staying
    at the present school, as the school choice would weigh them this year."""
    s, cp = st.students, st.params.choice
    opt, v = choice_set(st, ids, year)  # one array per option: numpy reduces short rows slowly
    # the local and town-seat options are rural schools: only the other two can mean a move
    county_seat = (ORDINARY, QUALITY)
    urban = [st.places.urban[opt[k]] for k in county_seat]
    ses_term = np.float32(cp.ses_urban_weight) * s.ses[ids]
    move = [np.where(u, v[k] + ses_term, -np.inf) for u, k in zip(urban, county_seat)]
    top = reduce(np.maximum, move)
    has = np.isfinite(top)  # a place whose bands have no county-seat school: no move
    top = np.where(has, top, 0)
    weight = reduce(np.add, [np.exp(x - top) for x in move])
    logsum = top + np.log(np.where(has, weight, 1))
    school = s.school[ids]
    present = [o == school for o in opt]
    away = [np.where(u, -np.inf, v[k]) for u, k in zip(urban, county_seat)]
    rural_best = reduce(np.maximum, [v[LOCAL], v[SEAT], *away])
    here = reduce(np.add, [np.where(p, x, 0) for p, x in zip(present, v)])
    stay = np.where(reduce(np.logical_or, present), here, rural_best)
    odds = np.exp(np.where(has, logsum - stay - np.float32(cp.stay_weight), -np.inf))
    return odds.astype(np.float64)


def normaliser(st: CountyState) -> float:
    """mean_0 exp(A): over the pupils who may relocate, at the county as built (before the
    first year and any lever), with the start year's incomes."""
    year = st.scenario.start_year
    win = st.students.window(year)
    ids = np.arange(win.start, win.stop)
    ids = ids.compress(eligible(st, ids))
    mean = float(advantage(st, ids, year).mean()) if ids.size else 1.0
    return mean if mean > 0 else 1.0


def relocate(st: CountyState, year: int) -> None:
    """Rural families at rural schools move to the county seat at their hazard; the child
    chooses a school again in the enrollment stage, from its new home."""
    s, c, p = st.students, st.county, st.params.demography
    refresh_options(st)  # families weigh this year's schools: without those closed this year
    win = s.window(year)
    u = st.streams.uniform("relocation", year, win.stop - win.start)
    # no hazard exceeds the ceiling, so only pupils whose uniform falls under it need one
    ceiling = p.relocation_max_hazard
    ids = np.flatnonzero(u < ceiling) + win.start
    ids = ids.compress(eligible(st, ids))
    hazard = np.minimum(p.relocation_rate * advantage(st, ids, year) / st.relocation_norm,
                        ceiling)
    draw = u[ids - win.start]
    moving = draw < hazard
    ids, draw, hazard = ids.compress(moving), draw.compress(moving), hazard.compress(moving)
    # the same uniform, rescaled, picks the neighbourhood in proportion to its weight
    urban = np.flatnonzero(c.place_kind == URBAN_PLACE)
    cum = np.cumsum(c.place_weight[urban])
    pick = np.searchsorted(cum, draw / np.maximum(hazard, 1e-12) * cum[-1])
    s.place[ids] = urban[np.minimum(pick, urban.size - 1)]
    st.now.relocated = ids
    st.now.flows["relocated"] = ids.size
