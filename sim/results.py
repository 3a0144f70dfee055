"""Running a scenario and what a run leaves behind: frames, summary, provenance, files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from .cohorts import cohort_frame
from .files import writing_into
from .indicators import (
    FRAMES,
    GAP,
    TARGETS,
    Target,
    codebook,
    first_year_met,
    first_year_touched,
    meets,
)
from .kinds import SCHOOL_TYPES
from .model import CountyModel
from .provenance import VERSION, command_line, git_commit, git_dirty, python_version
from .scenario import Scenario
from .state import CountyState

# What a run writes: files of these kinds left from an earlier run in the same folder go.
OUTPUT_FILES = ("*.parquet", "*.png", "*.svg", "*.pdf", "summary.json", "codebook.csv")


@dataclass
class Result:
    timeseries: pd.DataFrame
    schools: pd.DataFrame
    summary: dict
    towns: pd.DataFrame | None = None  # a row per town and year
    places: pd.DataFrame | None = None  # where children live (for maps)
    cohorts: pd.DataFrame | None = None  # a row per entry cohort x sex x home kind
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage of the year

    def write(self, out: str | Path,
              extras: Iterable[Callable[[Result, Path], object]] = ()) -> Path:
        """Write the frames and summary, then each of ``extras`` (e.g. ``plots.save_run_charts``)
        into the same folder; files appear whole or not at all."""
        out = Path(out)
        with writing_into(out, stale=OUTPUT_FILES) as tmp:
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.schools.to_parquet(tmp / "schools.parquet", index=False)
            if self.towns is not None:
                self.towns.to_parquet(tmp / "towns.parquet", index=False)
            if self.places is not None:
                self.places.to_parquet(tmp / "places.parquet", index=False)
            if self.cohorts is not None:
                self.cohorts.to_parquet(tmp / "cohorts.parquet", index=False)
            (tmp / "summary.json").write_text(json.dumps(self.summary, indent=2, default=_json))
            frames = [n for n in FRAMES if getattr(self, n) is not None]
            codebook(tuple(frames)).to_csv(tmp / "codebook.csv", index=False)
            for extra in extras:
                extra(self, tmp)
        return out


def _json(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def run(scenario: Scenario | None = None, seed: int | None = None,
        progress: bool = False) -> Result:
    """Run one scenario to its end year and return its frames and summary."""
    scenario = scenario or Scenario()
    t0 = time.perf_counter()
    model = CountyModel(scenario, seed=seed)
    start_counts = counts(model.state)
    years = scenario.years
    iterator = years
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(years, desc=scenario.name, unit="year", leave=False)
    for _ in iterator:
        model.step()
    elapsed = time.perf_counter() - t0
    result = collect(model, start_counts, elapsed)
    model.release()
    return result


def run_timeseries(scenario: Scenario, seed: int) -> pd.DataFrame:
    """The timeseries of ``run(scenario, seed)`` alone, without the school, town, place and
    cohort frames and the summary (a tenth of a run's cost: for many counties at once)."""
    model = CountyModel(scenario, seed=seed)
    for _ in scenario.years:
        model.step()
    ts = timeseries(model)
    model.release()
    return ts


def timeseries(model: CountyModel) -> pd.DataFrame:
    """The DataCollector's yearly rows as the timeseries frame."""
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts["year"] = ts["year"].astype(int)
    return ts


def counts(st: CountyState) -> dict:
    s, T = st.students, st.teachers
    return {"schools": int(st.schools.open.sum()),
            "teachers": int(T.status_counts()["teaching"]),
            "students": int(s.status_counts()["enrolled"])}


def collect(model: CountyModel, start_counts: dict, elapsed: float) -> Result:
    st = model.state
    ts = timeseries(model)
    schools = _frame(st.history.school_rows)
    towns = _frame(st.history.town_rows)
    c = st.county
    names = pd.Categorical(np.asarray(c.school_name)[schools["school"]])
    schools.insert(2, "name", names)
    schools.insert(3, "type", pd.Categorical(np.asarray(SCHOOL_TYPES)[c.school_type[
        schools["school"]]], categories=SCHOOL_TYPES))
    schools.insert(4, "town", c.school_town[schools["school"]])
    schools.insert(5, "x_km", c.school_x[schools["school"]])
    schools.insert(6, "y_km", c.school_y[schools["school"]])
    return Result(ts, schools, summarise(st, ts, start_counts, elapsed), towns,
                  places_frame(st), cohort_frame(st), dict(model.timings))


def places_frame(st: CountyState) -> pd.DataFrame:
    """Where children live: a row per place with its location, kind, town, yearly birth
    cohort weight and the primary school it is nearest to at the end of the run."""
    c = st.county
    kinds = np.array(["county_seat", "town_seat", "village"])[c.place_kind]
    local = st.places.options[:, 0, 0]
    return pd.DataFrame({"place": np.arange(c.n_places), "x_km": c.place_x, "y_km": c.place_y,
                         "kind": kinds, "town": c.place_town, "cohort_weight": c.place_weight,
                         "local_school": np.where(local < c.n_schools, local, -1)})


def _frame(rows: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    return pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})


def summarise(st: CountyState, ts: pd.DataFrame, start_counts: dict, elapsed: float) -> dict:
    sc = st.scenario
    final = {k: _clean(v) for k, v in ts.iloc[-1].items()}
    return {
        "scenario": sc.name,
        "description": sc.description,
        "years": [sc.start_year, sc.end_year],
        "final": final,
        "targets": [target_status(ts, t) for t in TARGETS],
        "first_year_gap_met": first_year(ts, GAP),
        "first_year_gap_touched": first_year_touched(ts["year"], ts[GAP.indicator], GAP),
        "student_retention_rising_every_year": bool((ts["student_retention"].diff().dropna()
                                                     > 0).all()),
        "conservation": conservation(st),
        "provenance": {
            "seed": st.seed,
            "package_version": VERSION,
            "scenario_file": sc.source,
            "scenario_sha256": sc.file_hash,
            "overrides": sc.overrides,
            "scenario": sc.model_dump(mode="json"),
            "command": command_line(),
            "counts_start": start_counts,
            "counts_end": counts(st),
            "python": python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "git_commit": git_commit(),
            "git_dirty": git_dirty(),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "runtime_s": round(elapsed, 3),
        },
    }


def conservation(st: CountyState) -> dict:
    """Everyone who entered is enrolled, graduated, dropped out or moved away; every teacher
    hired is teaching, retired or has left."""
    return {"students": st.students.status_counts(), "teachers": st.teachers.status_counts()}


def target_status(ts: pd.DataFrame, target: Target) -> dict:
    """A target's value at its deadline (the last year when none, or when the run ends first),
    whether it is met there, and the first year it is met."""
    at = ts[ts["year"] == target.by] if target.by is not None else ts.iloc[[-1]]
    if at.empty:
        at = ts.iloc[[-1]]
    value = float(at[target.indicator].iloc[0])
    first = first_year(ts, target)
    met = first is not None and (target.by is None or first <= target.by)
    return {"indicator": target.indicator, "target": f"{target.op} {target.threshold}",
            "by": target.by, "value": _clean(value),
            "met": met, "at_deadline": bool(meets(value, target.op, target.threshold)),
            "first_year_met": first,
            "first_year_touched": first_year_touched(ts["year"], ts[target.indicator], target),
            "source": target.source}


def first_year(ts: pd.DataFrame, target: Target) -> int | None:
    """The first year from which a run's timeseries holds ``target`` (indicators.HOLD_YEARS
    consecutive years; None: never)."""
    return first_year_met(ts["year"], ts[target.indicator], target)


def _clean(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value

