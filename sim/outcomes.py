"""Observation: the values of the indicators declared in ``sim.indicators``, and the rows per
school and per town.

Enrollment-time indicators (who attends where, who boards, how far they travel) are measured
right after enrollment (``measure_enrollment``); the rest at the end of the year, after the
exam, progression and the levers' costs (``observe_year``). Observation reads the state and
writes only what it measures: the schools' difference rates, the year's snapshot and history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .accounts import accounts
from .indicators import FLOW_NAMES, GAP_TARGET, TIMESERIES_COLUMNS, checked_row
from .kinds import (
    ENROLLED,
    FIRST_MIDDLE_GRADE,
    GRADUATED,
    MOVED_AWAY,
    NOT_AT_SCHOOL,
    NOT_ENTERED,
    RURAL_BOARDER,
    RURAL_DAY,
    SENIOR,
    STUDENT_STATUS,
    TEACHING_POINT,
    TOWN_SEAT,
    URBAN_BOARDER,
    URBAN_DAY,
    URBAN_PLACE,
    URBAN_QUALITY,
    VILLAGE,
    is_rural,
)
from .stages.labour import effectiveness

if TYPE_CHECKING:
    from .state import CountyState

__all__ = ["FLOW_NAMES", "TIMESERIES_COLUMNS", "measure_enrollment", "observe_year"]


SMALL_SCHOOL = 100  # pupils: a rural "small-scale school" (乡村小规模学校, 国办发〔2018〕27号)


def _ratio(num: float | np.integer, den: float | np.integer) -> float:
    return float(num) / float(den) if den else float("nan")


def _quantile_01(counts: np.ndarray, q: float) -> float:
    """Quantile from a histogram of 0.1-wide bins: O(n), and travel needs no finer grain."""
    total = counts.sum()
    if total == 0:
        return float("nan")
    return float(np.searchsorted(np.cumsum(counts), q * total) / 10)


def measure_enrollment(st: CountyState, year: int) -> None:
    """Who attends where this year: retention, boarding, travel, class sizes.

    Everything is read from three counts over the year's students, each one pass of
    ``np.bincount``: by school, grade and boarding; by home place and way of attending; and by
    hukou town, status and whether the pupil attends a rural school of that town."""
    s, c, sp = st.students, st.county, st.params.staffing
    n, towns = c.n_schools, c.n_towns
    win = s.window(year)
    class_key = st.now.class_key  # school, grade and boarding (stages.enrollment)
    travel = st.now.travel
    by_class = st.now.by_class  # by school, grade and boarding (stages.enrollment)
    per_class = by_class.sum(axis=2)
    classes_p = np.ceil(per_class[:, :6] / sp.class_max_primary).sum()
    classes_m = np.ceil(per_class[:, 6:] / sp.class_max_middle).sum()
    enrolled_by_grade = np.concatenate([[0], per_class.sum(axis=0)])  # index = grade
    st.now.enrolled_by_grade = enrolled_by_grade
    boarders_by_grade = np.concatenate([[0], by_class[:, :, 1].sum(axis=0)])
    st.schools.boarders = by_class[:, :, 1].sum(axis=1)
    n_all = int(enrolled_by_grade.sum())
    n_mid = int(enrolled_by_grade[FIRST_MIDDLE_GRADE:].sum())
    n_pri = n_all - n_mid
    boarders_mid = int(boarders_by_grade[FIRST_MIDDLE_GRADE:].sum())
    st.now.boarders_by_stage = (int(st.schools.boarders.sum()) - boarders_mid, boarders_mid)
    travel_cell = np.bincount(st.now.cell, weights=travel, minlength=2 * n + 1)[: 2 * n]
    st.schools.travel_km = travel_cell.reshape(n, 2).sum(axis=1)
    travel_middle = float(travel_cell[1::2].sum())
    tenths = travel * 10
    tenths += 0.5
    travel_hist = np.bincount(tenths.astype(np.int32))  # float to int64: 6x slower
    travel_hist[0] -= class_key.size - n_all  # those not enrolled carry travel 0
    # by home place and how the pupil attends
    key = s.place[win] * 5 + st.classes.attends.take(class_key)  # take: faster than [key]
    by_place = np.bincount(key, minlength=5 * c.n_places).reshape(c.n_places, 5)
    st.now.pupils_by_place = by_place
    at_school = slice(0, NOT_AT_SCHOOL)
    rural = c.place_kind != URBAN_PLACE
    lost = st.effects.lost_school  # displaced: their village's school closed
    displaced = np.zeros((c.n_places, 5), bool)
    displaced[lost, at_school] = True
    ids = np.flatnonzero(displaced.ravel()[key])  # the travel of these pupils only, by bin
    km_by_place = np.bincount(key[ids], weights=travel[ids], minlength=5 * c.n_places)
    km_by_place = km_by_place.reshape(-1, 5)
    bus = st.effects.bus & rural
    n_rural_home = int(by_place[rural, at_school].sum())
    boards = [RURAL_BOARDER, URBAN_BOARDER]
    n_displaced = by_place[lost, at_school].sum()
    # seed 004 三(七): local-hukou pupils at school in the county, by town, split by whether
    # they attend a rural school of their own town (本地就读); children who left the county
    # or school are not in it (reported apart), so their growing stock causes no drift
    own_town = st.classes.rural_town.take(class_key) == s.hukou_town[win]
    key = s.hukou[win] * (2 * len(STUDENT_STATUS)) + (s.status[win] * 2 + own_town)
    by_town = np.bincount(key, minlength=(towns + 1) * 4 * len(STUDENT_STATUS))
    by_town = by_town.reshape(towns + 1, 2, len(STUDENT_STATUS), 2)[:, 1]  # local hukou
    status = by_town.sum(axis=(0, 2))
    per_town = by_town[1:, ENROLLED]
    of_age = status.sum() - status[NOT_ENTERED] - status[GRADUATED]
    village_sites = st.schools.open & (c.school_type > TOWN_SEAT)  # 乡村小学 and teaching points
    size = st.schools.enrolled.sum(axis=1)
    st.now.town_children = per_town.sum(axis=1)
    st.now.town_attending = per_town[:, 1]
    st.now.snapshot = {
        "student_retention": _ratio(st.now.town_attending.sum(), st.now.town_children.sum()),
        "left_county_share": _ratio(status[MOVED_AWAY], of_age),
        "mean_travel_km_displaced": _ratio(km_by_place[lost, at_school].sum(), n_displaced),
        "boarding_from_displaced": _ratio(by_place[lost][:, boards].sum(), n_displaced),
        **{f"boarding_rate_grade_{g}": _ratio(boarders_by_grade[g], enrolled_by_grade[g])
           for g in range(1, 10)},
        "boarding_rate": _ratio(st.schools.boarders.sum(), n_all),
        "boarding_rate_primary": _ratio(st.now.boarders_by_stage[0], n_pri),
        "boarding_rate_middle": _ratio(boarders_mid, n_mid),
        "mean_travel_km": _ratio(st.schools.travel_km.sum(), n_all),
        "mean_travel_km_primary": _ratio(st.schools.travel_km.sum() - travel_middle, n_pri),
        "mean_travel_km_middle": _ratio(travel_middle, n_mid),
        # how rural-home pupils get to school: their own way (on foot, bicycle, parents), the
        # school bus of a closed school's village, a dormitory bed, or a family flat at the
        # county seat
        "mode_share_own_way": _ratio(by_place[rural & ~bus, RURAL_DAY].sum(), n_rural_home),
        "mode_share_bus": _ratio(by_place[bus, RURAL_DAY].sum(), n_rural_home),
        "mode_share_boarding": _ratio(by_place[rural][:, boards].sum(), n_rural_home),
        "mode_share_relocated": _ratio(by_place[rural, URBAN_DAY].sum(), n_rural_home),
        "bus_share_displaced": _ratio(by_place[bus & lost, RURAL_DAY].sum(), n_displaced),
        "p95_travel_km": _quantile_01(travel_hist, 0.95),
        "urban_enrollment_share": _ratio(by_place[:, [URBAN_DAY, URBAN_BOARDER]].sum(), n_all),
        "share_small_rural_schools": _ratio(np.count_nonzero(village_sites
                                                             & (size < SMALL_SCHOOL)),
                                            np.count_nonzero(village_sites)),
        "class_size_primary": _ratio(n_pri, classes_p),
        "class_size_middle": _ratio(n_mid, classes_m),
    }


def difference_rates(st: CountyState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per school and stage: exam score, the urban-quality reference (standardised achievement),
    and the difference rate ``(reference - score) / reference`` (seed 004; stage against stage).

    Scores are shares of full marks (得分率) on the county exam: ``exam_mean_share * (1 +
    exam_cv * z)``, with z standardised on this year's county distribution, as county exams
    are, and bounded by 0 and full marks. The rate depends on the scale only through
    ``exam_cv``."""
    lp, c, exam = st.params.learning, st.county, st.exam
    count = exam.count
    std_z = (exam.mean_z - exam.county_mean) / max(exam.county_sd, 1e-9)
    std_z = np.where(np.isnan(std_z), 0.0, std_z)  # np.nan_to_num: 10x slower on small arrays
    uq = (c.school_type == URBAN_QUALITY)[:, None]
    ref_n = (count * uq).sum(axis=0)
    ref_z = np.divide((std_z * count * uq).sum(axis=0), ref_n, out=np.full(2, np.nan),
                      where=ref_n > 0)
    score = exam_score(exam.mean_share, lp.exam_cv, std_z)
    ref = exam_score(exam.mean_share, lp.exam_cv, ref_z)
    rate = (ref[None, :] - score) / ref[None, :]
    return score, ref_z, np.where(count > 0, rate, np.nan)


def exam_score(mean_share: float, cv: float, std_z: np.ndarray) -> np.ndarray:
    """Score as a share of full marks of a standardised achievement ``std_z``: never below 0
    nor above full marks."""
    return np.clip(mean_share * (1 + cv * std_z), 0.0, 1.0)


def between_school_rates(st: CountyState, score: np.ndarray) -> tuple[float, float]:
    """The between-school difference rate (校际差异率) of 教督〔2017〕6号 per stage, computed as
    county implementations compute its difference coefficients (差异系数): the pupil-weighted
    SD of the school means around the county mean, over the county mean,
    ``sqrt(sum_i n_i/N (x_i - x)^2) / x``, across every school teaching the stage."""
    count = st.exam.count
    return _weighted_cv(score[:, 0], count[:, 0]), _weighted_cv(score[:, 1], count[:, 1])


def _weighted_cv(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    weights = weights[ok]
    return _cv(weights / weights.sum(), values[ok])


def _cv(w: np.ndarray, values: np.ndarray) -> float:
    """Coefficient of variation of ``values`` with weights ``w`` summing to 1."""
    mean = float((w * values).sum())
    return float(np.sqrt((w * np.square(values - mean)).sum()) / mean) if mean > 0 else float("nan")


def resource_cvs(st: CountyState, staff: Staff) -> tuple[float, float]:
    """The resource coefficient of variation of 教督〔2017〕6号 (<= 0.50 primary, <= 0.45 middle),
    per stage, over the resource indicators the model carries: teachers with a bachelor's
    degree, senior teachers and shortage-subject (music, art, PE) teachers per 100 pupils, and
    facilities. Each is a difference coefficient as above (schools weighted by their pupils of
    the stage); the standard asks every indicator to be below the bar, so the largest is
    reported."""
    pupils = st.schools.enrolled.sum(axis=1).astype(float)
    per_100 = [count / np.maximum(pupils, 1) * 100
               for count in (staff.bachelors, staff.seniors, staff.shortage)]
    indicators = np.stack([*per_100, st.schools.facilities])
    out = []
    for k in range(2):
        weight = np.where(st.schools.open, st.schools.enrolled[:, k], 0).astype(float)
        out.append(max(_weighted_cvs(indicators, weight)))
    return out[0], out[1]


def _weighted_cvs(rows: np.ndarray, weights: np.ndarray) -> list[float]:
    """``_weighted_cv`` of each row of ``rows`` with the same ``weights``, which select the
    same schools for every row when every value is finite."""
    if not np.isfinite(rows).all():
        return [_weighted_cv(x, weights) for x in rows]
    ok = weights > 0
    if not ok.any():
        return [float("nan")] * len(rows)
    weights = weights[ok]
    w = weights / weights.sum()
    return [_cv(w, values) for values in rows[:, ok]]


def _weighted(values: np.ndarray, weights: np.ndarray, axis: int | None = None):
    """Weighted mean ignoring non-finite values (NaN where no weight), overall or per row."""
    ok = np.isfinite(values) & (weights > 0)
    w = np.where(ok, weights, 0)
    num = np.where(ok, values, 0.0) * w
    den = w.sum(axis=axis)
    if axis is None:
        return float(num.sum() / den) if den else float("nan")
    return np.divide(num.sum(axis=axis), den, out=np.full(den.shape, np.nan), where=den != 0)


def observe_year(st: CountyState, year: int) -> None:
    """The end of the year observed: each school's difference rate, the timeseries row (the
    indicators of ``sim.indicators``), the rows per school and per town, the enrolment."""
    readings = difference_rates(st)  # once a year: the row, the schools and the towns read it
    st.schools.difference_rate = _weighted(readings[2], st.exam.count, axis=1)
    towns = township_gaps(st)
    staff = staff_by_school(st)  # the row and the schools' rows read it too
    h = st.history
    h.indicators.append(checked_row(measure(st, year, readings, towns, staff)))
    h.school_rows.append(school_rows(st, year, readings[0], staff))
    h.town_rows.append(town_rows(st, year, towns))
    h.enrollment.append(st.schools.enrolled.sum(axis=1))


class Staff(NamedTuple):
    """Teachers at work by the school they teach at: in all, with a bachelor's degree, with a
    senior title, and teaching the shortage subjects (music, art, PE)."""

    teachers: np.ndarray
    bachelors: np.ndarray
    seniors: np.ndarray
    shortage: np.ndarray


def staff_by_school(st: CountyState) -> Staff:
    """This year's ``Staff``, counted once for the row, the schools' rows and the CVs."""
    T, n = st.teachers, st.county.n_schools
    act = T.active()
    sch = T.school[act]
    return Staff(st.schools.staff, *(np.bincount(sch.compress(mask), minlength=n) for mask in (
        T.bachelor[act], T.title[act] == SENIOR, T.shortage_subject[act])))


def _share(count: np.ndarray, of: np.ndarray, where: np.ndarray) -> float:
    """``count`` over ``of``, both summed over the schools ``where`` (NaN if ``of`` is 0)."""
    return _ratio(count[where].sum(), of[where].sum())


def measure(st: CountyState, year: int, readings: tuple[np.ndarray, np.ndarray, np.ndarray],
            towns_read: tuple[np.ndarray, np.ndarray, np.ndarray],
            staff: Staff) -> dict[str, float]:
    """The year's timeseries row, from this year's state (after ``policies.costs``), its exam
    ``readings`` (``difference_rates``), the towns' (``township_gaps``) and the teachers by
    school (``staff_by_school``)."""
    c, T, f = st.county, st.teachers, st.now.flows
    count = st.exam.count
    score, ref_z, rate = readings
    per_school = st.schools.difference_rate
    towns = (c.school_type == TOWN_SEAT) & st.schools.open & (count.sum(axis=1) > 0)
    sd = max(st.exam.county_sd, 1e-9)
    gap_sd_cells = ref_z[None, :] - (st.exam.mean_z - st.exam.county_mean) / sd
    urban = c.is_urban_school[:, None] & (count > 0)
    rural = ~c.is_urban_school[:, None] & (count > 0)
    mean_z = np.where(np.isnan(st.exam.mean_z), 0.0, st.exam.mean_z)
    urban_z = _ratio((mean_z * count * urban).sum(), (count * urban).sum())
    rural_z = _ratio((mean_z * count * rural).sum(), (count * rural).sum())
    m = _weighted(score, count)
    cv = np.sqrt(_weighted((score - m) ** 2, count)) / m
    between = between_school_rates(st, score)
    resources = resource_cvs(st, staff)

    act = T.active()
    rural_school = is_rural(c.school_type)
    rural_t = rural_school[T.school[act]]
    age = year - T.birth_year[act]
    rural_open = rural_school & st.schools.open & (st.schools.enrolled.sum(axis=1) > 0)
    seniors = staff.seniors
    principal = (T.principal_since[act] > 0) | (T.vice_since[act] > 0)  # seed 001: 含副校长
    enr = st.schools.enrolled.astype(float)
    pupils = enr.sum(axis=1)
    share_mid = np.divide(enr[:, 1], pupils, out=np.zeros_like(pupils), where=pupils > 0)
    staff_mid = (st.schools.staff * share_mid).sum()
    staff_pri = st.schools.staff.sum() - staff_mid
    rates = np.divide(st.now.dropouts_by_grade, st.now.enrolled_by_grade,
                      out=np.zeros(10), where=st.now.enrolled_by_grade > 0)
    stayers = f["rural_teachers_start"] - f["rural_retirements"]
    row = {
        "year": year,
        "students": int(enr.sum()),
        "teachers": int(act.size),
        "schools_open": int(np.count_nonzero(st.schools.open)),
        "teacher_retention": 1 - _ratio(f["rural_quits"] + f["transfers_up"], stayers),
        "young_exit_ratio": _ratio(_ratio(f["rural_leavers_under_35"],
                                          f["rural_quits"] + f["transfer_requests"]),
                                   _ratio(f["rural_teachers_under_35"], stayers)),
        "gap_rate": _weighted(rate[towns].ravel(), count[towns].ravel()),
        "gap_sd": _weighted(gap_sd_cells[towns].ravel(), count[towns].ravel()),
        "rural_urban_gap_sd": (urban_z - rural_z) / sd,
        "cv_between": float(cv),
        "between_school_rate_primary": between[0],
        "between_school_rate_middle": between[1],
        "resource_cv_primary": resources[0],
        "resource_cv_middle": resources[1],
        "share_towns_gap_met": _share_below(per_school[towns], GAP_TARGET),
        **townships(towns_read),
        "dropout_rate": _ratio(f["dropouts"], enr.sum()),
        "middle_dropout_rate": _ratio(f["middle_dropouts"], enr[:, 1].sum()),
        "middle_retention_3yr": float(np.prod(1 - rates[7:10])),
        "ptr_primary": _ratio(enr[:, 0].sum(), staff_pri),
        "ptr_middle": _ratio(enr[:, 1].sum(), staff_mid),
        "bachelor_ratio": _ratio(_share(staff.bachelors, staff.teachers, ~rural_school),
                                 _share(staff.bachelors, staff.teachers, rural_school)),
        "senior_per_rural_school": _ratio(seniors[rural_open].sum(),
                                          np.count_nonzero(rural_open)),
        "share_rural_schools_4_seniors": _ratio(np.count_nonzero(seniors[rural_open] >= 4),
                                                np.count_nonzero(rural_open)),
        **seniors_by_size(st, seniors, rural_open),
        "town_seat_bachelor_ratio": _ratio(
            _share(staff.bachelors, staff.teachers, c.school_type == TOWN_SEAT),
            _share(staff.bachelors, staff.teachers, ~rural_school)),
        "rural_principals_under45": _ratio(np.count_nonzero(principal & rural_t & (age < 45)),
                                           np.count_nonzero(principal & rural_t)),
        "rotating_teachers": st.levers.n_rotating,
        "substitute_teachers": int(st.schools.cover.sum()),
        **levelling(st, year),
        **zhongkao_rates(st),
        **accounts(st, year),
        **st.now.snapshot,
        **f,
    }
    return row


def zhongkao_rates(st: CountyState) -> dict[str, float]:
    """This year's graduates admitted to quality senior highs (中考), in all, from rural
    schools, by sex and by hukou."""
    s = st.students
    ids, school, won = st.now.zhongkao
    rural = ~st.county.is_urban_school[school]
    female, hukou = s.female[ids], s.hukou_rural[ids]
    return {f"quality_senior_rate{suffix}": _ratio(np.count_nonzero(won & group),
                                                    np.count_nonzero(group))
            for suffix, group in (("", np.ones(ids.size, bool)), ("_rural_schools", rural),
                                  ("_girls", female), ("_boys", ~female),
                                  ("_rural_hukou", hukou), ("_urban_hukou", ~hukou))}


def _share_below(values: np.ndarray, bar: float) -> float:
    """Share of the defined values below ``bar`` (NaN when none is defined)."""
    defined = values[np.isfinite(values)]
    return float((defined < bar).mean()) if defined.size else float("nan")


def township_gaps(st: CountyState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per town: its town-seat schools' difference rate (pupil-weighted; NaN without an exam),
    whether every open town-seat school's facilities reach the provincial standard, and
    whether it has an open town-seat school."""
    c = st.county
    towns = c.n_towns
    seat = (c.school_type == TOWN_SEAT) & st.schools.open
    town = np.where(seat, c.school_town, towns).astype(np.intp)
    examined = st.exam.count.sum(axis=1)
    ok = seat & np.isfinite(st.schools.difference_rate)
    weight = np.bincount(town[ok], weights=examined[ok], minlength=towns + 1)[:towns]
    rate = np.bincount(town[ok], weights=(st.schools.difference_rate * examined)[ok],
                       minlength=towns + 1)[:towns]
    below = np.bincount(town[seat], weights=st.schools.facilities[seat] < 1.0,
                        minlength=towns + 1)[:towns]
    has_seat = np.bincount(town[seat], minlength=towns + 1)[:towns] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = rate / weight
    return gap, np.where(has_seat, below == 0, False), has_seat


def townships(towns_read: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, float]:
    """Seed 004 三 words its goals for townships (乡镇): the share of towns whose town-seat
    schools are below the 0.15 difference rate, and whose conditions reach the standard."""
    gap, facilities, has_seat = towns_read
    return {"share_townships_gap_met": _share_below(gap, GAP_TARGET),
            "share_townships_facilities_met": _ratio(np.count_nonzero(facilities),
                                                     np.count_nonzero(has_seat))}


def seniors_by_size(st: CountyState, seniors: np.ndarray, rural_open: np.ndarray) -> dict:
    """Seed 003's four senior teachers, by school type: a teaching point with two posts can
    never hold four, so the target is held on complete rural schools and reported by type."""
    kind = st.county.school_type
    out = {}
    for name, which in (("share_complete_rural_schools_4_seniors", kind < TEACHING_POINT),
                        ("share_town_seats_4_seniors", kind == TOWN_SEAT),
                        ("share_villages_4_seniors", kind == VILLAGE)):
        pool = rural_open & which
        out[name] = _ratio(np.count_nonzero(seniors[pool] >= 4), np.count_nonzero(pool))
    return out


def levelling(st: CountyState, year: int) -> dict[str, float]:
    """Levelling up and levelling down apart: achievement (on the fixed scale of the starting
    cohorts) and teacher effectiveness at urban quality and at town-seat schools."""
    c, T, exam = st.county, st.teachers, st.exam
    quality = (c.school_type == URBAN_QUALITY)[:, None] & (exam.count > 0)
    seat = ((c.school_type == TOWN_SEAT) & st.schools.open)[:, None] & (exam.count > 0)
    mean_z = np.where(np.isnan(exam.mean_z), 0.0, exam.mean_z)
    act = T.active()
    kind = c.school_type[T.school[act]]
    eff = effectiveness(st, act, year)
    at_q, at_s = kind == URBAN_QUALITY, kind == TOWN_SEAT
    return {
        "urban_quality_mean_z": _ratio((mean_z * exam.count * quality).sum(),
                                       (exam.count * quality).sum()),
        "town_seat_mean_z": _ratio((mean_z * exam.count * seat).sum(), (exam.count * seat).sum()),
        "urban_quality_teacher_effectiveness": _ratio(eff[at_q].sum(), np.count_nonzero(at_q)),
        "town_seat_teacher_effectiveness": _ratio(eff[at_s].sum(), np.count_nonzero(at_s)),
        "town_seat_support_gain": _ratio(T.support[act][at_s].sum(), np.count_nonzero(at_s)),
    }


def town_rows(st: CountyState, year: int,
              towns_read: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[str, np.ndarray]:
    """This year's row per town: its children's retention and its town-seat schools' gap."""
    towns = st.county.n_towns
    gap, facilities, _ = towns_read
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = st.now.town_attending / st.now.town_children
    return {"year": np.full(towns, year, np.int16), "town": np.arange(towns, dtype=np.int16),
            "local_children": st.now.town_children.astype(np.int32),
            "attending_local": st.now.town_attending.astype(np.int32),
            "student_retention": retention, "town_seat_difference_rate": gap,
            "town_seat_gap_met": gap < GAP_TARGET, "town_seat_facilities_met": facilities}


def school_rows(st: CountyState, year: int, score: np.ndarray,
                staff_counts: Staff) -> dict[str, np.ndarray]:
    """This year's row per school (columns of results.schools)."""
    n = st.county.n_schools
    enr = st.schools.enrolled
    pupils = enr.sum(axis=1)
    seniors, bachelors, staff = staff_counts.seniors, staff_counts.bachelors, staff_counts.teachers
    rate = st.schools.difference_rate
    _, at, won = st.now.zhongkao
    graduates = np.bincount(at, minlength=n)
    senior = np.divide(np.bincount(at[won], minlength=n), graduates, out=np.full(n, np.nan),
                       where=graduates > 0)
    return {
        "year": np.full(n, year, np.int16),
        "school": np.arange(n, dtype=np.int32),
        "open": st.schools.open.copy(),
        "students": pupils.astype(np.int32),
        "primary_students": enr[:, 0].astype(np.int32),
        "middle_students": enr[:, 1].astype(np.int32),
        "teachers": staff.astype(np.int32),
        "required_teachers": st.schools.required.astype(np.int32),
        "ptr": np.divide(pupils, staff, out=np.full(n, np.nan), where=staff > 0),
        "boarders": st.schools.boarders.astype(np.int32),
        "mean_score": _weighted(score, st.exam.count, axis=1),
        "difference_rate": rate,
        "gap_met": rate < GAP_TARGET,
        "mean_travel_km": np.divide(st.schools.travel_km, pupils, out=np.full(n, np.nan),
                                    where=pupils > 0),
        "senior_teachers": seniors.astype(np.int32),
        "bachelor_share": np.divide(bachelors, staff, out=np.full(n, np.nan), where=staff > 0),
        "graduates": graduates.astype(np.int32),
        "quality_senior_rate": senior,
        "value_added": st.schools.value_added.copy(),
        "facilities": st.schools.facilities.copy(),
    }
