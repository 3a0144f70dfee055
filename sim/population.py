"""Students and teachers as struct-of-arrays: one slot per individual, never deleted.

Students are allocated up front, one contiguous block of ids per entry cohort (cohorts are
exogenous: births), so the students of a school year are the id window of the last nine cohorts
and every stage works on slices of it. Leaving is a status change, which is what makes the
conservation identity (entered = enrolled + graduated + dropped out + moved away) checkable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

# Student status
NOT_ENTERED, ENROLLED, GRADUATED, DROPPED_OUT, MOVED_AWAY = range(5)
STUDENT_STATUS = ("not_entered", "enrolled", "graduated", "dropped_out", "moved_away")
# Teacher status
EMPTY, TEACHING, RETIRED, LEFT = range(4)
TEACHER_STATUS = ("empty", "teaching", "retired", "left")
TITLES = ("none", "level2", "level1", "senior")


@dataclass
class Students:
    status: np.ndarray  # int8, see STUDENT_STATUS
    place: np.ndarray  # int32, home place (changes when the family moves to the county seat)
    hukou_rural: np.ndarray  # bool, local rural hukou (fixed at entry)
    hukou_town: np.ndarray  # int16, town of the hukou (-1: county seat), fixed at entry
    grade: np.ndarray  # int8, 1-9 while enrolled
    ses: np.ndarray  # float32, family background (SD units, county rural mean 0)
    left_behind: np.ndarray  # bool
    z: np.ndarray  # float32, achievement (SD units)
    school: np.ndarray  # int16, current school; n_schools when not enrolled
    distance: np.ndarray  # float32, road km from home to the current school
    boarding: np.ndarray  # bool
    cohort_years: np.ndarray  # entry years, ascending
    cohort_start: np.ndarray  # first id of each cohort, plus the end

    @classmethod
    def allocate(cls, n: int, cohort_years: np.ndarray, cohort_sizes: np.ndarray,
                 n_schools: int) -> Students:
        start = np.concatenate([[0], np.cumsum(cohort_sizes)]).astype(np.int64)
        assert start[-1] == n
        return cls(status=np.zeros(n, np.int8), place=np.zeros(n, np.int32),
                   hukou_rural=np.zeros(n, bool), hukou_town=np.zeros(n, np.int16),
                   grade=np.zeros(n, np.int8), ses=np.zeros(n, np.float32),
                   left_behind=np.zeros(n, bool), z=np.zeros(n, np.float32),
                   school=np.full(n, n_schools, np.int16), distance=np.zeros(n, np.float32),
                   boarding=np.zeros(n, bool),
                   cohort_years=np.asarray(cohort_years), cohort_start=start)

    def __len__(self) -> int:
        return len(self.status)

    def cohort_slice(self, first_year: int, last_year: int) -> slice:
        """Ids of the cohorts that entered school from ``first_year`` to ``last_year``."""
        years = self.cohort_years
        i0 = int(np.searchsorted(years, first_year, "left"))
        i1 = int(np.searchsorted(years, last_year, "right"))
        return slice(int(self.cohort_start[i0]), int(self.cohort_start[i1]))

    def window(self, year: int) -> slice:
        """Everyone of compulsory school age in ``year`` (entered in the last nine years)."""
        return self.cohort_slice(year - 8, year)

    def status_counts(self) -> dict[str, int]:
        counts = np.bincount(self.status, minlength=len(STUDENT_STATUS))
        return dict(zip(STUDENT_STATUS, map(int, counts)))


@dataclass
class Teachers:
    status: np.ndarray  # int8, see TEACHER_STATUS
    birth_year: np.ndarray  # int16
    birth_month: np.ndarray  # int8, 0 = January
    female: np.ndarray  # bool
    bachelor: np.ndarray  # bool
    title: np.ndarray  # int8, index into TITLES
    title_year: np.ndarray  # int16, year the current title was reached
    talent: np.ndarray  # float32, effectiveness net of experience (SD of student gain / year)
    start_year: np.ndarray  # int16, first year of teaching
    school: np.ndarray  # int16, where the teacher teaches this year
    home_school: np.ndarray  # int16, the post (differs from school during a rotation)
    rotation_until: np.ndarray  # int16, last year of a rotation; 0 when not rotating
    bound_until: np.ndarray  # int16, last year of a rural service binding; 0 if none
    shortage_subject: np.ndarray  # bool, teaches a shortage subject (music, art, PE, IT...)
    backbone: np.ndarray  # bool, on rotation as a backbone teacher
    rural_years: np.ndarray  # int16, years taught at rural schools
    principal_since: np.ndarray  # int16, year appointed principal; 0 if not a principal
    n: int = 0  # slots in use

    @classmethod
    def allocate(cls, capacity: int) -> Teachers:
        kw = {f.name: np.zeros(capacity, _TEACHER_DTYPES[f.name]) for f in fields(cls)
              if f.name != "n"}
        return cls(**kw)

    def add(self, count: int) -> slice:
        """Slots for ``count`` new teachers, growing the arrays when full (amortised)."""
        if self.n + count > len(self.status):
            grow = max(count, len(self.status) // 2)
            for f in fields(self):
                if f.name != "n":
                    arr = getattr(self, f.name)
                    setattr(self, f.name, np.concatenate([arr, np.zeros(grow, arr.dtype)]))
        new = slice(self.n, self.n + count)
        self.n += count
        self.status[new] = TEACHING
        return new

    def active(self) -> np.ndarray:
        return np.flatnonzero(self.status[: self.n] == TEACHING)

    def status_counts(self) -> dict[str, int]:
        counts = np.bincount(self.status[: self.n], minlength=len(TEACHER_STATUS))
        return dict(zip(TEACHER_STATUS[1:], map(int, counts[1:])))


_TEACHER_DTYPES = {"status": np.int8, "birth_year": np.int16, "birth_month": np.int8,
                   "female": bool, "bachelor": bool,
                   "title": np.int8, "title_year": np.int16, "talent": np.float32,
                   "start_year": np.int16, "school": np.int16, "home_school": np.int16,
                   "rotation_until": np.int16, "bound_until": np.int16, "shortage_subject": bool,
                   "backbone": bool,
                   "rural_years": np.int16,
                   "principal_since": np.int16}
