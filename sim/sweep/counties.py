"""A province's counties as a base of runs: the province file and its county table, each
county's seed, one county's run, and the province's yearly table added up from its counties.

``ruraledu province`` (sim.province), a policy search over a province (sim.optimize), a sweep
whose experiment names a province and ``ruraledu compare --province`` all run counties through
these functions, so a county gets the same settings and seeds whichever command runs it. They
live in the sweep layer because a sweep's workers run them, and sim.province (above) builds the
province command on them; the province file's ``[dask]`` table is the experiments' own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from ..errors import InputError
from ..indicators import BY_NAME, GAP_TARGET, Indicator
from ..parameters import Group
from ..scenario import NAME_PATTERN, Scenario, load_scenario, read_toml, validate
from .experiment import DaskOptions

KINDS = ("district", "county_city", "county")
REQUIRED = {"county": str, "prefecture": str, "kind": str, "students": int, "towns": int}
OPTIONAL = {"radius_km": float, "urban_share": float, "urban_quality_schools": int,
            "urban_ordinary_schools": int, "roster": str, "envelope_yuan": float}
# each county column and the scenario setting it overrides
SETTINGS = {"students": "county.students", "towns": "county.towns",
            "radius_km": "county.radius_km",
            "urban_share": "params.demography.urban_residence_share",
            "urban_quality_schools": "county.urban_quality_schools",
            "urban_ordinary_schools": "county.urban_ordinary_schools",
            "envelope_yuan": "params.budget.envelope_yuan"}

# how a county's rows are labelled in every table of counties (codebook.csv entries)
COUNTY_LABELS = (
    ("row", "County row", "the county's row in the county table (0 for the first)"),
    ("county", "County", "the county-level unit's name"),
    ("prefecture", "Prefecture", "the prefecture it belongs to"),
    ("kind", "Kind", "district, county_city or county"),
)

class ProvinceFile(Group):
    name: str = Field(pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    counties: str = Field(description="county table (CSV), relative to this file")
    package: str = Field(description="scenario every county runs, relative to this file")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="province seed (each county's seed "
                      "derives from it and the county's row)")
    prefectures: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="settings (dotted keys, as --set takes them) for every county of a "
        "prefecture, laid over the package: a prefecture's own policy or parameters")
    dask: DaskOptions = Field(default_factory=DaskOptions)


@dataclass(frozen=True)
class County:
    row: int  # 0-based row of the county table
    name: str
    prefecture: str
    kind: str
    towns: int  # the weight of its townships in the province's share meeting 0.15
    overrides: dict[str, Any]
    seed: int


def load_province(path: str | Path, package: str | Path | None = None
                  ) -> tuple[ProvinceFile, Scenario, Path, list[County]]:
    """Read and check a province file and its county table; every county's scenario is
    validated, so a bad row is reported before anything runs."""
    path = Path(path)
    prov = validate(ProvinceFile, read_toml(path), str(path))
    package_path = Path(package) if package is not None else path.parent / prov.package
    if not package_path.is_file():
        raise InputError(path if package is None else "--package",
                         f"package: file not found: {package_path}")
    base = load_scenario(package_path)
    table_path = path.parent / prov.counties
    counties = with_prefecture_settings(path, prov, package_path,
                                        read_counties(table_path, prov.seed))
    problems = []
    for c in counties:
        try:
            load_scenario(package_path, c.overrides)
        except InputError as err:
            problems += [f"row {c.row + 1} ({c.name}): {p}" for p in err.problems]
    if problems:
        raise InputError(table_path, problems)
    return prov, base, package_path.resolve(), counties


def with_prefecture_settings(path: Path, prov: ProvinceFile, package_path: Path,
                             counties: list[County]) -> list[County]:
    """Each county with its prefecture's ``[prefectures]`` settings under its own row's (the
    package, then the prefecture, then the county). A prefecture without a county, a setting
    the package cannot take, or one the county table gives each county, is refused."""
    if not prov.prefectures:
        return counties
    present = sorted({c.prefecture for c in counties})
    problems = [f"prefectures.{name}: no county of this prefecture in the county table "
                f"(prefectures: {', '.join(present)})"
                for name in prov.prefectures if name not in present]
    for name, settings in prov.prefectures.items():
        try:
            load_scenario(package_path, settings)
        except InputError as err:
            problems += [f"prefectures.{name}: {p}" for p in err.problems]
        problems += owned_problems(settings, [c for c in counties if c.prefecture == name],
                                   f"prefectures.{name}:", scope="prefecture")
    if problems:
        raise InputError(path, problems)
    return [replace(c, overrides={**prov.prefectures.get(c.prefecture, {}), **c.overrides})
            for c in counties]


def read_counties(path: Path, seed: int) -> list[County]:
    """The county table: required and optional columns, types, kinds and unique names, each
    problem named by its line and column."""
    if not path.is_file():
        raise InputError(path, "file not found (the county table named by 'counties')")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a readable UTF-8 CSV table ({err})") from None
    allowed = [*REQUIRED, *OPTIONAL]
    problems = [f"line 1 (header): unknown column '{c}' (allowed: {', '.join(allowed)})"
                for c in table.columns if c not in allowed]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        problems.append(f"line 1 (header): missing column(s) {', '.join(missing)} "
                        f"(required: {', '.join(REQUIRED)})")
    if len(table) == 0:
        problems.append("line 2: no counties after the header")
    if problems:
        raise InputError(path, problems)
    counties: list[County] = []
    seen: dict[str, int] = {}
    for i, rec in table.iterrows():
        line = int(i) + 2
        values: dict[str, Any] = {}
        for col, kind in {**REQUIRED, **OPTIONAL}.items():
            text = rec.get(col, "").strip()
            if col in OPTIONAL and text == "":
                continue
            if kind is str:
                if not text:
                    problems.append(f"line {line}, column '{col}': empty")
                values[col] = text
                continue
            try:
                number = float(text)
                if kind is int and number != int(number):
                    raise ValueError
                values[col] = int(number) if kind is int else number
            except ValueError:
                problems.append(f"line {line}, column '{col}' = {text!r}: not "
                                f"{'a whole number' if kind is int else 'a number'}")
        if values.get("kind") and values["kind"] not in KINDS:
            problems.append(f"line {line}, column 'kind' = {values['kind']!r}: unknown kind "
                            f"(allowed: {', '.join(KINDS)})")
        name = values.get("county", "")
        if name in seen:
            problems.append(f"line {line}, column 'county' = {name!r}: also on line "
                            f"{seen[name]} (county names must be unique)")
        seen.setdefault(name, line)
        overrides = {SETTINGS[k]: v for k, v in values.items() if k in SETTINGS}
        if "roster" in values:
            overrides.pop("county.students", None)  # the roster's own pupils and towns
            overrides.pop("county.towns", None)
            overrides.update({"county.source": "roster",
                              "county.roster": str((path.parent / values["roster"]).resolve())})
        row = int(i)
        counties.append(County(row, name, values.get("prefecture", ""),
                               values.get("kind", ""), int(values.get("towns", 0)), overrides,
                               county_seed(seed, row)))
    if problems:
        raise InputError(path, problems)
    return counties


def owned_settings(counties: Iterable[County]) -> dict[str, str]:
    """The settings the province gives its counties, each with where it comes from: a column
    of the county table (students, towns, a roster...) or a prefecture's settings. Set for the
    whole province, they would make the counties alike or undo a prefecture's choice."""
    column = {v: k for k, v in SETTINGS.items()} | {"county.source": "roster",
                                                     "county.roster": "roster"}
    return {key: (f"the county table (column '{column[key]}')" if key in column
                  else "its prefecture's settings ([prefectures] in the province file)")
            for c in counties for key in c.overrides}


def owned_problems(keys: Iterable[str], counties: Iterable[County], where: str,
                   scope: str = "province") -> list[str]:
    """A problem for each of ``keys`` that the province sets county by county."""
    owned = owned_settings(counties)
    return [f"{where} '{key}': each county takes it from {owned[key]}, so it cannot be set "
            f"for the whole {scope} (allowed: a setting the province leaves to the package)"
            for key in sorted(set(keys) & set(owned))]


def counties_problems(package_path: str | Path, counties: Iterable[County],
                      overrides: dict[str, Any], where: str) -> list[str]:
    """Every county under ``overrides`` (laid over its own settings), each problem naming the
    county's row, so a setting that no county can take is refused before anything runs."""
    problems = []
    for c in counties:
        try:
            load_scenario(package_path, {**c.overrides, **overrides})
        except InputError as err:
            problems += [f"{where} with the county table's row {c.row + 1} ({c.name}): {p}"
                         for p in err.problems]
    return problems


def county_seed(seed: int, row: int) -> int:
    """A county's seed: the same for every package, different for every county."""
    return int(np.random.SeedSequence([seed, row]).generate_state(1)[0])


def county_timeseries(package_path: str, county: County, overrides: dict[str, Any],
                      seed: int) -> pd.DataFrame:
    """A county's timeseries under ``overrides`` (its own, and a search's), labelled with the
    county's row, name, prefecture, kind and towns."""
    from ..results import run_timeseries

    ts = run_timeseries(load_scenario(package_path, overrides), seed)
    ts.insert(0, "towns", county.towns)
    ts.insert(0, "kind", county.kind)
    ts.insert(0, "prefecture", county.prefecture)
    ts.insert(0, "county", county.name)
    ts.insert(0, "row", county.row)
    return ts


def run_county_job(job: tuple[str, County, dict[str, Any], int]) -> pd.DataFrame:
    """``county_timeseries`` as one picklable job (for a backend's map)."""
    return county_timeseries(*job)


def county_draw_seed(seed: int, row: int, draw: int) -> int:
    """A county's seed on draw ``draw`` of a policy search over the province."""
    return int(np.random.SeedSequence([seed, row, draw]).generate_state(1)[0])


SUMS = ("students", "teachers", "schools_open", "entrants", "dropouts", "graduates",
        "cost_total_yuan", "cost_policy_yuan", "financing_gap_yuan", "budget_envelope_yuan")
# rates and the column that weighs them across counties
WEIGHTED = {"gap_rate": "students", "student_retention": "students",
            "teacher_retention": "teachers", "dropout_rate": "students",
            "boarding_rate": "students", "mean_travel_km": "students",
            "urban_enrollment_share": "students"}


PROVINCE_COLUMNS = ("counties", *SUMS, *WEIGHTED, "townships_meeting_gap",
                    "share_townships_gap_met", "share_counties_gap_below")


def aggregate(table: pd.DataFrame) -> pd.DataFrame:
    """The province per year: counts and money summed; rates weighted across counties by
    their denominators; the share of townships (and of counties) meeting 0.15."""
    rows = []
    for year, g in table.groupby("year", sort=True):
        row: dict[str, Any] = {"year": int(year), "counties": len(g)}
        for col in SUMS:
            if col in g:
                row[col] = float(g[col].sum())
        for col, weight in WEIGHTED.items():
            ok = g[col].notna() & (g[weight] > 0)
            row[col] = float(np.average(g.loc[ok, col], weights=g.loc[ok, weight])) \
                if ok.any() else float("nan")
        ok = g["share_townships_gap_met"].notna()
        towns_met = float((g.loc[ok, "share_townships_gap_met"] * g.loc[ok, "towns"]).sum())
        row["townships_meeting_gap"] = towns_met
        row["share_townships_gap_met"] = towns_met / g.loc[ok, "towns"].sum() \
            if g.loc[ok, "towns"].sum() > 0 else float("nan")
        row["more_than_half_of_townships_met"] = bool(row["share_townships_gap_met"] > 0.5)
        row["share_counties_gap_below"] = float((g["gap_rate"] < GAP_TARGET).mean())
        rows.append(row)
    return pd.DataFrame(rows)




# the province table's own columns (the others are the counties' columns added up)
PROVINCE_ONLY = {
    "counties": Indicator("counties", "Counties", "count", "county-level units in the province "
                          "table", "year end"),
    "townships_meeting_gap": Indicator(
        "townships_meeting_gap", "Townships below 0.15 (province)", "count",
        "townships of the province whose town-seat schools' difference rate is below 0.15 "
        "(each county's share times its towns)", "year end"),
    "share_counties_gap_below": Indicator(
        "share_counties_gap_below", "Counties below 0.15", "share",
        f"share of the province's counties whose difference rate is below {GAP_TARGET}",
        "year end"),
}


def province_column(column: str) -> Indicator:
    """A column of the province's yearly table, described from the county indicator it adds
    up (codebooks of the province's outputs)."""
    if column in PROVINCE_ONLY:
        return PROVINCE_ONLY[column]
    base = BY_NAME[column]
    how = ("summed over the counties" if column in SUMS else
           f"over the counties, weighted by their {WEIGHTED[column]}" if column in WEIGHTED
           else "townships over the whole province (each county's share times its towns)")
    return Indicator(column, f"{base.label} (province)", base.unit, f"{base.definition}; {how}",
                     base.when)


def province_output(name: str) -> Indicator:
    """An output read on the province's table (``gap_rate@2030``, ``students@mean``)."""
    column, _, when = name.partition("@")
    base = province_column(column)
    how = {"mean": "mean over the years", "sum": "sum over the years",
           "last": "in the last year"}.get(when, f"in {when}")
    return Indicator(name, f"{base.label}, {how}", base.unit, f"{base.definition} ({how})",
                     base.when)


def check_province_output(out: str, years: set[int]) -> list[str]:
    """An output read on a province: a column of the province's yearly table."""
    column, sep, when = out.partition("@")
    if not sep or column not in PROVINCE_COLUMNS:
        return [f"output '{out}': outputs over a province are read on the province's table "
                f"(allowed: {', '.join(PROVINCE_COLUMNS)} @ a year, mean, sum or last)"]
    if when not in ("mean", "sum", "last") and (not when.isdigit() or int(when) not in years):
        return [f"output '{out}': year must be one of {min(years)}-{max(years)} "
                "(or mean, sum, last)"]
    return []


@dataclass(frozen=True)
class ProvinceRun:
    """One run of a whole province: the package every county runs, the settings laid over
    each county's own (a search's candidate, a sweep's design point, an assumption set), and
    each county's seed, in the counties' order."""

    package: str
    overrides: dict[str, Any]
    seeds: Sequence[int]


def province_seeds(counties: Iterable[County], seed: int) -> tuple[int, ...]:
    """Each county's seed when the province runs with seed ``seed``: what ``ruraledu
    province`` gives a province file with that seed, so a replicate run with province seed
    ``s`` is reproduced by that command."""
    return tuple(county_seed(seed, c.row) for c in counties)


def run_provinces(map_: Callable, counties: Sequence[County],
                  runs: Sequence[ProvinceRun]) -> list[pd.DataFrame]:
    """Run every county of each of ``runs`` through ``map_`` (a backend's map, or the builtin
    ``map`` inside a worker) and return a county table per run (a row per county and year,
    the counties in row order). The counties of all runs go to ``map_`` together, so a pool
    stays busy across runs; the order of the results is that of the jobs, whatever runs
    where."""
    jobs = [(run.package, c, {**c.overrides, **run.overrides}, seed)
            for run in runs for c, seed in zip(counties, run.seeds, strict=True)]
    frames = list(map_(run_county_job, jobs))
    k = len(counties)
    return [pd.concat(frames[i * k:(i + 1) * k], ignore_index=True) for i in range(len(runs))]
