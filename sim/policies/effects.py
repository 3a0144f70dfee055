"""What the levers change this year, in the terms the stages read.

Levers set these at the start of each year (``sim.policies.apply``); with every lever off they
hold the status quo, so the stages need no special case for "no policy".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Effects:
    n_schools: int
    n_places: int
    allowance: np.ndarray = field(default=None)  # yuan/month by school type
    allowance_rise_year: np.ndarray = field(default=None)  # last rise by type (for fading)
    transport_yuan: float = 0.0  # monthly transport allowance of rural teachers
    housing_share: float = 0.0  # rural teachers offered turnover housing
    min_board_grade: int | None = None  # policy override of the youngest boarding grade
    dorm_quality: float = 0.0  # 0-1: how much dormitory staffing offsets young boarders' loss
    bus: np.ndarray = field(default=None)  # per place: school bus to the consolidated school
    lost_school: np.ndarray = field(default=None)  # per place: its local school was closed
    lunch: bool = False  # school lunch for the closed schools' pupils (kept once started)
    value_added: np.ndarray = field(default=None)  # per school: pairing, digital classrooms
    teacher_growth: np.ndarray = field(default=None)  # per school: yearly effectiveness gain
    title_years: tuple[int, int] | None = None  # directed titles: (level-1, senior) rural years
    binding_years: int = 0  # new teachers' rural service period (no transfer requests)
    senior_needs_rural_year: bool = False
    principal_term_years: int = 0  # rural principals exchanged after this many years (0: off)
    young_principal_share: float = 0.0  # rural principal posts given to young urban teachers
    full_curriculum: np.ndarray = field(default=None)  # per school: shortage subjects covered

    def __post_init__(self) -> None:
        self.reset_year()
        self.bus = np.zeros(self.n_places, bool)
        self.lost_school = np.zeros(self.n_places, bool)

    def reset_year(self) -> None:
        """Effects that levers set afresh every year."""
        self.value_added = np.zeros(self.n_schools)
        self.teacher_growth = np.zeros(self.n_schools)
        self.full_curriculum = np.zeros(self.n_schools, bool)
        self.title_years = None
        self.binding_years = 0
        self.senior_needs_rural_year = False
        self.principal_term_years = 0
        self.young_principal_share = 0.0
        self.transport_yuan = 0.0
        self.housing_share = 0.0
        self.min_board_grade = None
        self.dorm_quality = 0.0
