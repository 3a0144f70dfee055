"""County geography and school network: the synthetic generator and the roster loader.

A county is a set of *places* (county-seat neighbourhoods, town seats, villages) where children
live, and a set of *schools* with a type, a grade range, a location and resources. Both are plain
arrays; the model turns schools into Mesa agents. Distances are road km (straight line times a
circuity factor).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from .errors import InputError
from .kinds import (
    GRADE_RANGES,
    SCHOOL_TYPES,
    TEACHING_POINT,
    TOWN_SEAT,
    TOWN_SEAT_PLACE,
    URBAN_ORDINARY,
    URBAN_PLACE,
    URBAN_QUALITY,
    VILLAGE,
    VILLAGE_PLACE,
)
from .parameters import ASSUMPTION, Group, field_bounds, param


class CountySpec(Group):
    """The county: synthetic (generated from these sizes) or loaded from a school roster."""

    source: Literal["synthetic", "roster"] = "synthetic"
    roster: str | None = Field(None, description="roster CSV, relative to the scenario file")
    towns: int = param(12, 1, 30, "MODEL.md; Gaotang county: 3 subdistricts + 9 towns; range: "
                       "Shandong's county-level units have 0-21 townships (镇+乡, 2023 division "
                       "codes; docs/shandong.md), an urban district one town at least",
                       "towns", "towns (乡镇) around the county seat")
    villages_per_town: int = param(
        40, 10, 80, "Shandong ~69,000 villages in ~1,800 townships (statistical yearbook)", "villages",
        "villages per town")
    students: int = param(60_000, 2_000, 2_000_000, "MODEL.md (Shandong plains county)",
                          "students", "compulsory-age students at the start")
    radius_km: float = param(18.0, 5.0, 60.0, "plains county of ~1,000 km2 (Gaotang 949 km2)", "km",
                             "distance from the county seat to the outer towns")
    road_factor: float = param(1.3, 1.0, 2.0, "Ballou, Rahardja & Sakai 2002 (road circuity)",
                               "ratio", "road distance per straight-line km")
    # ranges: a prefecture city's largest district has ~200,000 urban children (2020 census,
    # docs/shandong.md), some 110 county-seat schools at the default county's ~1,750 each
    urban_quality_schools: int = param(3, 1, 40, ASSUMPTION, "schools",
                                       "county-seat quality schools (primary, middle alternating)")
    urban_ordinary_schools: int = param(10, 1, 150, ASSUMPTION, "schools",
                                        "county-seat ordinary schools (every third a middle school)")
    village_primaries_per_town: int = param(7, 1, 25, ASSUMPTION, "schools",
                                            "complete primaries in a town's largest villages")
    teaching_points_per_town: int = param(3, 0, 15, ASSUMPTION, "schools",
                                          "teaching points (grades 1-3) in the remotest villages")
    nine_year_town_share: float = param(0.25, 0.0, 1.0, ASSUMPTION, "share",
                                        "town seats with one nine-year school")
    urban_capacity_slack: float = param(0.05, 0.0, 1.0, ASSUMPTION, "share",
                                        "county-seat places beyond initial enrollment")
    facilities_urban_quality: float = param(
        1.2, 0.5, 2.0, ASSUMPTION, "x provincial standard",
        "facilities of urban quality schools (urban ordinary = 1.0, the standard)")
    facilities_town_seat: float = param(
        0.9, 0.3, 1.5, ASSUMPTION + " (seed 001 task 8, seed 004: town seats still below standard)",
        "x provincial standard", "facilities of town-seat schools")
    facilities_village: float = param(0.8, 0.3, 1.5, ASSUMPTION, "x provincial standard",
                                      "facilities of village primaries")
    facilities_teaching_point: float = param(0.7, 0.3, 1.5, ASSUMPTION, "x provincial standard",
                                             "facilities of teaching points")
    teacher_age_rural: float = param(44.0, 30.0, 55.0, ASSUMPTION + " (CRED 2013-14: ageing rural force)",
                                     "years", "mean age of rural teachers at the start")
    teacher_age_urban: float = param(40.0, 30.0, 55.0, ASSUMPTION, "years",
                                     "mean age of county-seat teachers at the start")
    female_rural: float = param(0.6, 0.3, 0.9, ASSUMPTION + " (MoE 2020: ~70% of teachers are "
                                "women, fewer in rural schools)", "share",
                                "rural teachers who are women at the start")
    female_urban: float = param(0.75, 0.3, 0.9, ASSUMPTION + " (MoE 2020: ~70% overall)", "share",
                                "county-seat teachers who are women at the start")
    teacher_age_sd: float = param(9.0, 3.0, 15.0, ASSUMPTION, "years",
                                  "spread of teachers' ages at the start")
    bachelor_rural: float = param(0.72, 0.2, 1.0, ASSUMPTION + " (seed 001 sets the 1.05 ratio target)",
                                  "share", "rural teachers with a bachelor's degree at the start")
    bachelor_urban: float = param(0.85, 0.2, 1.0, ASSUMPTION, "share",
                                  "county-seat teachers with a bachelor's degree at the start")
    staffing_rural: float = param(
        1.1, 0.7, 1.5, ASSUMPTION + " (CRED 2013-14: shrinking rural schools keep surplus posts)",
        "x norm", "rural teachers at the start relative to the staffing norm")
    staffing_urban: float = param(0.95, 0.7, 1.5, ASSUMPTION, "x norm",
                                  "county-seat teachers at the start relative to the norm")
    initial_sorting: float = param(
        0.3, 0.0, 2.0, ASSUMPTION + " (calibrated to the CEPS gap)", "teacher SD",
        "how far apart school types' teachers start, in teacher-effectiveness SDs per type rank")


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
    # a roster's own school profile (PROFILE_COLUMNS -> per school, NaN where not given)
    roster_profile: dict[str, np.ndarray] = field(default_factory=dict)
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


MAX_SCHOOL_PUPILS = 20_000  # per roster row: a typo guard, twice the largest schools


def facilities_by_type(spec: CountySpec) -> np.ndarray:
    """Facilities relative to the provincial standard (1.0) for each school type."""
    return np.array([spec.facilities_urban_quality, 1.0, spec.facilities_town_seat,
                     spec.facilities_village, spec.facilities_teaching_point])


def synthetic_county(spec: CountySpec, rng: np.random.Generator) -> County:
    """A Shandong plains county: a county seat, ``spec.towns`` towns, villages and schools."""
    xs, ys, towns, kinds, weights = [], [], [], [], []

    def add_place(x: float, y: float, town: int, kind: int, weight: float) -> int:
        xs.append(x)
        ys.append(y)
        towns.append(town)
        kinds.append(kind)
        weights.append(weight)
        return len(xs) - 1

    # Villages: lognormal sizes (assumption); a town seat holds about four villages' children.
    # A town's villages lie in a disc of radius ~5.7 km at the defaults (~100 km2), near
    # Shandong's ~87 km2 per township (155,800 km2, ~1,800 townships); its 40 villages then
    # sit ~1.6 km apart, as Shandong's ~69,000 villages do (docs/validation.md holds the
    # resulting travel against the evidence).
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
        ur, ua = 3.5 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        urban_places.append(add_place(ur * np.cos(ua), ur * np.sin(ua), -1, URBAN_PLACE,
                                      rural_weight / n_urban))

    names, types, lo, hi, stown, sx_, sy_ = [], [], [], [], [], [], []

    def add_school(name: str, kind: int, stage: str, town: int, x: float, y: float) -> None:
        g0, g1 = GRADE_RANGES[stage]
        names.append(name)
        types.append(kind)
        lo.append(g0)
        hi.append(g1)
        stown.append(town)
        sx_.append(x)
        sy_.append(y)

    for i in range(spec.urban_quality_schools):
        ur, ua = 2.0 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        stage = "primary" if i % 2 == 0 else "middle"
        add_school(f"UQ{i + 1:02d}-{stage}", URBAN_QUALITY, stage, -1, ur * np.cos(ua),
                   ur * np.sin(ua))
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
        beds=np.full(n, np.nan), facilities=facilities_by_type(spec)[types_arr],
        road_factor=spec.road_factor)


ROSTER_COLUMNS = {"school": str, "type": str, "stage": str, "town": str, "x_km": float,
                  "y_km": float, "enrollment": int, "teachers": int}
OPTIONAL_COLUMNS = {"capacity": float, "beds": float, "facilities": float, "mean_score": float,
                    "senior_teachers": int, "bachelor_teachers": int, "teacher_mean_age": float}
# Roster columns a county may carry about itself: its schools' exam results and teachers.
PROFILE_COLUMNS = ("mean_score", "senior_teachers", "bachelor_teachers", "teacher_mean_age")


def roster_county(path: Path, spec: CountySpec) -> County:
    """A real county from a school roster: a UTF-8 CSV, a header line, then one row per school.

    Required columns (ROSTER_COLUMNS): ``school`` (a unique name), ``type`` (one of
    SCHOOL_TYPES), ``stage`` (one of GRADE_RANGES), ``town`` (the town's name; the county-seat schools
    share one, e.g. ``county-seat``), ``x_km``/``y_km`` (the site, km east/north of the county
    seat), ``enrollment`` and ``teachers`` (whole numbers at the start). Optional columns
    (OPTIONAL_COLUMNS; an empty cell takes the default): ``capacity`` (places; default: sized from
    the first enrollment at county-seat schools, unlimited elsewhere), ``beds`` (boarding beds;
    default by school type) and ``facilities`` (1.0 = the provincial standard), and the county's
    own profile of its schools: ``mean_score`` (mean county exam score as a share of full
    marks), ``senior_teachers``, ``bachelor_teachers`` and ``teacher_mean_age``; a county that
    gives them starts from them (default: drawn as for a synthetic county). The urban quality
    schools must teach all nine grades (the difference rate compares each stage with them) and
    every town needs a town-seat school. All problems are reported together, each with its line
    and column, as one InputError.
    """
    import csv
    import io

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "not a UTF-8 text file (save the roster as CSV in UTF-8)") from None
    except OSError as err:
        raise InputError(path, f"cannot read the roster: {err.strerror or err}") from None

    records: list[tuple[int, list[str]]] = []  # (first line of the record, cells)
    reader = csv.reader(io.StringIO(text))
    try:
        last = 0
        for cells in reader:
            records.append((last + 1, cells))
            last = reader.line_num
    except csv.Error as err:
        raise InputError(path, f"line {reader.line_num}: not valid CSV ({err})") from None
    records = [(n, c) for n, c in records if any(x.strip() for x in c)]  # drop blank lines
    allowed_cols = [*ROSTER_COLUMNS, *OPTIONAL_COLUMNS]
    if not records:
        raise InputError(path, f"line 1: the roster is empty (expected a header with the "
                         f"columns {', '.join(ROSTER_COLUMNS)})")

    head_line, header = records[0]
    header = [h.strip() for h in header]
    where = f"line {head_line} (header)"
    problems: list[str] = []
    for k, name in enumerate(header):
        if name and name in header[:k]:
            problems.append(f"{where}: column '{name}' appears twice")
        elif name and name not in allowed_cols:
            problems.append(f"{where}: unknown column '{name}' (allowed: "
                            f"{', '.join(allowed_cols)})")
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        hint = " (is the file comma-separated?)" if len(header) == 1 else ""
        problems.append(f"{where}: missing column(s) {', '.join(missing)} (required: "
                        f"{', '.join(ROSTER_COLUMNS)}; optional: "
                        f"{', '.join(OPTIONAL_COLUMNS)}){hint}")
    if problems:
        raise InputError(path, problems)

    whole = "a whole number >= 0"
    optional = "; empty for the default"
    stages = ", ".join(f"{s} (grades {a}-{b})" for s, (a, b) in GRADE_RANGES.items())
    rules = {  # column: (lowest, highest, what is allowed)
        "school": (None, None, "a school name, unique in the roster"),
        "type": (None, None, ", ".join(SCHOOL_TYPES)),
        "stage": (None, None, stages),
        "town": (None, None, "the town's name (county-seat schools share one, e.g. "
                             "'county-seat')"),
        "x_km": (-200.0, 200.0, "km east of the county seat, -200 to 200"),
        "y_km": (-200.0, 200.0, "km north of the county seat, -200 to 200"),
        "enrollment": (0, MAX_SCHOOL_PUPILS, f"{whole}, at most {MAX_SCHOOL_PUPILS:,} (a typo "
                                             "guard: the largest schools have about 10,000)"),
        "teachers": (0, np.inf, whole),
        "capacity": (0.0, np.inf, f"a number >= 0{optional}"),
        "beds": (0.0, np.inf, f"a number >= 0{optional}"),
        "facilities": (0.1, 3.0, f"0.1 to 3.0, 1.0 = the provincial standard{optional}"),
        "mean_score": (0.0, 1.0, f"the school's mean county exam score as a share of full "
                                 f"marks (得分率), 0 to 1{optional}"),
        "senior_teachers": (0, np.inf, f"{whole}, at most 'teachers'{optional}"),
        "bachelor_teachers": (0, np.inf, f"{whole}, at most 'teachers'{optional}"),
        "teacher_mean_age": (22.0, 60.0, f"years, 22 to 60{optional}"),
    }
    kinds = {**ROSTER_COLUMNS, **OPTIONAL_COLUMNS}
    width = len(header)
    rows, lines = [], []
    for line, cells in records[1:]:
        extra = cells[width:]
        if len(cells) < width or any(x.strip() for x in extra):
            problems.append(f"line {line}: {len(cells)} values, but the header (line "
                            f"{head_line}) has {width} columns (quote a value that holds a "
                            f"comma)")
            continue
        for k, name in enumerate(header):
            if not name and cells[k].strip():
                problems.append(f"line {line}, column {k + 1}: a value under a column with no "
                                f"name (allowed columns: {', '.join(allowed_cols)})")
        rec: dict = {c: np.nan for c in OPTIONAL_COLUMNS}
        for col, cell in zip(header, cells):
            if col not in kinds:
                continue
            raw, kind = cell.strip(), kinds[col]
            lo, hi, allowed = rules[col]
            if not raw:
                if col in ROSTER_COLUMNS:
                    problems.append(f"line {line}, column '{col}': empty (allowed: {allowed})")
                rec[col] = "" if kind is str else np.nan
                continue
            if kind is str:
                rec[col] = raw
                continue
            rec[col] = np.nan
            try:
                value = float(raw)
            except ValueError:
                problems.append(f"line {line}, column '{col}' = {raw!r}: not a number "
                                f"(allowed: {allowed})")
                continue
            assert lo is not None and hi is not None  # every numeric column has bounds in rules
            if not np.isfinite(value) or not lo <= value <= hi:
                problems.append(f"line {line}, column '{col}' = {raw!r}: out of range "
                                f"(allowed: {allowed})")
            elif kind is int and not value.is_integer():
                problems.append(f"line {line}, column '{col}' = {raw!r}: not a whole number "
                                f"(allowed: {allowed})")
            else:
                rec[col] = value
        for col in ("senior_teachers", "bachelor_teachers"):
            if np.isfinite(rec[col]) and np.isfinite(rec.get("teachers", np.nan)) \
                    and rec[col] > rec["teachers"]:
                problems.append(f"line {line}, column '{col}' = {rec[col]:.0f}: more than the "
                                f"school's {rec['teachers']:.0f} teachers (allowed: "
                                f"{rules[col][2]})")
        if rec["type"] and rec["type"] not in SCHOOL_TYPES:
            problems.append(f"line {line}, column 'type' = {rec['type']!r}: unknown school type "
                            f"(allowed: {rules['type'][2]})")
        if rec["stage"] and rec["stage"] not in GRADE_RANGES:
            problems.append(f"line {line}, column 'stage' = {rec['stage']!r}: unknown stage "
                            f"(allowed: {stages})")
        elif rec["type"] == "teaching_point" and rec["stage"] not in ("", "lower_primary",
                                                                      "primary"):
            problems.append(f"line {line}, column 'stage' = {rec['stage']!r}: a teaching point "
                            f"teaches only primary grades (allowed: lower_primary, primary)")
        rows.append(rec)
        lines.append(line)

    if not rows and not problems:
        problems.append(f"line {head_line + 1}: no schools after the header")
    span = f"lines {lines[0]}-{lines[-1]}" if rows else f"line {head_line}"
    first_line: dict[str, int] = {}
    for rec, line in zip(rows, lines):
        name = rec["school"]
        if name and name in first_line:
            problems.append(f"line {line}, column 'school' = {name!r}: also on line "
                            f"{first_line[name]} (school names must be unique)")
        first_line.setdefault(name, line)
    if rows and not problems:  # county-wide checks, once every row is usable on its own
        taught: set[int] = set()
        for rec in rows:
            if rec["type"] == "urban_quality":
                a, b = GRADE_RANGES[rec["stage"]]
                taught.update(range(a, b + 1))
        gaps = [g for g in range(1, 10) if g not in taught]
        if not taught:
            problems.append(f"{span}, column 'type': no urban_quality school (the difference "
                            f"rate compares schools with the urban quality schools; one or more "
                            f"must teach grades 1-9; allowed types: {rules['type'][2]})")
        elif gaps:
            problems.append(f"{span}, column 'stage': the urban_quality schools teach no grade "
                            f"{', '.join(map(str, gaps))} (they must teach grades 1-9 between "
                            f"them, as the difference rate compares each stage with them; "
                            f"allowed stages: {stages})")
        urban_towns = {r["town"] for r in rows if r["type"] in SCHOOL_TYPES[:2]}
        seat_towns = {r["town"] for r in rows if r["type"] == "town_seat"}
        if not seat_towns:
            problems.append(f"{span}, column 'type': no town_seat school (every town needs "
                            f"one; allowed types: {rules['type'][2]})")
        else:
            town_lines: dict[str, list[int]] = {}
            for rec, line in zip(rows, lines):
                if rec["type"] not in SCHOOL_TYPES[:2]:
                    town_lines.setdefault(rec["town"], []).append(line)
            for town, at in town_lines.items():
                if town not in seat_towns and town not in urban_towns:
                    shown = ", ".join(map(str, at[:5])) + (", ..." if len(at) > 5 else "")
                    problems.append(
                        f"line{'s' if len(at) > 1 else ''} {shown}, column 'town' = {town!r}: "
                        f"this town has no town_seat school (every town needs one; towns with "
                        f"one: {', '.join(sorted(seat_towns))})")
        total = int(sum(r["enrollment"] for r in rows))
        lo, hi = field_bounds(CountySpec.model_fields["students"])
        if not lo <= total <= hi:
            problems.append(f"{span}, column 'enrollment': {total:,} students in the whole "
                            f"roster (allowed: a county's {lo:,} to {hi:,}, as county.students)")
    if problems:
        limit = 30
        if len(problems) > limit:
            problems = problems[:limit] + [f"... and {len(problems) - limit} more"]
        raise InputError(path, problems)
    df = pd.DataFrame(rows, columns=[*ROSTER_COLUMNS, *OPTIONAL_COLUMNS])
    df[["enrollment", "teachers"]] = df[["enrollment", "teachers"]].astype(np.int64)
    return _county_from_table(df, spec)


def _county_from_table(df: pd.DataFrame, spec: CountySpec) -> County:
    """Arrays from a validated roster table (the columns of ROSTER_COLUMNS, optionally also
    OPTIONAL_COLUMNS with NaN for 'default')."""
    df = df.reset_index(drop=True)
    n = len(df)
    types = df["type"].map(SCHOOL_TYPES.index).to_numpy(np.int8)
    urban = types <= URBAN_ORDINARY
    rural_towns = sorted(df.loc[~urban, "town"].unique())
    town_index = {t: k for k, t in enumerate(rural_towns)}
    town_id = np.array([-1 if u else town_index[t] for u, t in zip(urban, df["town"])],
                       np.int16)
    # Each school's site is a place; children live where the primary schools are (a middle
    # school's pupils come from its town's primary places), weighted by primary enrollment.
    grades = [GRADE_RANGES[s] for s in df["stage"]]
    lo = np.array([g[0] for g in grades], np.int8)
    hi = np.array([g[1] for g in grades], np.int8)
    # a yearly cohort at the site: enrollment per grade of the primary grades it teaches
    enrollment = df["enrollment"].to_numpy(np.int64)
    primary_per_grade = np.where(lo <= 6, enrollment / (hi - lo + 1), 0.0)
    kinds = np.where(urban, URBAN_PLACE, np.where(types == TOWN_SEAT, TOWN_SEAT_PLACE,
                                                  VILLAGE_PLACE)).astype(np.int8)
    weight = np.maximum(primary_per_grade, 0.5)

    def optional(col: str) -> np.ndarray:
        return df[col].to_numpy(float) if col in df else np.full(n, np.nan)

    facilities = optional("facilities")
    x, y = df["x_km"].to_numpy(float), df["y_km"].to_numpy(float)
    return County(
        place_x=x.copy(), place_y=y.copy(), place_town=town_id.copy(), place_kind=kinds,
        place_weight=weight, school_name=[str(s) for s in df["school"]], school_type=types,
        min_grade=lo, max_grade=hi, school_town=town_id, school_x=x, school_y=y,
        capacity=optional("capacity"), beds=optional("beds"),
        facilities=np.where(np.isnan(facilities), facilities_by_type(spec)[types], facilities),
        road_factor=spec.road_factor,
        roster_students=enrollment,
        roster_teachers=df["teachers"].to_numpy(np.int64),
        roster_profile={col: optional(col) for col in PROFILE_COLUMNS
                        if col in df and df[col].notna().any()})


def build_county(spec: CountySpec, rng: np.random.Generator, roster: Path | None) -> County:
    return roster_county(roster, spec) if roster is not None else synthetic_county(spec, rng)


def with_urban_residence(county: County, share: float) -> County:
    """A copy of ``county`` whose county-seat neighbourhoods hold ``share`` of each birth cohort
    (the input geography is left as it was)."""
    w = county.place_weight.copy()
    urban = county.place_kind == URBAN_PLACE
    w[urban] *= share / (1 - share) * w[~urban].sum() / w[urban].sum()
    return replace(county, place_weight=w)
