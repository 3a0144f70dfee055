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

from functools import reduce
from typing import TYPE_CHECKING

import numpy as np

from ..allocation import admitted
from ..classes import CLASS_KEYS
from ..kinds import (
    ENROLLED,
    FIRST_MIDDLE_GRADE,
    TEACHING_POINT,
    TOWN_SEAT,
    URBAN_ORDINARY,
    URBAN_PLACE,
    URBAN_QUALITY,
    VILLAGE,
)
from ..state import PlaceOptions
from .demography import rural_income

if TYPE_CHECKING:
    from ..county import County
    from ..state import CountyState

ENROLLED = ENROLLED

LOCAL, SEAT, ORDINARY, QUALITY = range(4)
BAND_FIRST_GRADE = (1, 4, 7)  # grades 1-3, 4-6, 7-9
GRADE_BAND = np.arange(9) // 3  # band of grades 1-9
BAND_STAGE = np.array([0, 0, 1])  # 1: the band is middle school (grades 7-9)
LOTTERY = 10_000  # sub-key of the choice stream for the lottery of county-seat places
# Observed results (SD from the county mean) assumed before the first exam; replaced by the
# measured school means from the first simulated year on (assumption).
PRIOR_QUALITY = {URBAN_QUALITY: 0.45, URBAN_ORDINARY: 0.1, TOWN_SEAT: -0.05, VILLAGE: -0.25,
                 TEACHING_POINT: -0.35}
PRIOR_BY_TYPE = np.array([PRIOR_QUALITY[k] for k in sorted(PRIOR_QUALITY)])


def build_options(county: County, school_open: np.ndarray) -> PlaceOptions:
    """For every place and grade band, the four candidate schools (``n_schools`` where none).

    Where no county-seat ordinary school teaches a band, the nearest open school that does
    stands in, so every child has at least one school."""
    c = county
    nearest_first = np.argsort(c.distance, axis=1, kind="stable")
    # the rural schools of each place's own town, nearest first (n_schools pads the rows):
    # the local and town-seat options are among them, and only they change when schools close
    own_town = ((c.place_town[:, None] == c.school_town[nearest_first])
                & (c.place_kind != URBAN_PLACE)[:, None])
    width = max(int(own_town.sum(axis=1).max()), 1)
    rank = np.argsort(~own_town, axis=1, kind="stable")[:, :width]
    rows = np.arange(c.n_places)[:, None]
    own_town_first = np.where(own_town[rows, rank], nearest_first[rows, rank], c.n_schools)
    places = PlaceOptions(
        options=np.full((c.n_places, 3, 4), c.n_schools, np.int32),
        distance=np.concatenate([c.distance, np.zeros((c.n_places, 1), np.float32)], axis=1),
        urban=np.append(c.is_urban_school, False),
        nearest_first=nearest_first, own_town_first=own_town_first)
    _fill_options(county, school_open, places, (LOCAL, SEAT, ORDINARY, QUALITY))
    return places


def refresh_options(st: CountyState) -> None:
    """Schools closed since the options were built: recompute the local and town-seat options
    (county-seat schools never close)."""
    if st.places.stale:
        # schools only close, so only a place whose local or town-seat option closed has
        # another one now (the first still open in its order)
        closed = np.append(~st.schools.open, False)  # last: no school
        places = np.flatnonzero(closed[st.places.options[:, :, :SEAT + 1]].any(axis=(1, 2)))
        _fill_options(st.county, st.schools.open, st.places, (LOCAL, SEAT), places)
        option_lookups(st.places, places)
        st.places.stale = False
        st.now.utilities = None


def option_lookups(places: PlaceOptions,
                   changed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The lookups of the places' options: each option by grade (``4 x (9 * place + grade -
    1)``), and the school-stage cell of its utility (``4 x places x 3 bands``: 2 * school +
    middle). Built in full the first time, then kept and brought up to date for the places
    whose options ``changed``."""
    if places.by_grade is None or places.cells is None:
        n = len(places.options)
        places.by_grade = np.empty((4, 9 * n), np.intp)
        places.cells = np.empty((4, n, 3), np.intp)
        changed = np.arange(n)
    if changed is not None:
        by_option = places.options[changed].transpose(2, 0, 1)  # 4 x places x 3 bands
        places.by_grade[:, (changed[:, None] * 9 + np.arange(9)).ravel()] = \
            by_option[:, :, GRADE_BAND].reshape(4, -1)
        places.cells[:, changed] = by_option * 2 + BAND_STAGE
    return places.by_grade, places.cells


def _fill_options(c: County, school_open: np.ndarray, places: PlaceOptions,
                  which: tuple[int, ...], rows: np.ndarray | None = None) -> None:
    """The options ``which`` of the places ``rows`` (all by default), the three bands at once:
    each option is the first school in the place's order that is open, teaches the band's
    first grade and is of the option's kind."""
    n = c.n_schools
    rows = np.arange(c.n_places) if rows is None else rows
    if rows.size == 0:
        return
    opts = places.options
    grade = np.array(BAND_FIRST_GRADE)[:, None]
    offers = np.zeros((len(BAND_FIRST_GRADE), n + 1), bool)  # by band; last: no school
    offers[:, :n] = school_open & (c.min_grade <= grade) & (c.max_grade >= grade)
    kind = np.append(c.school_type, -1)
    rural = places.own_town_first[rows]  # the local and town-seat options are rural schools
    orders = {LOCAL: rural, SEAT: rural}
    if ORDINARY in which or QUALITY in which:
        orders[ORDINARY] = orders[QUALITY] = places.nearest_first[rows]
    at = np.arange(rows.size)
    for k in which:
        if k == LOCAL:
            allowed_school = offers & (kind >= TOWN_SEAT)
        elif k == SEAT:
            allowed_school = offers & (kind == TOWN_SEAT)
        elif k == ORDINARY:  # any school teaching the band where the county has no ordinary one
            ordinary = offers & (kind == URBAN_ORDINARY)
            allowed_school = np.where(ordinary.any(axis=1, keepdims=True), ordinary, offers)
        else:
            allowed_school = offers & (kind == URBAN_QUALITY)
        order = orders[k]
        allowed = allowed_school[:, order]  # bands x rows x schools in the place's order
        first = allowed.argmax(axis=2)  # 0 where none is allowed: then no school
        opts[rows, :, k] = np.where(allowed.any(axis=2), order[at, first], n).T
    seat = opts[rows, :, SEAT]
    seat[seat == opts[rows, :, LOCAL]] = n  # the local school is the town seat: one option
    opts[rows, :, SEAT] = seat


def school_quality(st: CountyState) -> np.ndarray:
    """Observed results per school and stage (SD from the county mean), prior where unmeasured."""
    prior = PRIOR_BY_TYPE[st.county.school_type][:, None]
    exam = st.exam
    measured = (exam.mean_z - exam.county_mean) / max(exam.county_sd, 1e-9)
    return np.where(np.isfinite(measured), measured, prior)


def place_utilities(st: CountyState, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Each place's four options for a child of each grade and their utility before the
    family's own terms (SES, current school), -inf where there is no school: ``[k, 9 * place
    + grade - 1]`` for option k (``LOCAL`` ... ``QUALITY``), one row per option (numpy gathers
    a contiguous row fastest).

    Children of one place and grade face the same schools, and within a grade band only the
    boarding age tells grades apart, so the utilities are worked out per band, with and
    without that age, once a year instead of once per child; they are kept for the year's
    relocation and choice until a closure changes the options (``refresh_options``)."""
    if st.now.utilities is not None and st.now.utilities[0] == year:
        return st.now.utilities[1]
    c, p = st.county, st.params
    cp, n = p.choice, c.n_schools
    by_grade, cells = option_lookups(st.places)
    school_u = np.full((n + 1, 2), -np.inf, np.float32)
    school_u[:n] = cp.quality_weight * school_quality(st)
    school_u[:n] -= cp.quality_school_cost * (c.school_type == URBAN_QUALITY)[:, None]
    # parents prefer a school that teaches every subject (own or itinerant teachers)
    full = st.schools.has_shortage_teacher | st.effects.full_curriculum
    school_u[:n] -= p.levers.curriculum_weight * ~full[:, None]
    # families choosing a middle school weigh its graduates' chance of a quality senior high
    senior = st.schools.quality_senior_rate
    senior = np.where(np.isnan(senior), p.zhongkao.quality_share, senior)
    school_u[:n, 1] += cp.senior_weight * senior
    v = school_u.ravel()[cells]  # by option: 4 x places x 3 bands
    journey, relocating = journey_terms(st)
    # relocating gets cheaper as rural incomes rise (NBS series; sim.stages.demography)
    growth = np.log(rural_income(year, cp.rural_income_growth_after_data)
                    / rural_income(st.scenario.start_year, cp.rural_income_growth_after_data))
    reloc_cost = cp.relocation_cost - cp.income_weight * growth
    utilities = v[..., None] - journey
    utilities -= (relocating * np.float32(reloc_cost))[..., None]  # in place: the same float32s
    # spread over the grades: the band and boarding age of grades 1-9
    may_board = np.arange(1, 10) >= min_board_grade(st)
    grade_rows = GRADE_BAND * 2 + may_board
    tables = (by_grade, utilities.reshape(4, -1, 6)[:, :, grade_rows].reshape(4, -1))
    st.now.utilities = (year, tables)
    return tables


def choice_set(st: CountyState, ids: np.ndarray,
               year: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The four options of the pupils ``ids`` and their utilities before the family's own
    terms, one array per option (a column each: numpy gathers and reduces short rows slowly)."""
    s = st.students
    options, utilities = place_utilities(st, year)
    row = s.place[ids] * 9 + (s.grade[ids] - 1)
    return [options[k].take(row) for k in range(4)], [utilities[k].take(row) for k in range(4)]


def journey_terms(st: CountyState) -> tuple[np.ndarray, np.ndarray]:
    """The travel disutility of every place's options for a child without and with the age to
    board (4 options x places x 3 bands x 2) and which options mean relocating (4 x places x
    3 bands).
    They change only where schools close, beds appear or buses change, so they are kept and
    worked out again for those places only."""
    c, p, places = st.county, st.params, st.places
    cp = p.choice
    opt = places.options
    beds = np.append(st.schools.beds > 0, False)
    bus = st.effects.bus
    if places.journey is None or places.journey_key is None:
        rows = np.arange(c.n_places)
        places.journey = (np.empty((4, c.n_places, 3, 2), np.float32),
                          np.empty((4, c.n_places, 3), bool))
    else:
        old_opt, old_beds, old_bus = places.journey_key
        changed = (opt != old_opt).any(axis=(1, 2)) | (bus != old_bus)
        new_beds = beds != old_beds
        if new_beds.any():
            changed |= new_beds[opt].any(axis=(1, 2))
        rows = np.flatnonzero(changed)
        if rows.size == 0:
            return places.journey
    journey, relocating = places.journey
    opt = opt[rows]
    dist = places.distance[rows[:, None, None], opt]
    urban = places.urban[opt]
    moving = (c.place_kind[rows] != URBAN_PLACE)[:, None, None] & urban
    relocating[:, rows] = moving.transpose(2, 0, 1)
    # the journey of a day pupil and of one who may board (rows x 3 bands x 2 x 4)
    km = np.stack([dist, np.where(beds[opt], np.minimum(dist, np.float32(p.boarding.distance_km)),
                                  dist)], axis=2)
    # a school bus (for villages whose school closed) shortens the felt journey
    on_bus = (bus[rows, None, None] & ~urban)[:, :, None]
    km = np.where(on_bus, km * np.float32(p.levers.bus_distance_factor), km)
    km = np.where(moving[:, :, None], np.float32(cp.relocated_travel_km), km)
    weight = np.where(BAND_STAGE, 0.5, 1.0)[None, :, None, None] * cp.distance_weight
    journey[:, rows] = (weight * km).astype(np.float32).transpose(3, 0, 1, 2)
    places.journey_key = (places.options.copy(), beds, bus.copy())
    return places.journey


def min_board_grade(st: CountyState) -> int:
    """Youngest grade allowed to board: the boarding lever's setting, else the status quo."""
    override = st.effects.min_board_grade
    return override if override is not None else st.params.boarding.min_grade


def choose(st: CountyState, ids: np.ndarray, u: np.ndarray, year: int,
           ration: bool = True) -> np.ndarray:
    """The school each student in ``ids`` chooses (``u``: one uniform per student)."""
    s, c, cp = st.students, st.county, st.params.choice
    opt, v = choice_set(st, ids, year)
    rural_home = (c.place_kind != URBAN_PLACE)[s.place[ids]]
    ses_term = np.float32(cp.ses_urban_weight) * s.ses[ids]
    school = s.school[ids]
    for k in range(4):
        if k in (ORDINARY, QUALITY):  # the local and town-seat options are rural schools
            np.add(v[k], ses_term, out=v[k], where=rural_home & st.places.urban[opt[k]])
        np.add(v[k], np.float32(cp.stay_weight), out=v[k], where=opt[k] == school)
    pick = sample_logit(v, u)
    chosen = np.concatenate(opt)[pick * ids.size + np.arange(ids.size)]  # np.choose: 3x slower
    if ration:
        chosen = _ration(st, ids, chosen, (opt, v), rural_home, year)
    return chosen


def sample_logit(cols: list[np.ndarray], u: np.ndarray) -> np.ndarray:
    """Option picked from multinomial-logit utilities (``cols``: one array per option) by one
    uniform per row: inverting the cumulative probabilities keeps a child's choice stable when
    utilities shift a little between scenarios. Worked option by option: numpy reduces short
    rows slowly."""
    top = reduce(np.maximum, cols)
    cum = np.zeros_like(top)
    edges = []
    last = np.zeros(u.size, np.intp)  # the last column with any weight
    for j, col in enumerate(cols):
        w = np.exp(col - top)
        cum = cum + w
        edges.append(cum)
        np.putmask(last, w > 0, j)  # 2x faster than last[w > 0] = j
    target = u * cum
    k = np.zeros(u.size, np.intp)
    for edge in edges[:-1]:
        k += edge <= target  # skips columns without weight, also when u is 0
    return np.minimum(k, last)


def _ration(st: CountyState, ids: np.ndarray, chosen: np.ndarray,
           choice: tuple[list[np.ndarray], list[np.ndarray]], rural_home: np.ndarray,
           year: int) -> np.ndarray:
    """Over-subscribed county-seat schools admit residents first, then rural children by lot.
    The places free are those the pupils who stay leave (only enrolled pupils hold a school)."""
    n = st.county.n_schools
    s = st.students
    win = s.window(year)
    present = (np.bincount(s.school[win], minlength=n + 1)
               - np.bincount(s.school[ids], minlength=n + 1))[:n]
    resident = np.bincount(chosen.compress(~rural_home), minlength=n)[:n]
    # no cap (inf) as the largest float: a share of it is still unlimited, and none of it 0
    free = np.minimum(st.schools.capacity, np.finfo(float).max) - present - resident
    free = np.floor(np.maximum(free, 0) * st.effects.rural_admission)  # the places lever
    applicants = rural_home & st.county.is_urban_school[chosen]
    demand = np.bincount(chosen.compress(applicants), minlength=n)[:n]
    if not (demand > free).any():
        return chosen
    cand = np.flatnonzero(applicants & (demand > free)[chosen])
    # the applicants' lots: their numbers of the year's draw over the window
    lot = st.streams.uniform_at("choice", year + LOTTERY, ids[cand] - win.start)
    keep = np.zeros(cand.size, bool)
    keep[admitted(chosen[cand], lot, free)] = True
    rejected = cand[~keep]
    opt, v = choice
    fallback = np.stack([v[k][rejected] for k in (LOCAL, SEAT)], axis=1)
    has = np.isfinite(fallback).any(axis=1)
    best = fallback.argmax(axis=1)
    opts = np.stack([opt[k][rejected] for k in (LOCAL, SEAT)], axis=1)
    chosen[rejected[has]] = opts[has, best[has]]
    return chosen


def close_lapsed_schools(st: CountyState, year: int) -> None:
    """Status quo: a village school or teaching point that has (all but) emptied for two years
    closes; its pupils choose again, without a bus (``params.staffing.lapse_below_pupils``)."""
    history = st.history.enrollment
    if len(history) < 2:
        return
    floor = st.params.staffing.lapse_below_pupils
    small = (history[-1] < floor) & (history[-2] < floor)
    lapsed = np.flatnonzero(small & st.schools.open & (st.county.school_type > TOWN_SEAT))
    if lapsed.size:
        st.close_schools(lapsed, year)
    st.now.flows["schools_lapsed"] = int(lapsed.size)


def choose_schools(st: CountyState, year: int) -> None:
    """Entrants, stage transitions, relocated families and pupils of closed schools choose."""
    close_lapsed_schools(st, year)
    refresh_options(st)
    s, c = st.students, st.county
    n = c.n_schools
    win = s.window(year)
    sch = s.school[win]
    enrolled = s.status[win] == ENROLLED
    choosers = enrolled & must_choose(st)[sch * 10 + s.grade[win]]
    choosers[st.now.relocated - win.start] = True
    ids = np.flatnonzero(choosers) + win.start
    u = st.streams.uniform_at("choice", year, ids - win.start)  # the choosers' numbers
    old = sch[ids - win.start]
    new = choose(st, ids, u, year)
    moved = (old != new) & (old < n)
    s.school[ids] = new
    distance = st.places.distance  # places x (schools + none), gathered flat: 2x faster
    s.distance[ids] = distance.ravel()[s.place[ids] * distance.shape[1] + new]
    s.boarding[ids.compress(moved)] = False  # compress: 2-3x faster than a[mask]
    st.now.flows["changed_school"] = int(np.count_nonzero(moved))
    allocate_beds(st, year)
    count_enrollment(st, year)
    # status quo: county-seat places never fall and grow to seat every resident (places lever)
    urban = st.county.is_urban_school
    st.schools.capacity[urban] = np.maximum(st.schools.capacity[urban],
                                            st.schools.enrolled[urban].sum(axis=1))


def must_choose(st: CountyState) -> np.ndarray:
    """Flat table over ``10 * school + grade`` (school ``n_schools``: none yet): whether an
    enrolled pupil there chooses a school this year, because the school is closed or does not
    teach the grade, or because a primary school's pupil enters middle school."""
    c = st.county
    g = np.arange(10)
    teaches = (st.schools.open[:, None] & (c.min_grade[:, None] <= g)
               & (c.max_grade[:, None] >= g))
    to_middle = (g == FIRST_MIDDLE_GRADE) & (c.min_grade[:, None] < FIRST_MIDDLE_GRADE)
    table = np.ones((c.n_schools + 1, 10), bool)  # the last row: no school yet
    table[:-1] = ~teaches | to_middle
    return table.ravel()


def allocate_beds(st: CountyState, year: int) -> None:
    """Boarders keep their beds; free beds go to the farthest eligible newcomers."""
    s, c, p = st.students, st.county, st.params.boarding
    beds = st.schools.beds
    n = c.n_schools
    win = s.window(year)
    sch = s.school[win]  # n_schools: not enrolled (only pupils hold a school)
    dist = s.distance[win]  # 0: not enrolled
    # one gather for both: bit 0, the school has beds; bit 1, it is a county-seat school
    school = np.zeros(n + 1, np.int8)
    school[:n] = (beds > 0) | (c.is_urban_school << 1)
    school = school[sch]
    eligible = ((school & 1).view(bool) & (s.grade[win] >= min_board_grade(st))
                & (dist > p.distance_km))
    keep = s.boarding[win] & eligible
    free = beds - np.bincount(sch.compress(keep), minlength=n)
    cand = np.flatnonzero(eligible & ~keep)
    demand = np.bincount(sch[cand], minlength=n)
    over = demand > free
    if over.any():
        tight = cand[over[sch[cand]]]
        refused = np.zeros(sch.size, bool)
        refused[tight] = True
        refused[tight[admitted(sch[tight], -dist[tight], free)]] = False
        eligible &= ~refused
    s.boarding[win] = eligible
    s.ever_boarded[win] |= eligible
    urban_school = (school >> 1).view(bool)
    s.ever_county_seat[win] |= urban_school
    # rural-home day pupils at county-seat schools live there with a parent (陪读)
    urban_day = np.flatnonzero(urban_school & ~eligible)
    relocated = urban_day[c.place_kind[s.place[win][urban_day]] != URBAN_PLACE]
    st.now.travel = dist.copy()
    st.now.travel[relocated] = st.params.choice.relocated_travel_km


def count_enrollment(st: CountyState, year: int) -> None:
    """Enrollment by school and stage, each student's class (``class_key``: school, grade and
    boarding) and school-stage cell for the year (``2 * school + middle``; ``2 * n_schools``
    for anyone not enrolled)."""
    s, n = st.students, st.county.n_schools
    win = s.window(year)
    # one key per student; what the stages need of school and grade is read from it by table
    key = s.school[win] * CLASS_KEYS + (s.grade[win] * 2 + s.boarding[win])
    st.now.class_key = key
    st.now.cell = st.classes.cell.take(key)  # take: a third faster than cell[key] here
    # by school, grade and boarding (nobody outside a school boards), one pass from which the
    # stages' counts follow; grade 0 (not entered yet) is nobody at school
    by_class = np.bincount(key, minlength=CLASS_KEYS * (n + 1))[: CLASS_KEYS * n]
    by_class = by_class.reshape(n, 10, 2)[:, 1:]
    per_class = by_class.sum(axis=2)
    enrolled = np.stack([per_class[:, :FIRST_MIDDLE_GRADE - 1].sum(axis=1),
                         per_class[:, FIRST_MIDDLE_GRADE - 1:].sum(axis=1)], axis=1)
    st.now.by_class = by_class
    st.now.cell_counts = np.append(enrolled.ravel(), key.size - enrolled.sum())
    st.schools.enrolled = enrolled


def nearest_in_town(st: CountyState) -> np.ndarray:
    """Places x grades: the nearest open school of the same town (or of the county seat) that
    teaches the grade. A roster's children live at the school sites, so a child starts at the
    school of its own site when it teaches the grade, as the roster says it does."""
    c = st.county
    same_town = c.place_town[:, None] == c.school_town[None, :]
    table = np.empty((c.n_places, 9), np.int16)
    for g in range(1, 10):
        teaches = st.schools.open & (c.min_grade <= g) & (g <= c.max_grade)
        d = np.where(same_town & teaches[None, :], c.distance, np.inf)
        anywhere = np.where(teaches[None, :], c.distance, np.inf)
        table[:, g - 1] = np.where(np.isfinite(d.min(axis=1)), d.argmin(axis=1),
                                   anywhere.argmin(axis=1))
    return table


def initial_enrollment(st: CountyState) -> None:
    """Place the students already at school, size county-seat places and beds to them, then put
    the pupils starting a new school stage this year (grades 4 and 7) back at last year's
    school: the first year's choices then include those moves, as every later year's do, so
    school changes show no jump between the first two years."""
    s, c, sch = st.students, st.county, st.schools
    year = st.scenario.start_year - 1
    ids = np.flatnonzero(s.status == ENROLLED)
    _place(st, ids, year)
    count_enrollment(st, st.scenario.start_year)
    total = sch.enrolled.sum(axis=1).astype(float)
    slack = 1 + st.scenario.county.urban_capacity_slack
    sized = np.where(c.is_urban_school, np.ceil(total * slack), np.inf)
    sch.capacity = np.where(np.isnan(sch.capacity), sized, sch.capacity)
    sch.central_village = central_villages(c, total)
    if np.isnan(c.beds).any():
        eligible = np.bincount(s.school[ids][s.grade[ids] >= st.params.boarding.min_grade],
                               minlength=c.n_schools + 1)[: c.n_schools]
        bp = st.params.boarding
        has_middle = c.max_grade >= FIRST_MIDDLE_GRADE
        share = np.select([(c.school_type == TOWN_SEAT) & has_middle, c.school_type == TOWN_SEAT,
                           c.is_urban_school & has_middle, sch.central_village],
                          [bp.beds_town_seat_middle, bp.beds_town_seat_primary,
                           bp.beds_urban_middle, bp.beds_central_village], 0.0)
        sch.beds = np.where(np.isnan(c.beds), np.round(share * eligible), c.beds)
    _back_to_last_stage(st, ids, year)
    allocate_beds(st, st.scenario.start_year)


def central_villages(c: County, pupils: np.ndarray) -> np.ndarray:
    """Each town's central village school (中心村小学): its village primary with the most
    pupils at the start, where counties keep beds and where the boarding lever may add them."""
    village = np.flatnonzero(c.school_type == VILLAGE)
    by_town = village[np.lexsort((-pupils[village], c.school_town[village]))]
    town = c.school_town[by_town]
    first = np.ones(by_town.size, bool)
    first[1:] = town[1:] != town[:-1]
    central = np.zeros(c.n_schools, bool)
    central[by_town[first]] = True
    return central


def _back_to_last_stage(st: CountyState, ids: np.ndarray, year: int) -> None:
    """Pupils in the first grade of a stage (4, 7) at the school they chose a year earlier."""
    s = st.students
    new_stage = ids[np.isin(s.grade[ids], BAND_FIRST_GRADE[1:])]
    s.grade[new_stage] -= 1
    _place(st, new_stage, year - 1)
    s.grade[new_stage] += 1


def _place(st: CountyState, ids: np.ndarray, year: int) -> None:
    """Place ``ids`` before the run as ``year``'s choice made them (a roster's children at the
    nearest school of their town that teaches their grade)."""
    s = st.students
    if st.county.roster_students is not None:
        s.school[ids] = nearest_in_town(st)[s.place[ids], s.grade[ids] - 1]
    else:
        u = st.streams.uniform("choice", year, len(s))[ids]
        s.school[ids] = choose(st, ids, u, year, ration=False)
    s.distance[ids] = st.places.distance[s.place[ids], s.school[ids]]
