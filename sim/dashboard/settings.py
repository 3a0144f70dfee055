"""What the dashboard lets a user set, and how a choice becomes the two scenarios it compares.

A choice is a package preset (a scenario file), a county, and the user's own changes as dotted
overrides (``policies.rotation.share``, ``params.learning.exam_cv``). Nothing else is state: the
sliders show the resolved scenario's values, so what is on screen, what is run and what is
downloaded are one and the same scenario.

The reference is always the baseline file with the same county, horizon and assumptions as the
package: the difference between the two is then the levers, not the county or the assumptions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..parameters import parameter_table
from ..policies import LEVERS
from ..province import load_province
from ..scenario import Scenario, load_scenario, read_toml, with_overrides

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
REFERENCE = "baseline"  # the reference's label in charts and tables

# The package presets: baseline and the five seed packages, in the order the seeds are numbered.
PRESETS = ("baseline", "gaotang-2027", "jinan-2024", "qingdao-2020", "qingdao-doubling-2023",
           "shandong-town-hub-2021")
DEFAULT_PRESET = "gaotang-2027"
DEFAULT_COUNTY = "as in the package"

# What the bands hold: the luck of the draw only, or also what is not known about the
# assumptions (the baseline calibration's posterior, shipped with the model): replicate r of
# both scenarios then takes the same parameter set, as ``compare --uncertainty`` does.
LUCK = "luck of the draw (seeds)"
POSTERIOR = ROOT / "experiments" / "calibrate-baseline" / "posterior.parquet"
CALIBRATED = "luck and the calibrated assumptions"


def uncertainty_choices() -> dict[str, Path | None]:
    return {LUCK: None, **({CALIBRATED: POSTERIOR} if POSTERIOR.is_file() else {})}


@dataclass(frozen=True)
class Setting:
    """One slider: the dotted key it sets, its words, its unit, its range and step."""

    key: str
    label: str
    unit: str
    low: float
    high: float
    step: float
    integer: bool = False

    @property
    def words(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


# Each lever's main setting: the one number a policymaker would move first. Coverage levers
# (pairing, digital, itinerant) have no setting of their own: their strength is the share of
# schools covered.
MAIN_SETTINGS: dict[str, Setting] = {
    "subsidy": Setting("town_seat_yuan_month", "allowance at town-seat schools", "yuan a month",
                       0, 3000, 50),
    "rotation": Setting("share", "eligible county-seat teachers rotated a year", "share",
                        0, 0.5, 0.01),
    "consolidation": Setting("threshold", "close schools below", "students", 0, 200, 5,
                             integer=True),
    "places": Setting("places_per_year", "county-seat places added", "places a year", 0, 3000,
                      50, integer=True),
    "quota": Setting("share", "quality senior-high places allocated to middle schools",
                     "share", 0, 1, 0.05),
    "boarding": Setting("beds_per_student", "town-seat beds", "beds per student of boarding age",
                        0, 1.5, 0.05),
    "transport": Setting("min_km", "villages served from", "km to the nearest rural primary",
                         0, 15, 0.5),
    "pairing": Setting("strength", "rural schools paired", "share", 0, 1, 0.05),
    "funding": Setting("primary_yuan", "per-pupil funding, primary", "yuan a year", 0, 5000,
                       100),
    "training": Setting("hours", "training", "hours per teacher a year", 0, 200, 10),
    "digital": Setting("strength", "rural schools with synchronous classrooms", "share", 0, 1,
                       0.05),
    "title_reform": Setting("level1_years", "rural years for a level-1 title", "years", 1, 30, 1,
                            integer=True),
    "degree_upgrade": Setting("rate", "rural non-graduates upgrading a year", "share", 0, 0.5,
                              0.01),
    "service_binding": Setting("years", "rural service of new teachers", "years", 1, 15, 1,
                               integer=True),
    "itinerant": Setting("strength", "small schools with itinerant teachers", "share", 0, 1,
                         0.05),
    "town_hub": Setting("target_facilities", "town-seat facilities reached",
                        "x provincial standard", 0.5, 2.0, 0.05),
}
if set(MAIN_SETTINGS) != set(LEVERS):
    raise RuntimeError("every lever needs its main setting in the dashboard")

LEVER_NAMES = {
    "subsidy": "Rural allowance", "rotation": "Teacher rotation", "consolidation": "Consolidation",
    "places": "County-seat places", "quota": "Senior-high quota", "boarding": "Boarding",
    "transport": "Bus and lunch", "pairing": "Pairing", "funding": "Per-pupil funding",
    "training": "Training", "digital": "Digital classrooms", "title_reform": "Directed titles",
    "degree_upgrade": "Degree upgrading", "service_binding": "Service binding",
    "itinerant": "Itinerant teaching", "town_hub": "Town-seat hubs",
}

# The assumptions a user is most likely to question, each a parameter with a documented range
# (its unit and range come from the parameter table): the exam scale the 0.15 target is read
# on, how lasting learning is, how often rural teachers leave, the two support levers' effect
# sizes (no causal estimate) and the birth trend.
ASSUMPTIONS = {
    "params.learning.exam_cv": "exam score spread (the scale 0.15 is read on)",
    "params.learning.persistence": "persistence of learning",
    "params.teachers.rural_exit_base": "rural teachers' yearly exit intent",
    "params.levers.pairing_value_added": "pairing's yearly gain",
    "params.levers.digital_value_added": "synchronous classrooms' yearly gain",
    "params.demography.birth_trend_after_data": "birth trend after the data",
}

# Where the main setting is unset (None: as before the reform), the status quo it replaces.
STATUS_QUO = {"subsidy": "params.pay.allowance_town_seat", "funding": "params.pay.funding_primary"}


def assumption_settings() -> list[Setting]:
    """The assumption sliders, with the label, unit and range of the parameter table."""
    rows = {row["key"]: row for row in parameter_table()}
    out = []
    for key in ASSUMPTIONS:
        row = rows[key]
        low, high = float(row["low"]), float(row["high"])
        out.append(Setting(key, ASSUMPTIONS[key], row["unit"], low, high, _step(low, high)))
    return out


def _step(low: float, high: float) -> float:
    """A slider step of about a hundredth of the range, rounded to 1, 2 or 5 times a power of
    ten so the values read cleanly."""
    raw = (high - low) / 100
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def preset_path(preset: str) -> Path:
    """A preset's file: a name from PRESETS, or a path to any scenario file."""
    if preset in PRESETS:
        return SCENARIOS / f"{preset}.toml"
    return Path(preset).expanduser()


@functools.cache
def county_choices() -> dict[str, dict[str, Any] | None]:
    """The counties on offer, each as the dotted settings that make a scenario that county:
    the package's own; each scenario file's roster county (the roster as an absolute path, so
    it is found from anywhere); and every county of each shipped province file (its students,
    towns, radius, urban share, roster or budget, as ``ruraledu province`` runs it)."""
    choices: dict[str, dict[str, Any] | None] = {DEFAULT_COUNTY: None}
    for path in sorted(SCENARIOS.glob("*.toml")):
        data = read_toml(path)
        county = data.get("county", {})
        if county.get("source") == "roster" and county.get("roster"):
            roster = (path.parent / county["roster"]).resolve()
            choices[f"roster: {roster.name}"] = {"county.source": "roster",
                                                 "county.roster": str(roster)}
        if "counties" in data and "package" in data:
            _, _, _, counties = load_province(path)
            for c in counties:
                choices[f"{path.stem}: {c.name}"] = dict(c.overrides)
    return choices


@dataclass(frozen=True)
class Choice:
    """Everything the user chose; hashable, so results can be cached by it."""

    preset: str = DEFAULT_PRESET
    county: str = DEFAULT_COUNTY
    changes: tuple[tuple[str, Any], ...] = ()  # dotted key, value: in the order made
    replicates: int = 5
    first_seed: int = 1
    uncertainty: str = LUCK  # a key of uncertainty_choices()

    def with_changes(self, changes: dict[str, Any]) -> Choice:
        """This choice with more changes (a later change of a key replaces the earlier)."""
        merged = dict(self.changes)
        merged.update(changes)
        return replace(self, changes=tuple(merged.items()))

    @property
    def assumption_changes(self) -> dict[str, Any]:
        """The changes that are assumptions (``params.*``): they apply to both scenarios and
        hold over an ensemble's values."""
        return {k: v for k, v in self.changes if k.startswith("params.")}


@dataclass
class Resolved:
    """The two scenarios a choice compares."""

    reference: Scenario
    package: Scenario
    edited: bool = field(default=False)

    @property
    def labels(self) -> tuple[str, str]:
        """The reference's and the package's labels (distinct, even for baseline on baseline)."""
        name = self.package.name + (" (edited)" if self.edited else "")
        return REFERENCE, name if name != REFERENCE else f"{REFERENCE} (as the package)"


def resolve(choice: Choice) -> Resolved:
    """The package (preset, county, every change) and its reference (baseline, the same county,
    horizon and assumptions). Bad input raises ``InputError`` naming the field."""
    package = load_scenario(preset_path(choice.preset))
    county = county_choices().get(choice.county)
    common: dict[str, Any] = dict(county) if county is not None else {}
    changes = dict(choice.changes)
    for key in ("start_year", "end_year"):
        common[key] = changes.pop(key, getattr(package, key))
    common.update({k: v for k, v in changes.items() if k.startswith("params.")})
    package = with_overrides(package, {**common, **changes})
    reference = load_scenario(BASELINE, overrides=common)
    return Resolved(reference, package, edited=bool(choice.changes) or county is not None)


def lever_on(scenario: Scenario, lever: str) -> bool:
    return getattr(scenario.policies, lever).enabled


def lever_start(scenario: Scenario, lever: str) -> int:
    """The first year the lever acts (a schedule's first year), or the scenario's first year for
    a lever that is off, where switching it on would start it."""
    spec = getattr(scenario.policies, lever)
    if spec.schedule:
        return min(spec.schedule)
    return spec.start if spec.start is not None else scenario.start_year


def lever_end(scenario: Scenario, lever: str) -> int:
    """The last year it acts: its end, or the scenario's last year when open."""
    end = getattr(scenario.policies, lever).end
    return scenario.end_year if end is None else min(end, scenario.end_year)


def main_value(scenario: Scenario, lever: str) -> float:
    """The main setting's value, or the status quo it replaces where it is unset."""
    value = getattr(getattr(scenario.policies, lever), MAIN_SETTINGS[lever].key)
    if value is None:
        value = _get(scenario, STATUS_QUO[lever])
    return float(value)


def _get(scenario: Scenario, dotted: str) -> Any:
    node: Any = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


def assumption_value(scenario: Scenario, key: str) -> float:
    return float(_get(scenario, key))


def switch(scenario: Scenario, lever: str, on: bool) -> dict[str, Any]:
    """The changes that switch a lever on (from the first year, at full strength; nothing if it
    is on already) or off."""
    prefix = f"policies.{lever}"
    if on and lever_on(scenario, lever):
        return {}
    if on:
        return {f"{prefix}.start": scenario.start_year, f"{prefix}.schedule": None}
    return {f"{prefix}.start": None, f"{prefix}.schedule": None, f"{prefix}.end": None}


def move_start(scenario: Scenario, lever: str, year: int) -> dict[str, Any]:
    """The changes that make a lever start in ``year``: a schedule moves as a whole, keeping
    its steps; an end before the new start moves with it. Both timeline keys are set, so the
    change holds whatever the lever's timeline was before."""
    spec = getattr(scenario.policies, lever)
    prefix = f"policies.{lever}"
    out: dict[str, Any] = {}
    if spec.schedule:
        shift = year - min(spec.schedule)
        out[f"{prefix}.schedule"] = {y + shift: v for y, v in sorted(spec.schedule.items())}
        out[f"{prefix}.start"] = None
    else:
        out[f"{prefix}.start"] = year
        out[f"{prefix}.schedule"] = None
    if spec.end is not None and spec.end < year:
        out[f"{prefix}.end"] = year
    return out


def move_end(scenario: Scenario, lever: str, year: int) -> dict[str, Any]:
    """The last year a lever acts; the scenario's last year means open (no end)."""
    return {f"policies.{lever}.end": None if year >= scenario.end_year else year}


def set_main(lever: str, value: float) -> dict[str, Any]:
    setting = MAIN_SETTINGS[lever]
    return {f"policies.{lever}.{setting.key}": int(round(value)) if setting.integer
            else float(value)}
