"""Rationing scarce places within groups, vectorised: school places, beds, posts, titles."""

from __future__ import annotations

import numpy as np


def admitted(group: np.ndarray, priority: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Positions of the candidates who get one of their group's ``places`` when each group's
    candidates are taken in ascending ``priority`` (ties keep input order)."""
    order = np.lexsort((priority, group))
    g = group[order]
    rank = np.arange(order.size) - np.searchsorted(g, g, "left")
    return order[rank < places[g]]
