"""What a user feels: the wall time of ``ruraledu run scenarios/baseline.toml`` with its charts.

    python benchmarks/bench_run.py [--repeat 5] [--scenario scenarios/baseline.toml]

Bar (issue 15): under 1.5 s wall on a 2-core machine, charts included. Prints the best of
``--repeat`` wall times of the command in a fresh interpreter (with and without charts, and of
``python -c "import sim.cli"`` alone), then where one run's time goes: imports (``-X
importtime``: the heaviest packages, and whether SALib, Dask, pyabc, scipy.spatial or tqdm's
asyncio were imported at all), the model, writing the frames, and the charts (the import of
matplotlib apart from the drawing) drawn one after another in one process, where the command
draws them in processes beside the model (``sim.chart_processes``) on a machine with more
than one core. Wall times depend on the machine's load: compare figures taken under the same
``uptime``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# what a single run must not import (an analysis, a cluster or a calibration needs them)
NOT_FOR_A_RUN = ("SALib", "dask", "distributed", "pyabc", "ema_workbench", "scipy.spatial",
                 "tqdm.asyncio", "mesa.batchrunner", "matplotlib")


def best_wall(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return min(times)


def import_report(code: str) -> tuple[float, dict[str, float]]:
    """Total import seconds of ``code`` and the cumulative seconds of each top-level package."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], check=True,
                         capture_output=True, text=True, cwd=ROOT).stderr
    tops: dict[str, float] = {}
    total = 0.0
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        cumulative, depth, name = int(m.group(2)) / 1e6, len(m.group(3)), m.group(4)
        if depth == 1:
            total += cumulative
            root = name.split(".")[0]
            tops[root] = tops.get(root, 0.0) + cumulative
        tops.setdefault(f"seen:{name}", 0.0)
    return total, tops


def stages(scenario: str) -> dict[str, float]:
    """One run in this process, timed by stage (imports already paid by the first run)."""
    code = f"""
import time, tempfile, json, sys
t0 = time.perf_counter()
import sim.cli
from sim.scenario import load_scenario
from sim.results import run
t1 = time.perf_counter()
sc = load_scenario({scenario!r})
result = run(sc)
t2 = time.perf_counter()
out = tempfile.mkdtemp()
result.write(out)
t3 = time.perf_counter()
from sim import plots
t4 = time.perf_counter()
plots.save_run_charts(result, __import__("pathlib").Path(out))
t5 = time.perf_counter()
print(json.dumps({{"imports": t1 - t0, "model": t2 - t1, "frames": t3 - t2,
                   "import matplotlib + sim.plots": t4 - t3, "charts (drawing)": t5 - t4}}))
"""
    import json

    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="scenarios/baseline.toml")
    args = ap.parse_args()
    exe = [sys.executable, "-m", "sim"]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cpus} cores; load average {load}")
    with tempfile.TemporaryDirectory() as tmp:
        charts = best_wall([*exe, "run", args.scenario, "--out", f"{tmp}/a"], args.repeat)
        bare = best_wall([*exe, "run", args.scenario, "--out", f"{tmp}/b", "--no-charts"],
                         args.repeat)
    imports = best_wall([sys.executable, "-c", "import sim.cli"], args.repeat)
    from sim.chart_processes import chart_processes

    processes = chart_processes()
    where = f"{processes} processes beside the model" if processes else "after the model"
    print(f"ruraledu run {args.scenario} (best of {args.repeat}, fresh interpreter):")
    print(f"  with charts      {charts:6.2f} s   (bar: 1.5 s on 2 cores; charts drawn in {where})")
    print(f"  --no-charts      {bare:6.2f} s")
    print(f"  import sim.cli   {imports:6.2f} s   (python -c, interpreter start included)")
    total, tops = import_report("import sim.cli; from sim.results import run")
    heavy = sorted(((v, k) for k, v in tops.items() if not k.startswith("seen:")), reverse=True)
    print(f"\nimports of a run: {total:.2f} s (-X importtime); heaviest top-level packages:")
    for sec, name in heavy[:8]:
        print(f"  {name:<24}{sec:6.3f} s")
    seen = [name for name in NOT_FOR_A_RUN if f"seen:{name}" in tops]
    print(f"  not needed by a run, yet imported: {', '.join(seen) or 'none'}")
    print("\none run in one process, by stage (the charts drawn one after another):")
    for name, sec in stages(args.scenario).items():
        print(f"  {name:<32}{sec:6.3f} s")


if __name__ == "__main__":
    main()
