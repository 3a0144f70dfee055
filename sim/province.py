"""A province: every county-level unit runs the same package (``ruraledu province FILE``).

A province file (TOML) names the package every county runs (a scenario file, ``--package``
for others) and a county table (CSV), one row per county-level unit: its name, prefecture,
kind (district, county-level city, county), compulsory-age students, towns, radius, urban
share, optionally a school roster and a budget envelope. A county runs the package with its
row's values as overrides and a seed derived from the province seed and the county's row
number, the same whatever the package: differences between packages are the policy (common
random numbers), county by county.

Counties are the unit of work on the backends' map (local processes, Dask, Slurm through
dask-jobqueue). Each county's timeseries is written to ``counties/<row>.parquet`` by the worker
that ran it, so memory stays flat and an interrupted run continues with the counties not yet
written (a damaged file is run again). The province tables are then built from those files:
a row per county and year, and a province row per year (sums of counts and money, rates
weighted by their denominators, the townships meeting 0.15 counted over the province as seed
004 words its target: more than half of the province's townships).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from .errors import InputError
from .files import claim_folder, write_atomic
from .indicators import GAP_TARGET
from .parameters import Group
from .scenario import NAME_PATTERN, Scenario, load_scenario, read_toml, validate
from .sweep.backends import mapper
from .sweep.experiment import DaskOptions

KINDS = ("district", "county_city", "county")
REQUIRED = {"county": str, "prefecture": str, "kind": str, "students": int, "towns": int}
OPTIONAL = {"radius_km": float, "urban_share": float, "roster": str, "envelope_yuan": float}
# each county column and the scenario setting it overrides
SETTINGS = {"students": "county.students", "towns": "county.towns",
            "radius_km": "county.radius_km",
            "urban_share": "params.demography.urban_residence_share",
            "envelope_yuan": "params.budget.envelope_yuan"}
COUNTY_DIR = "counties"
STAMP = "province.json"


class ProvinceFile(Group):
    name: str = Field(pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    counties: str = Field(description="county table (CSV), relative to this file")
    package: str = Field(description="scenario every county runs, relative to this file")
    seed: int = Field(1, ge=0, le=2**32 - 1, description="province seed (each county's seed "
                      "derives from it and the county's row)")
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
    counties = read_counties(table_path, prov.seed)
    problems = []
    for c in counties:
        try:
            load_scenario(package_path, c.overrides)
        except InputError as err:
            problems += [f"row {c.row + 1} ({c.name}): {p}" for p in err.problems]
    if problems:
        raise InputError(table_path, problems)
    return prov, base, package_path.resolve(), counties


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


def county_seed(seed: int, row: int) -> int:
    """A county's seed: the same for every package, different for every county."""
    return int(np.random.SeedSequence([seed, row]).generate_state(1)[0])


def run_county(job: tuple[str, County, str]) -> str:
    """Run one county and write its timeseries (in a worker); returns the file written."""
    package_path, county, target = job
    ts = county_timeseries(package_path, county, county.overrides, county.seed)
    write_atomic(target, lambda p: ts.to_parquet(p, index=False))
    return target


def county_timeseries(package_path: str, county: County, overrides: dict[str, Any],
                      seed: int) -> pd.DataFrame:
    """A county's timeseries under ``overrides`` (its own, and a search's), labelled with the
    county's row, name, prefecture, kind and towns."""
    from .results import run_timeseries

    ts = run_timeseries(load_scenario(package_path, overrides), seed)
    ts.insert(0, "towns", county.towns)
    ts.insert(0, "kind", county.kind)
    ts.insert(0, "prefecture", county.prefecture)
    ts.insert(0, "county", county.name)
    ts.insert(0, "row", county.row)
    return ts


def run_county_job(job: tuple[str, County, dict[str, Any], int]) -> pd.DataFrame:
    """``county_timeseries`` as one picklable job (a policy search over a province)."""
    return county_timeseries(*job)


def done(out: Path, county: County) -> bool:
    """A county counts as run when its file reads back with its row and every year."""
    path = county_file(out, county)
    if not path.is_file():
        return False
    try:
        frame = pd.read_parquet(path, columns=["row", "year"])
    except (OSError, ValueError):  # cut short or damaged by a kill: run the county again
        return False
    return len(frame) > 0 and bool((frame["row"] == county.row).all())


def county_file(out: Path, county: County) -> Path:
    return out / COUNTY_DIR / f"{county.row:05d}.parquet"


@dataclass
class ProvinceResult:
    counties: pd.DataFrame  # a row per county and year
    province: pd.DataFrame  # a row per year
    ranking: pd.DataFrame  # a row per county: gap and financing need, ranked
    package: str

    def write(self, out: Path) -> None:
        for name, frame in (("counties.parquet", self.counties),
                            ("province.parquet", self.province)):
            write_atomic(out / name, functools.partial(frame.to_parquet, index=False))
        write_atomic(out / "ranking.csv", lambda p: self.ranking.to_csv(p, index=False))
        write_atomic(out / "report.md", lambda p: Path(p).write_text(report(self),
                                                                     encoding="utf-8"))


def run_province(path: str | Path, package: str | Path | None = None,
                 backend: str = "process",
                 workers: int | None = None, out: str | Path | None = None,
                 ) -> tuple[ProvinceResult, Path]:
    """Run every county of a province file (continuing where an interrupted run stopped) and
    write the county and province tables."""
    prov, base, package_path, counties = load_province(path, package)
    out = Path(out) if out is not None else (Path("results") / "provinces"
                                             / f"{prov.name}-{base.name}")
    (out / COUNTY_DIR).mkdir(parents=True, exist_ok=True)
    _claim(out, prov, package_path, counties)
    todo = [c for c in counties if not done(out, c)]
    if todo:
        with mapper(backend, workers, prov.dask) as map_:
            for _ in map_(run_county, [(str(package_path), c, str(county_file(out, c)))
                                       for c in todo]):
                pass
    frames = [pd.read_parquet(county_file(out, c)) for c in counties]
    table = pd.concat(frames, ignore_index=True)
    result = ProvinceResult(table, aggregate(table), rank(table, base), base.name)
    result.write(out)
    return result, out


def _claim(out: Path, prov: ProvinceFile, package: Path, counties: list[County]) -> None:
    """Refuse to mix counties of another province, package or seed into this folder."""
    what = {"province": prov.model_dump(exclude={"dask", "description"}, mode="json"),
            "package": read_toml(package),
            "counties": [(c.name, c.overrides, c.seed) for c in counties]}
    claim_folder(out, STAMP, what, any((out / COUNTY_DIR).glob("*.parquet")),
                 "holds the counties of another province, package or seed: give another "
                 "--out, or empty it to start again", name=prov.name, package=str(package))


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


def rank(table: pd.DataFrame, base: Scenario) -> pd.DataFrame:
    """Counties ranked by their difference rate in the deadline year (2025, or the last) and
    by their largest financing gap."""
    deadline = 2025 if 2025 in set(table["year"]) else int(table["year"].max())
    at = table[table["year"] == deadline].set_index("county")
    need = table.groupby("county")["financing_gap_yuan"].max()
    frame = pd.DataFrame({"prefecture": at["prefecture"], "kind": at["kind"],
                          f"gap_rate {deadline}": at["gap_rate"],
                          "largest financing gap (million yuan)": need / 1e6})
    frame["rank by gap"] = frame[f"gap_rate {deadline}"].rank(ascending=False, method="min")
    frame["rank by financing need"] = frame["largest financing gap (million yuan)"].rank(
        ascending=False, method="min")
    return frame.sort_values("rank by gap").reset_index()


def report(result: ProvinceResult) -> str:
    p = result.province
    first, last = p.iloc[0], p.iloc[-1]
    met_2025 = p.loc[p["year"] == 2025, "share_townships_gap_met"]
    lines = [f"# Province: {result.package}", "",
             f"{int(first['counties'])} counties, {first['students']:,.0f} students in "
             f"{int(first['year'])}, {last['students']:,.0f} in {int(last['year'])}.", "",
             "| | first year | last year |", "|---|---|---|"]
    for col in ("gap_rate", "share_townships_gap_met", "student_retention",
                "teacher_retention", "cost_policy_yuan"):
        if col in p:
            lines.append(f"| {col} | {first[col]:,.4g} | {last[col]:,.4g} |")
    if len(met_2025):
        lines += ["", f"Seed 004's provincial target (more than half of the townships with "
                      f"their town seats within 0.15 of the urban quality schools by 2025): "
                      f"{met_2025.iloc[0]:.0%} of townships in 2025, "
                      f"{'met' if met_2025.iloc[0] > 0.5 else 'not met'}."]
    worst = result.ranking.head(5)
    lines += ["", "Counties furthest from 0.15 in the deadline year:", ""]
    lines += [f"- {r['county']} ({r['prefecture']}): {r.iloc[3]:.3f}" for _, r in
              worst.iterrows()]
    return "\n".join(lines) + "\n"


COMPARED = ("gap_rate", "share_townships_gap_met", "student_retention", "teacher_retention",
            "cost_policy_yuan")


def compare_packages(results: list[ProvinceResult]) -> pd.DataFrame:
    """Each package against the first, year by year: the province's difference, and how the
    difference spreads across its counties (median, 10-90%, the share of counties where the
    package does better). Counties keep their seeds across packages, so a county's difference
    is the policy's effect there, not luck."""
    ref = results[0]
    rows = []
    better = {"gap_rate": np.less, "cost_policy_yuan": np.less}
    for other in results[1:]:
        joined = ref.counties.merge(other.counties, on=["row", "year"], suffixes=("", " other"))
        prov = ref.province.merge(other.province, on="year", suffixes=("", " other"))
        for measure in COMPARED:
            for year, g in joined.groupby("year", sort=True):
                diff = (g[f"{measure} other"] - g[measure]).to_numpy(float)
                ok = np.isfinite(diff)
                at = prov[prov["year"] == year]
                rows.append({
                    "package": other.package, "reference": ref.package, "measure": measure,
                    "year": int(year),
                    "province difference": float(at[f"{measure} other"].iloc[0]
                                                 - at[measure].iloc[0]) if measure in prov
                    else float("nan"),
                    "county median": float(np.median(diff[ok])) if ok.any() else float("nan"),
                    "county 10%": float(np.quantile(diff[ok], 0.1)) if ok.any() else float("nan"),
                    "county 90%": float(np.quantile(diff[ok], 0.9)) if ok.any() else float("nan"),
                    "share of counties doing better": float(np.mean(
                        better.get(measure, np.greater)(diff[ok], 0))) if ok.any()
                    else float("nan")})
    return pd.DataFrame(rows)
