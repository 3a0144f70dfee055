"""End of the school year: dropout, graduation from grade 9, promotion to the next grade.

Dropout is a yearly hazard, mostly in middle school, raised by low achievement, low family SES,
left-behind status and long daily travel for day students (Yi et al. 2012 for the direction and
the poor-area upper bound; magnitudes are assumptions varied in sweeps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..population import DROPPED_OUT, ENROLLED, GRADUATED

if TYPE_CHECKING:
    from ..model import CountyModel

def dropout_probability(model: CountyModel, ids: slice) -> np.ndarray:
    """Yearly dropout hazard of the middle-school students ``ids`` (a logit in their traits)."""
    s, dp = model.students, model.params.dropout
    win = s.window(model.year)
    z_rel = (s.z[ids] - model.z_mean) / max(model.z_sd, 1e-9)
    travel = model.travel[ids.start - win.start: ids.stop - win.start]
    bus = model.effects.bus[s.place[ids]]
    extra_km = np.maximum(travel - dp.safe_travel_km, 0.0) * ~(s.boarding[ids] | bus)
    logit = (np.log(dp.middle_base / (1 - dp.middle_base)) - np.log(dp.achievement_odds) * z_rel
             - np.log(dp.ses_odds) * s.ses[ids] + np.log(dp.left_behind_odds) * s.left_behind[ids]
             + np.log(dp.distance_odds) * extra_km)
    return 1.0 / (1.0 + np.exp(-logit))


def _consolidation_risks(model: CountyModel, win: slice, p: np.ndarray) -> None:
    """Pupils of villages whose school closed: without a bus, the younger ones risk staying
    away as the journey grows; school lunch lowers the risk for all of them."""
    e, s, lp = model.effects, model.students, model.params.levers
    if not e.lost_school.any():
        return
    lost = e.lost_school[s.place[win]]
    walk = lost & ~e.bus[s.place[win]] & (s.grade[win] < 7) & ~s.boarding[win]
    if walk.any():
        km = np.maximum(model.travel[walk] - model.params.dropout.safe_travel_km, 0.0)
        p[walk] = np.minimum(p[walk] + lp.no_bus_dropout_per_km * km, 1.0)
    if e.lunch:
        odds = p[lost] / (1 - p[lost]) * lp.lunch_dropout_odds
        p[lost] = odds / (1 + odds)


def progress(model: CountyModel, year: int) -> None:
    """Middle-school students (the three oldest cohorts) face the dropout hazard; primary pupils
    a small constant rate."""
    s, n, f = model.students, model.county.n_schools, model.flows
    win = s.window(year)
    enrolled = s.status[win] == ENROLLED
    grade = s.grade[win]
    u = model.streams.uniform("dropout", year, win.stop - win.start)
    p = np.full(u.size, model.params.dropout.primary_base, np.float32)
    middle = s.cohort_slice(year - 8, year - 6)
    p[: middle.stop - win.start] = dropout_probability(model, middle)
    _consolidation_risks(model, win, p)
    drop = enrolled & (u < p)
    graduate = enrolled & ~drop & (grade == 9)
    leave = np.flatnonzero(drop | graduate) + win.start
    s.status[win][drop] = DROPPED_OUT
    s.status[win][graduate] = GRADUATED
    s.school[leave] = n
    s.boarding[leave] = False
    stay = np.flatnonzero(enrolled & ~drop & ~graduate) + win.start
    s.grade[stay] += 1
    f["dropouts"] = int(drop.sum())
    f["middle_dropouts"] = int((drop & (grade >= 7)).sum())
    f["graduates"] = int(graduate.sum())
    model.dropouts_by_grade = np.bincount(grade[drop], minlength=10)
    model.enrolled_by_grade = np.bincount(grade[enrolled], minlength=10)
