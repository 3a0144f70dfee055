"""Assumption ensembles: tables of parameter sets with weights, so that a comparison's bands
and probabilities hold what is not known about the model's assumptions, not only the luck of
the draw.

An ensemble is a Parquet table: one column per uncertain parameter (dotted keys such as
``params.levers.pairing_value_added``) and a ``weight`` column. ``sim.sweep.design.prior``
draws one from the uncertain parameters of an experiment file; ``sim.calibrate`` writes a
posterior. ``compare`` (``--uncertainty FILE``) and sweeps (an experiment's ``uncertainty``)
take one and give replicate ``r`` of every package or design point the same parameter set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .files import write_atomic
from .scenario import Scenario, plain, with_overrides

WEIGHT = "weight"


def load(path: str | Path) -> pd.DataFrame:
    """Read and check an ensemble: a ``weight`` column of non-negative numbers with a positive
    sum, and parameter columns that a scenario accepts (every row is validated)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found (an ensemble is a Parquet table of parameter "
                         "sets: `ruraledu ensemble EXPERIMENT.toml --out FILE`)")
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise InputError(path, f"not a readable Parquet table ({err})") from None
    if WEIGHT not in table:
        raise InputError(path, f"no '{WEIGHT}' column (allowed: parameter columns and "
                         f"'{WEIGHT}')")
    weights = pd.to_numeric(table[WEIGHT], errors="coerce").to_numpy(float)
    if len(table) == 0 or not np.isfinite(weights).all() or (weights < 0).any() \
            or weights.sum() <= 0:
        raise InputError(path, f"column '{WEIGHT}': every weight must be a number >= 0, with "
                         "a positive sum")
    keys = [c for c in table.columns if c != WEIGHT]
    bad = [k for k in keys if not k.startswith("params.")]
    if bad:
        raise InputError(path, f"columns {bad}: an ensemble holds uncertain parameters only "
                         "(allowed: params.* keys and 'weight')")
    base = Scenario()
    for i in range(len(table)):
        try:
            with_overrides(base, {k: plain(table[k].iloc[i]) for k in keys})
        except InputError as err:
            raise InputError(path, f"row {i}: {'; '.join(err.problems)}") from None
    return table


def with_assumptions(calibrated: pd.DataFrame, assumed: pd.DataFrame) -> pd.DataFrame:
    """The calibrated parameter sets (a posterior, with its weights), each paired with one
    draw of the assumptions the calibration does not speak to (``assumed``, as many rows, e.g.
    ``sim.sweep.design.prior``): the effect sizes that rest on few studies then widen the bands
    as the data-constrained parameters do. Where both hold a parameter, the calibration's
    values are kept: the evidence has spoken to it."""
    if len(assumed) != len(calibrated):
        raise ValueError(f"{len(assumed)} assumption draws for {len(calibrated)} calibrated "
                         "parameter sets: draw as many")
    added = [k for k in assumed.columns if k != WEIGHT and k not in calibrated]
    kept = calibrated.reset_index(drop=True)
    return pd.concat([kept.drop(columns=WEIGHT), assumed[added].reset_index(drop=True),
                      kept[WEIGHT]], axis=1)


def effective_size(table: pd.DataFrame) -> float:
    """Kish's effective sample size of an ensemble's weights: how many equally weighted
    parameter sets it is worth."""
    w = table[WEIGHT].to_numpy(float)
    return float(w.sum() ** 2 / (w ** 2).sum())


def save(table: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda p: table.to_parquet(p, index=False))
    return path
