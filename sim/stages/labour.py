"""The teacher labour market: retirement, quits and transfer requests, redeployment, recruitment,
promotion, degree upgrading and principals.

Rural teachers' exit intent peaks at 3-5 years of experience, rises with remoteness, falls with
a title, and falls with the rural allowance only above ~15% of salary (Jiang & Yip 2024). About
half of the intents are requests to move to a county-seat school; they succeed only where the
county seat has vacancies, and county-seat schools pick the applicants who look most effective,
which is how rural schools lose their best teachers. New graduates are sorted the same way:
county-seat schools hire first, remote schools last and not always.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..allocation import admitted
from ..kinds import (
    LEFT,
    LEVEL1,
    N_SCHOOL_TYPES,
    RETIRED,
    SENIOR,
    TEACHING_POINT,
    TOWN_SEAT,
    UNTITLED,
    URBAN_ORDINARY,
    URBAN_QUALITY,
    VILLAGE,
    is_rural,
    of_types,
)
from ..pay import salary
from ..state import Teachers
from . import rotation

if TYPE_CHECKING:
    from ..state import CountyState

# Rank of each school type in teachers' initial sorting (times CountySpec.initial_sorting SDs).
SORTING_RANK = {URBAN_QUALITY: 1.0, URBAN_ORDINARY: 0.4, TOWN_SEAT: 0.0, VILLAGE: -0.3,
                TEACHING_POINT: -0.5}
# Hiring order of school types: county-seat schools attract the strongest candidates.
HIRING_ORDER = (URBAN_QUALITY, URBAN_ORDINARY, TOWN_SEAT, VILLAGE, TEACHING_POINT)
TOWN_SEAT_SIGNAL = 2  # sub-key of the teacher_move stream (0: county seat, 1: recruits)
YOUNG_TEACHER_AGE = 35  # the "young teacher" band (青年教师) of the exit-age pattern
NEW_TEACHER_FEMALE = 0.7  # MoE 2020 statistics: ~70% of compulsory-school teachers are women


BASE_RETIREMENT_AGE = (60.0, 55.0)  # men, women teachers (before the 2024 reform's months)


def retirement_age(birth_year: np.ndarray, birth_month: np.ndarray,
                   female: np.ndarray) -> np.ndarray:
    """Statutory retirement age in years: 60 (men) / 55 (women teachers), raised by one month
    for every four months of birth from January 1965 (men) / January 1970 (women), up to three
    years (NPC Standing Committee decision of 2024-09-13)."""
    start = np.where(female, 1970, 1965)
    months = (birth_year.astype(np.int64) - start) * 12 + birth_month
    extra = np.where(months >= 0, np.minimum(months // 4 + 1, 36), 0)
    men, women = BASE_RETIREMENT_AGE
    return np.where(female, women, men) + extra / 12


def by_type(values: dict[int, float], default: float = 1.0) -> np.ndarray:
    """A table over school types: ``values`` where given, ``default`` elsewhere."""
    table = np.full(N_SCHOOL_TYPES, default)
    table[list(values)] = list(values.values())
    return table


def retires(st: CountyState, ids: np.ndarray, year: int) -> np.ndarray:
    """Whether each teacher reaches retirement age before this school year starts (September)."""
    T = st.teachers
    out = np.zeros(ids.size, bool)
    # nobody retires before the lower base age (the reform only adds months): only teachers
    # that old need the date
    old = np.flatnonzero(year - T.birth_year[ids] >= min(BASE_RETIREMENT_AGE))
    ids = ids[old]
    born = T.birth_year[ids] + (T.birth_month[ids] + 0.5) / 12
    out[old] = born + retirement_age(T.birth_year[ids], T.birth_month[ids], T.female[ids]) \
        <= year + 8 / 12
    return out


def required_staff(st: CountyState) -> np.ndarray:
    """Posts per school from the staffing norms, with a floor for small schools."""
    sp, c = st.params.staffing, st.county
    enr = st.schools.enrolled
    need = np.ceil(enr[:, 0] / sp.ptr_primary + enr[:, 1] / sp.ptr_middle)
    floor = by_type({TEACHING_POINT: sp.min_teachers_teaching_point,
                     VILLAGE: sp.min_teachers_village})[c.school_type]
    has_students = enr.sum(axis=1) > 0
    return np.where(st.schools.open & has_students, np.maximum(need, floor), 0).astype(np.int64)


def own_effectiveness(st: CountyState, ids: np.ndarray, year: int) -> np.ndarray:
    """Yearly gain (student SD) a teacher adds on his or her own: talent, less a novice
    shortfall, plus degree."""
    T, lp = st.teachers, st.params.learning
    # the novice shortfall after 0, 1, ... 5 or more years (``take`` clips: a table lookup)
    shortfall = lp.novice_penalty * np.arange(5, -1, -1) / 5
    return (T.talent[ids] - shortfall.take(year - T.start_year[ids], mode="clip")
            + lp.bachelor_effect * T.bachelor[ids])


def effectiveness(st: CountyState, ids: np.ndarray, year: int,
                  own: np.ndarray | None = None) -> np.ndarray:
    """Yearly gain (student SD) a teacher adds: own effectiveness (``own``, when the caller has
    just worked it out) plus what support added."""
    if own is None:
        own = own_effectiveness(st, ids, year)
    return own + st.teachers.support[ids]


def update_support(st: CountyState, ids: np.ndarray, year: int) -> np.ndarray:
    """Support (pairing, training, rotated backbone teachers) moves a teacher's effectiveness
    toward the urban quality schools' mean: each year it closes ``support_rate`` of the
    remaining headroom, which is at most ``support_max_share`` of the teacher's own gap to that
    mean. Without support the gain decays by ``support_fade`` a year, and it never exceeds the
    headroom (a teacher who improves or moves keeps only what still fits). So the effect
    saturates, fades when cover ends, and never lifts a teacher past the mentor schools'
    level. Returns the teachers' own effectiveness (``update_school_staff`` reads it)."""
    T, c, lp = st.teachers, st.county, st.params.levers
    own = own_effectiveness(st, ids, year)
    school = T.school[ids]
    at_quality = c.school_type[school] == URBAN_QUALITY
    reference = own[at_quality].mean() if at_quality.any() else own.max()
    headroom = lp.support_max_share * np.maximum(reference - own, 0.0)
    rate = np.minimum(st.effects.support_rate[school], 1.0)
    gain = T.support[ids]
    gain = np.where(rate > 0, gain + rate * (headroom - gain), gain * (1 - lp.support_fade))
    T.support[ids] = np.minimum(gain, headroom).astype(np.float32)
    return own


def initial_teachers(st: CountyState) -> None:
    """The teachers at the start: staffed to the norms (or the roster's counts), with ages,
    degrees, titles and talent sorted by school type; then principals and school staff."""
    c, tp = st.county, st.params.teachers
    year = st.scenario.start_year - 1
    # Grade 1 enters with the first year: staff for it as if it were there.
    lo, hi = c.min_grade.astype(float), c.max_grade.astype(float)
    with_entrants = (hi - lo + 1) / (hi - np.maximum(lo, 2) + 1)
    required = np.ceil(required_staff(st) * with_entrants)
    if c.roster_teachers is not None:
        counts = c.roster_teachers.astype(np.int64)
    else:
        spec = st.scenario.county
        factor = np.where(is_rural(c.school_type), spec.staffing_rural, spec.staffing_urban)
        counts = np.round(required * factor).astype(np.int64)
    total = int(counts.sum())
    T = Teachers.allocate(int(total * 1.6) + 16)
    new = T.add(total)
    school = np.repeat(np.arange(c.n_schools), counts)
    kind = c.school_type[school]
    rural = kind >= TOWN_SEAT
    g = st.streams.generator("teachers")
    spec = st.scenario.county
    female = g.random(total) < np.where(rural, spec.female_rural, spec.female_urban)
    age = np.round(g.normal(np.where(rural, spec.teacher_age_rural, spec.teacher_age_urban),
                            spec.teacher_age_sd, total))
    oldest = np.where(female, 54, 59)
    age = np.where(age > oldest, 2 * oldest - age, age)  # reflect, so no pile at the limit
    age = np.clip(age, 22, oldest).astype(np.int64)
    profile = c.roster_profile
    if "teacher_mean_age" in profile:  # a roster's own ages: shift each school's to its mean
        target = profile["teacher_mean_age"][school]
        mean_age = np.bincount(school, weights=age, minlength=c.n_schools) / np.maximum(counts, 1)
        shift = np.where(np.isfinite(target), target - mean_age[school], 0.0)
        age = np.clip(np.round(age + shift), 22, oldest).astype(np.int64)
    exp = np.maximum(age - 23, 0)
    u_degree = g.random(total)
    bachelor = u_degree < np.where(rural, spec.bachelor_rural, spec.bachelor_urban)
    given = profile.get("bachelor_teachers")
    if given is not None:  # a roster's own count of graduates per school
        known = np.isfinite(given)[school]
        holders = np.zeros(total, bool)
        holders[admitted(school, u_degree, np.nan_to_num(given).astype(np.int64))] = True
        bachelor = np.where(known, holders, bachelor)
    title = np.minimum(exp // tp.years_per_title,
                       np.where(bachelor, SENIOR, LEVEL1))  # senior needs a degree
    seniors = profile.get("senior_teachers")
    if seniors is not None:  # a roster's own seniors: the most experienced hold the titles
        known = np.isfinite(seniors)[school]
        top = np.zeros(total, bool)
        top[admitted(school, -exp, np.nan_to_num(seniors).astype(np.int64))] = True
        title = np.where(known, np.where(top, SENIOR, np.minimum(title, LEVEL1)), title)
    rank = np.array([SORTING_RANK[k] for k in kind])
    sd = st.params.learning.teacher_sd
    T.post(new, school)
    T.shortage_subject[new] = g.random(total) < tp.shortage_subject_share
    T.birth_year[new] = year - age
    T.birth_month[new] = g.integers(0, 12, total)
    T.female[new] = female
    T.bachelor[new] = bachelor
    T.title[new] = title
    T.title_year[new] = year - exp + title * tp.years_per_title
    T.start_year[new] = year - exp
    T.talent[new] = g.normal(rank * st.scenario.county.initial_sorting * sd, sd)
    T.rural_years[new] = np.where(rural, exp, exp // 10)
    st.teachers = T
    st.schools.required = required
    _enforce_senior_quota(st, year, exempt=np.isfinite(profile["senior_teachers"])
                          if seniors is not None else None)
    _appoint_principals(st, year)
    _appoint_vice_principals(st, year)
    update_school_staff(st, year)


def retire_and_quit(st: CountyState, year: int) -> None:
    """Teachers reach retirement age, quit, or (rural teachers) ask for a county-seat post."""
    T, tp, f = st.teachers, st.params.teachers, st.now.flows
    act = T.active()
    rural = is_rural(st.county.school_type)[T.home_school[act]]  # by post: rotated stay urban
    f["rural_teachers_start"] = int(np.count_nonzero(rural))

    retire = retires(st, act, year)
    T.set_status(act[retire], RETIRED)
    T.end_headship(act[retire])
    f["retirements"] = int(np.count_nonzero(retire))
    f["rural_retirements"] = int(np.count_nonzero(retire & rural))
    act, rural = act[~retire], rural[~retire]

    p_exit = exit_probability(st, act, year)
    u = st.streams.uniform("teacher_exit", year, T.n)[act]
    bound = T.bound_until[act] >= year  # a rural service period: no transfer requests
    request = rural & (u < p_exit * tp.transfer_share) & ~bound
    quit = (u < p_exit) & ~(rural & (u < p_exit * tp.transfer_share))
    T.set_status(act[quit], LEFT)
    T.end_headship(act[quit])
    f["rural_quits"] = int(np.count_nonzero(quit & rural))
    f["urban_quits"] = int(np.count_nonzero(quit & ~rural))
    f["transfer_requests"] = int(np.count_nonzero(request))
    young = rural & (year - T.birth_year[act] < YOUNG_TEACHER_AGE)
    f["rural_teachers_under_35"] = int(np.count_nonzero(young))
    f["rural_leavers_under_35"] = int(np.count_nonzero(young & (quit | request)))
    st.now.transfer_requests = act[request]


def fill_posts(st: CountyState, year: int) -> None:
    """After exits and rotations, in order: transfers up, redeployment, hiring, promotion,
    degrees, principals, professional growth; then each school's staff and value added."""
    T, f = st.teachers, st.now.flows
    st.schools.required = required_staff(st)
    requests = st.now.transfer_requests
    movers = _transfer_up(st, requests, year)
    f["transfers_up"] = movers.size
    moved = np.zeros(T.n, bool)
    moved[movers] = True
    f["moved_to_town_seat"] = _move_to_town_seat(st, requests[~moved[requests]], year).size
    f["redeployed"] = _redeploy(st, year)
    f["recruits"] = _recruit(st, year)
    _promote(st, year)
    _upgrade_degrees(st, year)
    _appoint_principals(st, year)
    _appoint_vice_principals(st, year)
    act = T.active()
    T.rural_years[act] += is_rural(st.county.school_type)[T.school[act]]
    update_school_staff(st, year, update_support(st, act, year))


def exit_probability(st: CountyState, ids: np.ndarray, year: int) -> np.ndarray:
    """Yearly chance a teacher wants to leave the post (quit or ask for a county-seat post).
    Teachers on rotation stay until it ends."""
    T, c, tp = st.teachers, st.county, st.params.teachers
    kind = c.school_type[T.home_school[ids]]
    exp = year - T.start_year[ids]
    # years 0-2, 3-5, 6-10, 11 on (looked up by years of service; ``take`` clips at 11)
    career = np.repeat([1.0, tp.early_career_multiplier, 1.0, tp.late_career_multiplier],
                       [3, 3, 5, 1]).take(exp, mode="clip")
    remote = by_type({TOWN_SEAT: tp.remoteness_town_seat, VILLAGE: tp.remoteness_village,
                      TEACHING_POINT: tp.remoteness_teaching_point})[kind]
    titled = np.where(T.title[ids] >= LEVEL1, tp.titled_multiplier, 1.0)
    # a strong teacher has better outside options, and pay holds him or her less
    worth = np.maximum(T.talent[ids] / st.params.learning.teacher_sd, 0.0)
    pay = pay_response(st, kind, T.title[ids], year) / (1 + tp.worth_pay_damping * worth)
    housing = 1 - st.effects.housing_share * (1 - st.params.levers.housing_exit_multiplier)
    p = np.where(kind >= TOWN_SEAT,
                 tp.rural_exit_base * career * remote * titled * np.exp(-tp.allowance_slope * pay)
                 * housing, tp.urban_exit_base * titled) * np.exp(tp.worth_exit_slope * worth)
    return np.where(T.rotation_until[ids] > 0, 0.0, np.minimum(p, 0.95))


def pay_response(st: CountyState, kind: np.ndarray, title: np.ndarray,
                 year: int) -> np.ndarray:
    """Allowance share of salary above the threshold, faded since the allowance last rose
    (Jiang & Yip 2024: little effect below ~15%, fading over the years). It depends on the
    school type and the title alone: worked out per pair, then looked up per teacher."""
    e, tp, lp = st.effects, st.params.teachers, st.params.levers
    types = np.arange(N_SCHOOL_TYPES)[:, None]
    pay = salary(st.params)
    share = (e.allowance[types] + e.transport_yuan * (types >= TOWN_SEAT)) / pay
    since = year - e.allowance_rise_year[types]
    fade = lp.allowance_fade_floor + (1 - lp.allowance_fade_floor) * np.exp(
        -since / lp.allowance_fade_years)
    table = np.maximum(0.0, share - tp.allowance_threshold) * fade
    return table.ravel()[kind * pay.size + title]


def _signal(st: CountyState, ids: np.ndarray, talent: np.ndarray, year: int, key: int):
    """What a hiring school sees of a candidate's effectiveness: a noisy signal."""
    rho = st.params.teachers.hiring_signal
    noise = st.streams.generator("teacher_move", year * 10 + key).standard_normal(ids.size)
    sd = st.params.learning.teacher_sd
    return rho * talent / sd + np.sqrt(1 - rho**2) * noise


def _vacancy_slots(st: CountyState, kinds: tuple[int, ...]) -> np.ndarray:
    """One entry per vacant post at schools of ``kinds``, in hiring order."""
    c = st.county
    vacancy = np.maximum(st.schools.required - st.teachers.posts(c.n_schools), 0)
    order = st.schools.orders.get(kinds)
    if order is None:  # kept until a school closes
        rank = np.full(N_SCHOOL_TYPES, len(kinds))
        rank[list(kinds)] = np.arange(len(kinds))
        order = np.flatnonzero(st.schools.open & (rank[c.school_type] < len(kinds)))
        order = order[np.argsort(rank[c.school_type[order]], kind="stable")]  # kind, index
        st.schools.orders[kinds] = order
    return np.repeat(order, vacancy[order])


def _transfer_up(st: CountyState, requests: np.ndarray, year: int) -> np.ndarray:
    """County-seat vacancies go to the requesting rural teachers who look most effective."""
    T = st.teachers
    slots = _vacancy_slots(st, (URBAN_QUALITY, URBAN_ORDINARY))
    if requests.size == 0 or slots.size == 0:
        return np.empty(0, np.int64)
    signal = _signal(st, requests, effectiveness(st, requests, year), year, 0)
    best = requests[np.argsort(-signal, kind="stable")][: slots.size]
    T.post(best, slots[: best.size])
    return best


def _move_to_town_seat(st: CountyState, requests: np.ndarray, year: int) -> np.ndarray:
    """Village and teaching-point teachers whose request found no county-seat post take
    town-seat vacancies, the most common upward move (CRED 2013-14); town seats pick the
    applicants who look most effective."""
    T, c = st.teachers, st.county
    requests = requests[of_types(c.school_type[T.home_school[requests]], (VILLAGE, TEACHING_POINT))]
    slots = _vacancy_slots(st, (TOWN_SEAT,))
    if requests.size == 0 or slots.size == 0:
        return np.empty(0, np.int64)
    signal = _signal(st, requests, effectiveness(st, requests, year), year, TOWN_SEAT_SIGNAL)
    best = requests[np.argsort(-signal, kind="stable")][: slots.size]
    T.post(best, slots[: best.size])
    return best


def _redeploy(st: CountyState, year: int) -> int:
    """Move part of the surplus at over-staffed (or closed) schools to vacancies in the same
    sector (rural to rural, county seat to county seat), neediest schools first."""
    T, c, tp = st.teachers, st.county, st.params.teachers
    act = T.active()
    act = act[T.rotation_until[act] == 0]
    sch = T.home_school[act]
    staff = np.bincount(sch, minlength=c.n_schools)
    tolerated = np.ceil(st.schools.required * (1 + tp.surplus_tolerance))
    surplus = np.maximum(staff - tolerated, 0)
    movable = np.where(st.schools.open, np.floor(surplus * tp.redeploy_rate), staff)
    if movable.sum() == 0:
        return _rehouse_closed_school_staff(st)
    u = st.streams.uniform("redeploy", year, T.n)[act]
    candidates = act[admitted(sch, u, movable)]
    moved = 0
    for sector in (HIRING_ORDER[:2], HIRING_ORDER[2:]):
        slots = _vacancy_slots(st, sector[::-1])
        movers = candidates[of_types(c.school_type[T.home_school[candidates]], sector)]
        movers = movers[: slots.size]
        T.post(movers, slots[: movers.size])
        moved += movers.size
    return moved + _rehouse_closed_school_staff(st)


def _rehouse_closed_school_staff(st: CountyState) -> int:
    """Teachers of a closed school left without a vacancy keep their post (编制) at the nearest
    open rural school of the same town."""
    T, c = st.teachers, st.county
    act = T.active()
    stranded = act[~st.schools.open[T.home_school[act]] & (T.rotation_until[act] == 0)]
    if stranded.size == 0:
        return 0
    closed = np.unique(T.home_school[stranded])
    d = np.hypot(c.school_x[closed, None] - c.school_x[None, :],
                 c.school_y[closed, None] - c.school_y[None, :])
    fits = (st.schools.open & (c.school_type >= TOWN_SEAT))[None, :] \
        & (c.school_town[closed, None] == c.school_town[None, :])
    target = np.where(fits, d, np.inf).argmin(axis=1)
    dest = target[np.searchsorted(closed, T.home_school[stranded])]
    T.post(stranded, dest)
    return int(stranded.size)


def _recruit(st: CountyState, year: int) -> int:
    """Fill vacancies with new graduates; remote posts are filled only in part."""
    T, c, tp = st.teachers, st.county, st.params.teachers
    slots = _vacancy_slots(st, HIRING_ORDER)
    if slots.size == 0:
        return 0
    kind = c.school_type[slots]
    fill = by_type({TOWN_SEAT: tp.fill_rate_town_seat, VILLAGE: tp.fill_rate_village,
                    TEACHING_POINT: tp.fill_rate_teaching_point})[kind]
    # a school left without any teacher fills its vacancies (its pupils are never untaught)
    fill = np.where(T.posts(c.n_schools)[slots] == 0, 1.0, fill)
    # a rural allowance above the threshold draws more graduates to rural posts
    fill = np.minimum(1.0, fill + st.params.levers.allowance_fill_slope
                      * pay_response(st, kind, np.zeros(kind.size, np.int64), year))
    g = st.streams.generator("recruit", year)
    slots = slots[g.random(slots.size) < fill]
    n_new = slots.size
    pool = int(np.ceil(n_new * tp.candidates_per_post))
    talent = g.normal(0.0, st.params.learning.teacher_sd, pool)
    signal = _signal(st, np.arange(pool), talent, year, 1)
    hired = talent[np.argsort(-signal, kind="stable")][:n_new]
    new = T.add(n_new)
    rural = c.school_type[slots] >= TOWN_SEAT
    T.post(new, slots)
    T.rotation_until[new] = 0
    binding = st.effects.binding_years
    T.bound_until[new] = np.where(rural & (binding > 0), year + binding - 1, 0)
    T.shortage_subject[new] = g.random(n_new) < tp.shortage_subject_share
    T.talent[new] = hired
    age = g.integers(22, 26, n_new)
    T.birth_year[new] = year - age
    T.birth_month[new] = g.integers(0, 12, n_new)
    T.female[new] = g.random(n_new) < NEW_TEACHER_FEMALE
    T.bachelor[new] = g.random(n_new) < np.where(rural, tp.new_bachelor_rural,
                                                 tp.new_bachelor_urban)
    T.title[new] = UNTITLED
    T.title_year[new] = year
    T.start_year[new] = year
    T.rural_years[new] = 0
    return n_new


def _promote(st: CountyState, year: int) -> None:
    """Titles after enough years; senior posts only where the school's quota has room. With
    directed evaluation, long-serving rural teachers are promoted outside the quota; with the
    rural-year rule, county-seat teachers need a rural year before a senior title."""
    T, tp, e = st.teachers, st.params.teachers, st.effects
    act = T.active()
    u = st.streams.uniform("promotion", year, T.n)[act]
    draw = u < tp.promotion_rate
    title = T.title[act].copy()  # this year's titles: one step per year at most
    due = (title < SENIOR) & (year - T.title_year[act] >= tp.years_per_title) & draw
    junior = act[due & (title < LEVEL1)]
    T.title[junior] += 1
    T.title_year[junior] = year
    senior_ok = due & (title == LEVEL1) & T.bachelor[act]
    if e.senior_needs_rural_year:
        senior_ok &= ~st.county.is_urban_school[T.home_school[act]] | (T.rural_years[act] > 0)
    cand = act[senior_ok]
    free = _senior_quota(st) - _seniors(st)
    up = cand[admitted(T.home_school[cand], T.start_year[cand], free)]  # most experienced first
    T.title[up] = SENIOR
    T.title_year[up] = year
    if e.title_years is not None:
        level1_years, senior_years = e.title_years
        rural = is_rural(st.county.school_type)[T.home_school[act]] & draw & (T.title_year[act] < year)
        to_level1 = _longest_serving(T, act[rural & (T.title[act] < LEVEL1)
                                            & (T.rural_years[act] >= level1_years)],
                                     e.titles_per_year)
        to_senior = _longest_serving(T, act[rural & (T.title[act] == LEVEL1)
                                            & (T.rural_years[act] >= senior_years)],
                                     e.titles_per_year)
        pay = salary(st.params)
        T.directed_gain[to_level1] += pay[LEVEL1] - pay[T.title[to_level1]]
        T.directed_gain[to_senior] += pay[SENIOR] - pay[LEVEL1]
        T.title[to_level1] = LEVEL1
        T.title[to_senior] = SENIOR
        T.title_year[np.concatenate([to_level1, to_senior])] = year


def _longest_serving(T: Teachers, ids: np.ndarray, cap: int | None) -> np.ndarray:
    """At most ``cap`` of ``ids``, those with the most rural years first (all without a cap)."""
    if cap is None or ids.size <= cap:
        return ids
    return ids[np.argsort(-T.rural_years[ids], kind="stable")[:cap]]


def _senior_quota(st: CountyState) -> np.ndarray:
    tp = st.params.teachers
    enr = st.schools.enrolled.astype(float)
    total = np.maximum(enr.sum(axis=1), 1)
    share = (enr[:, 0] * tp.senior_share_primary + enr[:, 1] * tp.senior_share_middle) / total
    return np.round(share * st.schools.required).astype(np.int64)


def _seniors(st: CountyState) -> np.ndarray:
    T = st.teachers
    act = T.active()
    return np.bincount(T.home_school[act][T.title[act] == SENIOR], minlength=st.county.n_schools)


def _enforce_senior_quota(st: CountyState, year: int, exempt: np.ndarray | None = None) -> None:
    """At the start, seniors beyond a school's quota hold level-1 posts (youngest first);
    schools whose roster gives their seniors (``exempt``) keep them."""
    T = st.teachers
    act = T.active()
    senior = act[T.title[act] == SENIOR]
    if exempt is not None:
        senior = senior[~exempt[T.home_school[senior]]]
    keep = senior[admitted(T.home_school[senior], T.start_year[senior], _senior_quota(st))]
    T.title[np.setdiff1d(senior, keep)] = LEVEL1


def _upgrade_degrees(st: CountyState, year: int) -> None:
    """Non-graduates under 50 complete a degree at the status-quo rate; rural teachers at the
    degree-upgrading lever's rate where it is higher (those above the status-quo draw are the
    degrees the lever pays for)."""
    T, tp = st.teachers, st.params.teachers
    act = T.active()
    u = st.streams.uniform("upgrade", year, T.n)[act]
    can = ~T.bachelor[act] & (year - T.birth_year[act] < 50)
    rate = np.full(act.size, tp.degree_upgrade_rate)
    rural = is_rural(st.county.school_type)[T.home_school[act]]
    rate[rural] = np.maximum(rate[rural], st.effects.degree_upgrade_rate)
    up = can & (u < rate)
    st.now.funded_degrees = int(np.count_nonzero(up & (u >= tp.degree_upgrade_rate)))
    T.bachelor[act[up]] = True


def _appoint_principals(st: CountyState, year: int) -> None:
    """Schools without a principal (or whose principal's tenure is over) appoint one: with the
    rotation lever's principal exchange, rural principals serve at most two terms and part of
    the rural vacancies go to young county-seat teachers posted there; otherwise the school's
    highest-titled, most experienced teacher under 55 is appointed."""
    T, c = st.teachers, st.county
    staffed = np.bincount(T.school[T.active()], minlength=c.n_schools) > 0
    _appoint_heads(st, year, T.principal_since, st.schools.open & staffed, "principal")


def _appoint_vice_principals(st: CountyState, year: int) -> None:
    """Schools with at least ``vice_principal_min_staff`` teachers have a vice-principal, who
    is appointed, exchanged and replaced as principals are (seed 001 task 4 counts both)."""
    T, c, tp = st.teachers, st.county, st.params.teachers
    staff = np.bincount(T.school[T.active()], minlength=c.n_schools)
    _appoint_heads(st, year, T.vice_since,
                   st.schools.open & (staff >= tp.vice_principal_min_staff), "vice")


def _appoint_heads(st: CountyState, year: int, since_of: np.ndarray, entitled: np.ndarray,
                   role: str) -> None:
    """Schools ``entitled`` to a head of ``role`` without one (or whose head's tenure is over)
    appoint one (``since_of``: the year each teacher took the role, 0 if not)."""
    T, c, tp, e = st.teachers, st.county, st.params.teachers, st.effects
    act = T.active()
    since = since_of[act]
    rural = is_rural(c.school_type)[T.school[act]]
    tenure = np.where(rural & (e.principal_term_years > 0),
                      min(tp.principal_max_tenure, e.principal_term_years or 99),
                      tp.principal_max_tenure)
    expired = (since > 0) & (year - since >= tenure)
    since_of[act[expired]] = 0
    has = np.bincount(T.school[act][since_of[act] > 0], minlength=c.n_schools) > 0
    need = entitled & ~has
    if e.young_principal_share > 0:
        need &= ~rotation.post_young_principals(st, need & is_rural(c.school_type), year, role)
    free = (T.principal_since[act] == 0) & (T.vice_since[act] == 0)
    local = act[(T.rotation_until[act] == 0) & ~expired & free & (year - T.birth_year[act] < 55)]
    cand = local[need[T.home_school[local]]]
    if cand.size == 0:
        return
    sch = T.home_school[cand]
    order = np.lexsort((T.start_year[cand], -T.title[cand].astype(np.int64), sch))
    s_sorted = sch[order]
    first = np.concatenate([[True], s_sorted[1:] != s_sorted[:-1]])
    since_of[cand[order[first]]] = year


def update_school_staff(st: CountyState, year: int,
                        teachers_own: np.ndarray | None = None) -> None:
    """Per-school staff count and value added (teachers, staffing, facilities).
    ``teachers_own``: the own effectiveness of the teachers at work, when the caller has just
    worked it out."""
    T, c, lp, sp = st.teachers, st.county, st.params.learning, st.params.staffing
    act = T.active()
    sch = T.school[act]
    n = c.n_schools
    staff = np.bincount(sch, minlength=n)
    # a substitute covers each post left by a teacher away on rotation (a first-year teacher of
    # average talent), so the sending school is neither emptied nor counted as whole
    away = act[(T.rotation_until[act] > 0) & (sch != T.home_school[act])]
    cover = np.bincount(T.home_school[away], minlength=n)
    teaching = staff + cover
    eff = (np.bincount(sch, weights=effectiveness(st, act, year, teachers_own), minlength=n)
           - cover * lp.novice_penalty)
    mean_eff = np.divide(eff, teaching, out=np.zeros(n), where=teaching > 0)
    enr = st.schools.enrolled.astype(float)
    pupils = enr.sum(axis=1)
    norm = np.divide(enr[:, 0] * sp.ptr_primary + enr[:, 1] * sp.ptr_middle, pupils,
                     out=np.full(n, sp.ptr_primary), where=pupils > 0)
    ptr = np.divide(pupils, teaching, out=np.full(n, 5 * sp.ptr_primary), where=teaching > 0)
    crowding = np.log(np.clip(ptr / norm, 1.0, 5.0))
    own = (mean_eff - lp.understaffing_penalty * crowding
           + lp.resources_effect * (st.schools.facilities - 1.0))
    # pairing and digital classrooms add value up to the urban quality schools' own level
    quality = (c.school_type == URBAN_QUALITY) & (pupils > 0)
    if quality.any():  # np.average's arithmetic, without its overhead
        w = pupils[quality]
        reference = np.multiply(own[quality], w).sum() / w.sum()
    else:
        reference = own.max()
    lever = np.minimum(st.effects.value_added, np.maximum(reference - own, 0.0))
    st.schools.staff = staff
    st.schools.cover = cover
    st.schools.posts = T.posts(n)
    st.schools.has_shortage_teacher = np.bincount(sch[T.shortage_subject[act]], minlength=n) > 0
    st.schools.value_added = own + lever
