"""Bit-for-bit regression against the stored baseline (see regression_cases.py for why and how
to regenerate it)."""

from __future__ import annotations

import pandas as pd
import pytest

from regression_cases import CASES, FRAMES, frames, path


@pytest.mark.parametrize("case", list(CASES))
def test_frames_equal_the_stored_baseline_exactly(case):
    now = frames(case)
    for name in FRAMES:
        stored = pd.read_parquet(path(case, name))
        pd.testing.assert_frame_equal(now[name], stored, check_exact=True,
                                      obj=f"{case}/{name}")
