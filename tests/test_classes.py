"""The class-key tables say of each pupil what their school, grade and boarding say."""

import numpy as np

from sim.classes import CLASS_KEYS
from sim.kinds import NOT_AT_SCHOOL, RURAL_BOARDER, RURAL_DAY, URBAN_BOARDER, URBAN_DAY


def test_tables_read_school_grade_and_boarding(small):
    from sim.model import CountyModel

    st = CountyModel(small, seed=1).state
    c, t = st.county, st.classes
    n = c.n_schools
    urban, rural = np.flatnonzero(c.is_urban_school)[0], np.flatnonzero(~c.is_urban_school)[0]

    def key(school, grade, boarding):
        return school * CLASS_KEYS + grade * 2 + boarding

    assert t.cell[key(rural, 3, 0)] == 2 * rural and t.cell[key(rural, 8, 1)] == 2 * rural + 1
    assert t.cell[key(n, 5, 0)] == 2 * n  # not at school
    assert [t.attends[key(s, 4, b)] for s in (rural, urban) for b in (0, 1)] == [
        RURAL_DAY, RURAL_BOARDER, URBAN_DAY, URBAN_BOARDER]
    assert t.attends[key(n, 4, 0)] == NOT_AT_SCHOOL
    assert t.rural_town[key(rural, 2, 0)] == c.school_town[rural]
    assert t.rural_town[key(urban, 2, 0)] == -2 and t.rural_town[key(n, 2, 0)] == -2
    assert t.primary_day[key(rural, 6, 0)] and not t.primary_day[key(rural, 7, 0)]
    assert not t.primary_day[key(rural, 3, 1)]
    assert t.rural_day[key(rural, 8, 0)] and not t.rural_day[key(rural, 8, 1)]
    assert not t.rural_day[key(urban, 8, 0)] and not t.rural_day[key(n, 8, 0)]


def test_pupils_class_keys_give_their_cells(small):
    from sim.model import YEAR, CountyModel
    from sim.outcomes import FLOW_NAMES

    st = CountyModel(small, seed=3).state
    st.begin_year(FLOW_NAMES)
    for _, stage in YEAR[: [name for name, _ in YEAR].index("enrollment") + 1]:
        stage(st, st.year)
    s, n = st.students, st.county.n_schools
    win = s.window(st.year)
    school, grade = s.school[win], s.grade[win]
    expected = np.where(school < n, 2 * school + (grade >= 7), 2 * n)
    assert np.array_equal(st.now.cell, expected)
