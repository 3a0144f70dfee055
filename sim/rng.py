"""Named random streams: one per decision and year, for common random numbers.

Every draw comes from ``SeedSequence(seed, spawn_key=(decision, key))``, where ``key`` is the
year (or the year combined with a sub-decision number): two scenarios run with the same seed
face the same luck in every decision, so their difference is the policy, not noise. Student
draws are made over the window of student ids of the year, which depends only on the exogenous
entry cohorts, so a student keeps its own random number whatever the others do; teacher draws
are made over all teacher slots. Draws whose count depends on the year's situation (signals of
transfer applicants, new graduates) share a stream but not individual numbers across
scenarios. Mesa's own generator, seeded with the same seed, only orders agent activation.
"""

from __future__ import annotations

import numpy as np

DECISIONS = (
    "county",  # synthetic geography and schools
    "cohorts",  # entrants per village and year
    "students",  # initial family background, left-behind status
    "teachers",  # initial teacher attributes
    "history",  # learning before the first simulated year
    "choice",  # school choice at entry and stage transitions
    "migration",  # moving away from the county
    "learning",  # achievement noise
    "dropout",
    "teacher_exit",
    "teacher_move",
    "recruit",
    "promotion",
    "redeploy",
    "upgrade",
    "rotation",
    "sex",  # each child's sex (appended: earlier streams keep their keys)
    "relocation",  # mid-stage moves to the county seat
)


class Streams:
    """Factory of independent generators keyed by decision name and year."""

    def __init__(self, seed: int):
        self.seed = int(seed)

    def generator(self, decision: str, year: int = 0) -> np.random.Generator:
        key = DECISIONS.index(decision)
        seq = np.random.SeedSequence(self.seed, spawn_key=(key, int(year)))
        return np.random.Generator(np.random.PCG64(seq))

    def uniform(self, decision: str, year: int, n: int) -> np.ndarray:
        """``n`` uniforms in [0, 1) as float32 (fast, and precise enough for probabilities)."""
        return self.generator(decision, year).random(n, dtype=np.float32)

    def normal(self, decision: str, year: int, n: int) -> np.ndarray:
        return self.generator(decision, year).standard_normal(n, dtype=np.float32)
