"""When a lever acts and how strongly: a start year, an optional end, a ramp, or a schedule.

``level(year)`` is 0 before the start and after the end, and otherwise rises linearly over
``ramp_years`` to 1; a ``schedule`` (year -> level, e.g. ``{2023 = 0.4, 2025 = 1.0}``) is
interpolated linearly between its years and held after the last. For coverage levers the level
is the share covered; for the others it scales the step from the status quo to the setting.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from ..parameters import Group

YEARS = (2000, 2060)  # the years a scenario may span (Scenario.start_year / end_year bounds)


class Lever(Group):
    start: int | None = Field(None, ge=2000, le=2060,
                              description="first year the lever acts (none: the lever is off)")
    end: int | None = Field(None, ge=2000, le=2060, description="last year it acts (none: open)")
    ramp_years: int = Field(0, ge=0, le=30, description="years to reach full strength")
    schedule: dict[int, float] | None = Field(
        None, description="year -> level (0-1), interpolated; replaces start/ramp")
    strength: float = Field(1.0, ge=0, le=1, description="full level (for coverage levers: "
                            "the share of schools covered); scales the whole timeline")

    @model_validator(mode="after")
    def _check_timeline(self):
        if self.schedule is not None:
            if self.start is not None or self.ramp_years:
                raise ValueError("give either start (with ramp_years) or schedule, not both")
            bad = {y: v for y, v in self.schedule.items() if not 0.0 <= v <= 1.0}
            if bad:
                raise ValueError(f"schedule levels must lie between 0 and 1, got {bad}")
            if not self.schedule:
                raise ValueError("schedule is empty")
            outside = sorted(y for y in self.schedule if not YEARS[0] <= y <= YEARS[1])
            if outside:
                raise ValueError(f"schedule years must lie between {YEARS[0]} and {YEARS[1]}, "
                                 f"got {outside}")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def first_year(self) -> int | None:
        """The first year the lever acts at a level above 0 (None: never)."""
        if self.schedule:
            acting = [y for y, v in self.schedule.items() if v > 0]
            return min(acting) if acting and self.strength > 0 else None
        if self.start is None or self.strength == 0:
            return None
        return self.start

    @property
    def enabled(self) -> bool:
        return self.start is not None or bool(self.schedule)

    def level(self, year: int) -> float:
        return self.strength * self._timeline(year)

    def _timeline(self, year: int) -> float:
        if self.end is not None and year > self.end:
            return 0.0
        if self.schedule:
            years = sorted(self.schedule)
            if year < years[0]:
                return 0.0
            return float(np.interp(year, years, [self.schedule[y] for y in years]))
        if self.start is None or year < self.start:
            return 0.0
        if self.ramp_years == 0:
            return 1.0
        return min(1.0, (year - self.start + 1) / self.ramp_years)
