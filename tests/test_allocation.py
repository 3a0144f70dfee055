import numpy as np

from sim.allocation import admitted


def test_each_group_admits_its_places_in_priority_order():
    group = np.array([0, 1, 0, 0, 1, 2])
    priority = np.array([3.0, 1.0, 1.0, 2.0, 0.5, 9.0])
    places = np.array([2, 1, 0])
    got = set(admitted(group, priority, places).tolist())
    assert got == {2, 3, 4}  # group 0: the two lowest priorities; group 1: one; group 2: none


def test_more_places_than_candidates_admits_all():
    group = np.array([1, 1, 0])
    assert sorted(admitted(group, np.zeros(3), np.array([5, 5])).tolist()) == [0, 1, 2]
