import numpy as np
import pytest

from sim.allocation import admitted, largest, stable_order


def test_each_group_admits_its_places_in_priority_order():
    group = np.array([0, 1, 0, 0, 1, 2])
    priority = np.array([3.0, 1.0, 1.0, 2.0, 0.5, 9.0])
    places = np.array([2, 1, 0])
    got = set(admitted(group, priority, places).tolist())
    assert got == {2, 3, 4}  # group 0: the two lowest priorities; group 1: one; group 2: none


def test_more_places_than_candidates_admits_all():
    group = np.array([1, 1, 0])
    assert sorted(admitted(group, np.zeros(3), np.array([5, 5])).tolist()) == [0, 1, 2]


def test_logit_sampling_never_picks_a_missing_option():
    from sim.stages.enrollment import sample_logit

    inf = np.float32(-np.inf)
    v = np.array([[inf, inf, 0.5, -0.5], [0.1, inf, inf, inf], [inf, 0.2, 0.3, inf]] * 4,
                 np.float32)
    u = np.array([0.0, 0.0, 0.0, 0.99999994, 0.99999994, 0.99999994, 0.5, 0.5, 0.5,
                  0.3, 0.7, 0.1], np.float32)
    k = sample_logit(list(v.T), u)
    assert np.isfinite(v[np.arange(len(k)), k]).all()
    # the inverse-CDF rule: a small uniform picks the first option with weight
    assert k[0] == 2 and k[1] == 0 and k[2] == 1


@pytest.mark.parametrize("k", [-1, 0, 1, 7, 50, 199, 200, 250])
def test_largest_is_the_head_of_a_stable_descending_sort(k):
    rng = np.random.default_rng(k + 2)
    values = rng.integers(0, 20, 200).astype(np.float32)  # many ties
    expected = np.argsort(-values, kind="stable")[: max(k, 0)]
    assert sorted(largest(values, k)) == sorted(expected)


def test_float32_priorities_sort_as_a_stable_argsort():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.standard_normal(5000), [0.0, -0.0, np.inf, -np.inf, 1e-40],
                             np.repeat([0.5, -2.0], 50)]).astype(np.float32)
    rng.shuffle(values)
    assert np.array_equal(stable_order(values), np.argsort(values, kind="stable"))
