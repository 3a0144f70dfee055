"""Every indicator, defined once: retention, the quality gap and its 0.15 threshold, dropout,
boarding, travel, staffing, the seeds' teacher targets, and cost.

Enrollment-time indicators (who attends where, who boards, how far they travel) are measured
right after enrollment; the rest at the end of the year, after the exam and progression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import policies
from .county import TOWN_SEAT, URBAN_QUALITY
from .policies.subsidy import baseline_allowance
from .population import GRADUATED, NOT_ENTERED
from .stages.labour import is_rural, salary

if TYPE_CHECKING:
    from .model import CountyModel

GAP_TARGET = 0.15  # seed 004 (二): difference rate to urban quality schools below 0.15

FLOW_NAMES = ("entrants", "moved_away", "relocated", "changed_school", "rural_teachers_start",
              "retirements", "rural_retirements", "rural_quits", "urban_quits", "transfers_up",
              "redeployed", "recruits", "rotated_out", "dropouts", "middle_dropouts", "graduates")

TIMESERIES_COLUMNS = (
    "year", "students", "teachers", "schools_open",
    "student_retention", "teacher_retention",
    "gap_rate", "gap_sd", "rural_urban_gap_sd", "cv_between", "share_towns_gap_met",
    "dropout_rate", "middle_dropout_rate", "middle_retention_3yr",
    "boarding_rate", "boarding_rate_primary", "boarding_rate_middle",
    "mean_travel_km", "p95_travel_km", "urban_enrollment_share",
    "ptr_primary", "ptr_middle", "class_size_primary", "class_size_middle",
    "bachelor_ratio", "senior_per_rural_school", "share_rural_schools_4_seniors",
    "rural_principals_under45",
    "rotating_teachers",
    "cost_salaries_yuan", "cost_funding_yuan", "cost_boarding_yuan", *policies.COST_COLUMNS,
    "cost_policy_yuan", "cost_total_yuan",
    *FLOW_NAMES,
)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _quantile_01(counts: np.ndarray, q: float) -> float:
    """Quantile from a histogram of 0.1-wide bins: O(n), and travel needs no finer grain."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(counts), q * total) / 10)


def measure_enrollment(model: CountyModel, year: int) -> None:
    """Who attends where this year: retention, boarding, travel, class sizes."""
    s, c, st = model.students, model.county, model.params.staffing
    n = c.n_schools
    win = s.window(year)
    status = s.status[win]
    school = model.stage_key >> 1  # n for anyone not enrolled
    enrolled = school < n
    n_all = int(enrolled.sum())
    in_rural = ~np.append(c.is_urban_school, True)[school]
    local = s.hukou_rural[win]
    of_age = local & (status != NOT_ENTERED) & (status != GRADUATED)
    middle = s.grade[win] >= 7
    boarding = s.boarding[win]
    per_class = np.bincount(school * 9 + s.grade[win] - 1, minlength=9 * (n + 1))[: 9 * n]
    per_class = per_class.reshape(n, 9)
    classes_p = np.ceil(per_class[:, :6] / st.class_max_primary).sum()
    classes_m = np.ceil(per_class[:, 6:] / st.class_max_middle).sum()
    n_mid = int(model.enrolled[:, 1].sum())
    n_pri = n_all - n_mid
    travel_hist = np.bincount((model.travel * 10 + 0.5).astype(np.intp))
    travel_hist[0] -= school.size - n_all  # those not enrolled carry travel 0
    model.school_boarders = np.bincount(school[boarding], minlength=n)
    boarders_mid = int((boarding & middle).sum())
    model.snapshot_boarders = (int(model.school_boarders.sum()) - boarders_mid, boarders_mid)
    model.school_travel = np.bincount(school, weights=model.travel, minlength=n + 1)[:n]
    towns = model.county.n_towns
    # one count per town of local children, split by whether they attend a rural school
    key = s.hukou_town[win].astype(np.intp) * 2 + in_rural
    per_town = np.bincount(key[of_age], minlength=2 * towns)[: 2 * towns].reshape(towns, 2)
    model.town_children = per_town.sum(axis=1)
    model.town_attending = per_town[:, 1]
    model.snapshot = {
        "student_retention": _ratio(model.town_attending.sum(), model.town_children.sum()),
        "boarding_rate": _ratio(model.school_boarders.sum(), n_all),
        "boarding_rate_primary": _ratio(model.snapshot_boarders[0], n_pri),
        "boarding_rate_middle": _ratio(boarders_mid, n_mid),
        "mean_travel_km": _ratio(model.school_travel.sum(), n_all),
        "p95_travel_km": _quantile_01(travel_hist, 0.95),
        "urban_enrollment_share": _ratio(n_all - in_rural.sum(), n_all),
        "class_size_primary": _ratio(n_pri, classes_p),
        "class_size_middle": _ratio(n_mid, classes_m),
    }


def difference_rates(model: CountyModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per school and stage: exam score, the urban-quality reference (standardised achievement),
    and the difference rate ``(reference - score) / reference`` (seed 004; stage against stage).

    Scores are on the county exam scale: ``exam_mean + exam_sd * z``, with z standardised on
    this year's county distribution, as county exams are."""
    lp, c = model.params.learning, model.county
    count = model.exam_count
    std_z = np.nan_to_num((model.mean_z - model.z_mean) / max(model.z_sd, 1e-9))
    uq = (c.school_type == URBAN_QUALITY)[:, None]
    ref_n = (count * uq).sum(axis=0)
    ref_z = np.divide((std_z * count * uq).sum(axis=0), ref_n, out=np.full(2, np.nan),
                      where=ref_n > 0)
    score = lp.exam_mean + lp.exam_sd * std_z
    ref = lp.exam_mean + lp.exam_sd * ref_z
    rate = (ref[None, :] - score) / ref[None, :]
    return score, ref_z, np.where(count > 0, rate, np.nan)


def _weighted(values: np.ndarray, weights: np.ndarray, axis: int | None = None):
    """Weighted mean ignoring non-finite values (NaN where no weight), overall or per row."""
    ok = np.isfinite(values) & (weights > 0)
    w = np.where(ok, weights, 0)
    num = np.where(ok, values, 0.0) * w
    den = w.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num.sum(axis=axis) / den
    return float(out) if axis is None else out


def measure(model: CountyModel, year: int) -> dict[str, float]:
    """The year's timeseries row (indicators of TIMESERIES_COLUMNS)."""
    c, T, p, f = model.county, model.teachers, model.params, model.flows
    count = model.exam_count
    score, ref_z, rate = difference_rates(model)
    per_school = _weighted(rate, count, axis=1)
    model.difference_rate = per_school
    towns = (c.school_type == TOWN_SEAT) & model.school_open & (count.sum(axis=1) > 0)
    sd = max(model.z_sd, 1e-9)
    gap_sd_cells = ref_z[None, :] - (model.mean_z - model.z_mean) / sd
    urban = c.is_urban_school[:, None] & (count > 0)
    rural = ~c.is_urban_school[:, None] & (count > 0)
    mean_z = np.nan_to_num(model.mean_z)
    urban_z = _ratio((mean_z * count * urban).sum(), (count * urban).sum())
    rural_z = _ratio((mean_z * count * rural).sum(), (count * rural).sum())
    m = _weighted(score, count)
    cv = np.sqrt(_weighted((score - m) ** 2, count)) / m

    act = T.active()
    rural_t = is_rural(model)[T.school[act]]
    age = year - T.birth_year[act]
    rural_open = is_rural(model) & model.school_open & (model.enrolled.sum(axis=1) > 0)
    seniors = np.bincount(T.school[act][T.title[act] == 3], minlength=c.n_schools)
    principal = T.principal_since[act] > 0
    enr = model.enrolled.astype(float)
    pupils = enr.sum(axis=1)
    share_mid = np.divide(enr[:, 1], pupils, out=np.zeros_like(pupils), where=pupils > 0)
    staff_mid = (model.staff * share_mid).sum()
    staff_pri = model.staff.sum() - staff_mid
    rates = np.divide(model.dropouts_by_grade, model.enrolled_by_grade,
                      out=np.zeros(10), where=model.enrolled_by_grade > 0)
    home_kind = c.school_type[T.home_school[act]]
    salaries = 12 * (salary(model)[T.title[act]] + baseline_allowance(model)[home_kind]).sum()
    lever_costs = policies.costs(model, year)
    policy_cost = sum(lever_costs.values())
    funding = enr[:, 0].sum() * p.pay.funding_primary + enr[:, 1].sum() * p.pay.funding_middle
    boarding = (model.snapshot_boarders[0] * p.pay.boarding_primary_yuan
                + model.snapshot_boarders[1] * p.pay.boarding_middle_yuan)
    stayers = f["rural_teachers_start"] - f["rural_retirements"]
    row = {
        "year": year,
        "students": int(enr.sum()),
        "teachers": int(act.size),
        "schools_open": int(model.school_open.sum()),
        "teacher_retention": 1 - _ratio(f["rural_quits"] + f["transfers_up"], stayers),
        "gap_rate": _weighted(rate[towns].ravel(), count[towns].ravel()),
        "gap_sd": _weighted(gap_sd_cells[towns].ravel(), count[towns].ravel()),
        "rural_urban_gap_sd": (urban_z - rural_z) / sd,
        "cv_between": float(cv),
        "share_towns_gap_met": float((per_school[towns] < GAP_TARGET).mean())
        if towns.any() else float("nan"),
        "dropout_rate": _ratio(f["dropouts"], enr.sum()),
        "middle_dropout_rate": _ratio(f["middle_dropouts"], enr[:, 1].sum()),
        "middle_retention_3yr": float(np.prod(1 - rates[7:10])),
        "ptr_primary": _ratio(enr[:, 0].sum(), staff_pri),
        "ptr_middle": _ratio(enr[:, 1].sum(), staff_mid),
        "bachelor_ratio": _ratio(T.bachelor[act][~rural_t].mean(), T.bachelor[act][rural_t].mean()),
        "senior_per_rural_school": _ratio(seniors[rural_open].sum(), rural_open.sum()),
        "share_rural_schools_4_seniors": _ratio((seniors[rural_open] >= 4).sum(),
                                                rural_open.sum()),
        "rural_principals_under45": _ratio((principal & rural_t & (age < 45)).sum(),
                                           (principal & rural_t).sum()),
        "cost_salaries_yuan": float(salaries),
        "cost_funding_yuan": float(funding),
        "cost_boarding_yuan": float(boarding),
        "rotating_teachers": model.rotating,
        **lever_costs,
        "cost_policy_yuan": float(policy_cost),
        "cost_total_yuan": float(salaries + funding + boarding + policy_cost),
        **model.snapshot,
        **f,
    }
    return {k: row[k] for k in TIMESERIES_COLUMNS}


def town_rows(model: CountyModel, year: int) -> dict[str, np.ndarray]:
    """This year's row per town: its children's retention and its town-seat schools' gap."""
    c = model.county
    towns = c.n_towns
    seat = (c.school_type == TOWN_SEAT) & model.school_open
    town = np.where(seat, c.school_town, towns).astype(np.intp)
    examined = model.exam_count.sum(axis=1)
    ok = seat & np.isfinite(model.difference_rate)
    weight = np.bincount(town[ok], weights=examined[ok], minlength=towns + 1)[:towns]
    rate = np.bincount(town[ok], weights=(model.difference_rate * examined)[ok],
                       minlength=towns + 1)[:towns]
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = model.town_attending / model.town_children
        gap = rate / weight
    return {"year": np.full(towns, year, np.int16), "town": np.arange(towns, dtype=np.int16),
            "local_children": model.town_children.astype(np.int32),
            "attending_local": model.town_attending.astype(np.int32),
            "student_retention": retention, "town_seat_difference_rate": gap,
            "town_seat_gap_met": gap < GAP_TARGET}


def school_rows(model: CountyModel, year: int) -> dict[str, np.ndarray]:
    """This year's row per school (columns of results.schools)."""
    c, T = model.county, model.teachers
    n = c.n_schools
    act = T.active()
    sch = T.school[act]
    enr = model.enrolled
    pupils = enr.sum(axis=1)
    score, _, _ = difference_rates(model)
    seniors = np.bincount(sch[T.title[act] == 3], minlength=n)
    bachelors = np.bincount(sch[T.bachelor[act]], minlength=n)
    staff = model.staff
    rate = model.difference_rate
    return {
        "year": np.full(n, year, np.int16),
        "school": np.arange(n, dtype=np.int32),
        "open": model.school_open.copy(),
        "students": pupils.astype(np.int32),
        "primary_students": enr[:, 0].astype(np.int32),
        "middle_students": enr[:, 1].astype(np.int32),
        "teachers": staff.astype(np.int32),
        "required_teachers": model.required.astype(np.int32),
        "ptr": np.divide(pupils, staff, out=np.full(n, np.nan), where=staff > 0),
        "boarders": model.school_boarders.astype(np.int32),
        "mean_score": _weighted(score, model.exam_count, axis=1),
        "difference_rate": rate,
        "gap_met": rate < GAP_TARGET,
        "mean_travel_km": np.divide(model.school_travel, pupils, out=np.full(n, np.nan),
                                    where=pupils > 0),
        "senior_teachers": seniors.astype(np.int32),
        "bachelor_share": np.divide(bachelors, staff, out=np.full(n, np.nan), where=staff > 0),
        "value_added": model.value_added.copy(),
    }
