"""CountyModel: one county, one school year per step, stages in a fixed documented order."""

from __future__ import annotations

import mesa
import numpy as np

from . import outcomes, policies
from .county import TOWN_SEAT, URBAN_PLACE, build_county
from .policies.effects import Effects
from .policies.subsidy import baseline_allowance
from .rng import Streams
from .scenario import Scenario
from .schools import School
from .stages import demography, enrollment, labour, learning, progression


class CountyModel(mesa.Model):
    """A county's compulsory schools, teachers and students.

    Students and teachers are struct-of-arrays (``self.students``, ``self.teachers``); schools are
    Mesa agents over the school arrays. ``step()`` runs one school year; the order of its stages
    is the ODD process overview (docs/ODD.md).
    """

    def __init__(self, scenario: Scenario | None = None, seed: int | None = None):
        scenario = scenario or Scenario()
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        self.scenario = scenario
        self.params = scenario.params
        self.seed = seed
        self.streams = Streams(seed)
        self.year = scenario.start_year - 1  # the last completed year
        self.county = build_county(scenario.county, self.streams.generator("county"),
                                   scenario.roster_path())
        if self.county.roster_students is None:
            self._set_urban_residence(self.params.demography.urban_residence_share)
        n = self.county.n_schools
        self.school_open = np.ones(n, bool)
        self.closed_in = np.zeros(n, np.int16)  # year a school was closed
        self.capacity = self.county.capacity.copy()
        self.beds = np.nan_to_num(self.county.beds, nan=0.0)
        self.beds_added = np.zeros(n)
        self.facilities = self.county.facilities.astype(float)
        self.town_hub_spent = 0.0
        self.rotating = 0  # teachers on rotation this year
        self.principal_rotation_years = 0
        self.enrollment_history: list[np.ndarray] = []
        self.effects = Effects(n, self.county.n_places)
        self.effects.allowance = baseline_allowance(self)
        self.effects.allowance_rise_year = np.full(5, -10_000)
        self.lever_levels = dict.fromkeys(policies.LEVERS, 0.0)
        self.has_shortage_teacher = np.ones(n, bool)  # until teachers exist
        self.enrolled = np.zeros((n, 2), np.int64)  # primary, middle
        self.staff = np.zeros(n, np.int64)
        self.required = np.zeros(n, np.int64)
        self.value_added = np.zeros(n)
        self.mean_z = np.full((n, 2), np.nan)  # last exam's mean achievement by stage
        self.exam_count = np.zeros((n, 2), np.int64)
        self.z_mean, self.z_sd = 0.0, 1.0
        self.difference_rate = np.full(n, np.nan)
        self.flows: dict[str, int] = {}
        self.indicators: dict[str, float] = {}
        self.school_rows: list[dict[str, np.ndarray]] = []
        self.town_rows: list[dict[str, np.ndarray]] = []
        self.snapshot: dict[str, float] = {}  # indicators measured at enrollment time
        for i in range(n):
            School(self, i)

        demography.initial_students(self)
        enrollment.initial_enrollment(self)
        self.initial_beds = self.beds.copy()
        self.cover_order = self._cover_order()
        labour.initial_teachers(self)
        learning.initial_history(self)

        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in outcomes.TIMESERIES_COLUMNS})

    def _set_urban_residence(self, share: float) -> None:
        """Scale county-seat neighbourhoods so they hold ``share`` of each birth cohort."""
        w = self.county.place_weight
        urban = self.county.place_kind == URBAN_PLACE
        w[urban] *= share / (1 - share) * w[~urban].sum() / w[urban].sum()

    def _cover_order(self) -> np.ndarray:
        """Order in which coverage levers reach rural schools: town seats, then by size."""
        size = self.enrolled.sum(axis=1)
        kind = self.county.school_type
        order = np.lexsort((-size, kind != TOWN_SEAT))
        return order[kind[order] >= TOWN_SEAT]

    @property
    def schools(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[School]

    def rebuild_options(self) -> None:
        """Rural schools closed: recompute the places' local and town-seat options."""
        enrollment.build_options(self, rural_only=True)

    def pupils_by_place(self) -> np.ndarray:
        """Enrolled students this year by home place."""
        s = self.students
        win = s.window(self.year)
        enrolled = self.stage_key < 2 * self.county.n_schools
        return np.bincount(s.place[win][enrolled], minlength=self.county.n_places)

    def step(self) -> None:
        """One school year, in the order of docs/ODD.md (process overview)."""
        self.year += 1
        self.flows = dict.fromkeys(outcomes.FLOW_NAMES, 0)
        policies.apply(self, self.year)
        demography.enter_and_migrate(self, self.year)
        enrollment.choose_schools(self, self.year)
        labour.labour_market(self, self.year)
        learning.learn_and_examine(self, self.year)
        progression.progress(self, self.year)
        self.indicators = outcomes.measure(self, self.year)
        self.school_rows.append(outcomes.school_rows(self, self.year))
        self.town_rows.append(outcomes.town_rows(self, self.year))
        self.enrollment_history.append(self.enrolled.sum(axis=1))
        self.datacollector.collect(self)

    def run_model(self) -> None:
        while self.year < self.scenario.end_year:
            self.step()

    def release(self) -> None:
        """Let the model be garbage-collected: Mesa 3.3 keeps every model in a class-level
        id counter (``mesa.Agent._ids``, fixed upstream in mesa#3180), which grows memory over
        a sweep of thousands of runs."""
        mesa.Agent._ids.pop(self, None)
        # Mesa's agents and wrapped step make the model a reference cycle that waits for the
        # garbage collector; drop the large state now so its memory is freed at once.
        for name in ("students", "teachers", "county", "options", "option_distance",
                     "nearest_first", "own_town_sorted", "_journey_cache", "school_rows",
                     "town_rows", "travel", "stage_key", "datacollector"):
            self.__dict__.pop(name, None)


def _reporter(name: str):
    def report(model: CountyModel) -> float:
        return model.indicators[name]

    return report
