"""Rationing scarce places within groups, vectorised: school places, beds, posts, titles."""

from __future__ import annotations

import numpy as np


def admitted(group: np.ndarray, priority: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Positions of the candidates who get one of their group's ``places`` when each group's
    candidates are taken in ascending ``priority`` (ties keep input order)."""
    live = np.flatnonzero(places[group] > 0)  # only groups with a place need sorting
    group, priority = group[live], priority[live]
    # a stable sort by priority, then a stable sort by group: np.lexsort's order, faster, as
    # numpy sorts small integers (groups are schools) by radix
    order = stable_order(priority)
    by_group = group[order]
    if by_group.size and 0 <= by_group.min() and by_group.max() < 2**15:
        by_group = by_group.astype(np.int16)
    order = order[np.argsort(by_group, kind="stable")]
    g = group[order]
    count = np.bincount(g, minlength=places.size)
    rank = np.arange(order.size) - (np.cumsum(count) - count)[g]  # within the group
    return live[order[rank < places[g]]]


RADIX_FROM = 3000  # priorities sorted by radix from this many on (the two are even near 3,500)


def stable_order(priority: np.ndarray) -> np.ndarray:
    """``np.argsort(priority, kind="stable")``. float32 priorities are sorted as their bits, by
    radix in two 16-bit passes: numpy's stable sort of floats (timsort) grows faster than
    linearly, three times slower already for a large county's 13,000 exam candidates; below
    a few thousand it is the faster of the two."""
    if priority.dtype != np.float32 or priority.size < RADIX_FROM:
        return np.argsort(priority, kind="stable")
    bits = (priority + np.float32(0)).view(np.uint32)  # + 0: -0.0 sorts as 0.0
    key = np.where(bits >> 31, ~bits, bits | np.uint32(0x80000000))  # ascending as the floats
    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((key[order] >> 16).astype(np.uint16), kind="stable")]


def largest(values: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest ``values``, ties going to the earlier position: the first
    ``k`` of a stable sort in descending order, as a set, found by partition in linear time."""
    if k <= 0:
        return np.empty(0, np.intp)
    if k >= values.size:
        return np.arange(values.size)
    kth = np.partition(values, values.size - k)[values.size - k]
    above = np.flatnonzero(values > kth)
    tied = np.flatnonzero(values == kth)[: k - above.size]
    return np.concatenate([above, tied])
