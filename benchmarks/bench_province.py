"""Shandong on this machine: the shipped province file (scenarios/shandong.toml, 152
county-level units, about 11 million children aged 6-14 at the 2020 census), 2020-2035, on the
process backend; wall time, peak memory, and time per student-year against the single-county
benchmark (the province layer's overhead).

    python benchmarks/bench_province.py [--workers 2] [--province FILE]
    python benchmarks/bench_province.py --synthetic [--students 10000000] [--counties 136]

--synthetic runs invented counties instead (sizes lognormal around the mean county, towns and
urban shares that grow with size, districts more urban): a load of any scale, not data.
Bars (issue: the province): under 60 s wall and 4 GB peak memory on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def synthetic_counties(n: int, students: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 0.45, n)
    pupils = np.clip(np.round(size / size.sum() * students), 5_000, 400_000).astype(int)
    kind = rng.choice(["district", "county_city", "county"], size=n, p=[0.43, 0.19, 0.38])
    towns = np.clip(np.round(8 + 8 * size / size.max() * 1.5), 8, 20).astype(int)
    urban = np.clip(np.where(kind == "district", 0.6, 0.35) + rng.normal(0, 0.08, n), 0.1, 0.9)
    return pd.DataFrame({"county": [f"County {i + 1:03d}" for i in range(n)],
                         "prefecture": [f"Prefecture {i % 16 + 1:02d}" for i in range(n)],
                         "kind": kind, "students": pupils, "towns": towns,
                         "urban_share": urban.round(3)})


def synthetic_province(folder: Path, counties: int, students: int) -> Path:
    """A province file of invented counties in ``folder``, running the shipped baseline."""
    synthetic_counties(counties, students).to_csv(folder / "counties.csv", index=False)
    baseline = (ROOT / "scenarios" / "baseline.toml").as_posix()
    (folder / "province.toml").write_text(
        f'name = "bench"\ncounties = "counties.csv"\npackage = "{baseline}"\n', encoding="utf-8")
    return folder / "province.toml"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--province", type=Path, default=ROOT / "scenarios" / "shandong.toml",
                    help="province file to run (default: the shipped Shandong)")
    ap.add_argument("--synthetic", action="store_true",
                    help="run --counties invented counties with --students in all instead")
    ap.add_argument("--students", type=int, default=10_000_000)
    ap.add_argument("--counties", type=int, default=136)
    args = ap.parse_args()
    from sim.province import load_province, run_province

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = args.province
        if args.synthetic:
            path = synthetic_province(folder, args.counties, args.students)
        counties = load_province(path)[3]
        t0 = time.perf_counter()
        result, _ = run_province(path, backend="process", workers=args.workers,
                                 out=folder / "out")
        wall = time.perf_counter() - t0
    student_years = float(result.counties["students"].sum())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = own + args.workers * child  # at most this many processes hold a county at once
    start = sum(c.overrides.get("county.students", 0) for c in counties)
    print(f"province {'(synthetic)' if args.synthetic else path.name}: {len(counties)} "
          f"counties, {start:,} students in the county table, {student_years:,.0f} "
          f"student-years, {args.workers} workers (load average {os.getloadavg()[0]:.1f})")
    print(f"  wall time             {wall:8.1f} s (bar 60 s)")
    print(f"  peak memory           {peak:8.0f} MB at most (this process {own:.0f} MB + "
          f"{args.workers} workers x {child:.0f} MB; bar 4,000 MB)")
    per = wall * args.workers / student_years * 1e9
    print(f"  time per student-year {per:8.0f} ns of a core")
    try:
        from bench_county import time_county

        single = time_county(60_000, 3, levers=False)
        ref = single["total_s"] / single["student_years"] * 1e9
        print(f"  single county         {ref:8.0f} ns per student-year (default county, "
              f"levers off): province overhead x{per / ref:.2f}")
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
