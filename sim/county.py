"""County geography and school network: the synthetic generator and the roster loader.

A county is a set of *places* (county-seat neighbourhoods, town seats, villages) where children
live, and a set of *schools* with a type, a grade range, a location and resources. Both are plain
arrays; the model turns schools into Mesa agents. Distances are road km (straight line times a
circuity factor).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .scenario import SCHOOL_TYPES, CountySpec

URBAN_QUALITY, URBAN_ORDINARY, TOWN_SEAT, VILLAGE, TEACHING_POINT = range(5)
URBAN_PLACE, TOWN_SEAT_PLACE, VILLAGE_PLACE = range(3)
STAGES = {"primary": (1, 6), "middle": (7, 9), "nine_year": (1, 9), "lower_primary": (1, 3)}

# Facilities relative to the provincial standard (1.0 = at standard). Seed 001 (8) and seed 004
# set the standard as a target for town-seat schools, so rural schools start below it:
# an assumption, varied through CountySpec.initial_sorting's companion in sweeps.
FACILITIES = {URBAN_QUALITY: 1.2, URBAN_ORDINARY: 1.0, TOWN_SEAT: 0.9, VILLAGE: 0.8,
              TEACHING_POINT: 0.7}
# Boarding beds per enrolled student of the boarding grades, by type and middle/primary
# (assumption, calibrated to boarding shares ~11% primary and ~45% middle nationally).
BED_SHARE = {(TOWN_SEAT, True): 0.75, (TOWN_SEAT, False): 0.5, (URBAN_ORDINARY, True): 0.25,
             (URBAN_QUALITY, True): 0.15}


@dataclass
class County:
    """Places and schools as arrays; ``capacity``/``beds`` NaN means 'size from first enrollment'."""

    place_x: np.ndarray
    place_y: np.ndarray
    place_town: np.ndarray  # -1 for the county seat
    place_kind: np.ndarray  # URBAN_PLACE / TOWN_SEAT_PLACE / VILLAGE_PLACE
    place_weight: np.ndarray  # relative size of a yearly birth cohort
    school_name: list[str]
    school_type: np.ndarray
    min_grade: np.ndarray
    max_grade: np.ndarray
    school_town: np.ndarray
    school_x: np.ndarray
    school_y: np.ndarray
    capacity: np.ndarray
    beds: np.ndarray
    facilities: np.ndarray
    road_factor: float = 1.3
    roster_students: np.ndarray | None = None  # initial enrollment per school (roster only)
    roster_teachers: np.ndarray | None = None
    distance: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        dx = self.place_x[:, None] - self.school_x[None, :]
        dy = self.place_y[:, None] - self.school_y[None, :]
        self.distance = (np.hypot(dx, dy) * self.road_factor).astype(np.float32)

    @property
    def n_places(self) -> int:
        return len(self.place_x)

    @property
    def n_schools(self) -> int:
        return len(self.school_type)

    @property
    def n_towns(self) -> int:
        return int(self.place_town.max()) + 1

    @property
    def is_urban_school(self) -> np.ndarray:
        return self.school_type <= URBAN_ORDINARY

    @property
    def is_rural_place(self) -> np.ndarray:
        return self.place_kind != URBAN_PLACE


def synthetic_county(spec: CountySpec, rng: np.random.Generator) -> County:
    """A Shandong plains county: a county seat, ``spec.towns`` towns, villages and schools."""
    xs, ys, towns, kinds, weights = [], [], [], [], []

    def add_place(x: float, y: float, town: int, kind: int, weight: float) -> int:
        xs.append(x), ys.append(y), towns.append(town), kinds.append(kind), weights.append(weight)
        return len(xs) - 1

    # Villages: lognormal sizes (assumption); a town seat holds about four villages' children.
    town_r = spec.radius_km / np.sqrt(spec.towns) * 1.1
    angles = np.linspace(0, 2 * np.pi, spec.towns, endpoint=False) + rng.uniform(-0.2, 0.2,
                                                                                 spec.towns)
    seats = []
    villages_of: list[list[int]] = []
    for t in range(spec.towns):
        d = rng.uniform(0.45, 0.9) * spec.radius_km
        sx, sy = d * np.cos(angles[t]), d * np.sin(angles[t])
        seats.append(add_place(sx, sy, t, TOWN_SEAT_PLACE, 4.0))
        r = town_r * np.sqrt(rng.uniform(0.02, 1, spec.villages_per_town))
        a = rng.uniform(0, 2 * np.pi, spec.villages_per_town)
        size = rng.lognormal(0.0, 0.5, spec.villages_per_town)
        villages_of.append([add_place(sx + ri * np.cos(ai), sy + ri * np.sin(ai), t,
                                      VILLAGE_PLACE, si) for ri, ai, si in zip(r, a, size)])
    rural_weight = float(np.sum(weights))
    # The county seat's share of children (Demography.urban_residence_share is applied in the
    # model by scaling these weights; here 12 neighbourhoods of equal size).
    n_urban = 12
    urban_places = []
    for _ in range(n_urban):
        r, a = 3.5 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        urban_places.append(add_place(r * np.cos(a), r * np.sin(a), -1, URBAN_PLACE,
                                      rural_weight / n_urban))

    names, types, lo, hi, stown, sx_, sy_ = [], [], [], [], [], [], []

    def add_school(name: str, kind: int, stage: str, town: int, x: float, y: float) -> None:
        g0, g1 = STAGES[stage]
        names.append(name), types.append(kind), lo.append(g0), hi.append(g1)
        stown.append(town), sx_.append(x), sy_.append(y)

    for i in range(spec.urban_quality_schools):
        r, a = 2.0 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        stage = "primary" if i % 2 == 0 else "middle"
        add_school(f"UQ{i + 1:02d}-{stage}", URBAN_QUALITY, stage, -1, r * np.cos(a),
                   r * np.sin(a))
    for i in range(spec.urban_ordinary_schools):
        p = urban_places[i % n_urban]
        stage = "middle" if i % 3 == 2 else "primary"
        add_school(f"UO{i + 1:02d}-{stage}", URBAN_ORDINARY, stage, -1, xs[p], ys[p])
    for t in range(spec.towns):
        p = seats[t]
        if rng.uniform() < spec.nine_year_town_share:
            add_school(f"T{t + 1:02d}-nine-year", TOWN_SEAT, "nine_year", t, xs[p], ys[p])
        else:
            add_school(f"T{t + 1:02d}-primary", TOWN_SEAT, "primary", t, xs[p], ys[p])
            add_school(f"T{t + 1:02d}-middle", TOWN_SEAT, "middle", t, xs[p], ys[p])
        vill = np.array(villages_of[t])
        by_size = vill[np.argsort(-np.asarray(weights)[vill], kind="stable")]
        primaries = by_size[: spec.village_primaries_per_town]
        for k, v in enumerate(primaries):
            add_school(f"T{t + 1:02d}-V{k + 1:02d}", VILLAGE, "primary", t, xs[v], ys[v])
        rest = np.setdiff1d(vill, primaries)
        far = rest[np.argsort(-np.hypot(np.asarray(xs)[rest] - xs[p], np.asarray(ys)[rest] - ys[p]),
                              kind="stable")]
        for k, v in enumerate(far[: spec.teaching_points_per_town]):
            add_school(f"T{t + 1:02d}-P{k + 1:02d}", TEACHING_POINT, "lower_primary", t, xs[v],
                       ys[v])

    types_arr = np.array(types, np.int8)
    n = len(names)
    return County(
        place_x=np.array(xs), place_y=np.array(ys), place_town=np.array(towns, np.int16),
        place_kind=np.array(kinds, np.int8), place_weight=np.array(weights),
        school_name=names, school_type=types_arr, min_grade=np.array(lo, np.int8),
        max_grade=np.array(hi, np.int8), school_town=np.array(stown, np.int16),
        school_x=np.array(sx_), school_y=np.array(sy_), capacity=np.full(n, np.nan),
        beds=np.full(n, np.nan), facilities=np.array([FACILITIES[k] for k in types]),
        road_factor=spec.road_factor)


ROSTER_COLUMNS = {"school": str, "type": str, "stage": str, "town": str, "x_km": float,
                  "y_km": float, "enrollment": int, "teachers": int}
OPTIONAL_COLUMNS = {"capacity": float, "beds": float, "facilities": float}


def roster_county(path: Path, spec: CountySpec) -> County:
    """A real county from a school roster (CSV: one row per school; see scenarios/README)."""
    try:
        table = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"cannot read the roster: {err}") from None
    missing = [c for c in ROSTER_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} (required: "
                         f"{', '.join(ROSTER_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)})")
    unknown = [c for c in table.columns if c not in ROSTER_COLUMNS and c not in OPTIONAL_COLUMNS]
    if unknown:
        raise InputError(path, f"unknown column(s) {', '.join(unknown)} (allowed: "
                         f"{', '.join([*ROSTER_COLUMNS, *OPTIONAL_COLUMNS])})")
    problems = []
    rows = []
    for i, row in table.iterrows():
        line = i + 2  # header is line 1
        rec = {}
        for col, kind in {**ROSTER_COLUMNS, **OPTIONAL_COLUMNS}.items():
            raw = row.get(col)
            if raw is None or (isinstance(raw, float) and np.isnan(raw)) or str(raw).strip() == "":
                if col in ROSTER_COLUMNS:
                    problems.append(f"line {line}, column '{col}': empty")
                rec[col] = np.nan
                continue
            try:
                rec[col] = kind(str(raw).strip()) if kind is not float else float(raw)
            except ValueError:
                problems.append(f"line {line}, column '{col}' = {raw!r}: expected a number")
                rec[col] = np.nan
        if rec["type"] not in SCHOOL_TYPES and isinstance(rec["type"], str):
            problems.append(f"line {line}, column 'type' = {rec['type']!r} (allowed: "
                            f"{', '.join(SCHOOL_TYPES)})")
        if rec["stage"] not in STAGES and isinstance(rec["stage"], str):
            problems.append(f"line {line}, column 'stage' = {rec['stage']!r} (allowed: "
                            f"{', '.join(STAGES)})")
        for col in ("enrollment", "teachers"):
            if isinstance(rec[col], int) and rec[col] < 0:
                problems.append(f"line {line}, column '{col}' = {rec[col]}: must be >= 0")
        rows.append(rec)
    if not rows:
        problems.append("no schools in the roster")
    if problems:
        raise InputError(path, problems)
    df = pd.DataFrame(rows)
    return _county_from_table(df, spec)


def _county_from_table(df: pd.DataFrame, spec: CountySpec) -> County:
    types = df["type"].map(SCHOOL_TYPES.index).to_numpy(np.int8)
    urban = types <= URBAN_ORDINARY
    rural_towns = sorted(df.loc[~urban, "town"].unique())
    town_id = np.array([-1 if u else rural_towns.index(t) for u, t in zip(urban, df["town"])],
                       np.int16)
    # Each school's site is a place; children live where the primary schools are (a middle
    # school's pupils come from its town's primary places), weighted by primary enrollment.
    grades = [STAGES[s] for s in df["stage"]]
    lo = np.array([g[0] for g in grades], np.int8)
    hi = np.array([g[1] for g in grades], np.int8)
    # a yearly cohort at the site: enrollment per grade of the primary grades it teaches
    primary_per_grade = np.where(lo <= 6, df["enrollment"].to_numpy(float) / (hi - lo + 1), 0.0)
    kinds = np.where(urban, URBAN_PLACE, np.where(types == TOWN_SEAT, TOWN_SEAT_PLACE,
                                                  VILLAGE_PLACE)).astype(np.int8)
    weight = np.maximum(primary_per_grade, 0.5)
    n = len(df)
    return County(
        place_x=df["x_km"].to_numpy(float), place_y=df["y_km"].to_numpy(float),
        place_town=town_id, place_kind=kinds, place_weight=weight,
        school_name=list(df["school"]), school_type=types, min_grade=lo, max_grade=hi,
        school_town=town_id, school_x=df["x_km"].to_numpy(float),
        school_y=df["y_km"].to_numpy(float),
        capacity=df["capacity"].to_numpy(float) if "capacity" in df else np.full(n, np.nan),
        beds=df["beds"].to_numpy(float) if "beds" in df else np.full(n, np.nan),
        facilities=np.where(np.isnan(df["facilities"].to_numpy(float)),
                            [FACILITIES[k] for k in types], df["facilities"].to_numpy(float)),
        road_factor=spec.road_factor,
        roster_students=df["enrollment"].to_numpy(np.int64),
        roster_teachers=df["teachers"].to_numpy(np.int64))


def build_county(spec: CountySpec, rng: np.random.Generator, roster: Path | None) -> County:
    return roster_county(roster, spec) if roster is not None else synthetic_county(spec, rng)
