"""Running what the dashboard shows: replicates in worker processes, each run kept in an
in-memory cache, summarised exactly as ``sim.compare`` summarises packages.

Replicate ``r`` of both the reference and the package runs with seed ``first_seed + r`` (common
random numbers, as in ``compare``), so the baseline's runs are computed once and reused for every
package and every lever setting. A run is cached by its resolved scenario (every value, not the
file it came from) and its seed: moving a slider back to where it was costs nothing.

Runs go to a pool of worker processes started once (spawned, not forked: the web server runs
threads), one per core: five replicates on two cores take three run times instead of five.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import numpy as np
import pandas as pd

from .. import ensemble
from ..compare import bands, draw_parameter_sets, target_table, with_parameters
from ..kinds import SCHOOL_TYPES
from ..model import CountyModel
from ..scenario import Scenario, with_overrides
from .settings import Choice, Resolved, resolve, uncertainty_choices

if TYPE_CHECKING:
    from ..state import CountyState

RUN_CACHE = 2000  # runs kept (about 60 kB each: the timeseries and the last year's schools)
OUTCOME_CACHE = 64  # summarised choices kept

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A least-recently-used cache, safe to share between the server's threads."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class RunOutput:
    """What the dashboard keeps of a run: its timeseries and its schools in the last year."""

    timeseries: pd.DataFrame
    schools: pd.DataFrame


def run_one(scenario: Scenario, seed: int) -> RunOutput:
    """One run, reduced to what the charts need (in a worker process). It steps the model as
    ``sim.run`` does but skips what ``run`` adds that the page does not show (every year's
    school and town frames, the cohort and place frames, the provenance summary): about a
    tenth of a run. The timeseries is ``run``'s (a test holds them equal)."""
    model = CountyModel(scenario, seed=seed)
    for _ in scenario.years:
        model.step()
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts["year"] = ts["year"].astype(int)
    schools = last_year_schools(model.state)
    model.release()
    return RunOutput(ts, schools)


def last_year_schools(st: CountyState) -> pd.DataFrame:
    """The last year's row of each school, with its type and position (as in ``run``'s
    schools frame)."""
    c = st.county
    frame = pd.DataFrame(st.history.school_rows[-1])
    ids = frame["school"].to_numpy()
    frame.insert(2, "name", pd.Categorical(np.asarray(c.school_name)[ids]))
    frame.insert(3, "type", pd.Categorical(np.asarray(SCHOOL_TYPES)[c.school_type[ids]],
                                           categories=SCHOOL_TYPES))
    frame.insert(4, "town", c.school_town[ids])
    frame.insert(5, "x_km", c.school_x[ids])
    frame.insert(6, "y_km", c.school_y[ids])
    return frame


def _done(output: RunOutput) -> Future[RunOutput]:
    """A run already at hand, as a finished future."""
    future: Future[RunOutput] = Future()
    future.set_result(output)
    return future


def _ready() -> int:
    """A worker's first task: importing the model, so the first real run is not slowed."""
    return os.getpid()


def scenario_key(scenario: Scenario) -> str:
    """The resolved scenario, every value: two routes to the same settings share runs."""
    return scenario.model_dump_json()


@dataclass
class Outcome:
    """A choice run and summarised: the runs, bands and targets table of ``sim.compare``, the
    package's schools (first replicate, last year) for the map, and how long it took."""

    labels: tuple[str, str]
    package: Scenario
    runs: pd.DataFrame
    bands: pd.DataFrame
    targets: pd.DataFrame
    schools: pd.DataFrame
    replicates: int
    first_seed: int
    includes: str = "stochastic only"  # what the bands hold, as compare words it
    seconds: float = 0.0
    computed: int = 0  # runs computed for this outcome (the rest came from the cache)


class Runner:
    """Runs choices: a process pool, a cache of runs and one of summarised outcomes."""

    def __init__(self, workers: int | None = None):
        self.workers = default_workers() if workers is None else workers
        self.runs = LRU[tuple[str, int], RunOutput](RUN_CACHE)
        self.outcomes = LRU[tuple, Outcome](OUTCOME_CACHE)
        self._pool: Executor | None = None
        self._lock = threading.Lock()
        self._inflight: dict[tuple[str, int], Future[RunOutput]] = {}
        self._inflight_lock = threading.Lock()

    def pool(self) -> Executor | None:
        """The worker pool, started on first use (None: run in this process)."""
        if self.workers < 2:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
            return self._pool

    def warm(self) -> None:
        """Start the workers now, so the first click does not wait for them to import."""
        pool = self.pool()
        if pool is not None:
            for future in [pool.submit(_ready) for _ in range(self.workers)]:
                future.result()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
        with self._inflight_lock:
            self._inflight.clear()

    def run_many(self, jobs: list[tuple[Scenario, int]]) -> tuple[list[RunOutput], int]:
        """Each (scenario, seed)'s run, from the cache, from a computation already under way
        (another tab, the start-up warm-up) or computed now, in parallel; and how many this
        call started."""
        try:
            return self._run_many(jobs)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh once
            self.close()
            return self._run_many(jobs)

    def _run_many(self, jobs: list[tuple[Scenario, int]]) -> tuple[list[RunOutput], int]:
        keys = [(scenario_key(sc), seed) for sc, seed in jobs]
        futures: dict[tuple[str, int], Future[RunOutput]] = {}
        started = 0
        for key, (sc, seed) in zip(keys, jobs):
            if key in futures:
                continue
            cached = self.runs.get(key)
            if cached is not None:
                futures[key] = _done(cached)
                continue
            with self._inflight_lock:
                future = self._inflight.get(key)
                if future is None:
                    future = self._submit(sc, seed)
                    self._inflight[key] = future
                    started += 1
            future.add_done_callback(functools.partial(self._finished, key))
            futures[key] = future
        return [futures[key].result() for key in keys], started

    def _submit(self, scenario: Scenario, seed: int) -> Future[RunOutput]:
        pool = self.pool()
        if pool is None:
            return _done(run_one(scenario, seed))
        return pool.submit(run_one, scenario, seed)

    def _finished(self, key: tuple[str, int], future: Future[RunOutput]) -> None:
        """A run is done: into the cache (unless it failed), out of the runs under way."""
        if not future.cancelled() and future.exception() is None:
            self.runs.put(key, future.result())
        with self._inflight_lock:
            if self._inflight.get(key) is future:
                del self._inflight[key]

    def outcome(self, choice: Choice) -> Outcome:
        """Resolve, run (what is not cached) and summarise a choice."""
        t0 = time.perf_counter()
        resolved = resolve(choice)
        seeds = [choice.first_seed + r for r in range(choice.replicates)]
        key = (scenario_key(resolved.reference), scenario_key(resolved.package),
               tuple(seeds), resolved.labels, choice.uncertainty)
        cached = self.outcomes.get(key)
        if cached is not None:  # as it was, but nothing run for it this time
            return replace(cached, seconds=time.perf_counter() - t0, computed=0)
        ensemble = load_ensemble(uncertainty_choices().get(choice.uncertainty))
        draws = draw_parameter_sets(ensemble, len(seeds), seeds[0])
        jobs = [(replicate_scenario(sc, ensemble, draws, r, choice), seed)
                for sc in (resolved.reference, resolved.package) for r, seed in enumerate(seeds)]
        outputs, computed = self.run_many(jobs)
        includes = ("stochastic only" if ensemble is None else
                    f"stochastic + assumptions ({len(ensemble)} parameter sets)")
        out = summarise(resolved, outputs, seeds, draws, includes)
        out.seconds = time.perf_counter() - t0
        out.computed = computed
        self.outcomes.put(key, out)
        return out


@functools.lru_cache(maxsize=4)
def load_ensemble(path: Path | None) -> pd.DataFrame | None:
    """An assumption ensemble, read and checked once (None: luck only)."""
    return None if path is None else ensemble.load(path)


def replicate_scenario(scenario: Scenario, table: pd.DataFrame | None, draws: np.ndarray | None,
                       r: int, choice: Choice) -> Scenario:
    """Replicate ``r``'s scenario: with an ensemble, its parameter set (the same for both
    scenarios, as in ``compare``), and over it the assumptions the user set by hand."""
    if table is None or draws is None:
        return scenario
    drawn = with_parameters(scenario, table.iloc[int(draws[r])])
    return with_overrides(drawn, choice.assumption_changes) if choice.assumption_changes \
        else drawn


def default_workers() -> int:
    """One worker per core this process may use and one more, at most nine. Runs cannot be
    split, so with a worker per core the last round of replicates leaves cores idle (five
    runs on two cores: three rounds); one extra worker keeps every core busy to the end
    (five runs on two cores in the time of 2.5)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8)) + 1


def summarise(resolved: Resolved, outputs: list[RunOutput], seeds: list[int],
              draws: np.ndarray | None = None, includes: str = "stochastic only") -> Outcome:
    """The runs as ``sim.compare`` lays them out (scenario, replicate, seed, parameter set,
    then the timeseries), with its bands and targets table."""
    labels = resolved.labels
    frames = []
    for i, output in enumerate(outputs):
        r = i % len(seeds)
        ts = output.timeseries.copy()
        ts.insert(0, "parameter_set", -1 if draws is None else int(draws[r]))
        ts.insert(0, "seed", seeds[r])
        ts.insert(0, "replicate", r)
        ts.insert(0, "scenario", labels[i // len(seeds)])
        frames.append(ts)
    runs = pd.concat(frames, ignore_index=True)
    runs["scenario"] = pd.Categorical(runs["scenario"], categories=list(labels), ordered=True)
    banded = bands(runs)
    banded["includes"] = includes
    return Outcome(labels, resolved.package, runs, banded, target_table(runs, list(labels)),
                   outputs[len(seeds)].schools, len(seeds), seeds[0], includes)
