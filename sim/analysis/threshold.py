"""The 0.15 target across the lever space: probability of meeting it at each sample point
(over replicates), regional sensitivity (which factors separate the points that meet it from
those that do not: Kolmogorov-Smirnov distance, scipy), and scenario discovery with PRIM
(EMA Workbench): boxes of lever ranges where the target is met with >= 90% probability."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..indicators import GAP_TARGET

PROBABILITY = 0.9
FIRST_YEAR = "first_year_met (median of runs meeting it)"
NEVER = "runs never meeting it"
NEVER_SHARE = "share of runs never meeting it"
VALUED = "runs with a value"
NO_VALUE = "runs without a value"


def meet_probability(runs: pd.DataFrame, gap_outputs: list[str]) -> pd.DataFrame:
    """Per sample point: the share of replicates whose difference rate is below 0.15, for each
    kept ``gap_rate@year``. A run without a value (failed, or the rate undefined) is left out,
    not counted as missing the target; a point with no value at all gets NaN."""
    values = runs[gap_outputs]
    met = values.lt(GAP_TARGET).astype(float).where(values.notna())
    met["sample_id"] = runs["sample_id"]
    prob = met.groupby("sample_id").mean()
    prob.columns = [f"P(met)@{c.split('@')[1]}" for c in prob.columns]
    return prob


def first_years(runs: pd.DataFrame, end_year: int | None) -> pd.DataFrame:
    """Per sample point, when the 0.15 target is first held (``first_year_gap_met``), with
    "never met" and "no value" told apart: the runs with a value (they ran), the runs without
    one (failed: left out), the runs that never met it by the scenario's end year and their
    share of the runs with a value, and the median first year over the runs that met it (NaN
    only where none did; the counts say why)."""
    ok = runs["status"] == "ok"
    year = runs["first_year_gap_met"]
    point = runs["sample_id"]
    valued = ok.groupby(point).sum().astype(int)
    never = (ok & year.isna()).groupby(point).sum().astype(int)
    met = ok & year.notna()
    table = pd.DataFrame({VALUED: valued, NO_VALUE: (~ok).groupby(point).sum().astype(int),
                          NEVER: never,
                          NEVER_SHARE: never / valued.where(valued > 0),
                          FIRST_YEAR: year[met].groupby(point[met]).median()})
    table.attrs["end_year"] = end_year
    return table


def regional_sensitivity(X: pd.DataFrame, met: np.ndarray) -> pd.DataFrame:
    """Monte Carlo filtering: KS distance between each factor's values where the target is met
    and where it is not (larger: the factor decides more)."""
    rows = []
    for factor in X.columns:
        x = pd.to_numeric(X[factor], errors="coerce").to_numpy(float)
        a, b = x[met], x[~met]
        if len(a) < 2 or len(b) < 2:
            ks, p = np.nan, np.nan
        else:
            res = stats.ks_2samp(a, b)
            ks, p = float(res.statistic), float(res.pvalue)
        rows.append({"factor": factor, "ks_distance": ks, "p_value": p,
                     "share_met": float(met.mean())})
    return pd.DataFrame(rows).sort_values("ks_distance", ascending=False, na_position="last")


def prim_boxes(X: pd.DataFrame, success: np.ndarray, min_density: float = PROBABILITY
               ) -> pd.DataFrame:
    """PRIM boxes (EMA Workbench) for the points where the target is met with >= 90%
    probability: the box with the most coverage among those at least ``min_density`` dense.
    Returns one row per restricted factor with the box's coverage and density."""
    if success.sum() == 0 or success.all():
        return pd.DataFrame(columns=["box", "factor", "low", "high", "coverage", "density",
                                     "mass"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        finder = prim.Prim(X.astype(float), success, threshold=min_density, peel_alpha=0.05)
        box = finder.find_box()
    traj = box.peeling_trajectory
    dense = traj[traj["density"] >= min_density]
    point = int(dense["coverage"].idxmax()) if not dense.empty else int(traj["density"].idxmax())
    box.select(point)
    limits = box.box_lims[point]
    chosen = traj.loc[point]
    rows = []
    for factor in X.columns:
        low, high = float(limits[factor].iloc[0]), float(limits[factor].iloc[1])
        full_low, full_high = float(X[factor].min()), float(X[factor].max())
        if low > full_low + 1e-12 or high < full_high - 1e-12:
            rows.append({"box": 1, "factor": factor, "low": low, "high": high,
                         "coverage": float(chosen["coverage"]),
                         "density": float(chosen["density"]), "mass": float(chosen["mass"])})
    return pd.DataFrame(rows)
