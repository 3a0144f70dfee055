"""Learning: each enrolled student's achievement moves toward what family, teachers, peers and
resources support, and the year's exam gives every school its mean score.

    z' = persistence * z + (1 - persistence) * family + value_added[school]
         + peer_effect * (school mean - county mean) + boarding effect + noise

``family`` (SES, left-behind) is the long-run level the student drifts to without school effects;
``value_added`` is the school's mean teacher effectiveness less an understaffing penalty plus
facilities (stages.labour.update_school_staff). Achievement is in SD units of the starting cohort.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..population import ENROLLED

if TYPE_CHECKING:
    from ..model import CountyModel


def family_level(model: CountyModel, ids: slice | np.ndarray) -> np.ndarray:
    s, lp = model.students, model.params.learning
    return lp.ses_effect * s.ses[ids] + lp.left_behind_effect * s.left_behind[ids]


def initial_history(model: CountyModel) -> None:
    """Give the students already at school the achievement of the years they have behind them."""
    s, lp = model.students, model.params.learning
    ids = np.flatnonzero(s.status == ENROLLED)
    g = model.streams.generator("history")
    family = family_level(model, ids)
    z = family + lp.entry_sd * g.standard_normal(ids.size)
    grade, va = s.grade[ids], model.value_added[s.school[ids]]
    for k in range(1, 9):
        m = grade > k
        z[m] = (lp.persistence * z[m] + (1 - lp.persistence) * family[m] + va[m]
                + lp.noise_sd * g.standard_normal(int(m.sum())))
    s.z[ids] = z
    examine(model, model.scenario.start_year)


def enter_at_school(model: CountyModel, year: int) -> None:
    """Entrants' school readiness: their family level plus spread."""
    s, lp = model.students, model.params.learning
    new = s.cohort_slice(year, year)
    noise = model.streams.normal("learning", year + 10_000, new.stop - new.start)
    s.z[new] = family_level(model, new) + lp.entry_sd * noise


def learn_and_examine(model: CountyModel, year: int) -> None:
    s, lp, n = model.students, model.params.learning, model.county.n_schools
    enter_at_school(model, year)
    win = s.window(year)
    key = model.stage_key
    enrolled = key < 2 * n
    middle = s.grade[win] >= 7
    peers = np.nan_to_num(model.mean_z - model.z_mean)
    school_term = np.concatenate([(model.value_added[:, None] + lp.peer_effect * peers).ravel(),
                                  [0.0, 0.0]])
    # dormitory staffing offsets part of young boarders' loss (boarding lever)
    young = lp.boarding_effect_primary * (1 - model.effects.dorm_quality)
    boarding = np.where(middle, lp.boarding_effect_middle, young)
    noise = model.streams.normal("learning", year, win.stop - win.start)
    z = s.z[win]
    new = (lp.persistence * z + (1 - lp.persistence) * family_level(model, win)
           + school_term[key] + boarding * s.boarding[win] + lp.noise_sd * noise)
    s.z[win] = np.where(enrolled, new, z)
    examine(model, year)


def examine(model: CountyModel, year: int) -> None:
    """School-by-stage mean achievement and the county's mean and SD, from this year's exam."""
    s, n = model.students, model.county.n_schools
    win = s.window(year)
    key = model.stage_key
    z = s.z[win]
    count = model.stage_counts  # enrollment does not change between enrollment and exam
    total = np.bincount(key, weights=z, minlength=2 * n + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        model.mean_z = (total[:-1] / count[:-1]).reshape(n, 2)
    model.exam_count = count[:-1].reshape(n, 2)
    k = int(count[:-1].sum())
    zs = np.where(key < 2 * n, z, np.float32(0)).astype(np.float64)
    model.z_mean = float(total[:-1].sum()) / k if k else 0.0
    model.z_sd = float(np.sqrt(max(np.square(zs).sum() / k - model.z_mean**2, 0.0))) if k > 1 else 1.0
