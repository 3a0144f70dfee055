"""The seed packages clause by clause: what each document says, the figure it quotes, how a
city's or the province's figure becomes one county's, and the scenario setting that results.

The clauses are data (``scenarios/sources/clauses.toml``): a researcher reads and amends them there,
``docs/packages.md`` is generated from them (``python -m sim.docs``), and a test checks that
every package's scenario file holds the setting its clause gives.

**The scaling rule.** A figure counts something (teachers rotated, teachers trained, titles
granted, pilot towns) in an area: a city, two county-level cities, the province. The county's
part is its share of the area's pupils, or of its rural pupils when the figure counts rural
teachers, schools or towns:

    county count = figure x county pupils / area pupils   (/ years, for a total over years)

where an area's pupils are its residents (2020 census) times the compulsory pupils per resident,
times its rural share for rural pupils. A share in the document (82.76% of townships) stays a
share; an amount (yuan, hours, years) is kept as written. The county count then becomes the
lever's unit with the default county's own counts at the start (``county_facts``): rotations
per eligible county-seat teacher, trainees per rural teacher, pilots per town seat; a cap on
titles is the count itself.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import shipped
from .kinds import LEVEL2, TOWN_SEAT, is_rural
from .model import build_state
from .scenario import load_scenario

ROOT = shipped.root()
CLAUSES = ROOT / "scenarios" / "sources" / "clauses.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
ROTATION_AGES = (50, 45)  # men, women: the eligible ages of seed 000 四.3 (the lever's default)

Conversion = Literal["as_is", "rotation_share", "training_coverage", "count_per_year",
                     "town_share"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    name: str
    residents: float = Field(gt=0)
    urban_share: float = Field(ge=0, le=1)
    source: str


class Scaling(_Strict):
    pupils_per_resident: float = Field(gt=0, lt=1)
    low: float
    high: float
    source: str


class Clause(_Strict):
    package: str
    seed: str
    clause: str
    quote: str
    unit: str = ""
    figure: float | None = None
    per: Literal["year", "total", "stock", "share", "value", "rule"] = "rule"
    years: int = Field(1, ge=1)
    area: str = "county"
    basis: Literal["pupils", "rural_pupils"] = "pupils"
    to: Conversion = "as_is"
    key: str = ""
    setting: Any = None  # the setting when it is not computed from the figure (a rule, a ramp)
    digits: int = Field(2, ge=1, le=6)  # significant digits of a computed setting
    start: int | None = None
    end: int | None = None
    note: str = ""


class ClauseFile(_Strict):
    scaling: Scaling
    areas: dict[str, Area]
    clause: list[Clause]


@dataclass(frozen=True)
class CountyFacts:
    """The default county's own counts at the start, the denominators of the conversions."""

    pupils: int
    rural_pupils: int
    rural_teachers: int
    eligible_rotation: int  # county-seat teachers under the rotation ages with a title
    town_seats: int


@cache
def load_clauses(path: Path = CLAUSES) -> ClauseFile:
    with open(path, "rb") as f:
        return ClauseFile.model_validate(tomllib.load(f))


@cache
def county_facts(scenario: Path = BASELINE, seed: int = 1) -> CountyFacts:
    st = build_state(load_scenario(scenario), seed)
    c, T = st.county, st.teachers
    act = T.active()
    home = T.home_school[act]
    pupils = st.schools.enrolled.sum(axis=1)
    rural = is_rural(c.school_type)
    age = st.scenario.start_year - T.birth_year[act]
    young = age < np.where(T.female[act], ROTATION_AGES[1], ROTATION_AGES[0])
    return CountyFacts(
        pupils=int(pupils.sum()), rural_pupils=int(pupils[rural].sum()),
        rural_teachers=int(rural[home].sum()),
        eligible_rotation=int((c.is_urban_school[home] & young & (T.title[act] >= LEVEL2)).sum()),
        town_seats=int((c.school_type == TOWN_SEAT).sum()))


def county_share(clause: Clause, data: ClauseFile, facts: CountyFacts) -> float:
    """The county's part of the clause's area (1 for the county itself)."""
    if clause.area == "county":
        return 1.0
    area = data.areas[clause.area]
    pupils = area.residents * data.scaling.pupils_per_resident
    if clause.basis == "rural_pupils":
        return facts.rural_pupils / (pupils * (1 - area.urban_share))
    return facts.pupils / pupils


def county_count(clause: Clause, data: ClauseFile, facts: CountyFacts) -> float:
    """The clause's figure for one county: a year's worth (a stock stays whole)."""
    if clause.figure is None:
        raise ValueError(f"{clause.package} {clause.clause}: no figure to scale")
    per_year = clause.figure / (clause.years if clause.per == "total" else 1)
    return per_year * county_share(clause, data, facts)


def setting(clause: Clause, data: ClauseFile, facts: CountyFacts) -> Any:
    """The scenario setting the clause gives (None: no lever represents it)."""
    if not clause.key:
        return None
    if clause.setting is not None:
        return clause.setting
    if clause.to == "as_is":
        return clause.figure
    count = county_count(clause, data, facts)
    value = {"rotation_share": count / facts.eligible_rotation,
             "training_coverage": count / facts.rural_teachers,
             "count_per_year": count,
             "town_share": count / facts.town_seats}[clause.to]
    if clause.to == "count_per_year":
        return int(round(value))
    return float(f"{value:.{clause.digits}g}")


def scenario_value(package: str, key: str) -> Any:
    """The value at a dotted ``key`` of ``scenarios/<package>.toml`` (None when absent)."""
    with open(ROOT / "scenarios" / f"{package}.toml", "rb") as f:
        node: Any = tomllib.load(f)
    for part in key.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)  # TOML keys are strings, years of a schedule too
    return node


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def markdown() -> str:
    """docs/packages.md: the traceability table, package by package."""
    data, facts = load_clauses(), county_facts()
    s = data.scaling
    lines = [
        "# The seed packages, clause by clause", "",
        "Generated from `scenarios/sources/clauses.toml` by `python -m sim.docs`; `tests/test_packages.py`"
        " checks that every scenario file holds the setting in the last columns.", "",
        "**Scaling a city's figure to one county.** county count = figure x county pupils / "
        "area pupils (divided by the years of a total), where area pupils = residents x "
        f"{s.pupils_per_resident} compulsory pupils per resident ({s.source}; range {s.low} to "
        f"{s.high}), times the area's rural share when the figure counts rural teachers, schools "
        "or towns. Shares and amounts are kept as written. The count becomes the lever's unit "
        "with the default county's counts at the start: "
        f"{facts.pupils:,} pupils ({facts.rural_pupils:,} rural), {facts.rural_teachers:,} rural "
        f"teachers, {facts.eligible_rotation:,} county-seat teachers eligible for rotation "
        f"(titled, men under {ROTATION_AGES[0]}, women under {ROTATION_AGES[1]}), "
        f"{facts.town_seats} town-seat schools.", "",
        "| area | residents | urban share | source |", "|---|---|---|---|",
        *(f"| {a.name} | {a.residents:,.0f} | {a.urban_share:.3f} | {a.source} |"
          for a in data.areas.values()), "",
    ]
    for package in dict.fromkeys(c.package for c in data.clause):
        lines += [f"## {package}", "",
                  "| seed | clause | quoted | figure | county count (a year) | scenario key | "
                  "setting | note |", "|---|---|---|---|---|---|---|---|"]
        for c in (c for c in data.clause if c.package == package):
            scalable = c.figure is not None and c.per in ("year", "total", "stock") and c.key \
                and c.setting is None and c.to != "as_is"
            count = f"{county_count(c, data, facts):,.1f}" if scalable else "-"
            figure = "-" if c.figure is None else f"{_fmt(c.figure)} {c.unit}".strip()
            key = f"`{c.key}`" if c.key else "no lever"
            lines.append(f"| {c.seed} | {c.clause} | {c.quote} | {figure} | {count} | {key} | "
                         f"{_fmt(setting(c, data, facts))} | {c.note} |")
        lines.append("")
    return "\n".join(lines)
