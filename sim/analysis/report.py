"""A short Markdown report of an analysis, for a paper's appendix."""

from __future__ import annotations

import pandas as pd

from .sensitivity import MAIN_INDEX


def _top(indices: pd.DataFrame, outcome: str, year: str, k: int = 3) -> str:
    rows = indices[(indices["outcome"] == outcome) & (indices["year"] == year)
                   & ~indices["method"].str.contains("half")]
    if rows.empty:
        return "-"
    method = rows["method"].iloc[0]
    main = rows[rows["index"] == MAIN_INDEX[method]].dropna(subset=["value"])
    if main.empty:  # e.g. too few design points for the method: the warnings say why
        return "no index (see Warnings)"
    main = main.sort_values("value", ascending=False)
    return "; ".join(f"{r.factor} {r.value:.2f} [{r.conf_low:.2f}, {r.conf_high:.2f}]"
                     for r in main.head(k).itertuples())


def _seeds(m: dict) -> str:
    """What the runs are and which seeds they took (over a province, the province's)."""
    p = m.get("province")
    if not p:
        return f"(seeds: experiment seed {m.get('seed')} + replicate, common to all points). "
    return (f"over the province '{p.get('name')}' (each run is its {p.get('counties')} "
            "counties, its outputs the province's; seeds: province seed "
            f"{p.get('seed')} + replicate, each county's from it and its row, common to all "
            "points). ")


def markdown(a, figures: list[str]) -> str:
    m = a.manifest
    d = m.get("design", {})
    method = {"sobol": "Sobol (Saltelli sampling, SALib)", "morris": "Morris elementary effects",
              "latin": "Latin hypercube with the delta moment-independent method",
              "grid": "full grid with the delta method", "scenarios": "named scenarios"}
    lines = [
        f"# Sensitivity analysis: {m.get('experiment', '')}", "",
        f"Design: {method.get(d.get('method'), d.get('method'))}; {m.get('n_samples')} design "
        f"points x {m.get('replicates')} replicates = {m.get('n_runs')} runs of the model "
        + _seeds(m) + f"Factors: {', '.join(m.get('factors', {}))}. Uncertainty included: "
        f"{m.get('includes', 'stochastic only')}"
        + (f" (replicate r of every point takes the same parameter set of "
           f"`{m['uncertainty']}`, so indices and probabilities are integrated over it)"
           if m.get("uncertainty") else "") + ". Indices are computed on the mean over "
        "replicates at each point, with 95% bootstrap intervals; the table `indices.csv` holds "
        "every index, including the same indices on the first half of the design "
        "(convergence).", "",
        "## Most influential factors", "",
        "| outcome | year | noise share | top factors (index [95% interval]) |",
        "|---|---|---|---|",
    ]
    for r in a.noise.itertuples():
        lines.append(f"| {r.outcome} | {r.year} | {r.noise_share:.2f} | "
                     f"{_top(a.indices, r.outcome, r.year)} |")
    lines += ["", "The noise share is the part of an output's variance between runs that "
              "comes from the model's randomness at a fixed design point (within-point over "
              "total variance; with an ensemble, the assumptions' too); indices describe the "
              "rest.", ""]
    prob_cols = [c for c in a.probability.columns if c.startswith("P(met)@")]
    if prob_cols:
        lines += ["## The 0.15 difference-rate target", ""]
        for c in prob_cols:
            p = a.probability[c].dropna()  # points whose runs all failed: no value, left out
            unknown = len(a.probability) - len(p)
            left_out = f"; {unknown} points without a value left out" if unknown else ""
            lines.append(f"- {c.split('@')[1]}: met with >= 90% probability at "
                         f"{(p >= 0.9).mean():.0%} of the {len(p)} design points (mean "
                         f"probability {p.mean():.2f}{left_out}).")
        if "runs never meeting it" in a.probability:
            t = a.probability
            ran, never = int(t["runs with a value"].sum()), int(t["runs never meeting it"].sum())
            failed = int(t["runs without a value"].sum())
            met = t["first_year_met (median of runs meeting it)"].dropna()
            when = f"; at the {len(met)} points where some run held it, the median first year " \
                f"of those runs ranges {met.min():.0f}-{met.max():.0f}" if len(met) else ""
            lines.append(f"- First year held: {never} of the {ran} runs with a value never "
                         f"held the target by {a.end_year} (the scenario's end year; "
                         f"{never / max(ran, 1):.0%}){when}"
                         + (f"; {failed} failed runs have no value and are left out"
                            if failed else "") + ". `threshold.csv` gives these counts, the "
                         "share never meeting it and the median over the runs that met it, "
                         "per design point.")
        if not a.rsa.empty:
            last = a.rsa[a.rsa["year"] == a.rsa["year"].max()].head(3)
            last = last.dropna(subset=["ks_distance"])
            if not last.empty:
                lines += ["", "Regional sensitivity (KS distance between points that meet the "
                          f"target and those that do not, {last['year'].iloc[0]}): "
                          + "; ".join(f"{r.factor} {r.ks_distance:.2f}"
                                      for r in last.itertuples()) + "."]
            else:
                lines += ["", "Regional sensitivity: too few points on one side of the target "
                          "to compare."]
        if not a.boxes.empty:
            last_year = a.boxes["year"].max()
            box = a.boxes[a.boxes["year"] == last_year]
            limits = ", ".join(f"{r.low:g} <= {r.factor} <= {r.high:g}" for r in box.itertuples())
            lines += ["", f"Scenario discovery (PRIM, {last_year}): the target is met with >= "
                      f"90% probability in the box {limits} (coverage "
                      f"{box['coverage'].iloc[0]:.2f}, density {box['density'].iloc[0]:.2f})."]
        lines.append("")
    if not a.counties.empty:
        from . import county_spread

        lines += ["## Across the counties", "",
                  "The same index computed on each county's own outputs (`county_indices.csv`;"
                  " `county_spread.csv`): median and 10-90% across the counties, and the "
                  "county where the factor matters most.", "",
                  "| outcome | year | factor | index: median (10-90%) | counties | largest in |",
                  "|---|---|---|---|---|---|"]
        for _, r in county_spread(a.counties).iterrows():
            lines.append(f"| {r['outcome']} | {r['year']} | {r['factor']} | {r['index']} "
                         f"{r['median']:.2f} ({r['p10']:.2f}-{r['p90']:.2f}) | {r['counties']} "
                         f"| {r['largest in']} ({r['largest']:.2f}) |")
        lines.append("")
    if a.warnings:
        lines += ["## Warnings", ""] + [f"- {w}" for w in a.warnings] + [""]
    if figures:
        lines += ["## Figures", ""] + [f"![{f}]({f})" for f in figures] + [""]
    return "\n".join(lines)
