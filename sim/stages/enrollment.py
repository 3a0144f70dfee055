"""Enrollment: where each child goes to school, and who boards.

A family chooses among at most four schools for the child's grade: the nearest local school in
its town, the town-seat school, the nearest county-seat ordinary school and the nearest urban
quality school. The choice is a multinomial logit on observed school results, daily travel,
the cost of relocating to the county seat (falling with urbanisation, lower for richer
families) and a preference for staying put; one uniform per child picks from the logit
probabilities, so common random numbers carry across scenarios. County-seat schools are
capacity-limited: over-subscribed places go to residents first, then by lottery, and the
rejected fall back to their best rural option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..allocation import admitted
from ..county import (
    TEACHING_POINT,
    TOWN_SEAT,
    URBAN_ORDINARY,
    URBAN_PLACE,
    URBAN_QUALITY,
    VILLAGE,
)
from ..outcomes import measure_enrollment
from ..population import ENROLLED

if TYPE_CHECKING:
    from ..model import CountyModel

LOCAL, SEAT, ORDINARY, QUALITY = range(4)
BAND_FIRST_GRADE = (1, 4, 7)  # grades 1-3, 4-6, 7-9
# Observed results (SD from the county mean) assumed before the first exam; replaced by the
# measured school means from the first simulated year on (assumption).
PRIOR_QUALITY = {URBAN_QUALITY: 0.45, URBAN_ORDINARY: 0.1, TOWN_SEAT: -0.05, VILLAGE: -0.25,
                 TEACHING_POINT: -0.35}


def build_options(model: CountyModel, rural_only: bool = False) -> None:
    """For every place and grade band, the four candidate schools (``n_schools`` where none).

    Where no county-seat ordinary school teaches a band, the nearest open school that does
    stands in, so every child has at least one school. ``rural_only`` recomputes only the
    local and town-seat options (after rural schools close)."""
    c = model.county
    n = c.n_schools
    if not hasattr(model, "nearest_first"):
        # schools of each place by distance, and whether each is a rural school of its town
        model.nearest_first = np.argsort(c.distance, axis=1, kind="stable")
        model.own_town_sorted = ((c.place_town[:, None] == c.school_town[model.nearest_first])
                                 & (c.place_kind != URBAN_PLACE)[:, None])
    order = model.nearest_first
    rows = np.arange(c.n_places)
    opts = model.options if rural_only else np.full((c.n_places, 3, 4), n, np.int32)
    for band, g in enumerate(BAND_FIRST_GRADE):
        offers = model.school_open & (c.min_grade <= g) & (c.max_grade >= g)
        ordinary = offers & (c.school_type == URBAN_ORDINARY)
        kinds = {LOCAL: offers & (c.school_type >= TOWN_SEAT),
                 SEAT: offers & (c.school_type == TOWN_SEAT),
                 ORDINARY: ordinary if ordinary.any() else offers,
                 QUALITY: offers & (c.school_type == URBAN_QUALITY)}
        for k, ok in kinds.items():
            if rural_only and k not in (LOCAL, SEAT):
                continue
            allowed = ok[order]
            if k in (LOCAL, SEAT):
                allowed &= model.own_town_sorted
            first = allowed.argmax(axis=1)
            opts[:, band, k] = np.where(allowed[rows, first], order[rows, first], n)
        dup = opts[:, band, SEAT] == opts[:, band, LOCAL]
        opts[dup, band, SEAT] = n
    model.options = opts
    # distances with a last column for "no school", so lookups need no masking
    model.option_distance = np.concatenate(
        [c.distance, np.zeros((c.n_places, 1), np.float32)], axis=1)
    model.urban_option = np.append(c.is_urban_school, False)


def school_quality(model: CountyModel) -> np.ndarray:
    """Observed results per school and stage (SD from the county mean), prior where unmeasured."""
    prior = np.array([PRIOR_QUALITY[k] for k in model.county.school_type])[:, None]
    measured = (model.mean_z - model.z_mean) / max(model.z_sd, 1e-9)
    return np.where(np.isfinite(measured), measured, prior)


def place_utilities(model: CountyModel, year: int) -> np.ndarray:
    """Utility of each place's four options for a child of each grade, before the family's own
    terms (SES, current school): places x 9 grades x 4 options, -inf where there is no school.

    Children of one place and grade face the same schools, so this is computed once a year
    instead of once per child."""
    c, p = model.county, model.params
    cp, n = p.choice, c.n_schools
    grades = np.arange(1, 10)
    band = (grades - 1) // 3
    opt = model.options[:, band]  # places x 9 x 4
    school_u = np.full((n + 1, 2), -np.inf, np.float32)
    school_u[:n] = cp.quality_weight * school_quality(model)
    school_u[:n] -= cp.quality_school_cost * (c.school_type == URBAN_QUALITY)[:, None]
    # parents prefer a school that teaches every subject (own or itinerant teachers)
    full = model.has_shortage_teacher | model.effects.full_curriculum
    school_u[:n] -= p.levers.curriculum_weight * ~full[:, None]
    middle = (grades >= 7)[None, :, None]
    v = school_u[opt, middle.astype(np.intp)]
    journey, relocating = _journey_terms(model, opt, grades)
    reloc_cost = cp.relocation_cost - cp.relocation_cost_trend * (year - model.scenario.start_year)
    return (v - journey - relocating * np.float32(reloc_cost)).astype(np.float32)


def _journey_terms(model: CountyModel, opt: np.ndarray, grades: np.ndarray):
    """The travel disutility of every place's options and which of them mean relocating. They
    change only when schools close, beds appear, the boarding age or buses change, so they are
    kept until one of those does."""
    c, p = model.county, model.params
    cp = p.choice
    beds = np.append(model.beds > 0, False)
    key = (opt.tobytes(), beds.tobytes(), min_board_grade(model), model.effects.bus.tobytes())
    cached = getattr(model, "_journey_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    middle = (grades >= 7)[None, :, None]
    dist = model.option_distance[np.arange(c.n_places)[:, None, None], opt]
    boardable = beds[opt] & (grades >= min_board_grade(model))[None, :, None]
    dist = np.where(boardable, np.minimum(dist, np.float32(p.boarding.distance_km)), dist)
    # a school bus (for villages whose school closed) shortens the felt journey
    bus = model.effects.bus[:, None, None] & ~model.urban_option[opt]
    dist = np.where(bus, dist * np.float32(p.levers.bus_distance_factor), dist)
    relocating = (c.place_kind != URBAN_PLACE)[:, None, None] & model.urban_option[opt]
    dist = np.where(relocating, np.float32(cp.relocated_travel_km), dist)
    journey = (np.where(middle, 0.5, 1.0) * cp.distance_weight * dist).astype(np.float32)
    model._journey_cache = (key, (journey, relocating))
    return journey, relocating


def min_board_grade(model: CountyModel) -> int:
    """Youngest grade allowed to board: the boarding lever's setting, else the status quo."""
    override = model.effects.min_board_grade
    return override if override is not None else model.params.boarding.min_grade


def choose(model: CountyModel, ids: np.ndarray, u: np.ndarray, year: int,
           ration: bool = True) -> np.ndarray:
    """The school each student in ``ids`` chooses (``u``: one uniform per student)."""
    s, c, cp = model.students, model.county, model.params.choice
    place, grade = s.place[ids], s.grade[ids].astype(np.intp)
    opt = model.options[place, (grade - 1) // 3]  # choosers x 4
    v = place_utilities(model, year)[place, grade - 1]
    rural_home = c.place_kind[place] != URBAN_PLACE
    relocating = rural_home[:, None] & model.urban_option[opt]
    v += relocating * (np.float32(cp.ses_urban_weight) * s.ses[ids])[:, None]
    v += np.float32(cp.stay_weight) * (opt == s.school[ids, None])
    chosen = opt[np.arange(ids.size), sample_logit(v, u)]
    if ration:
        chosen = _ration(model, ids, chosen, v, rural_home, year)
    return chosen


def sample_logit(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Column picked from multinomial-logit utilities ``v`` (rows x 4) by one uniform per row:
    inverting the cumulative probabilities keeps a child's choice stable when utilities shift
    a little between scenarios. Written column by column: numpy reduces short rows slowly."""
    cols = [v[:, j] for j in range(v.shape[1])]
    top = cols[0]
    for col in cols[1:]:
        top = np.maximum(top, col)
    cum = np.zeros_like(top)
    edges = []
    last = np.zeros(u.size, np.intp)  # the last column with any weight
    for j, col in enumerate(cols):
        w = np.exp(col - top)
        cum = cum + w
        edges.append(cum)
        last = np.where(w > 0, j, last)
    target = u * cum
    k = np.zeros(u.size, np.intp)
    for edge in edges[:-1]:
        k += edge <= target  # skips columns without weight, also when u is 0
    return np.minimum(k, last)


def _ration(model: CountyModel, ids, chosen, v, rural_home, year) -> np.ndarray:
    """Over-subscribed county-seat schools admit residents first, then rural children by lot."""
    n = model.county.n_schools
    s = model.students
    win = s.window(year)
    stay = (s.status[win] == ENROLLED) & (s.school[win] < n)
    stay[ids - win.start] = False
    present = np.bincount(s.school[win][stay], minlength=n)[:n]
    resident = np.bincount(chosen[~rural_home], minlength=n)[:n]
    free = np.nan_to_num(model.capacity, nan=np.inf) - present - resident
    applicants = rural_home & model.county.is_urban_school[chosen]
    demand = np.bincount(chosen[applicants], minlength=n)[:n]
    if not (demand > free).any():
        return chosen
    lot = model.streams.uniform("choice", year + 10_000, win.stop - win.start)[ids - win.start]
    cand = np.flatnonzero(applicants & (demand > free)[chosen])
    keep = np.zeros(cand.size, bool)
    keep[admitted(chosen[cand], lot[cand], np.maximum(free, 0))] = True
    rejected = cand[~keep]
    fallback = v[rejected][:, :ORDINARY]
    has = np.isfinite(fallback).any(axis=1)
    best = fallback.argmax(axis=1)
    opts = model.options[s.place[ids[rejected]], (s.grade[ids[rejected]] - 1) // 3]
    chosen[rejected[has]] = opts[has, best[has]]
    return chosen


def choose_schools(model: CountyModel, year: int) -> None:
    """Entrants, stage transitions, relocated families and pupils of closed schools choose."""
    s, c = model.students, model.county
    n = c.n_schools
    win = s.window(year)
    sch = s.school[win]
    grade = s.grade[win]
    enrolled = s.status[win] == ENROLLED
    safe = np.minimum(sch, n - 1)
    offers = (sch < n) & (c.min_grade[safe] <= grade) & (c.max_grade[safe] >= grade) \
        & model.school_open[safe]
    rechoose = (grade == 7) & (c.min_grade[safe] < 7)
    choosers = enrolled & (~offers | rechoose)
    choosers[model.relocated - win.start] = True
    ids = np.flatnonzero(choosers) + win.start
    u = model.streams.uniform("choice", year, win.stop - win.start)
    old = s.school[ids]
    new = choose(model, ids, u[ids - win.start], year)
    moved = (old != new) & (old < n)
    s.school[ids] = new
    s.distance[ids] = model.option_distance[s.place[ids], new]
    s.boarding[ids[moved]] = False
    model.flows["changed_school"] = int(moved.sum())
    allocate_beds(model, year)
    count_enrollment(model, year)
    measure_enrollment(model, year)


def allocate_beds(model: CountyModel, year: int) -> None:
    """Boarders keep their beds; free beds go to the farthest eligible newcomers."""
    s, c, p = model.students, model.county, model.params.boarding
    n = c.n_schools
    win = s.window(year)
    sch = s.school[win]
    enrolled = (s.status[win] == ENROLLED) & (sch < n)
    safe = np.minimum(sch, n - 1)
    dist = s.distance[win]
    eligible = enrolled & (model.beds[safe] > 0) & (s.grade[win] >= min_board_grade(model)) \
        & (dist > p.distance_km)
    keep = s.boarding[win] & eligible
    free = model.beds - np.bincount(safe[keep], minlength=n)
    cand = np.flatnonzero(eligible & ~keep)
    demand = np.bincount(safe[cand], minlength=n)
    over = demand > free
    if over.any():
        tight = cand[over[safe[cand]]]
        refused = np.zeros(sch.size, bool)
        refused[tight] = True
        refused[tight[admitted(safe[tight], -dist[tight], free)]] = False
        eligible &= ~refused
    s.boarding[win] = eligible
    urban_school = c.is_urban_school[safe]
    rural_home = c.place_kind[s.place[win]] != URBAN_PLACE
    relocated = rural_home & urban_school & ~eligible
    travel = np.where(relocated, np.float32(model.params.choice.relocated_travel_km), dist)
    model.travel = np.where(enrolled, travel, np.float32(0))


def count_enrollment(model: CountyModel, year: int) -> None:
    """Enrollment by school and stage, and each student's school-stage cell for the year
    (``2 * school + middle``; ``2 * n_schools`` for anyone not enrolled)."""
    s, n = model.students, model.county.n_schools
    win = s.window(year)
    enrolled = s.status[win] == ENROLLED
    key = s.school[win].astype(np.intp) * 2 + (s.grade[win] >= 7)
    model.stage_key = np.where(enrolled, key, 2 * n)
    model.stage_counts = np.bincount(model.stage_key, minlength=2 * n + 1)
    model.enrolled = model.stage_counts[: 2 * n].reshape(n, 2)


def nearest_in_town(model: CountyModel) -> np.ndarray:
    """Places x grades: the nearest open school of the same town (or of the county seat) that
    teaches the grade. A roster's children live at the school sites, so a child starts at the
    school of its own site when it teaches the grade, as the roster says it does."""
    c = model.county
    same_town = c.place_town[:, None] == c.school_town[None, :]
    table = np.empty((c.n_places, 9), np.int16)
    for g in range(1, 10):
        teaches = model.school_open & (c.min_grade <= g) & (g <= c.max_grade)
        d = np.where(same_town & teaches[None, :], c.distance, np.inf)
        anywhere = np.where(teaches[None, :], c.distance, np.inf)
        table[:, g - 1] = np.where(np.isfinite(d.min(axis=1)), d.argmin(axis=1),
                                   anywhere.argmin(axis=1))
    return table


def initial_enrollment(model: CountyModel) -> None:
    """Place the students already at school, then size county-seat places and beds to them."""
    build_options(model)
    s, c = model.students, model.county
    year = model.scenario.start_year - 1
    ids = np.flatnonzero(s.status == ENROLLED)
    if c.roster_students is not None:
        s.school[ids] = nearest_in_town(model)[s.place[ids], s.grade[ids] - 1]
    else:
        u = model.streams.uniform("choice", year, len(s))[ids]
        s.school[ids] = choose(model, ids, u, year, ration=False)
    s.distance[ids] = model.option_distance[s.place[ids], s.school[ids]]
    count_enrollment(model, model.scenario.start_year)
    total = model.enrolled.sum(axis=1).astype(float)
    slack = 1 + model.scenario.county.urban_capacity_slack
    sized = np.where(c.is_urban_school, np.ceil(total * slack), np.inf)
    model.capacity = np.where(np.isnan(model.capacity), sized, model.capacity)
    if np.isnan(c.beds).any():
        eligible = np.bincount(s.school[ids][s.grade[ids] >= model.params.boarding.min_grade],
                               minlength=c.n_schools + 1)[: c.n_schools]
        bp = model.params.boarding
        has_middle = c.max_grade >= 7
        share = np.select([(c.school_type == TOWN_SEAT) & has_middle, c.school_type == TOWN_SEAT,
                           c.is_urban_school & has_middle],
                          [bp.beds_town_seat_middle, bp.beds_town_seat_primary,
                           bp.beds_urban_middle], 0.0)
        model.beds = np.where(np.isnan(c.beds), np.round(share * eligible), c.beds)
    model.relocated = np.empty(0, np.int64)
    allocate_beds(model, model.scenario.start_year)
