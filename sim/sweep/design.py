"""Sample points of an experiment: SALib samplers on the unit cube, mapped through each factor's
inverse distribution, so Sobol, Morris and Latin designs serve any distribution."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.sample import latin, morris
from SALib.sample import sobol as sobol_sampler

from ..ensemble import WEIGHT
from ..errors import InputError
from ..scenario import plain
from .experiment import Choice, Experiment, load_experiment


def unit_problem(exp: Experiment) -> dict:
    """The SALib problem on the unit cube (the analysis reuses it)."""
    names = list(exp.factors)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_samples(exp: Experiment) -> np.ndarray:
    d = exp.design
    problem = unit_problem(exp)
    if d.method == "sobol":
        return sobol_sampler.sample(problem, d.n, calc_second_order=d.second_order,
                                    scramble=True, seed=exp.seed)
    if d.method == "morris":
        return morris.sample(problem, d.trajectories, num_levels=d.levels, seed=exp.seed)
    if d.method == "latin":
        return latin.sample(problem, d.n, seed=exp.seed)
    if d.method == "grid":
        axes = []
        for factor in exp.factors.values():
            k = len(factor.values) if isinstance(factor, Choice) else d.levels
            axes.append((np.arange(k) + 0.5) / k)
        return np.array(list(itertools.product(*axes)), dtype=float)
    raise ValueError(d.method)


def samples(exp: Experiment) -> pd.DataFrame:
    """One row per sample point: ``sample_id``, the factor values, the unit coordinates
    (``u:<factor>``) and, for a scenarios design, the scenario name and its overrides."""
    if exp.design.method == "scenarios":
        names = list(exp.scenarios)
        return pd.DataFrame({"sample_id": np.arange(len(names)), "scenario": names,
                             "overrides": [json.dumps(exp.scenarios[n], sort_keys=True)
                                           for n in names]})
    u = unit_samples(exp)
    table = {"sample_id": np.arange(len(u))}
    for j, (key, factor) in enumerate(exp.factors.items()):
        values = factor.ppf(u[:, j])
        table[key] = values if isinstance(factor, Choice) else np.asarray(values, float)
    for j, key in enumerate(exp.factors):
        table[f"u:{key}"] = u[:, j]
    return pd.DataFrame(table)


def overrides_of(exp: Experiment, row: pd.Series) -> dict:
    """The scenario overrides of one sample point."""
    if exp.design.method == "scenarios":
        return json.loads(row["overrides"])
    return {key: plain(row[key]) for key in exp.factors}


def prior(experiment: str | Path, n: int = 50, seed: int | None = None) -> pd.DataFrame:
    """``n`` parameter sets drawn from the ``params.*`` factors of an experiment file (their
    distributions, a Latin hypercube), equally weighted. The levers (``policies.*``) are left
    to the packages being compared."""
    exp, _, _ = load_experiment(Path(experiment))
    factors = {k: f for k, f in exp.factors.items() if k.startswith("params.")}
    if not factors:
        raise InputError(experiment, "no params.* factors to draw an ensemble from (allowed: "
                         "an experiment whose factors include uncertain parameters)")
    problem = {"num_vars": len(factors), "names": list(factors),
               "bounds": [[0.0, 1.0]] * len(factors)}
    u = latin.sample(problem, n, seed=exp.seed if seed is None else seed)
    table = {}
    for j, (key, factor) in enumerate(factors.items()):
        values = factor.ppf(u[:, j])
        table[key] = values if isinstance(factor, Choice) else np.asarray(values, float)
    out = pd.DataFrame(table)
    out[WEIGHT] = 1.0 / n
    return out
