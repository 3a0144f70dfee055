"""Urban-rural teacher rotation (seed 000 四; seed 001 task 4; seed 002 三.二; seed 003: 4,000 a
year): a share of eligible county-seat teachers, a fifth of them backbone teachers, teach at
rural schools for a few years and then return to their post.

Rotated teachers keep their home post (posts, vacancies, redeployment and title quotas count
them there) but teach where they are sent (staff numbers, pupil-teacher ratios, value added and
the outcome columns count them at the host), so they raise the host school's value added and
leave their home school short for a while; backbone teachers also raise their host colleagues'
effectiveness while they stay. With ``senior_needs_rural_year`` a county-seat teacher cannot become
senior without a rural year, so those due for promotion ask to rotate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from ..kinds import TOWN_SEAT
from .timeline import Lever

if TYPE_CHECKING:
    from ..model import CountyModel


class Rotation(Lever):
    share: float = Field(0.10, ge=0, le=0.5,
                         description="eligible county-seat teachers sent per year (>= 10%)")
    backbone_share: float = Field(0.20, ge=0, le=1,
                                  description="backbone teachers among them (>= 20%)")
    duration_years: int = Field(2, ge=1, le=6, description="years a rotation lasts")
    max_age_men: int = Field(50, ge=30, le=63, description="eligible below this age (men)")
    max_age_women: int = Field(45, ge=30, le=58, description="eligible below this age (women)")
    senior_needs_rural_year: bool = Field(
        False, description="a senior title needs a year of rural service (seed 000)")
    principal_term_years: int = Field(
        0, ge=0, le=20, description="rural principals exchanged after this many years, e.g. 6 "
        "for two terms (seed 001 task 4); 0: not applied")
    young_principal_share: float = Field(
        0.0, ge=0, le=1, description="share of rural principal vacancies filled by young (< 45) "
        "county-seat reserve principals (seed 001 task 4: >= 50% under 45 by 2027)")


def apply(model: CountyModel, lever: Rotation, level: float, year: int) -> None:
    e = model.effects
    e.senior_needs_rural_year = level > 0 and lever.senior_needs_rural_year
    if level > 0:
        e.principal_term_years = lever.principal_term_years
        e.young_principal_share = level * lever.young_principal_share
        model.principal_rotation_years = lever.principal_term_years or lever.duration_years


def post_young_principals(model: CountyModel, vacant: np.ndarray, year: int) -> np.ndarray:
    """Post young county-seat teachers (under 45, titled, most effective first) as principals
    of a share of the vacant rural headships, weakest schools first. Returns the schools
    filled."""
    T, c = model.teachers, model.county
    schools = np.flatnonzero(vacant)
    k = int(round(model.effects.young_principal_share * schools.size))
    if k == 0:
        return np.zeros(c.n_schools, bool)
    schools = schools[np.argsort(model.value_added[schools], kind="stable")][:k]
    act = T.active()
    pool = act[c.is_urban_school[T.home_school[act]] & (T.rotation_until[act] == 0)
               & (T.principal_since[act] == 0) & (year - T.birth_year[act] < 45)
               & (T.title[act] >= 1)]
    chosen = pool[np.argsort(-T.talent[pool], kind="stable")][: schools.size]
    schools = schools[: chosen.size]
    T.school[chosen] = schools
    T.rotation_until[chosen] = year + model.principal_rotation_years - 1
    T.principal_since[chosen] = year
    model.rotating += chosen.size
    filled = np.zeros(c.n_schools, bool)
    filled[schools] = True
    return filled


def rotate(model: CountyModel, lever: Rotation, level: float, year: int) -> int:
    """Bring back finished rotations, then send this year's teachers. Returns how many go."""
    T, c = model.teachers, model.county
    if level <= 0 and model.rotating == 0:
        return 0
    act = T.active()
    back = act[(T.rotation_until[act] > 0) & (T.rotation_until[act] < year)]
    T.school[back] = T.home_school[back]
    T.rotation_until[back] = 0
    T.principal_since[back] = 0
    T.backbone[back] = False
    model.rotating = int((T.rotation_until[act] > 0).sum())
    if level <= 0:
        _host_growth(model)
        return 0
    age = year - T.birth_year[act]
    urban_home = c.is_urban_school[T.home_school[act]]
    young = age < np.where(T.female[act], lever.max_age_women, lever.max_age_men)
    eligible = act[urban_home & young & (T.rotation_until[act] == 0) & (T.title[act] >= 1)]
    n = int(round(level * lever.share * eligible.size))
    due = np.empty(0, np.int64)
    if lever.senior_needs_rural_year:
        tp = model.params.teachers
        due = eligible[(T.title[eligible] == 2) & T.bachelor[eligible]
                       & (year - T.title_year[eligible] >= tp.years_per_title)
                       & (T.rural_years[eligible] == 0)]
    n_backbone = int(round(lever.backbone_share * n))
    backbone = eligible[np.argsort(-T.talent[eligible], kind="stable")][:n_backbone]
    taken = np.zeros(T.n, bool)
    taken[backbone] = True
    due = due[~taken[due]]
    taken[due] = True
    rest = eligible[~taken[eligible]]
    u = model.streams.uniform("rotation", year, T.n)[rest]
    others = rest[np.argsort(u, kind="stable")][: max(n - n_backbone - due.size, 0)]
    movers = np.concatenate([backbone, due, others])
    hosts = _host_slots(model, movers.size)
    movers = movers[: hosts.size]
    T.school[movers] = hosts
    T.rotation_until[movers] = year + lever.duration_years - 1
    T.principal_since[movers] = 0
    T.backbone[movers[: min(backbone.size, hosts.size)]] = True
    model.rotating += movers.size
    _host_growth(model)
    return movers.size


def _host_growth(model: CountyModel) -> None:
    """Backbone teachers raise their host colleagues' effectiveness while they are there."""
    T = model.teachers
    act = T.active()
    hosts = T.school[act[T.backbone[act]]]
    present = np.bincount(hosts, minlength=model.county.n_schools)
    model.effects.teacher_growth += model.params.levers.rotation_host_growth * np.minimum(present, 3)


def _host_slots(model: CountyModel, n: int) -> np.ndarray:
    """Rural schools with the weakest value added first, up to a sixth of their staff each."""
    c = model.county
    rural = np.flatnonzero(model.school_open & (c.school_type >= TOWN_SEAT)
                           & (model.enrolled.sum(axis=1) > 0))
    order = rural[np.argsort(model.value_added[rural], kind="stable")]
    room = np.maximum(1, np.ceil(model.staff[order] / 6)).astype(np.int64)
    return np.repeat(order, room)[:n]


def cost(model: CountyModel, lever: Rotation, level: float, year: int) -> float:
    return float(model.rotating * model.params.levers.rotation_yuan_year)
