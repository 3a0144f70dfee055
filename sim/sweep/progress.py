"""Progress of a sweep: a tqdm bar in a terminal or notebook, plain periodic lines in batch
logs (where a redrawn bar would fill the file with carriage returns)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, done: int, label: str, enabled: bool = True,
                 every_s: float = 30.0):
        self.total, self.done, self.label = total, done, label
        self.start_done, self.t0, self.last = done, time.monotonic(), 0.0
        self.every_s = every_s
        self.bar = None
        self.enabled = enabled
        if enabled and _interactive():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=done, desc=label, unit="run")

    def update(self, runs: int) -> None:
        self.done += runs
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(runs)
            return
        now = time.monotonic()
        if now - self.last >= self.every_s or self.done >= self.total:
            self.last = now
            print(self.line(now), file=sys.stderr, flush=True)

    def line(self, now: float) -> str:
        rate = (self.done - self.start_done) / max(now - self.t0, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if left == left else "?"
        return (f"{self.label}: {self.done}/{self.total} runs "
                f"({100 * self.done / max(self.total, 1):.0f}%), {rate:.2f} runs/s, "
                f"about {eta} left")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _interactive() -> bool:
    if "ipykernel" in sys.modules:
        return True
    return sys.stderr.isatty()
