"""Urban-rural teacher rotation as it happens during the labour market: finished rotations come
back, this year's rotating teachers leave for rural hosts, backbone teachers raise their host
colleagues' effectiveness, and young county-seat teachers are posted as rural principals.

What the rotation lever decides (how many, who is eligible, for how long) arrives through
``Effects`` (set by ``sim.policies.rotation``). Rotated teachers keep their home post (posts,
vacancies, redeployment and title quotas count them there) but teach where they are sent
(staff numbers, pupil-teacher ratios, value added and the outcome columns count them at the
host).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..kinds import LEVEL1, LEVEL2, TOWN_SEAT

if TYPE_CHECKING:
    from ..state import CountyState

MAX_BACKBONE_PER_HOST = 3  # backbone teachers whose growth effect counts at one host (ODD)
HOST_SHARE = 6  # a host takes rotated teachers up to a sixth of its staff (ODD)
YOUNG_PRINCIPAL_AGE = 45  # seed 001 task 4: reserve principals under 45


def rotate(st: CountyState, year: int) -> None:
    """Bring back finished rotations, then send this year's teachers (flow ``rotated_out``)."""
    T, c, e = st.teachers, st.county, st.effects
    st.now.flows["rotated_out"] = 0
    if e.rotation_level <= 0 and st.levers.n_rotating == 0:
        return
    act = T.active()
    back = act[(T.rotation_until[act] > 0) & (T.rotation_until[act] < year)]
    T.school[back] = T.home_school[back]
    T.rotation_until[back] = 0
    T.end_headship(back)
    T.backbone[back] = False
    st.levers.n_rotating = int(np.count_nonzero(T.rotation_until[act] > 0))
    if e.rotation_level <= 0:
        _host_growth(st)
        return
    age = year - T.birth_year[act]
    urban_home = c.is_urban_school[T.home_school[act]]
    max_men, max_women = e.rotation_max_age
    young = age < np.where(T.female[act], max_women, max_men)
    eligible = act[urban_home & young & (T.rotation_until[act] == 0)
                   & (T.title[act] >= LEVEL2)]
    n = int(round(e.rotation_share * eligible.size))
    due = np.empty(0, np.int64)
    if e.senior_needs_rural_year:
        tp = st.params.teachers
        due = eligible[(T.title[eligible] == LEVEL1) & T.bachelor[eligible]
                       & (year - T.title_year[eligible] >= tp.years_per_title)
                       & (T.rural_years[eligible] == 0)]
    n_backbone = int(round(e.rotation_backbone_share * n))
    backbone = eligible[observed_merit_order(st, eligible)][:n_backbone]
    taken = np.zeros(T.n, bool)
    taken[backbone] = True
    due = due[~taken[due]]
    taken[due] = True
    rest = eligible[~taken[eligible]]
    u = st.streams.uniform("rotation", year, T.n)[rest]
    others = rest[np.argsort(u, kind="stable")][: max(n - n_backbone - due.size, 0)]
    movers = np.concatenate([backbone, due, others])
    hosts = _host_slots(st, movers.size)
    movers = movers[: hosts.size]
    T.school[movers] = hosts
    T.rotation_until[movers] = year + e.rotation_years - 1
    T.end_headship(movers)
    T.backbone[movers[: min(backbone.size, hosts.size)]] = True
    st.levers.n_rotating += movers.size
    _host_growth(st)
    st.now.flows["rotated_out"] = int(movers.size)


def post_young_principals(st: CountyState, vacant: np.ndarray, year: int,
                          role: str = "principal") -> np.ndarray:
    """Post young county-seat teachers (under 45, titled; the highest title, then the youngest,
    first) as principals (``role``: or vice-principals) of a share of the vacant rural
    headships, weakest schools first (seed 001 task 4: 到乡村担任校长（副校长）). Returns the
    schools filled."""
    T, c = st.teachers, st.county
    schools = np.flatnonzero(vacant)
    k = int(round(st.effects.young_principal_share * schools.size))
    if k == 0:
        return np.zeros(c.n_schools, bool)
    schools = schools[np.argsort(st.schools.value_added[schools], kind="stable")][:k]
    act = T.active()
    pool = act[c.is_urban_school[T.home_school[act]] & (T.rotation_until[act] == 0)
               & (T.principal_since[act] == 0) & (T.vice_since[act] == 0)
               & (year - T.birth_year[act] < YOUNG_PRINCIPAL_AGE)
               & (T.title[act] >= LEVEL2)]
    # reserve principals: the highest title, then the youngest (a full term under 45)
    chosen = pool[np.lexsort((-T.birth_year[pool].astype(np.int64),
                              -T.title[pool].astype(np.int64)))][: schools.size]
    schools = schools[: chosen.size]
    T.school[chosen] = schools
    T.rotation_until[chosen] = year + st.levers.principal_rotation_years - 1
    (T.principal_since if role == "principal" else T.vice_since)[chosen] = year
    st.levers.n_rotating += chosen.size
    filled = np.zeros(c.n_schools, bool)
    filled[schools] = True
    return filled


def observed_merit_order(st: CountyState, ids: np.ndarray) -> np.ndarray:
    """Order of ``ids`` as a county ranks teachers it can observe: highest title first, then the
    longest experience (backbone teachers, 骨干教师, are named on titles, awards and years; true
    effectiveness is not observed)."""
    T = st.teachers
    return np.lexsort((T.start_year[ids], -T.title[ids].astype(np.int64)))


def _host_growth(st: CountyState) -> None:
    """Backbone teachers move their host colleagues toward the mentor level while they are
    there (bounded support gains, ``stages.labour``)."""
    T = st.teachers
    act = T.active()
    hosts = T.school[act[T.backbone[act]]]
    present = np.bincount(hosts, minlength=st.county.n_schools)
    st.effects.support_rate += (st.params.levers.rotation_host_convergence
                                * np.minimum(present, MAX_BACKBONE_PER_HOST))


def _host_slots(st: CountyState, n: int) -> np.ndarray:
    """Rural schools with the weakest value added first, up to a sixth of their staff each."""
    c = st.county
    rural = np.flatnonzero(st.schools.open & (c.school_type >= TOWN_SEAT)
                           & (st.schools.enrolled.sum(axis=1) > 0))
    order = rural[np.argsort(st.schools.value_added[rural], kind="stable")]
    room = np.maximum(1, np.ceil(st.schools.staff[order] / HOST_SHARE)).astype(np.int64)
    return np.repeat(order, room)[:n]
