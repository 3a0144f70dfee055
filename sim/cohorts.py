"""The cohort frame: what became of each entry cohort, by sex and by the kind of place the
family lived at entry. One row per entry year x sex x home kind, at the end of the run: how
many entered, dropped out (in all and by grade), left the county, graduated, boarded, went to
a county-seat school, and won a quality senior-high place (中考). Cohorts still at school
when the run ends are counted so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .kinds import DROPPED_OUT, ENROLLED, GRADUATED, MOVED_AWAY, NOT_ENTERED

if TYPE_CHECKING:
    from .state import CountyState

HOME_KINDS = ("county_seat", "town_seat", "village")
SEXES = ("boy", "girl")


def cohort_frame(st: CountyState) -> pd.DataFrame:
    s = st.students
    entered = s.status != NOT_ENTERED
    entry = np.repeat(s.cohort_years, np.diff(s.cohort_start))
    n_years = s.cohort_years.size
    key = ((np.searchsorted(s.cohort_years, entry) * 2 + s.female) * len(HOME_KINDS)
           + s.home_kind)
    size = n_years * 2 * len(HOME_KINDS)

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(key[mask], weights=w, minlength=size)

    dropped = entered & (s.status == DROPPED_OUT)
    stayed = entered & (s.status != MOVED_AWAY)
    in_county = count(stayed)
    completed = np.where(s.status == GRADUATED, 9, np.maximum(s.grade.astype(np.int16) - 1, 0))
    frame = {
        "entry_year": np.repeat(s.cohort_years, 2 * len(HOME_KINDS)),
        "sex": np.tile(np.repeat(SEXES, len(HOME_KINDS)), n_years),
        "home": np.tile(HOME_KINDS, 2 * n_years),
        "entered": count(entered),
        "dropped_out": count(dropped),
        **{f"dropped_out_grade_{g}": count(dropped & (s.grade == g)) for g in range(1, 10)},
        "left_county": count(entered & (s.status == MOVED_AWAY)),
        "still_enrolled": count(entered & (s.status == ENROLLED)),
        "graduated": count(entered & (s.status == GRADUATED)),
        "grades_completed_mean": np.divide(count(stayed, completed.astype(float)), in_county,
                                           out=np.full(size, np.nan), where=in_county > 0),
        "boarded": count(entered & s.ever_boarded),
        "county_seat_school": count(entered & s.ever_county_seat),
        "quality_senior": count(entered & s.quality_senior),
    }
    out = pd.DataFrame(frame)
    out = out[out["entered"] > 0].reset_index(drop=True)
    for name in ("sex", "home"):
        out[name] = pd.Categorical(out[name])
    return out
