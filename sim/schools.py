"""Schools as Mesa agents: identity and a readable view of the school arrays.

The numbers live in the state's arrays (``model.state.schools``, so yearly stages stay
vectorised); a School agent reads them by index, which gives notebooks and AgentSet verbs
(``select``, ``groupby``, ``agg``) a natural handle on schools without a second copy of their
state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from .kinds import SCHOOL_TYPES

if TYPE_CHECKING:
    from .model import CountyModel


class School(mesa.Agent):
    model: CountyModel

    def __init__(self, model: CountyModel, index: int):
        super().__init__(model)
        self.index = index

    @property
    def name(self) -> str:
        return self.model.state.county.school_name[self.index]

    @property
    def kind(self) -> str:
        return SCHOOL_TYPES[self.model.state.county.school_type[self.index]]

    @property
    def town(self) -> int:
        return int(self.model.state.county.school_town[self.index])

    @property
    def grades(self) -> tuple[int, int]:
        c = self.model.state.county
        return int(c.min_grade[self.index]), int(c.max_grade[self.index])

    @property
    def is_open(self) -> bool:
        return bool(self.model.state.schools.open[self.index])

    @property
    def enrollment(self) -> int:
        return int(self.model.state.schools.enrolled[self.index].sum())

    @property
    def teachers(self) -> int:
        return int(self.model.state.schools.staff[self.index])

    @property
    def difference_rate(self) -> float:
        """This year's difference rate against urban quality schools (NaN before any exam)."""
        return float(self.model.state.schools.difference_rate[self.index])

    def __repr__(self) -> str:
        return f"School({self.name!r}, {self.kind}, students={self.enrollment})"
