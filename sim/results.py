"""Running a scenario and what a run leaves behind: frames, summary, provenance, files."""

from __future__ import annotations

import functools
import json
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from .county import SCHOOL_TYPES
from .files import writing_into
from .model import CountyModel
from .scenario import Scenario

# The seeds' targets: (indicator, comparison, threshold, deadline year, source).
TARGETS = (
    ("gap_rate", "<", 0.15, 2025, "seed 004 (二): town-seat vs urban quality difference rate"),
    ("share_towns_gap_met", ">=", 1.0, 2025, "seed 004 (二): every town-seat school below 0.15"),
    ("bachelor_ratio", "<=", 1.05, 2027, "seed 001: urban:rural bachelor's ratio"),
    ("share_rural_schools_4_seniors", ">=", 1.0, None,
     "seed 003: every rural school has >= 4 senior teachers"),
    ("rural_principals_under45", ">=", 0.5, 2027, "seed 001: >= 50% of rural principals under 45"),
    ("middle_retention_3yr", ">=", 0.95, None, "MoE 教督〔2017〕6号: three-year retention"),
)


@dataclass
class Result:
    timeseries: pd.DataFrame
    schools: pd.DataFrame
    summary: dict
    towns: pd.DataFrame | None = None  # a row per town and year
    places: pd.DataFrame | None = None  # where children live (for maps)

    def write(self, out: str | Path, charts: bool = True) -> Path:
        """Write the frames, summary and charts; files appear whole or not at all."""
        out = Path(out)
        with writing_into(out) as tmp:
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.schools.to_parquet(tmp / "schools.parquet", index=False)
            if self.towns is not None:
                self.towns.to_parquet(tmp / "towns.parquet", index=False)
            if self.places is not None:
                self.places.to_parquet(tmp / "places.parquet", index=False)
            (tmp / "summary.json").write_text(json.dumps(self.summary, indent=2, default=_json))
            if charts:
                from .plots import save_run_charts

                save_run_charts(self, tmp)
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
    start_counts = counts(model)
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


def counts(model: CountyModel) -> dict:
    s, T = model.students, model.teachers
    return {"schools": int(model.school_open.sum()),
            "teachers": int(T.status_counts()["teaching"]),
            "students": int(s.status_counts()["enrolled"])}


def collect(model: CountyModel, start_counts: dict, elapsed: float) -> Result:
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts["year"] = ts["year"].astype(int)
    schools = _frame(model.school_rows)
    towns = _frame(model.town_rows)
    c = model.county
    names = pd.Categorical(np.asarray(c.school_name)[schools["school"]])
    schools.insert(2, "name", names)
    schools.insert(3, "type", pd.Categorical(np.asarray(SCHOOL_TYPES)[c.school_type[
        schools["school"]]], categories=SCHOOL_TYPES))
    schools.insert(4, "town", c.school_town[schools["school"]])
    schools.insert(5, "x_km", c.school_x[schools["school"]])
    schools.insert(6, "y_km", c.school_y[schools["school"]])
    return Result(ts, schools, summarise(model, ts, start_counts, elapsed), towns,
                  places_frame(model))


def places_frame(model: CountyModel) -> pd.DataFrame:
    """Where children live: a row per place with its location, kind, town, yearly birth
    cohort weight and the primary school it is nearest to at the end of the run."""
    c = model.county
    kinds = np.array(["county_seat", "town_seat", "village"])[c.place_kind]
    local = model.options[:, 0, 0]
    return pd.DataFrame({"place": np.arange(c.n_places), "x_km": c.place_x, "y_km": c.place_y,
                         "kind": kinds, "town": c.place_town, "cohort_weight": c.place_weight,
                         "local_school": np.where(local < c.n_schools, local, -1)})


def _frame(rows: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    return pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})


def summarise(model: CountyModel, ts: pd.DataFrame, start_counts: dict, elapsed: float) -> dict:
    sc = model.scenario
    final = {k: _clean(v) for k, v in ts.iloc[-1].items()}
    return {
        "scenario": sc.name,
        "description": sc.description,
        "years": [sc.start_year, sc.end_year],
        "final": final,
        "targets": [target_status(ts, *t) for t in TARGETS],
        "first_year_gap_met": _first_year(ts, "gap_rate", "<", 0.15),
        "student_retention_rising_every_year": bool((ts["student_retention"].diff().dropna()
                                                     > 0).all()),
        "conservation": conservation(model),
        "provenance": {
            "seed": model.seed,
            "package_version": _version(),
            "scenario_file": sc.source,
            "scenario_sha256": sc.file_hash,
            "counts_start": start_counts,
            "counts_end": counts(model),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "mesa": mesa.__version__,
            "git_commit": _git_commit(),
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "runtime_s": round(elapsed, 3),
        },
    }


def conservation(model: CountyModel) -> dict:
    """Everyone who entered is enrolled, graduated, dropped out or moved away; every teacher
    hired is teaching, retired or has left."""
    return {"students": model.students.status_counts(), "teachers": model.teachers.status_counts()}


def target_status(ts: pd.DataFrame, column: str, op: str, threshold: float,
                  deadline: int | None, source: str) -> dict:
    first = _first_year(ts, column, op, threshold)
    at = ts[ts["year"] == deadline] if deadline is not None else ts.iloc[[-1]]
    if at.empty:
        at = ts.iloc[[-1]]
    value = float(at[column].iloc[0])
    return {"indicator": column, "target": f"{op} {threshold}", "by": deadline,
            "value": _clean(value), "met": bool(_compare(value, op, threshold)),
            "first_year_met": first, "source": source}


def _compare(values, op: str, threshold: float):
    return {"<": np.less, "<=": np.less_equal, ">=": np.greater_equal}[op](values, threshold)


def _first_year(ts: pd.DataFrame, column: str, op: str, threshold: float) -> int | None:
    hit = ts.loc[_compare(ts[column].to_numpy(), op, threshold), "year"]
    return int(hit.iloc[0]) if len(hit) else None


def _clean(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _version() -> str:
    from . import __version__

    return __version__


@functools.cache
def _git_commit() -> str | None:
    if shutil.which("git") is None:
        return None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
