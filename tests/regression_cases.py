"""The exact regression baseline: a small county (seed 1) with every lever off and with every
lever on, its frames stored under ``tests/regression/`` and compared bit for bit.

Refactoring must leave these numbers unchanged. A change of model behaviour changes them on
purpose: regenerate them with ``python tests/regression_cases.py --update`` in a commit that
says why.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import sim

HERE = Path(__file__).resolve().parent / "regression"
FRAMES = ("timeseries", "schools", "towns")
SEED = 1
SMALL = {"county.students": 8000, "county.towns": 8, "county.villages_per_town": 20,
         "county.urban_ordinary_schools": 4, "end_year": 2030}

# Every lever on from 2021 (two with a ramp or a schedule), with the settings that reach every
# branch: principal exchange, the senior-title rule, closures of village schools, young boarders.
EVERY_LEVER = {
    "subsidy": {"village_yuan_month": 2500.0, "teaching_point_yuan_month": 2500.0,
                "town_seat_yuan_month": 2500.0, "transport_yuan_month": 300.0,
                "housing_share": 0.5, "ramp_years": 3},
    "rotation": {"share": 0.2, "senior_needs_rural_year": True, "principal_term_years": 6,
                 "young_principal_share": 0.5},
    "consolidation": {"threshold": 200, "types": ["teaching_point", "village"],
                      "require_shrinking": False, "max_share_per_year": 0.5},
    "boarding": {"beds_per_student": 1.2, "min_grade": 1, "dorm_staff_quality": 0.5},
    "transport": {"min_km": 1.5, "ramp_years": 2},
    "places": {"places_per_year": 60, "rural_admission": 0.5},
    "quota": {"share": 0.8},
    "pairing": {"schedule": {2021: 0.4, 2025: 1.0}},
    "funding": {"primary_yuan": 1300.0, "middle_yuan": 1700.0},
    "training": {"hours": 120.0},
    "digital": {}, "title_reform": {}, "service_binding": {}, "itinerant": {},
    "degree_upgrade": {"rate": 0.2},
    "town_hub": {"target_facilities": 1.2, "ramp_years": 4},
}


def every_lever_on() -> dict:
    out = {}
    for name, settings in EVERY_LEVER.items():
        if "schedule" not in settings:
            out[f"policies.{name}.start"] = 2021
        out.update({f"policies.{name}.{k}": v for k, v in settings.items()})
    return out


CASES = {"levers-off": {}, "levers-on": every_lever_on()}


def frames(case: str) -> dict[str, pd.DataFrame]:
    scenario = sim.load_scenario(None, {**SMALL, **CASES[case]})
    result = sim.run(scenario, seed=SEED)
    return {name: getattr(result, name) for name in FRAMES}


def path(case: str, frame: str) -> Path:
    return HERE / case / f"{frame}.parquet"


def update() -> None:
    for case in CASES:
        (HERE / case).mkdir(parents=True, exist_ok=True)
        for name, frame in frames(case).items():
            frame.to_parquet(path(case, name), index=False)
            print(f"wrote {path(case, name).relative_to(HERE.parent.parent)} {frame.shape}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/regression_cases.py --update")
    update()
