"""The senior-high entrance exam (中考) at the end of grade 9: who is admitted to a quality
senior high school, and by which route.

Quality senior highs (省级规范化 / 示范高中) take ``quality_share`` of the year's graduates.
Part of their places, the quota (指标到校: at least half in the 2017 standard, 教督〔2017〕6号),
is allocated to the middle schools in proportion to their graduates; each school's best
graduates take its quota places, provided they score within ``quota_margin`` SD of the open
cut-off. The other places go to the best of the rest, county-wide. The score is the graduate's
achievement at the end of grade 9. The share of a school's graduates admitted is what families
weigh when they choose a middle school (``stages.enrollment``), so the quota lever moves
choice as well as admission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..allocation import admitted, largest
from ..kinds import ENROLLED

if TYPE_CHECKING:
    from ..state import CountyState


def admit(st: CountyState, graduates: np.ndarray, year: int) -> None:
    """Admit this year's ``graduates`` (ids, still at their school) and record the results."""
    s, zp, n = st.students, st.params.zhongkao, st.county.n_schools
    if graduates.size == 0:
        return
    score = s.z[graduates]
    school = s.school[graduates]
    places = int(round(zp.quality_share * graduates.size))
    quota = st.effects.quota_share if st.effects.quota_share is not None else zp.quota_share
    quota_places = int(round(quota * places))
    # the open cut-off: the places-th best score
    cutoff = (np.partition(score, score.size - places)[score.size - places] if places > 0
              else np.inf)
    per_school = np.bincount(school, minlength=n)
    share = np.floor(quota_places * per_school / graduates.size)
    share[np.argsort(-(quota_places * per_school / graduates.size - share),
                     kind="stable")[: quota_places - int(share.sum())]] += 1
    eligible = score >= cutoff - zp.quota_margin
    cand = np.flatnonzero(eligible)
    won = np.zeros(graduates.size, bool)
    won[cand[admitted(school[cand], -score[cand], share.astype(np.int64))]] = True
    open_places = places - int(np.count_nonzero(won))
    rest = np.flatnonzero(~won)
    won[rest[largest(score[rest], open_places)]] = True
    s.quality_senior[graduates] = won
    admitted_per_school = np.bincount(school.compress(won), minlength=n)
    rate = np.divide(admitted_per_school, per_school, out=np.full(n, np.nan),
                     where=per_school > 0)
    st.schools.quality_senior_rate = np.where(per_school > 0, rate,
                                              st.schools.quality_senior_rate)
    st.now.zhongkao = (graduates, school, won)


def expected_rates(st: CountyState) -> None:
    """Before the first year: each middle school's admission rate as if this year's grade-9
    pupils sat the exam now, so the first families choosing a school see a rate, as later
    ones do (nobody is admitted by it)."""
    s = st.students
    ids = np.flatnonzero((s.status == ENROLLED) & (s.grade == 9))
    admit(st, ids, st.scenario.start_year - 1)
    s.quality_senior[ids] = False
