"""Speed and memory of the default county (initialisation + 16 school years, one process),
beside the reference scripts in ../shared/bench measured in the same run.

    python benchmarks/bench_county.py [--repeats 5] [--students 60000]
    python benchmarks/bench_county.py --scaling   # where the time goes: fixed and per student

Bars (issue: the county model): >= 2 million student-years per second including
initialisation, peak memory < 500 MB, and at most 6x the numpy roofline's time per student-year.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import sim
from sim.model import CountyModel

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"


def student_years(model: CountyModel) -> int:
    return int(model.datacollector.get_model_vars_dataframe()["students"].sum())


ALL_LEVERS = {
    "subsidy": {"start": 2021, "village_yuan_month": 1500.0, "teaching_point_yuan_month": 2000.0,
                "town_seat_yuan_month": 1000.0, "transport_yuan_month": 200.0,
                "housing_share": 0.5},
    "rotation": {"start": 2021, "share": 0.1, "senior_needs_rural_year": True},
    "consolidation": {"start": 2022, "threshold": 60, "types": ["teaching_point", "village"]},
    "boarding": {"start": 2021, "min_grade": 3, "dorm_staff_quality": 0.5},
    "transport": {"start": 2021},
    "places": {"start": 2021, "places_per_year": 300, "rural_admission": 0.8},
    "quota": {"start": 2021, "share": 0.7},
    "pairing": {"schedule": {"2021": 0.4, "2023": 1.0}},
    "funding": {"start": 2021, "primary_yuan": 1300.0, "middle_yuan": 1700.0},
    "training": {"start": 2021},
    "digital": {"schedule": {"2021": 0.3, "2023": 1.0}},
    "title_reform": {"start": 2021},
    "service_binding": {"start": 2021},
    "degree_upgrade": {"start": 2021},
    "itinerant": {"start": 2021},
    "town_hub": {"start": 2021, "ramp_years": 4},
}


def time_county(students: int, repeats: int, levers: bool = False) -> dict:
    """The fastest of ``repeats`` runs (seeds 1, 2, ...) by its whole time, with the years
    of the run whose years went fastest (``steps_s``, ``steps_rate``, ``timings``): the
    roofline beside it reports its fastest rate too."""
    scenario = sim.Scenario(name="bench", county={"students": students},
                            policies=ALL_LEVERS if levers else {})
    runs = []
    for seed in range(1, repeats + 1):
        t0 = time.perf_counter()
        model = CountyModel(scenario, seed=seed)
        t1 = time.perf_counter()
        model.run_model()
        t2 = time.perf_counter()
        sy = student_years(model)
        runs.append({"init_s": t1 - t0, "steps_s": t2 - t1, "total_s": t2 - t0,
                     "student_years": sy, "steps_rate": sy / (t2 - t1),
                     "years": len(scenario.years), "timings": dict(model.timings)})
    whole = min(runs, key=lambda r: r["total_s"])
    years = max(runs, key=lambda r: r["steps_rate"])
    return {**whole, **{k: years[k] for k in ("steps_s", "steps_rate", "timings")},
            "steps_student_years": years["student_years"]}


def reference(script: str, *args: int) -> float | None:
    """Student-years per second reported by a reference script (None if it is not there)."""
    path = BENCH / script
    if not path.exists():
        print(f"(reference {script} not found in {BENCH}: the project's shared/ folder must sit "
              "beside the repository)")
        return None
    out = subprocess.run([sys.executable, str(path), *map(str, args)],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"= ([\d,]+) student-years/s", out).group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--students", type=int, default=60_000)
    ap.add_argument("--skip-mesa", action="store_true", help="skip the slow Mesa reference")
    ap.add_argument("--scaling", action="store_true",
                    help="fit each stage's time a year as fixed + per student-year (every lever "
                         "on, 1/4, 1 and 4 times --students)")
    args = ap.parse_args()
    if args.scaling:
        scaling(args.students, args.repeats)
        return

    for levers in (False, True):
        report(time_county(args.students, args.repeats, levers), args, levers)
    mesa_rate = None if args.skip_mesa else reference("mesa_baseline.py", args.students, 2)
    if mesa_rate:
        r = time_county(args.students, 1)
        print(f"mesa one-object-per-student {mesa_rate:12,.0f} student-years/s")
        print(f"  speed-up over Mesa    {r['student_years'] / r['total_s'] / mesa_rate:8.1f}x "
              "including initialisation")


def scaling(students: int, repeats: int) -> None:
    """Each stage's seconds a year fitted as a + b * student-years a year over three county
    sizes: a is what a year costs whatever the size (numpy calls, per-school and per-teacher
    work), b what each student adds."""
    sizes = [students // 4, students, students * 4]
    runs = [time_county(n, repeats, levers=True) for n in sizes]
    per_year = np.array([r["steps_student_years"] / r["years"] for r in runs])

    def fit(seconds: list[float]) -> tuple[float, float]:
        b, a = np.polyfit(per_year, np.array(seconds), 1)
        return a, b

    for n, r in zip(sizes, runs):
        print(f"{n:>9,} students: {r['steps_s'] * 1000:7.1f} ms, "
              f"{1e9 / r['steps_rate']:5.0f} ns per student-year")
    a, b = fit([r["steps_s"] / r["years"] for r in runs])
    print(f"all stages: {a * 1000:.2f} ms a year fixed + {b * 1e9:.0f} ns per student-year")
    fits = {k: fit([r["timings"][k] / r["years"] for r in runs]) for k in runs[0]["timings"]}
    for k, (a, b) in sorted(fits.items(), key=lambda kv: -kv[1][1]):
        print(f"  {k:20s} {a * 1000:6.2f} ms a year + {b * 1e9:5.1f} ns per student-year")


def report(r: dict, args, levers: bool) -> None:
    rate_total = r["student_years"] / r["total_s"]
    rate_steps = r["steps_rate"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The roofline holds its population steady, so it runs the same students and years.
    roof = max(reference("numpy_roofline.py", args.students, r["years"]) or 0
               for _ in range(3)) or None
    label = "every lever on" if levers else "no new policy"
    print(f"\ndefault county, {label}: {args.students:,} students at start, {r['years']} years, "
          f"{r['student_years']:,} student-years (best of {args.repeats})")
    print(f"  initialisation        {r['init_s'] * 1000:8.1f} ms")
    slow = sorted(r["timings"].items(), key=lambda kv: -kv[1])[:4]
    print("  slowest stages        " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in slow))
    print(f"  16 school years       {r['steps_s'] * 1000:8.1f} ms "
          f"({r['steps_s'] / r['years'] * 1000:.2f} ms/year, the fastest years)")
    print(f"  student-years/s       {rate_total:12,.0f} including initialisation (bar 2,000,000)")
    print(f"                        {rate_steps:12,.0f} years only")
    print(f"  peak memory (RSS)     {peak_mb:8.0f} MB (bar 500 MB)")
    if roof:
        print(f"numpy roofline          {roof:12,.0f} student-years/s")
        print(f"  slowdown vs roofline  {roof / rate_steps:8.1f}x per student-year, years only "
              f"(bar 6x); {roof / rate_total:.1f}x including initialisation")


if __name__ == "__main__":
    main()
