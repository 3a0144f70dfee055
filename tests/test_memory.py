"""The model's processes keep the memory a year frees (sim.memory): the next year's arrays
reuse it instead of faulting in fresh pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

YEARS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from sim.memory import keep_freed_memory
    keep_freed_memory()
np.ones(1)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):  # a year's worth of window-sized arrays, allocated and freed
    arrays = [np.ones(60_000) for _ in range(40)]
    del arrays
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def faults(mode: str, **env: str) -> int:
    out = subprocess.run([sys.executable, "-c", YEARS, mode], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", **env})
    return int(out.stdout)


def test_freed_memory_is_reused_without_page_faults():
    assert faults("keep") < 0.2 * faults("default")


def test_the_environment_s_own_malloc_settings_are_left_alone():
    trimmed = {"MALLOC_TRIM_THRESHOLD_": "0", "MALLOC_MMAP_THRESHOLD_": "131072"}
    assert faults("keep", **trimmed) > 0.5 * faults("default", **trimmed)
