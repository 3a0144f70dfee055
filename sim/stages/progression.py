"""End of the school year: dropout, graduation from grade 9, promotion to the next grade.

Dropout is a yearly hazard, mostly in middle school, raised by low achievement, low family SES,
left-behind status and long daily travel for day students (Yi et al. 2012 for the direction and
the poor-area upper bound; magnitudes are assumptions varied in sweeps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kinds import DROPPED_OUT, ENROLLED, FIRST_MIDDLE_GRADE, GRADUATED
from . import zhongkao

if TYPE_CHECKING:
    from ..state import CountyState


def dropout_probability(st: CountyState, ids: slice) -> np.ndarray:
    """Yearly dropout hazard of the middle-school students ``ids`` (a logit in their traits)."""
    s, dp = st.students, st.params.dropout
    win = s.window(st.year)
    z_rel = (s.z[ids] - st.exam.county_mean) / max(st.exam.county_sd, 1e-9)
    travel = st.now.travel[ids.start - win.start: ids.stop - win.start]
    bus = st.effects.bus[s.place[ids]]
    extra_km = np.maximum(travel - dp.safe_travel_km, 0.0) * ~(s.boarding[ids] | bus)
    with np.errstate(divide="ignore"):  # a base of 0 (its range's floor): no dropout at all
        base = np.log(dp.middle_base / (1 - dp.middle_base))
    logit = (base - np.log(dp.achievement_odds) * z_rel
             - np.log(dp.ses_odds) * s.ses[ids] + np.log(dp.left_behind_odds) * s.left_behind[ids]
             + np.log(dp.distance_odds) * extra_km)
    return 1.0 / (1.0 + np.exp(-logit))


def _consolidation_risks(st: CountyState, win: slice, p: np.ndarray) -> None:
    """Pupils of villages whose school closed: without a bus, primary pupils risk staying away
    as the journey grows, girls and the youngest most. School lunch (after a closure or by the
    transport lever) lowers the risk of every pupil it serves."""
    e, s, lp = st.effects, st.students, st.params.levers
    no_bus = e.lost_school & ~e.bus
    if not (no_bus.any() or e.lunch.any()):
        return
    # one gather for both: bit 0, the village lost its school and has no bus; bit 1, lunch
    served = (no_bus.view(np.int8) | (e.lunch.view(np.int8) << 1))[s.place[win]]
    # the rest is read from each pupil's class: school, grade and boarding (sim.classes)
    classes = st.now.class_key
    if no_bus.any():
        walk = np.flatnonzero((served & 1).view(bool) & st.classes.primary_day[classes])
        if walk.size:
            km = np.maximum(st.now.travel[walk] - st.params.dropout.safe_travel_km, 0.0)
            # girls and the youngest most (Hannum, Liu & Wang 2021)
            young = (FIRST_MIDDLE_GRADE - s.grade[win.start + walk]) / (FIRST_MIDDLE_GRADE - 1)
            sex = np.where(s.female[win.start + walk], 1.0, lp.no_bus_boys_ratio)
            p[walk] = np.minimum(p[walk] + lp.no_bus_dropout_per_km * km * young * sex, 1.0)
    if e.lunch.any():  # day pupils at rural schools, as the lunch is paid for
        fed = np.flatnonzero((served >> 1).view(bool) & st.classes.rural_day[classes])
        odds = p[fed] / (1 - p[fed]) * lp.lunch_dropout_odds
        p[fed] = odds / (1 + odds)


def progress(st: CountyState, year: int) -> None:
    """Middle-school students (the three oldest cohorts) face the dropout hazard; primary pupils
    a small constant rate."""
    s, n, f = st.students, st.county.n_schools, st.now.flows
    win = s.window(year)
    enrolled = s.status[win] == ENROLLED
    grade = s.grade[win]
    u = st.streams.uniform("dropout", year, win.stop - win.start)
    p = np.full(u.size, st.params.dropout.primary_base, np.float32)
    middle = s.cohort_slice(year - 8, year - 6)
    p[: middle.stop - win.start] = dropout_probability(st, middle)
    _consolidation_risks(st, win, p)
    drop = enrolled & (u < p)
    stay = enrolled & ~drop
    dropped = np.flatnonzero(drop) + win.start
    graduates = np.flatnonzero(stay & (grade == 9)) + win.start
    zhongkao.admit(st, graduates, year)
    grade += stay & (grade < 9)  # the others move up a grade
    s.status[dropped] = DROPPED_OUT
    s.status[graduates] = GRADUATED
    leave = np.concatenate([dropped, graduates])
    s.school[leave] = n
    s.distance[leave] = 0
    s.boarding[leave] = False
    dropout_grades = s.grade[dropped]
    f["dropouts"] = dropped.size
    f["middle_dropouts"] = int(np.count_nonzero(dropout_grades >= FIRST_MIDDLE_GRADE))
    f["graduates"] = graduates.size
    st.now.dropouts_by_grade = np.bincount(dropout_grades, minlength=10)
