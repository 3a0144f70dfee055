"""CountyModel: one county, one school year per step, the stages of the year in a table.

The state lives in ``sim.state.CountyState`` (``model.state``); the stages and levers are
functions over it. ``YEAR`` below is the year, in order: the code is the list that docs/ODD.md
(process overview) explains, and ``model.timings`` records the seconds spent in each line.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import mesa
import numpy as np

from . import outcomes, policies
from .classes import ClassTables
from .county import build_county, with_urban_residence
from .errors import InputError
from .kinds import TOWN_SEAT
from .memory import keep_freed_memory
from .pay import baseline_allowance
from .rng import Streams
from .scenario import Scenario
from .schools import School
from .stages import (
    demography,
    enrollment,
    labour,
    learning,
    progression,
    relocation,
    rotation,
    zhongkao,
)
from .state import (
    CountyState,
    Effects,
    ExamState,
    LeverState,
    SchoolState,
    Teachers,
    YearState,
)

Stage = Callable[[CountyState, int], None]
MAX_SEED = 2**32 - 1  # the scenario's seed range

# One school year, in order (docs/ODD.md, process overview).
YEAR: tuple[tuple[str, Stage], ...] = (
    ("levers", policies.apply),  # every lever sets this year's effects or acts on schools
    ("demography", demography.enter_and_migrate),  # entrants; families leaving the county
    ("relocation", relocation.relocate),  # families moving to the county seat mid-stage
    ("enrollment", enrollment.choose_schools),  # school choice, places, beds, travel
    ("observe enrollment", outcomes.measure_enrollment),  # who attends where, boards, travels
    ("teacher exits", labour.retire_and_quit),  # retirement, quits, transfer requests
    ("rotation", rotation.rotate),  # rotations end and start (rotation lever)
    ("teacher posts", labour.fill_posts),  # transfers, redeployment, hiring, titles, principals
    ("learning", learning.learn_and_examine),  # achievement grows; the year's exam
    ("progression", progression.progress),  # dropout, graduation, next grade
    ("costs", policies.costs),  # each lever's cost this year
    ("observe year", outcomes.observe_year),  # the timeseries row, school and town rows
)


class CountyModel(mesa.Model):
    """A county's compulsory schools, teachers and students.

    ``state`` holds everything (sim.state); schools are also Mesa agents, read-only views of
    ``state.schools``; the DataCollector gathers the timeseries. ``step()`` runs one school year
    through ``YEAR``; at the scenario's end year ``running`` turns False, so ``mesa.batch_run``
    and Mesa's visualisation stop there.
    """

    def __init__(self, scenario: Scenario | None = None, seed: int | None = None):
        scenario = scenario or Scenario()
        seed = scenario.seed if seed is None else int(seed)
        if not 0 <= seed <= MAX_SEED:
            raise InputError("seed", f"{seed} (allowed: 0 to {MAX_SEED})")
        super().__init__(seed=seed)
        keep_freed_memory()  # the years' arrays reuse the memory the last year freed
        self.state: CountyState = build_state(scenario, seed)
        self.timings: dict[str, float] = {name: 0.0 for name, _ in YEAR}
        for i in range(self.state.county.n_schools):
            School(self, i)
        self.datacollector = IndicatorCollector(
            model_reporters={name: _reporter(name) for name in outcomes.TIMESERIES_COLUMNS})

    @property
    def schools(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[School]

    @property
    def year(self) -> int:
        return self.state.year

    @property
    def indicators(self) -> dict[str, float]:
        """The last year's timeseries row."""
        return self.state.history.indicators[-1]

    def step(self) -> None:
        """One school year: the stages of ``YEAR`` in order, each timed."""
        st = self.state
        st.begin_year(outcomes.FLOW_NAMES)
        for name, stage in YEAR:
            t0 = time.perf_counter()
            stage(st, st.year)
            self.timings[name] += time.perf_counter() - t0
        self.datacollector.collect(self)
        self.running = st.year < st.scenario.end_year

    def run_model(self) -> None:
        """Run to the scenario's end year."""
        while self.running:
            self.step()

    def release(self) -> None:
        """Let the model be garbage-collected: Mesa 3.3 keeps every model in a class-level
        id counter (``mesa.Agent._ids``, fixed upstream in mesa#3180), which grows memory over
        a sweep of thousands of runs. Mesa's agents and wrapped step make the model a reference
        cycle that waits for the garbage collector; dropping the state frees its memory now."""
        mesa.Agent._ids.pop(self, None)
        self.__dict__.pop("state", None)
        self.__dict__.pop("datacollector", None)


def build_state(scenario: Scenario, seed: int) -> CountyState:
    """The county at the start: geography, pupils placed, beds sized, teachers, past learning."""
    params = scenario.params
    streams = Streams(seed)
    county = build_county(scenario.county, streams.generator("county"), scenario.roster_path())
    if county.roster_students is None:
        county = with_urban_residence(county, params.demography.urban_residence_share)
    schools = SchoolState.from_county(county)
    st = CountyState(
        scenario=scenario, params=params, seed=seed, streams=streams, county=county,
        year=scenario.start_year - 1, schools=schools,
        exam=ExamState.empty(county.n_schools, params.learning.exam_mean_share),
        places=enrollment.build_options(county, schools.open),
        students=demography.initial_students(scenario, county, streams),
        teachers=Teachers.allocate(0),
        effects=Effects(county.n_schools, county.n_places, baseline_allowance(params)),
        levers=LeverState(levels=dict.fromkeys(policies.LEVERS, 0.0),
                          cover_order=np.empty(0, np.int64)),
        now=YearState.begin(outcomes.FLOW_NAMES), classes=ClassTables.of(county))
    enrollment.initial_enrollment(st)
    schools.initial_beds = schools.beds.copy()
    st.levers.cover_order = cover_order(st)
    st.levers.equipped_in = np.zeros(county.n_schools, np.int16)
    labour.initial_teachers(st)
    learning.initial_history(st)
    zhongkao.expected_rates(st)
    st.relocation_norm = relocation.normaliser(st)
    return st


def cover_order(st: CountyState) -> np.ndarray:
    """Order in which coverage levers reach rural schools: town seats, then by size."""
    size = st.schools.enrolled.sum(axis=1)
    kind = st.county.school_type
    order = np.lexsort((-size, kind != TOWN_SEAT))
    return order[kind[order] >= TOWN_SEAT]


class IndicatorCollector(mesa.DataCollector):
    """Mesa's DataCollector for the timeseries row: its reporters are the row's columns, and
    ``collect`` appends the year's values as they are. Mesa's own deep-copies each reported
    value in case it is mutable; the row holds only numbers, and a deep copy of each of about
    120 columns is a visible share of a year."""

    def collect(self, model: CountyModel) -> None:
        row = model.indicators
        for name, values in self.model_vars.items():
            values.append(row[name])


def _reporter(name: str) -> Callable[[CountyModel], float]:
    def report(model: CountyModel) -> float:
        return model.indicators[name]

    return report
