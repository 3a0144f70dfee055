"""Sensitivity indices with SALib, as one tidy table: Sobol (S1, ST, S2 with bootstrap
intervals), Morris (mu*, sigma) and the given-data delta method (for Latin or grid designs),
plus convergence (the same indices on the first half of the design) and warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import delta as delta_analyzer
from SALib.analyze import morris as morris_analyzer
from SALib.analyze import sobol as sobol_analyzer
from SALib.sample import latin, morris
from SALib.sample import sobol as sobol_sampler

# The index that ranks factors for each method (total Sobol, Morris mu*, Borgonovo delta).
MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "delta": "delta"}

COLUMNS = ["method", "factor", "index", "value", "conf_low", "conf_high"]
METHOD_OF_DESIGN = {"sobol": "sobol", "morris": "morris", "latin": "delta", "grid": "delta"}


def indices(method: str, problem: dict, X: np.ndarray, Y: np.ndarray, *,
            second_order: bool = False, num_levels: int = 4, seed: int = 1) -> pd.DataFrame:
    """Tidy indices of one output: a row per (factor, index) with its 95% interval."""
    names = problem["names"]
    rows = []

    def add(index, values, confs=None, factors=names):
        confs = np.full(len(values), np.nan) if confs is None else np.asarray(confs)
        for f, v, c in zip(factors, values, confs):
            rows.append((method, f, index, float(v), float(v - c), float(v + c)))

    if method == "sobol":
        s = sobol_analyzer.analyze(problem, Y, calc_second_order=second_order, seed=seed)
        add("S1", s["S1"], s["S1_conf"])
        add("ST", s["ST"], s["ST_conf"])
        if second_order:
            pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
            add("S2", [s["S2"][i, j] for i, j in pairs], [s["S2_conf"][i, j] for i, j in pairs],
                [f"{names[i]} x {names[j]}" for i, j in pairs])
    elif method == "morris":
        s = morris_analyzer.analyze(problem, X, Y, num_levels=num_levels, seed=seed)
        add("mu_star", s["mu_star"], s["mu_star_conf"])
        add("sigma", s["sigma"])
        add("mu", s["mu"])
    elif method == "delta":
        s = delta_analyzer.analyze(problem, X, Y, seed=seed)
        add("delta", s["delta_balanced"], s["delta_balanced_conf"])  # SALib 1.6: bias-balanced
        add("S1", s["S1"], s["S1_conf"])
    else:
        raise ValueError(method)
    return pd.DataFrame(rows, columns=COLUMNS)


def first_half(method: str, problem: dict, X: np.ndarray, Y: np.ndarray,
               second_order: bool) -> tuple[np.ndarray, np.ndarray]:
    """The first half of the design (N/2 base points, r/2 trajectories, n/2 points): itself a
    valid design, for a convergence check."""
    d = problem["num_vars"]
    if method == "sobol":
        step = 2 * d + 2 if second_order else d + 2
        n = len(Y) // step
        rows = (n // 2) * step
    elif method == "morris":
        r = len(Y) // (d + 1)
        rows = (r // 2) * (d + 1)
    else:
        rows = len(Y) // 2
    return X[:rows], Y[:rows]


def warnings_for(table: pd.DataFrame, method: str, n: int, label: str) -> list[str]:
    """Plain warnings: wide intervals, negative indices beyond their interval."""
    out = []
    main = MAIN_INDEX[method]
    rows = table[table["index"] == main]
    scale = rows["value"].abs().max() if method == "morris" else 1.0
    width = (rows["conf_high"] - rows["conf_low"]) / max(scale, 1e-12)
    if (width > 0.2).any():
        worst = rows.loc[width.idxmax(), "factor"]
        out.append(f"{label}: wide intervals on {main} (widest: {worst}, "
                   f"{width.max():.2f} of the scale); try a sample size of {2 * n}")
    negative = table[(table["value"] < 0) & (table["conf_high"] < 0)
                     & table["index"].isin(["S1", "ST"])]
    if not negative.empty:
        out.append(f"{label}: {len(negative)} Sobol indices below zero beyond their interval "
                   f"(e.g. {negative.iloc[0]['factor']} {negative.iloc[0]['index']}); "
                   f"the design is too small, try {2 * n}")
    return out


def analyze_function(func, problem: dict, method: str = "sobol", n: int = 1024,
                     second_order: bool = False, num_levels: int = 4,
                     seed: int = 1) -> pd.DataFrame:
    """The same analysis for any Python model ``func(X) -> Y`` on a SALib problem: a way to
    check the pipeline against functions whose indices are known (e.g. Ishigami)."""
    if method == "sobol":
        X = sobol_sampler.sample(problem, n, calc_second_order=second_order, seed=seed)
    elif method == "morris":
        X = morris.sample(problem, n, num_levels=num_levels, seed=seed)
    elif method == "delta":
        X = latin.sample(problem, n, seed=seed)
    else:
        raise ValueError(method)
    Y = np.asarray(func(X), dtype=float)
    return indices(method, problem, X, Y, second_order=second_order, num_levels=num_levels,
                   seed=seed)
