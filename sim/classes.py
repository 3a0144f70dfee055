"""A pupil's class as one key: school, grade and boarding.

``class_key = 20 * school + 2 * grade + boarding`` (school ``n_schools``: not at school; grade
0: not entered yet). Enrollment counts the pupils by it once a year; what the stages and the
observation need of a pupil's school and grade is then read from the key by table, one gather
instead of several. The tables here depend only on the county's schools (type, town, grades
taught), which never change, so they are built once per run (``ClassTables.of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .kinds import FIRST_MIDDLE_GRADE, NOT_AT_SCHOOL, RURAL_DAY, URBAN_DAY

if TYPE_CHECKING:
    from .county import County

CLASS_KEYS = 20  # keys of one school's classes: grades 0-9 x boarding


def by_class_key(table: np.ndarray) -> np.ndarray:
    """A table over ``class_key`` from one over (school or none, grade 0-9) or over school
    alone: the value of each class's school and grade, with or without boarding."""
    by_grade = table if table.ndim == 2 else np.repeat(table[:, None], 10, axis=1)
    return np.repeat(by_grade.ravel(), 2)


@dataclass(frozen=True, eq=False)
class ClassTables:
    """What a class key says, by table (read-only arrays over ``CLASS_KEYS * (n_schools + 1)``).

    ``cell``: the school-stage cell, ``2 * school + middle`` (``2 * n_schools``: not at school);
    ``attends``: how the pupil attends, ``RURAL_DAY`` ... ``URBAN_BOARDER`` or
    ``NOT_AT_SCHOOL``; ``rural_town``: the town of the pupil's rural school (-2 at a county-seat
    school or none); ``primary_day``: a primary pupil who does not board (or a child not at
    school: grade 0-6, no bed); ``rural_day``: a day pupil at a rural school."""

    cell: np.ndarray
    attends: np.ndarray
    rural_town: np.ndarray
    primary_day: np.ndarray
    rural_day: np.ndarray

    @classmethod
    def of(cls, county: County) -> ClassTables:
        n = county.n_schools
        middle = np.arange(10) >= FIRST_MIDDLE_GRADE
        urban = np.append(county.is_urban_school, False)  # last: no school
        attends = np.empty((n + 1, 10, 2), np.intp)
        attends[:] = np.where(urban, URBAN_DAY, RURAL_DAY)[:, None, None] + np.array([0, 1])
        attends[n] = NOT_AT_SCHOOL
        primary_day = np.zeros((n + 1, 10, 2), bool)
        primary_day[:, :FIRST_MIDDLE_GRADE, 0] = True
        rural_day = np.zeros((n + 1, 10, 2), bool)
        rural_day[:n][~county.is_urban_school, :, 0] = True
        tables = cls(
            cell=by_class_key(np.minimum(np.arange(n + 1)[:, None] * 2 + middle, 2 * n)),
            attends=attends.ravel(),
            rural_town=by_class_key(np.where(urban, -2, np.append(county.school_town, -2))),
            primary_day=primary_day.ravel(),
            rural_day=rural_day.ravel())
        for table in (tables.cell, tables.attends, tables.rural_town, tables.primary_day,
                      tables.rural_day):
            table.flags.writeable = False
        return tables
