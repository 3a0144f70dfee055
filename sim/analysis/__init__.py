"""Sensitivity and threshold analysis of a finished sweep: ``ruraledu analyze DIR``.

Indices are computed on replicate means (one value per design point), with the share of
output variance that is stochastic noise (within-point variance over total) reported beside
them. Sobol and Morris need every run of their design: a sweep with missing or failed runs is
refused with what is missing and how to finish it.
"""

from __future__ import annotations

import io
import json
import warnings as warnings_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..files import writing_into
from ..sweep.store import Store
from . import sensitivity, threshold
from .sensitivity import METHOD_OF_DESIGN, analyze_function

__all__ = ["Analysis", "analyze", "analyze_function"]

# a noise share from which an output's indices are read as noise (analysis warnings)
NOISE_ONLY = 0.9


def noise_warning(name: str, share: float) -> list[str]:
    """A warning when the model's randomness makes up nearly all of an output's variance
    between runs: its indices would rank the factors by noise."""
    if not share >= NOISE_ONLY:  # also NaN: no variance at all is warned of elsewhere
        return []
    return [f"{name}: {share:.0%} of its variance is the model's randomness at fixed design "
            "points, so its indices describe noise, not the factors; more replicates, wider "
            "factor ranges or a later year may separate them"]


@dataclass
class Analysis:
    indices: pd.DataFrame  # outcome, year, method, factor, index, value, conf_low, conf_high
    noise: pd.DataFrame  # outcome, year, noise_share
    probability: pd.DataFrame  # per design point: factor values, P(met) by year, first year
    rsa: pd.DataFrame  # year, factor, ks_distance, p_value, share_met
    boxes: pd.DataFrame  # year, box, factor, low, high, coverage, density, mass
    warnings: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    end_year: int | None = None  # the scenario's last year: "never met" means not by then
    # a sweep over a province: each factor's main index on each county's outputs
    counties: pd.DataFrame = field(default_factory=pd.DataFrame)


@contextmanager
def quiet() -> Iterator[list[str]]:
    """Run library calls without their noise on the terminal: what they print (SALib prints
    notes) and the warnings they raise (numpy's divide-by-zero, SALib's notes, which SALib also
    reformats globally) are collected into the list yielded, filled on leaving, one entry per
    distinct message. The caller decides which of them become the analysis' own warnings."""
    notes: list[str] = []
    printed = io.StringIO()
    formatter = warnings_module.formatwarning  # SALib's delta replaces it for the process
    try:
        with warnings_module.catch_warnings(record=True) as caught, \
                redirect_stdout(printed), redirect_stderr(printed), np.errstate(all="ignore"):
            warnings_module.simplefilter("always")
            yield notes
    finally:
        warnings_module.formatwarning = formatter
        seen = [str(w.message).strip() for w in caught] + printed.getvalue().splitlines()
        notes.extend(dict.fromkeys(m.strip() for m in seen if m.strip()))


def library_notes(name: str, notes: list[str]) -> list[str]:
    """The analysis' warnings from what SALib said while computing ``name``'s indices: the
    factors whose delta index has no value (too few distinct values to bin), and other notes
    (at most three)."""
    one_bin = [m.split("]")[0].lstrip("[") for m in notes if "Only one bin remains" in m]
    rest = [m for m in notes if "Only one bin remains" not in m and "bin" not in m.lower()
            and not m.startswith("[")]
    out = []
    if one_bin:
        out.append(f"{name}: SALib could not bin {len(one_bin)} factors for the delta index "
                   f"({', '.join(one_bin)}): too few design points for the delta method, so "
                   "those indices are biased or missing; a larger n gives them")
    out += [f"{name}: {m}" for m in rest[:3]]
    return out


def split_output(name: str) -> tuple[str, str]:
    column, _, when = name.partition("@")
    return column, when or "-"


def load_complete(out: Path, allow_failed: bool
                  ) -> tuple[dict, pd.DataFrame, pd.DataFrame, list[str]]:
    """The checked manifest, every run and the design points of a finished sweep, with a
    warning for each stray file left out; refused while runs are missing, and (unless
    ``allow_failed``) when some failed."""
    store = Store(out)
    manifest = store.required_manifest()
    scan = store.scan(manifest)
    runs = scan.runs()
    expected, have = manifest["n_runs"], len(runs)
    failed = int((runs["status"] == "failed").sum()) if have else 0
    if have < expected:
        note = ""
        if scan.runs_dir_missing:
            note = " (runs/ is missing: deleted?)"
        elif scan.damaged:
            path, why = sorted(scan.damaged.items())[0]
            note = (f"; {len(scan.damaged)} damaged shard files are left out (e.g. {path.name}: "
                    f"{why}) and will be redone")
        raise InputError(out, f"{expected - have} of {expected} runs are missing{note}: finish "
                         f"the sweep first (run the same `ruraledu sweep` command again)")
    if failed and not allow_failed:
        ids = runs.loc[runs["status"] == "failed", "run_id"].head(5).tolist()
        raise InputError(out, f"{failed} of {expected} runs failed (e.g. run_id {ids}); the "
                         f"{manifest['design']['method']} design needs every run, so no "
                         "analysis: see their errors in runs/, fix the cause, delete those "
                         "shards and resume")
    notes = [n for n in scan.notes() if "not shards of this sweep" in n]
    return manifest, runs, store.samples(manifest), notes


def scenario_end_year(manifest: dict, warnings: list[str]) -> int | None:
    """The last year the sweep's runs simulate (its base scenario with the experiment's
    overrides): a run that has not met a target by then never met it. Sweeps written before
    the manifest recorded it read it from the experiment file; failing that, the last year
    named in the outputs, with a warning."""
    if isinstance(manifest.get("end_year"), int):
        return int(manifest["end_year"])
    try:
        from ..sweep import load_experiment

        _, base, _ = load_experiment(manifest["experiment_file"])
        return base.end_year
    except (InputError, OSError, KeyError, TypeError):
        years = [int(w) for o in manifest["outputs"] for _, w in [split_output(o)]
                 if w.isdigit()]
        if not years:
            return None
        warnings.append(f"the scenario's end year is not recorded and the experiment file is "
                        f"gone: 'never met' is read as not met by {max(years)}, the last year "
                        "named in the outputs")
        return max(years)


def analyze(out: str | Path, seed: int = 1) -> Analysis:
    """Sensitivity and threshold analysis of the finished sweep in folder ``out`` (what
    ``ruraledu analyze`` runs): indices by the design's method (Sobol, Morris or delta) on the
    mean over replicates at each design point, each output's noise share, the chance of
    meeting 0.15 at each point with regional sensitivity and PRIM boxes, and warnings; failed
    runs are left out, never imputed. ``seed`` seeds the bootstrap intervals;
    ``Analysis.write`` writes the tables, charts and report."""
    out = Path(out)
    method_of = Store(out).required_manifest()["design"]["method"]
    method = METHOD_OF_DESIGN.get(method_of)
    manifest, runs, samples, warnings = load_complete(out, allow_failed=method in (None, "delta"))
    ok = runs[runs["status"] == "ok"]
    dropped = len(runs) - len(ok)
    if dropped:
        warnings.append(f"{dropped} failed runs left out of the {method_of} analysis")
    outputs = manifest["outputs"]
    factors = list(manifest["factors"])
    problem = manifest.get("problem")
    means = ok.groupby("sample_id")[outputs].mean().reindex(samples["sample_id"])
    # design points with no successful run have no value: never imputed, left out
    has_run = ok.groupby("sample_id").size().reindex(samples["sample_id"]).fillna(0).to_numpy() > 0
    end_year = scenario_end_year(manifest, warnings)

    noise_rows, index_frames = [], []
    for name in outputs:
        col, when = split_output(name)
        values = ok[name]
        if col.startswith("first_year"):
            values = values.fillna((end_year or 0) + 1)  # never met: censored
        total = values.var(ddof=1)
        within = values.groupby(ok["sample_id"]).var(ddof=1).mean()
        share = float(np.clip(within / total, 0, 1)) if total > 0 else np.nan
        noise_rows.append({"outcome": col, "year": when, "noise_share": share})
        warnings += noise_warning(name, share)
        if method is None:
            continue
        assert problem is not None  # every sweep manifest holds its SALib problem (sim.sweep.sweep)
        Y = means[name].to_numpy(float)
        if col.startswith("first_year"):  # never met in a run that ran: censored
            Y = np.where(np.isnan(Y) & has_run, (end_year or 0) + 1, Y)
        X = samples[[f"u:{f}" for f in factors]].to_numpy(float)
        valued = ~np.isnan(Y)
        if not valued.all():
            lost = f"{name}: {int((~valued).sum())} design points without a value (all their " \
                "runs failed or gave none)"
            if method != "delta":  # Sobol and Morris need every point of their design
                warnings.append(f"{lost}; the {method} design needs every point, so no indices")
                continue
            warnings.append(f"{lost} are left out of the delta indices")
            X, Y = X[valued], Y[valued]
        design = manifest["design"]
        kw = {"second_order": design.get("second_order", False),
              "num_levels": design.get("levels", 4), "seed": seed}
        if np.ptp(Y) == 0:
            warnings.append(f"{name}: the same value at every design point; no indices")
            continue
        try:
            with quiet() as notes:
                full = sensitivity.indices(method, problem, X, Y, **kw)
        except (ValueError, np.linalg.LinAlgError) as err:  # e.g. too few distinct values
            warnings.append(f"{name}: no indices ({err}); a larger design may give them")
            continue
        warnings += library_notes(name, notes)
        Xh, Yh = sensitivity.first_half(method, problem, X, Y, kw["second_order"])
        try:
            with quiet():  # (a convergence check: its notes repeat the full design's)
                half = sensitivity.indices(method, problem, Xh, Yh, **kw)
            half["method"] = f"{method} (first half)"
        except (ValueError, IndexError, ZeroDivisionError, np.linalg.LinAlgError) as err:
            half = pd.DataFrame(columns=full.columns)
            warnings.append(f"{name}: no convergence check (the first half of the design "
                            f"gives no indices: {err}); a larger design may give it")
        n = design.get("n") if method != "morris" else design.get("trajectories")
        warnings += sensitivity.warnings_for(full, method, n, name)
        for frame in (full, half):
            frame.insert(0, "year", when)
            frame.insert(0, "outcome", col)
            index_frames.append(frame)
    table = pd.concat(index_frames, ignore_index=True) if index_frames else \
        pd.DataFrame(columns=["outcome", "year", *sensitivity.COLUMNS])

    by_county = pd.DataFrame()
    if manifest.get("province") and method is not None:
        assert problem is not None
        by_county = county_indices(out, manifest, samples, method, problem, seed)

    gap_outputs = [o for o in outputs if split_output(o)[0] == "gap_rate"
                   and split_output(o)[1].isdigit()]
    prob = threshold.meet_probability(ok, gap_outputs) if gap_outputs else \
        pd.DataFrame(index=samples["sample_id"])
    shown = [c for c in samples.columns if not c.startswith("u:") and c != "overrides"]
    probability = samples[shown].set_index("sample_id").join(prob)
    if "first_year_gap_met" in outputs:
        probability = probability.join(threshold.first_years(runs, end_year))
    rsa_rows, box_rows = [], []
    numeric = [f for f in factors if pd.api.types.is_numeric_dtype(samples[f])]
    for name in gap_outputs:
        year = split_output(name)[1]
        p = probability[f"P(met)@{year}"].to_numpy(float)
        known = np.isfinite(p)  # points whose runs all failed are left out, not "not met"
        p = p[known]
        X_values = samples.set_index("sample_id")[numeric][known]
        if numeric and method is not None:
            with quiet():  # (scipy's and EMA Workbench's notes on small samples)
                r = threshold.regional_sensitivity(X_values, p >= 0.5)
                b = threshold.prim_boxes(X_values, p >= threshold.PROBABILITY)
            r.insert(0, "year", year)
            rsa_rows.append(r)
            b.insert(0, "year", year)
            box_rows.append(b)
    rsa = pd.concat(rsa_rows, ignore_index=True) if rsa_rows else pd.DataFrame()
    boxes = pd.concat(box_rows, ignore_index=True) if box_rows else pd.DataFrame()
    return Analysis(table, pd.DataFrame(noise_rows), probability.reset_index(), rsa, boxes,
                    warnings, manifest, end_year, by_county)


def county_indices(out: Path, manifest: dict, samples: pd.DataFrame, method: str,
                   problem: dict, seed: int) -> pd.DataFrame:
    """A sweep over a province: each factor's main index (total Sobol, Morris mu*, delta) on
    each county's own outputs, computed as the province's are (on replicate means), so a lever
    that moves the province can be seen to move some counties and not others. An output only
    the province has, or one a county never varies, has no county indices."""
    store = Store(out)
    rows = store.county_runs(store.scan(manifest))
    if rows.empty:
        return pd.DataFrame()
    factors, design = list(manifest["factors"]), manifest["design"]
    X = samples[[f"u:{f}" for f in factors]].to_numpy(float)
    kw = {"second_order": design.get("second_order", False),
          "num_levels": design.get("levels", 4), "seed": seed}
    frames = []
    for (row, county, prefecture), g in rows.groupby(["row", "county", "prefecture"]):
        means = g.groupby("sample_id")[manifest["outputs"]].mean().reindex(samples["sample_id"])
        for name in manifest["outputs"]:
            Y = means[name].to_numpy(float)
            if np.isnan(Y).any() or np.ptp(Y) == 0:
                continue
            try:
                with quiet():
                    found = sensitivity.indices(method, problem, X, Y, **kw)
            except (ValueError, np.linalg.LinAlgError):
                continue
            found = found[found["index"] == sensitivity.MAIN_INDEX[method]]
            col, when = split_output(name)
            for position, (key, value) in enumerate({
                    "row": row, "county": county, "prefecture": prefecture, "outcome": col,
                    "year": when}.items()):
                found.insert(position, key, value)
            frames.append(found)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def county_spread(counties: pd.DataFrame) -> pd.DataFrame:
    """How a factor's index spreads across the counties: median and 10-90%, and the county
    where it is largest, per output and factor."""
    rows = []
    for (outcome, year, factor), g in counties.groupby(["outcome", "year", "factor"],
                                                       sort=False):
        values = g["value"].to_numpy(float)
        top = g.loc[g["value"].idxmax()]
        rows.append({"outcome": outcome, "year": year, "factor": factor,
                     "index": g["index"].iloc[0], "counties": len(g),
                     "median": float(np.median(values)),
                     "p10": float(np.quantile(values, 0.1)),
                     "p90": float(np.quantile(values, 0.9)),
                     "largest in": f"{top['county']} ({top['prefecture']})",
                     "largest": float(top["value"])})
    return pd.DataFrame(rows)


def write(analysis: Analysis, out: str | Path,
          figures: Callable[[Analysis, Path], list[Path]] | None = None) -> Path:
    """Write DIR/analysis/: indices.csv, noise.csv, threshold.csv, rsa.csv, prim_boxes.csv,
    over a province county_indices.csv and county_spread.csv, the ``figures`` (e.g.
    ``plots.save_analysis_charts``) and report.md; files appear whole or not at all."""
    from .report import markdown

    target = Path(out) / "analysis"
    with writing_into(target) as tmp:
        analysis.indices.to_csv(tmp / "indices.csv", index=False)
        analysis.noise.to_csv(tmp / "noise.csv", index=False)
        analysis.probability.to_csv(tmp / "threshold.csv", index=False)
        analysis.rsa.to_csv(tmp / "rsa.csv", index=False)
        analysis.boxes.to_csv(tmp / "prim_boxes.csv", index=False)
        if not analysis.counties.empty:
            analysis.counties.to_csv(tmp / "county_indices.csv", index=False)
            county_spread(analysis.counties).to_csv(tmp / "county_spread.csv", index=False)
        drawn = figures(analysis, tmp) if figures is not None else []
        (tmp / "report.md").write_text(markdown(analysis, [f.name for f in drawn]),
                                       encoding="utf-8")
        (tmp / "warnings.json").write_text(json.dumps(analysis.warnings, indent=2))
    return target
