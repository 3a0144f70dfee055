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

from ..kinds import ENROLLED, FIRST_MIDDLE_GRADE

if TYPE_CHECKING:
    from ..state import CountyState

ENTRANTS = 10_000  # sub-key of the learning stream for entrants' readiness


def set_family_levels(st: CountyState) -> None:
    """Each child's family level (SES, left-behind): both are fixed, so it is worked out once."""
    s, lp = st.students, st.params.learning
    s.family[:] = lp.ses_effect * s.ses + lp.left_behind_effect * s.left_behind


def initial_history(st: CountyState) -> None:
    """Give the students already at school the achievement of the years they have behind them."""
    s, lp = st.students, st.params.learning
    set_family_levels(st)
    ids = np.flatnonzero(s.status == ENROLLED)
    g = st.streams.generator("history")
    family = s.family[ids]
    z = family + lp.entry_sd * g.standard_normal(ids.size)
    grade, va = s.grade[ids], st.schools.value_added[s.school[ids]]
    for k in range(1, 9):
        m = grade > k
        z[m] = (lp.persistence * z[m] + (1 - lp.persistence) * family[m] + va[m]
                + lp.noise_sd * g.standard_normal(int(m.sum())))
    s.z[ids] = z
    examine(st, st.scenario.start_year)
    scores = st.county.roster_profile.get("mean_score")
    if scores is not None:
        start_from_scores(st, scores)


def start_from_scores(st: CountyState, scores: np.ndarray, rounds: int = 4) -> None:
    """A roster county starts from its own exam results: each school with a ``scores`` value
    (mean score as a share of full marks) has its pupils' achievement shifted so that its mean
    score on the county scale is that value. The county's mean share is the roster's
    pupil-weighted mean, so the roster's own difference rates are reproduced; the standardised
    position of a school is ``(score / mean_share - 1) / exam_cv``. Shifting moves the county
    mean and SD, so a few rounds settle it."""
    s, exam, cv = st.students, st.exam, st.params.learning.exam_cv
    known = np.isfinite(scores)
    pupils = st.schools.enrolled.sum(axis=1)
    exam.mean_share = float(np.average(scores[known], weights=np.maximum(pupils[known], 1)))
    position = (scores / exam.mean_share - 1) / cv
    ids = np.flatnonzero(s.status == ENROLLED)
    school = s.school[ids]
    for _ in range(rounds):
        count = exam.count.sum(axis=1)
        mean_z = (np.nan_to_num(exam.mean_z) * exam.count).sum(axis=1) / np.maximum(count, 1)
        wanted = exam.county_mean + exam.county_sd * position
        shift = np.where(known & (count > 0), wanted - mean_z, 0.0)
        s.z[ids] += shift[school].astype(np.float32)
        examine(st, st.scenario.start_year)


def enter_at_school(st: CountyState, year: int) -> None:
    """Entrants' school readiness: their family level plus spread."""
    s, lp = st.students, st.params.learning
    new = s.cohort_slice(year, year)
    noise = st.streams.normal("learning", year + ENTRANTS, new.stop - new.start)
    s.z[new] = s.family[new] + lp.entry_sd * noise


def boarding_effect(st: CountyState, ids: np.ndarray) -> np.ndarray:
    """A year of boarding's effect on the achievement of the boarders ``ids``."""
    s, lp = st.students, st.params.learning
    # dormitory staffing offsets part of young boarders' loss (boarding lever)
    young = lp.boarding_effect_primary * (1 - st.effects.dorm_quality)
    # premature boarding harms girls more (Hou, Wu & Song 2020); the mean stays the same
    m = lp.boarding_girls_multiplier
    sex = np.where(s.female[ids], np.float32(2 * m / (1 + m)), np.float32(2 / (1 + m)))
    return np.where(s.grade[ids] >= FIRST_MIDDLE_GRADE, lp.boarding_effect_middle, young * sex)


def learn_and_examine(st: CountyState, year: int) -> None:
    """Entrants' readiness, a year of learning for everyone enrolled, then the exam."""
    s, lp, n = st.students, st.params.learning, st.county.n_schools
    enter_at_school(st, year)
    win = s.window(year)
    cell = st.now.cell
    enrolled = cell < 2 * n
    peers = st.exam.mean_z - st.exam.county_mean
    peers = np.where(np.isnan(peers), 0.0, peers)  # np.nan_to_num: 10x slower on small arrays
    school_term = np.concatenate([(st.schools.value_added[:, None]
                                   + lp.peer_effect * peers).ravel(), [0.0, 0.0]])
    noise = st.streams.normal("learning", year, win.stop - win.start)
    z = s.z[win]
    # persistence * z + (1 - persistence) * family + school term, summed in place
    new = np.multiply(s.family[win], 1 - lp.persistence)
    new += lp.persistence * z
    new += school_term.take(cell)  # take: a third faster than school_term[cell] here
    boarders = np.flatnonzero(s.boarding[win])
    new[boarders] += boarding_effect(st, win.start + boarders)
    noise *= lp.noise_sd  # in place: the same float32 products
    new += noise
    np.copyto(z, new, where=enrolled, casting="same_kind")  # z: this year's view of s.z
    examine(st, year)


def examine(st: CountyState, year: int) -> None:
    """School-by-stage mean achievement and the county's mean and SD, from this year's exam."""
    s, n, exam = st.students, st.county.n_schools, st.exam
    win = s.window(year)
    cell = st.now.cell
    z = s.z[win]
    count = st.now.cell_counts  # enrollment does not change between enrollment and exam
    total = np.bincount(cell, weights=z, minlength=2 * n + 1)
    exam.mean_z = np.divide(total[:-1], count[:-1], out=np.full(2 * n, np.nan),
                            where=count[:-1] > 0).reshape(n, 2)
    exam.count = count[:-1].reshape(n, 2)
    k = int(count[:-1].sum())
    squares = np.multiply(z, cell < 2 * n, dtype=np.float64)  # 0 for anyone not enrolled
    np.square(squares, out=squares)
    exam.county_mean = float(total[:-1].sum()) / k if k else 0.0
    exam.county_sd = (float(np.sqrt(max(squares.sum() / k - exam.county_mean**2, 0.0)))
                      if k > 1 else 1.0)
