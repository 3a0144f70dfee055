"""Codes shared by every layer: school types, place kinds, statuses, titles and school stages.

The ``IntEnum`` classes name the codes; the arrays hold them as small integers. Array code uses
the plain-int aliases below (``TOWN_SEAT``, ``ENROLLED``, ``SENIOR``...): numpy compares an array
with an ``IntEnum`` member about ten times slower than with an ``int``. ``SchoolType`` is ordered
from the county seat outwards: ``school_type >= TOWN_SEAT`` is "a rural school".
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class SchoolType(IntEnum):
    URBAN_QUALITY = 0  # county-seat quality school (the seed 004 reference)
    URBAN_ORDINARY = 1
    TOWN_SEAT = 2
    VILLAGE = 3
    TEACHING_POINT = 4  # grades 1-3 in a remote village


class PlaceKind(IntEnum):
    URBAN = 0  # county-seat neighbourhood
    TOWN_SEAT = 1
    VILLAGE = 2


class StudentStatus(IntEnum):
    NOT_ENTERED = 0
    ENROLLED = 1
    GRADUATED = 2
    DROPPED_OUT = 3
    MOVED_AWAY = 4


class TeacherStatus(IntEnum):
    EMPTY = 0  # a slot not yet used
    TEACHING = 1
    RETIRED = 2
    LEFT = 3


class Title(IntEnum):
    """Professional titles (职称): untitled, level 2 (二级), level 1 (一级), senior (高级)."""

    NONE = 0
    LEVEL2 = 1
    LEVEL1 = 2
    SENIOR = 3



SCHOOL_TYPES = tuple(t.name.lower() for t in SchoolType)
URBAN_QUALITY, URBAN_ORDINARY, TOWN_SEAT, VILLAGE, TEACHING_POINT = map(int, SchoolType)
URBAN_PLACE, TOWN_SEAT_PLACE, VILLAGE_PLACE = map(int, PlaceKind)
NOT_ENTERED, ENROLLED, GRADUATED, DROPPED_OUT, MOVED_AWAY = map(int, StudentStatus)
EMPTY, TEACHING, RETIRED, LEFT = map(int, TeacherStatus)
UNTITLED, LEVEL2, LEVEL1, SENIOR = map(int, Title)
STUDENT_STATUS = tuple(s.name.lower() for s in StudentStatus)
TEACHER_STATUS = tuple(s.name.lower() for s in TeacherStatus)
N_SCHOOL_TYPES = len(SchoolType)
# how a pupil attends this year, by where the school is and whether the pupil boards
# (``YearState.pupils_by_place``); the last is everyone of the year not at a school
RURAL_DAY, RURAL_BOARDER, URBAN_DAY, URBAN_BOARDER, NOT_AT_SCHOOL = range(5)
FIRST_MIDDLE_GRADE = 7  # grades 1-6 primary, 7-9 middle (Compulsory Education Law)
GRADE_RANGES = {"primary": (1, 6), "middle": (7, 9), "nine_year": (1, 9), "lower_primary": (1, 3)}


def of_types(school_type: np.ndarray, types) -> np.ndarray:
    """Whether each school is of one of ``types`` (by table: np.isin is slow on small arrays)."""
    table = np.zeros(N_SCHOOL_TYPES, bool)
    table[list(types)] = True
    return table[school_type]


def is_rural(school_type: np.ndarray) -> np.ndarray:
    """Town-seat, village and teaching-point schools (the seeds' 乡村学校)."""
    return school_type >= TOWN_SEAT

