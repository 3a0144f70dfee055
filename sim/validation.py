"""The baseline held against the evidence: ``python -m sim.validation [--seeds 10]`` writes
docs/validation.md, and the test suite checks the same targets (tests/test_baseline.py).

Each target is a stylised fact with its source and the range the model's median over seeds
must fall in. Ranges are the cited figures widened to what a single synthetic county can
honestly be held to; where a national figure is not a Shandong county's, the note says so.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .results import run
from .scenario import load_scenario
from .stages.demography import births

NATIONAL_SPENDING = ("MoE, NBS and MoF, 全国教育经费执行情况统计公告 2019 and 2021 "
                     "(生均一般公共预算教育经费 / 教育事业费)")

DISTANCES = ("21世纪教育研究院, 农村教育布局调整十年评价报告 (2012); 国办发〔2012〕48号 (journey "
             "times); Shandong Statistical Yearbook (area, villages, townships)")


@dataclass(frozen=True)
class Target:
    name: str
    measure: Callable[[pd.DataFrame], float]
    low: float
    high: float
    evidence: str
    source: str


def first(col: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: float(ts[col].iloc[0])


def mean(col: str) -> Callable[[pd.DataFrame], float]:
    return lambda ts: float(ts[col].mean())


def birth_ratio(year: int, base: int) -> float:
    return births(year, 0.0) / births(base, 0.0)


def entrants_ratio(ts: pd.DataFrame) -> float:
    by_year = ts.set_index("year")["entrants"]
    return float(by_year[2029] / by_year[2022])


TARGETS = (
    Target("Rural-urban achievement gap, 2020 (SD)", first("rural_urban_gap_sd"), 0.30, 0.45,
           "urban students 0.37 SD (17%) ahead", "Zhao, Ye, Li & Xue 2017 (CEPS 2013/14)"),
    Target("Town-seat schools above the 0.15 difference rate, 2020 (share)",
           lambda ts: 1 - float(ts["share_towns_gap_met"].iloc[0]), 0.5, 1.0,
           "most town-seat schools miss the target, which is why it was set",
           "seed 004 (二), 2021"),
    Target("Rural teacher exits (quits + transfers), mean per year",
           lambda ts: 1 - float(ts["teacher_retention"].mean()), 0.05, 0.10,
           "about 5-10% a year", "China Rural Education Development Report 2013-2014"),
    Target("Young teachers among rural leavers, mean (ratio to their share of teachers)",
           mean("young_exit_ratio"), 1.0, 3.0,
           "the young leave most: about half of the teachers first posted to rural schools "
           "moved to town or county schools at their second posting; attrition is highest "
           "early in a career (direction only)",
           "China Rural Education Development Report 2013-2014; Borman & Dowling 2008, Rev Educ "
           "Res 78(3)"),
    Target("Pupil-teacher ratio, primary, 2020", first("ptr_primary"), 15.2, 22.8,
           "norm 19:1 (within 20%)", "Central Staffing Office 2014 No.72"),
    Target("Pupil-teacher ratio, middle, 2020", first("ptr_middle"), 10.8, 16.2,
           "norm 13.5:1 (within 20%)", "Central Staffing Office 2014 No.72"),
    Target("Three-year middle-school retention, mean", mean("middle_retention_3yr"), 0.95, 0.995,
           ">= 95% standard; poor western areas far lower (5.7% and 9.0% yearly dropout)",
           "MoE 教督〔2017〕6号; Yi et al. 2012"),
    Target("Boarding share, middle school, 2020", first("boarding_rate_middle"), 0.35, 0.50,
           "43-47% nationally", "MODEL.md evidence (national statistics 2011; recent)"),
    Target("Boarding share, primary, 2020", first("boarding_rate_primary"), 0.03, 0.15,
           "~11% nationally; lower in an eastern plains county", "MODEL.md evidence"),
    Target("Student retention, change 2020 to 2035",
           lambda ts: float(ts["student_retention"].iloc[-1] - ts["student_retention"].iloc[0]),
           -0.5, -0.02, "drifts down without policy (the seed asks it to rise every year)",
           "seed 004 (七); MoE enrollment urbanisation 38% (2001) -> 75% (2016)"),
    Target("County-seat share of enrolment, mean rise a year 2020-2035",
           lambda ts: float((ts["urban_enrollment_share"].iloc[-1]
                             - ts["urban_enrollment_share"].iloc[0]) / (len(ts) - 1)),
           0.003, 0.025, "national urbanisation of compulsory enrolment: 38% (2001) -> 75% "
           "(2016), about 2.3 points a year, slower since (town seats count as urban there, "
           "so a county-seat share rises less)", "MODEL.md evidence (MoE statistics)"),
    # Shandong's plains: about 69,000 villages on 155,800 km2 (a village every ~1.5 km) in
    # ~1,800 townships of ~87 km2; the national survey's averages include hill and mountain
    # counties after a decade of consolidation, so they bound a plains county from above
    Target("Mean daily travel, primary pupils, 2020 (km)", first("mean_travel_km_primary"),
           1.0, 5.4, "national rural average 5.4 km (10.83 li) after consolidation; a village "
           "primary serves villages ~1.5 km apart; grades 1-3 walk, about half an hour at most",
           DISTANCES),
    Target("Mean daily travel, middle-school pupils, 2020 (km)", first("mean_travel_km_middle"),
           2.5, 17.5, "national rural average 17.5 km (34.93 li) after consolidation; a town "
           "seat serves a township of ~87 km2 (radius ~5 km); an hour's journey at most",
           DISTANCES),
    Target("Small rural schools (< 100 pupils), 2020 (share of village sites)",
           first("share_small_rural_schools"), 0.25, 0.75,
           "Hunan 2019: 73% of rural primary sites (8,186 of 11,221; most of them teaching "
           "points) have fewer than 100 pupils, a hillier province than Shandong; 107,000 such "
           "schools nationally", "Liu, Liu & Liu 2021 (湖南省乡村小规模学校调查), citing MoE 2018"),
    Target("Grade-1 entrants 2029 / 2022", entrants_ratio,
           birth_ratio(2023, 2016) * 0.85, birth_ratio(2023, 2016) * 1.15,
           f"births 2023 / 2016 = {birth_ratio(2023, 2016):.2f}",
           "NBS Statistical Communiqués"),
    Target("Middle-school class size, 2020", first("class_size_middle"), 30, 50,
           "<= 50 standard", "MoE 教督〔2017〕6号"),
    # general-budget education funding per pupil, rural 2019 (capital included, so a little
    # above recurrent spending); Shandong's own levels are not published in what we could
    # check, so the accepted range is 0.7 to 1.1 times the national rural figure
    Target("Status-quo spending per primary pupil, 2020 (yuan)",
           first("spending_per_pupil_primary_yuan"), 0.7 * 11_127, 1.1 * 11_127,
           "national rural 11,127 yuan (2019, capital included); national recurrent 11,842 "
           "(2021)", NATIONAL_SPENDING),
    Target("Status-quo spending per middle-school pupil, 2020 (yuan)",
           first("spending_per_pupil_middle_yuan"), 0.7 * 15_197, 1.1 * 15_197,
           "national rural 15,197 yuan (2019, capital included)", NATIONAL_SPENDING),
)


def baseline_runs(seeds: int, scenario_path: str | Path | None = None) -> list[pd.DataFrame]:
    scenario = load_scenario(scenario_path)
    return [run(scenario, seed=seed).timeseries for seed in range(1, seeds + 1)]


def evaluate(runs: list[pd.DataFrame]) -> list[dict]:
    rows = []
    for t in TARGETS:
        values = np.array([t.measure(ts) for ts in runs])
        med = float(np.median(values))
        rows.append({"target": t, "median": med, "p10": float(np.quantile(values, 0.1)),
                     "p90": float(np.quantile(values, 0.9)), "ok": t.low <= med <= t.high})
    return rows


def render(rows: list[dict], seeds: int) -> str:
    lines = [
        "# Validation: the baseline beside the evidence", "",
        f"`scenarios/baseline.toml`, {seeds} seeds; the model column is the median over seeds "
        "with the 10-90% range across seeds. Regenerate with `python -m sim.validation`; "
        "`tests/test_baseline.py` asserts every row.", "",
        "| target | evidence | source | accepted range | model (median, 10-90%) | |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        t = r["target"]
        lines.append(f"| {t.name} | {t.evidence} | {t.source} | {_n(t.low)} to {_n(t.high)} | "
                     f"{_n(r['median'])} ({_n(r['p10'])} to {_n(r['p90'])}) | "
                     f"{'ok' if r['ok'] else 'OUT'} |")
    return "\n".join(lines) + "\n"


def _n(x: float) -> str:
    """Three significant figures; thousands with separators (yuan), not in e-notation."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write docs/validation.md")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", default="docs/validation.md")
    ap.add_argument("--scenario", default="scenarios/baseline.toml")
    args = ap.parse_args(argv)
    rows = evaluate(baseline_runs(args.seeds, args.scenario))
    Path(args.out).write_text(render(rows, args.seeds), encoding="utf-8")
    print(render(rows, args.seeds))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
