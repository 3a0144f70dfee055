"""How long the dashboard takes to redraw after a lever change, measured in a real browser: the
server started as ``ruraledu dashboard`` starts it, the system Chromium driven by Playwright,
the default package (gaotang-2027) with 5 replicates.

    python benchmarks/bench_dashboard.py [--changes 5] [--workers N]

Each change moves the rotation share one step further (a setting never run before, so the
package's replicates are computed; the baseline's come from the cache, as they do for a user),
presses Run and times until the new chart and tables are on the page. Bar (issue 16): under
3 seconds on a 2-core machine. The figure depends on what else the machine is doing; the load
average is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sim.dashboard.browser import Dashboard, browser_page, find_chromium, running_server

BAR_S = 3.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=5, help="lever changes timed")
    ap.add_argument("--workers", type=int, default=None,
                    help="run workers of the server [default: one per core]")
    args = ap.parse_args()
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found: install Debian's chromium package or set CHROMIUM")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        t0 = time.perf_counter()
        with running_server(log, args.workers) as url, browser_page(chromium) as page:
            up = time.perf_counter() - t0
            dash = Dashboard(page)
            t1 = time.perf_counter()
            dash.open(url)
            first = time.perf_counter() - t1
            print(f"server up {up:.1f} s; first page with results {first:.1f} s "
                  f"(baseline and package, 10 runs)")
            times, server_side = [], []
            for i in range(args.changes):
                dash.move_main_setting("rotation", "ArrowRight")
                page.wait_for_timeout(300)  # the slider's value reaches the server
                times.append(dash.run())
                server_side.append(dash.status())
                print(f"  change {i + 1}: redraw {times[-1]:.2f} s  | {server_side[-1]}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    median = statistics.median(times)
    print(f"\nredraw after a lever change, 5 replicates, {os.cpu_count()} cores "
          f"(load average {load:.1f}): median {median:.2f} s, min {min(times):.2f} s, "
          f"max {max(times):.2f} s (bar {BAR_S:.0f} s: {'met' if median < BAR_S else 'not met'})")


if __name__ == "__main__":
    main()
