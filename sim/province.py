"""A province: every county-level unit runs the same package (``ruraledu province FILE``).

A province file (TOML) names the package every county runs (a scenario file, ``--package``
for others) and a county table (CSV), one row per county-level unit: its name, prefecture,
kind (district, county-level city, county), compulsory-age students, towns, radius, urban
share, county-seat schools, optionally a school roster and a budget envelope
(``scenarios/shandong.toml``: Shandong's units from the 2020 census, docs/shandong.md). A
county runs the package with its row's values as overrides and a seed derived from the province
seed and the county's row number, the same whatever the package: differences between packages
are the policy (common random numbers), county by county.

Counties are the unit of work on the backends' map (local processes, Dask, Slurm through
dask-jobqueue). Each county's timeseries is written to ``counties/<row>.parquet`` by the worker
that ran it, so memory stays flat and an interrupted run continues with the counties not yet
written (a damaged file is run again). The province tables are then built from those files:
a row per county and year, and a province row per year (sums of counts and money, rates
weighted by their denominators, the townships meeting 0.15 counted over the province as seed
004 words its target: more than half of the province's townships).

``ruraledu compare A.toml B.toml --province FILE`` (``compare_over_province``) runs packages on
every county, replicated: replicate r runs the province with seed ``first seed + r`` under
each package, and ``effects`` reports the province's difference with its band over replicates
and the spread of the county effects across counties (``compare_packages`` is its case of one
run). The province file, the county table, the seeds, one county's run and the province's sum
are in ``sim.sweep.counties``, which sweeps over a province and the policy search share.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .compare import COLUMNS as COMPARE_COLUMNS
from .compare import bands, draw_parameter_sets, package_names, parameter_values
from .errors import InputError
from .files import claim_folder, write_atomic, writing_into
from .indicators import Indicator, codebook
from .provenance import record, scenario_record
from .scenario import Scenario, read_toml
from .sweep.backends import mapper
from .sweep.counties import (
    COUNTY_LABELS,
    PROVINCE_COLUMNS,
    County,
    ProvinceFile,
    ProvinceRun,
    aggregate,
    counties_problems,
    county_timeseries,
    load_province,
    owned_problems,
    province_column,
    province_seeds,
    run_provinces,
)
from .sweep.counties import county_seed as county_seed  # (its home before: sim.province)

COUNTY_DIR = "counties"
STAMP = "province.json"


def run_county(job: tuple[str, County, str]) -> str:
    """Run one county and write its timeseries (in a worker); returns the file written."""
    package_path, county, target = job
    ts = county_timeseries(package_path, county, county.overrides, county.seed)
    write_atomic(target, lambda p: ts.to_parquet(p, index=False))
    return target


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
                 overrides: dict[str, Any] | None = None,
                 ) -> tuple[ProvinceResult, Path]:
    """Run every county of a province file (continuing where an interrupted run stopped) and
    write the county and province tables. ``overrides`` (``--set``: a sweep's design point,
    say) are laid over every county's own settings."""
    prov, base, package_path, counties = load_province(path, package)
    if overrides:
        check_overrides(path, counties, [package_path], overrides)
        counties = [replace(c, overrides={**c.overrides, **overrides}) for c in counties]
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


def check_overrides(province: str | Path, counties: list[County], packages: list[Path],
                    overrides: dict[str, Any], ensemble: pd.DataFrame | None = None) -> None:
    """Refuse ``--set`` settings (and ensemble columns) that the province gives county by
    county, or that a county cannot take under one of the packages: one line each."""
    problems = owned_problems(overrides, counties, "--set")
    if ensemble is not None:
        problems += owned_problems(ensemble.columns, counties, "--uncertainty: column")
    for package_path in packages:
        problems += [f"{package_path.name}: {p}" for p in
                     counties_problems(package_path, counties, overrides, "--set")]
    if problems:
        raise InputError(province, problems)


def _claim(out: Path, prov: ProvinceFile, package: Path, counties: list[County]) -> None:
    """Refuse to mix counties of another province, package or seed into this folder."""
    what = {"province": prov.model_dump(exclude={"dask", "description"}, mode="json"),
            "package": read_toml(package),
            "counties": [(c.name, c.overrides, c.seed) for c in counties]}
    claim_folder(out, STAMP, what, any((out / COUNTY_DIR).glob("*.parquet")),
                 "holds the counties of another province, package or seed: give another "
                 "--out, or empty it to start again", name=prov.name, package=str(package))


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
LOWER_IS_BETTER = ("gap_rate", "cost_policy_yuan")


def compare_packages(results: list[ProvinceResult]) -> pd.DataFrame:
    """Each package against the first, year by year: the province's difference, and how the
    difference spreads across its counties (median, 10-90%, the share of counties where the
    package does better). Counties keep their seeds across packages, so a county's difference
    is the policy's effect there, not luck. (``effects`` with one replicate.)"""
    names = package_names([r.package for r in results])
    counties = pd.concat([r.counties.assign(scenario=n, replicate=0)
                          for n, r in zip(names, results)], ignore_index=True)
    province = pd.concat([r.province.assign(scenario=n, replicate=0)
                          for n, r in zip(names, results)], ignore_index=True)
    table, _ = effects(counties, province, names)
    return table[["package", "reference", "measure", "year", "province difference",
                  "county median", "county 10%", "county 90%",
                  "share of counties doing better"]]


def effects(counties: pd.DataFrame, province: pd.DataFrame, names: list[str]
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each package against the first of ``names``, measure by measure and year by year,
    paired by replicate (the same seeds in every county). The province's effect: its
    difference, median and 10-90% over replicates, and the share of replicates in which the
    package does better. The counties' effects: each county's difference averaged over
    replicates (its expected effect), and how those spread across the counties: median,
    10-90% and the share of counties where the package does better. Returns that table and
    the county effects themselves (a row per package, county, measure and year)."""
    ref = names[0]
    p_key, c_key = ["replicate", "year"], ["replicate", "row", "year"]
    p_ref = province[province["scenario"] == ref].set_index(p_key)
    c_ref = counties[counties["scenario"] == ref].set_index(c_key)
    about = counties[counties["scenario"] == ref].drop_duplicates("row").set_index("row")[
        ["county", "prefecture", "kind"]]
    rows, county_frames = [], []
    for name in names[1:]:
        p_own = province[province["scenario"] == name].set_index(p_key)
        c_own = counties[counties["scenario"] == name].set_index(c_key)
        for measure in COMPARED:
            p_diff = (p_own[measure] - p_ref[measure]).astype(float)
            c_diff = (c_own[measure] - c_ref[measure]).astype(float).groupby(
                level=["row", "year"]).mean()
            for year in sorted(set(p_diff.index.get_level_values("year"))):
                d = p_diff.xs(year, level="year").to_numpy()
                e = c_diff.xs(year, level="year").to_numpy()
                rows.append({"package": name, "reference": ref, "measure": measure,
                             "year": int(year), "replicates": int(np.isfinite(d).sum()),
                             **_spread(d, measure, "province difference", "province",
                                       "replicates"),
                             "counties": int(np.isfinite(e).sum()),
                             **_spread(e, measure, "county median", "county", "counties")})
            frame = c_diff.rename("effect").reset_index().join(about, on="row")
            frame.insert(0, "measure", measure)
            frame.insert(0, "reference", ref)
            frame.insert(0, "package", name)
            county_frames.append(frame)
    columns = ["package", "reference", "measure", "row", "county", "prefecture", "kind",
               "year", "effect"]
    county_effects = pd.concat(county_frames, ignore_index=True)[columns] if county_frames \
        else pd.DataFrame(columns=columns)
    return pd.DataFrame(rows), county_effects


def _spread(values: np.ndarray, measure: str, middle: str, prefix: str,
            over: str) -> dict[str, float]:
    """Median and 10-90% of the finite ``values``, and the share of them on the better side of
    zero (lower for the difference rate and the cost, higher for the rest)."""
    v = values[np.isfinite(values)]
    if not len(v):
        return dict.fromkeys([middle, f"{prefix} 10%", f"{prefix} 90%",
                              f"share of {over} doing better"], float("nan"))
    better = v < 0 if measure in LOWER_IS_BETTER else v > 0
    return {middle: float(np.median(v)), f"{prefix} 10%": float(np.quantile(v, 0.1)),
            f"{prefix} 90%": float(np.quantile(v, 0.9)),
            f"share of {over} doing better": float(np.mean(better))}


# --- packages compared over a province, replicated (ruraledu compare --province) -------------

@dataclass
class ProvinceComparison:
    """Packages run on every county of a province, replicated with common random numbers:
    replicate ``r`` runs the province with seed ``first_seed + r`` under every package, so
    each county meets the same luck whatever the package and the differences are the policy's."""

    runs: pd.DataFrame  # the province's table: scenario, replicate, seed, year, its columns
    counties: pd.DataFrame  # scenario, replicate, seed, county_seed, then each county's table
    bands: pd.DataFrame  # scenario, year, indicator, p10, median, p90 over replicates
    effects: pd.DataFrame  # each package against the first: province and county effects
    county_effects: pd.DataFrame  # each county's effect, averaged over replicates
    includes: str = "stochastic only"
    provenance: dict = field(default_factory=dict)

    def write(self, out: str | Path,
              extras: Iterable[Callable[[ProvinceComparison, Path], object]] = ()) -> Path:
        """The tables beside what ``compare`` writes for one county (runs.parquet and
        bands.parquet, here the province's), plus counties.parquet, the effects and their
        summary, then each of ``extras`` (``plots.save_province_comparison_charts``); earlier
        outputs of another comparison in the folder are removed."""
        out = Path(out)
        with writing_into(out, stale=("*.parquet", "*.png", "*.svg", "*.pdf", "targets.*",
                                      "province_effects.*", "county_effects.csv",
                                      "codebook.csv", "provenance.json")) as tmp:
            self.runs.to_parquet(tmp / "runs.parquet", index=False)
            self.counties.to_parquet(tmp / "counties.parquet", index=False)
            self.bands.to_parquet(tmp / "bands.parquet", index=False)
            self.effects.to_csv(tmp / "province_effects.csv", index=False)
            self.county_effects.to_csv(tmp / "county_effects.csv", index=False)
            (tmp / "province_effects.md").write_text(effects_markdown(self.effects),
                                                     encoding="utf-8")
            comparison_codebook().to_csv(tmp / "codebook.csv", index=False)
            (tmp / "provenance.json").write_text(json.dumps(self.provenance, indent=2,
                                                            default=str), encoding="utf-8")
            for extra in extras:
                extra(self, tmp)
        return out


def compare_over_province(packages: Sequence[str | Path], province: str | Path,
                          replicates: int = 10, first_seed: int | None = None,
                          overrides: dict[str, Any] | None = None,
                          ensemble: pd.DataFrame | None = None, backend: str = "process",
                          workers: int | None = None, progress: bool = False,
                          ) -> ProvinceComparison:
    """Run each package (the first is the reference) on every county of ``province``,
    ``replicates`` times, and compare them there.

    Replicate ``r`` runs the province with seed ``first_seed + r`` (by default the province
    file's seed, so replicate 0 is what ``ruraledu province`` gives each package): each county
    takes the seed that command gives it with that seed, the same under every package.
    ``overrides`` (``--set``) are laid over every county's own settings, and with an
    ``ensemble`` replicate ``r`` of every package takes the same parameter set in every county
    (as in ``sim.compare``). The county runs go to the backend's map, a county a job."""
    overrides = dict(overrides or {})
    for package in packages:
        if not Path(package).is_file():
            raise InputError(package, "file not found")
    loaded = [load_province(province, package) for package in packages]
    prov, counties = loaded[0][0], loaded[0][3]
    check_overrides(province, counties, [package_path for _, _, package_path, _ in loaded],
                    overrides, ensemble)
    first = prov.seed if first_seed is None else first_seed
    names = package_names([base.name for _, base, _, _ in loaded])
    draws = draw_parameter_sets(ensemble, replicates, first)
    assumed = [{} if draws is None or ensemble is None else
               parameter_values(ensemble.iloc[draws[r]]) for r in range(replicates)]
    runs = [ProvinceRun(str(package_path), {**overrides, **assumed[r]},
                        province_seeds(counties, first + r))
            for _, _, package_path, _ in loaded for r in range(replicates)]
    with mapper(backend, workers, prov.dask) as map_:
        def counted(work: Callable, jobs: Iterable) -> Iterable:
            jobs = list(jobs)
            if not progress:
                return map_(work, jobs)
            from tqdm.auto import tqdm

            return tqdm(map_(work, jobs), total=len(jobs), desc="compare", unit="county run")

        tables = run_provinces(counted, counties, runs)
    county_frames, province_frames = [], []
    for i, table in enumerate(tables):
        name, r = names[i // replicates], i % replicates
        ids = {"scenario": name, "replicate": r, "seed": first + r,
               "parameter_set": -1 if draws is None else int(draws[r])}
        table.insert(0, "county_seed", table["row"].map(
            dict(zip([c.row for c in counties], runs[i].seeds))))
        for position, (key, value) in enumerate(ids.items()):
            table.insert(position, key, value)
        county_frames.append(table)
        totals = aggregate(table)
        for position, (key, value) in enumerate(ids.items()):
            totals.insert(position, key, value)
        province_frames.append(totals)
    county_table = pd.concat(county_frames, ignore_index=True)
    province_table = pd.concat(province_frames, ignore_index=True)
    for frame in (county_table, province_table):
        frame["scenario"] = pd.Categorical(frame["scenario"], categories=names, ordered=True)
    banded = bands(province_table, [c for c in PROVINCE_COLUMNS if c in province_table
                                    and c != "counties"])
    includes = ("stochastic only" if ensemble is None else
                f"stochastic + assumptions ({len(ensemble)} parameter sets)")
    banded["includes"] = includes
    summary, county_effects = effects(county_table, province_table, names)
    made = {**record(), "replicates": replicates, "first_seed": first,
            "seeds": [first + r for r in range(replicates)],
            "county_seeds": "each county's from the replicate's province seed and its row "
                            "(sim.province.county_seed), as `ruraledu province` gives them",
            "includes": includes,
            "parameter_sets": None if draws is None else [int(d) for d in draws],
            "province": {"file": str(Path(province).resolve()), "name": prov.name,
                         "seed": prov.seed, "counties": [
                             {"row": c.row, "county": c.name, "prefecture": c.prefecture,
                              "kind": c.kind, "settings": c.overrides} for c in counties]},
            "overrides": overrides,
            "scenarios": {name: scenario_record(base)
                          for name, (_, base, _, _) in zip(names, loaded)}}
    return ProvinceComparison(province_table, county_table, banded, summary, county_effects,
                              includes, made)


def effects_markdown(table: pd.DataFrame) -> str:
    """The effects in the last year, a line per package and measure: the province's (median
    and 10-90% over replicates) and the counties' (median and 10-90% across counties, and
    where the package does better)."""
    last = table[table["year"] == table["year"].max()]
    lines = ["| package | measure | year | province difference (10-90% of replicates) | "
             "county effect, median (10-90% of counties) | counties doing better |",
             "|---|---|---|---|---|---|"]
    for _, r in last.iterrows():
        lines.append(f"| {r['package']} vs {r['reference']} | {r['measure']} | {r['year']} | "
                     f"{_signed(r['province difference'])} ({_signed(r['province 10%'])} to "
                     f"{_signed(r['province 90%'])}) | {_signed(r['county median'])} "
                     f"({_signed(r['county 10%'])} to {_signed(r['county 90%'])}) | "
                     f"{r['share of counties doing better']:.0%} |")
    return "\n".join(lines) + "\n"


def _signed(value: float) -> str:
    return f"{value:+,.3f}" if abs(value) < 100 else f"{value / 1e6:+,.2f} M"


EFFECT_COLUMNS = (
    ("county_seed", "County seed", "the county's seed: from the replicate's province seed and "
     "its row, the same under every package"),
    *COUNTY_LABELS,
    ("towns", "Towns", "the county's townships (its weight in the province's share meeting "
     "0.15)"),
    ("package", "Package", "province_effects.csv, county_effects.csv: the package compared"),
    ("reference", "Reference", "the first package, which the others are compared with"),
    ("measure", "Measure", "the indicator compared"),
    ("province difference", "Province difference", "median over replicates of the package's "
     "province value minus the reference's, replicate by replicate (the same seeds)"),
    ("province 10%", "Province difference, 10th percentile", "over replicates"),
    ("province 90%", "Province difference, 90th percentile", "over replicates"),
    ("share of replicates doing better", "Replicates doing better", "share of replicates in "
     "which the package's province value is better (lower gap_rate and cost, higher others)"),
    ("counties", "Counties", "counties with an effect"),
    ("effect", "County effect", "county_effects.csv: the county's difference (package minus "
     "reference), averaged over replicates"),
    ("county median", "County effect, median", "median across counties of the county effects"),
    ("county 10%", "County effect, 10th percentile", "across counties"),
    ("county 90%", "County effect, 90th percentile", "across counties"),
    ("share of counties doing better", "Counties doing better", "share of counties whose "
     "effect is on the better side of zero"),
)


def comparison_codebook() -> pd.DataFrame:
    """The columns of a comparison over a province: compare's own, the counties' timeseries,
    the province's table and the effects."""
    rows = [*COMPARE_COLUMNS,
            *(("province", province_column(c)) for c in PROVINCE_COLUMNS),
            *(("comparison", Indicator(n, label, "", d)) for n, label, d in EFFECT_COLUMNS)]
    return codebook(("timeseries",), tuple(rows))
