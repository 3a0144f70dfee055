"""The model's state, all of it, in one place.

``CountyState`` is everything a county carries from one stage to the next: the inputs (scenario,
parameters, geography), the individuals (``Students``, ``Teachers``: struct-of-arrays, one slot
per person, never deleted), the per-school arrays (``SchoolState``), the last exam
(``ExamState``), the places' school options (``PlaceOptions``), what the levers set for the
stages (``Effects``) and keep for themselves (``LeverState``), this year's scratch (``YearState``,
replaced at the start of every year) and what is kept for the outputs (``History``).

Every container is a slotted dataclass: assigning a misspelt attribute raises, and mypy checks
every access. The Mesa model (``sim.model.CountyModel``) builds the state once and runs the
stages over it; stages and levers change arrays in place or assign declared fields, and never
add attributes.

Students are allocated up front, one contiguous block of ids per entry cohort (cohorts are
exogenous: births), so the students of a school year are the id window of the last nine cohorts
and every stage works on slices of it. Leaving is a status change, which is what makes the
conservation identity (entered = enrolled + graduated + dropped out + moved away) checkable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .kinds import N_SCHOOL_TYPES, STUDENT_STATUS, TEACHER_STATUS, TEACHING

if TYPE_CHECKING:
    from .budget import Spending
    from .classes import ClassTables
    from .county import County
    from .parameters import Parameters
    from .rng import Streams
    from .scenario import Scenario

NEVER = -10_000  # year of an event that has not happened (allowance rises)


@dataclass(slots=True)
class Students:
    """One slot per child of every entry cohort of the run (see the module docstring).
    Indices (school, place, town) are ``intp``: numpy converts a narrower index array at every
    gather, which made those gathers twice as slow."""

    status: np.ndarray  # int8, StudentStatus
    place: np.ndarray  # intp, home place (changes when the family moves to the county seat)
    hukou_rural: np.ndarray  # bool, local rural hukou (fixed at entry)
    hukou_town: np.ndarray  # intp, town of the hukou (-1: county seat), fixed at entry
    hukou: np.ndarray  # intp, (hukou_town + 1) * 2 + hukou_rural: both as one index
    female: np.ndarray  # bool
    home_kind: np.ndarray  # int8, PlaceKind of the home place at entry (fixed)
    ever_boarded: np.ndarray  # bool
    ever_county_seat: np.ndarray  # bool, ever enrolled at a county-seat school
    quality_senior: np.ndarray  # bool, admitted to a quality senior high after grade 9
    grade: np.ndarray  # int8, 1-9 while enrolled
    ses: np.ndarray  # float32, family background (SD units, county rural mean 0)
    left_behind: np.ndarray  # bool
    z: np.ndarray  # float32, achievement (SD units)
    family: np.ndarray  # float64, the level achievement drifts to from the family (fixed)
    school: np.ndarray  # intp, current school; n_schools when not enrolled
    distance: np.ndarray  # float32, road km from home to the current school (0: none)
    boarding: np.ndarray  # bool
    cohort_years: np.ndarray  # entry years, ascending
    cohort_start: np.ndarray  # first id of each cohort, plus the end
    # each year's window, worked out once (the stages ask for it about a dozen times a year)
    _windows: dict[int, slice] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def allocate(cls, n: int, cohort_years: np.ndarray, cohort_sizes: np.ndarray,
                 n_schools: int) -> Students:
        start = np.concatenate([[0], np.cumsum(cohort_sizes)]).astype(np.int64)
        assert start[-1] == n
        return cls(status=np.zeros(n, np.int8), place=np.zeros(n, np.intp),
                   hukou_rural=np.zeros(n, bool), hukou_town=np.zeros(n, np.intp),
                   hukou=np.zeros(n, np.intp),
                   female=np.zeros(n, bool), home_kind=np.zeros(n, np.int8),
                   ever_boarded=np.zeros(n, bool), ever_county_seat=np.zeros(n, bool),
                   quality_senior=np.zeros(n, bool),
                   grade=np.zeros(n, np.int8), ses=np.zeros(n, np.float32),
                   left_behind=np.zeros(n, bool), z=np.zeros(n, np.float32),
                   family=np.zeros(n, np.float64),
                   school=np.full(n, n_schools, np.intp), distance=np.zeros(n, np.float32),
                   boarding=np.zeros(n, bool),
                   cohort_years=np.asarray(cohort_years), cohort_start=start)

    def __len__(self) -> int:
        return len(self.status)

    def cohort_slice(self, first_year: int, last_year: int) -> slice:
        """Ids of the cohorts that entered school from ``first_year`` to ``last_year``."""
        years = self.cohort_years
        i0 = int(np.searchsorted(years, first_year, "left"))
        i1 = int(np.searchsorted(years, last_year, "right"))
        return slice(int(self.cohort_start[i0]), int(self.cohort_start[i1]))

    def window(self, year: int) -> slice:
        """Everyone of compulsory school age in ``year`` (entered in the last nine years)."""
        win = self._windows.get(year)
        if win is None:
            win = self._windows[year] = self.cohort_slice(year - 8, year)
        return win

    def status_counts(self) -> dict[str, int]:
        counts = np.bincount(self.status, minlength=len(STUDENT_STATUS))
        return dict(zip(STUDENT_STATUS, map(int, counts)))


# Teachers' fields and their dtypes, in one table (the arrays grow together).
TEACHER_FIELDS: dict[str, type] = {
    "status": np.int8,  # TeacherStatus
    "birth_year": np.int16,
    "birth_month": np.int8,  # 0 = January
    "female": np.bool_,
    "bachelor": np.bool_,
    "title": np.int8,  # Title
    "title_year": np.int16,  # year the current title was reached
    "talent": np.float32,  # effectiveness net of experience (SD of student gain / year)
    "support": np.float32,  # effectiveness gained from mentoring, pairing, training (bounded)
    "start_year": np.int16,  # first year of teaching
    "school": np.intp,  # where the teacher teaches this year
    "home_school": np.intp,  # the post (differs from school during a rotation)
    "rotation_until": np.int16,  # last year of a rotation; 0 when not rotating
    "bound_until": np.int16,  # last year of a rural service binding; 0 if none
    "shortage_subject": np.bool_,  # teaches a shortage subject (music, art, PE, IT...)
    "backbone": np.bool_,  # on rotation as a backbone teacher
    "rural_years": np.int16,  # years taught at rural schools
    "principal_since": np.int16,  # year appointed principal; 0 if not a principal
    "vice_since": np.int16,  # year appointed vice-principal; 0 if not one
    "directed_gain": np.float32,  # monthly salary gained through directed titles (yuan)
}


@dataclass(slots=True)
class Teachers:
    """One slot per teacher ever employed; ``n`` slots are in use, the rest is room to grow.
    The fields are those of ``TEACHER_FIELDS``."""

    status: np.ndarray
    birth_year: np.ndarray
    birth_month: np.ndarray
    female: np.ndarray
    bachelor: np.ndarray
    title: np.ndarray
    title_year: np.ndarray
    talent: np.ndarray
    support: np.ndarray
    start_year: np.ndarray
    school: np.ndarray
    home_school: np.ndarray
    rotation_until: np.ndarray
    bound_until: np.ndarray
    shortage_subject: np.ndarray
    backbone: np.ndarray
    rural_years: np.ndarray
    principal_since: np.ndarray
    vice_since: np.ndarray
    directed_gain: np.ndarray
    n: int = 0  # slots in use
    # ids of the teachers at work, kept until a status changes (set_status, add): the stages
    # ask for them a couple of dozen times a year; and their posts per school, kept until a
    # status or a post changes
    _active: np.ndarray | None = field(default=None, repr=False, compare=False)
    _posts: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def allocate(cls, capacity: int) -> Teachers:
        arrays: dict[str, np.ndarray] = {name: np.zeros(capacity, dtype)
                                         for name, dtype in TEACHER_FIELDS.items()}
        # mypy checks the arrays against every field, `n: int` too, though n is not passed (default 0)
        return cls(**arrays)  # type: ignore[arg-type]

    def add(self, count: int) -> slice:
        """Slots for ``count`` new teachers, growing the arrays when full (amortised)."""
        if self.n + count > len(self.status):
            grow = max(count, len(self.status) // 2)
            for name in TEACHER_FIELDS:
                arr = getattr(self, name)
                setattr(self, name, np.concatenate([arr, np.zeros(grow, arr.dtype)]))
        new = slice(self.n, self.n + count)
        self.n += count
        self.set_status(new, TEACHING)
        return new

    def set_status(self, ids: np.ndarray | slice, status: int) -> None:
        """The one way to change teachers' status, so that ``active`` stays true."""
        self.status[ids] = status
        self._active = self._posts = None

    def post(self, ids: np.ndarray | slice, school: np.ndarray) -> None:
        """Give ``ids`` a post at ``school`` and teach there (a new post ends a headship)."""
        self.school[ids] = school
        self.home_school[ids] = school
        self._posts = None
        self.end_headship(ids)

    def end_headship(self, ids: np.ndarray | slice) -> None:
        """``ids`` are no longer principals or vice-principals."""
        self.principal_since[ids] = 0
        self.vice_since[ids] = 0

    def active(self) -> np.ndarray:
        """Ids of the teachers at work (read-only: it is shared until a status changes)."""
        if self._active is None:
            self._active = np.flatnonzero(self.status[: self.n] == TEACHING)
            self._active.flags.writeable = False
        return self._active

    def posts(self, n_schools: int) -> np.ndarray:
        """Teachers at work whose post is at each school (read-only, shared until a post or a
        status changes)."""
        if self._posts is None or self._posts.size != n_schools:
            self._posts = np.bincount(self.home_school[self.active()], minlength=n_schools)
            self._posts.flags.writeable = False
        return self._posts

    def status_counts(self) -> dict[str, int]:
        counts = np.bincount(self.status[: self.n], minlength=len(TEACHER_STATUS))
        return dict(zip(TEACHER_STATUS[1:], map(int, counts[1:])))


@dataclass(slots=True)
class SchoolState:
    """Per-school arrays (length ``n_schools``) that change during a run. What does not change
    (type, grades, town, location) lives in ``County``."""

    open: np.ndarray  # bool
    closed_in: np.ndarray  # int16, year the school was closed (0: open)
    capacity: np.ndarray  # places (county-seat schools; inf where unlimited)
    beds: np.ndarray
    initial_beds: np.ndarray  # beds at the start (what the boarding lever adds to)
    beds_added: np.ndarray  # beds added by the boarding lever so far
    facilities: np.ndarray  # x provincial standard
    enrolled: np.ndarray  # int64 (n, 2): primary, middle
    boarders: np.ndarray  # this year's boarders
    travel_km: np.ndarray  # this year's total daily travel of its pupils (km)
    staff: np.ndarray  # teachers teaching here this year (rotated teachers at their host)
    cover: np.ndarray  # substitutes covering the posts of this school's teachers away on rotation
    posts: np.ndarray  # teachers whose post is here (rotated teachers at their home school)
    required: np.ndarray  # posts required by the staffing norms
    value_added: np.ndarray  # yearly gain (student SD): teachers, staffing, facilities, levers
    has_shortage_teacher: np.ndarray  # bool, a teacher of the shortage subjects
    difference_rate: np.ndarray  # against urban quality schools (NaN before an exam)
    quality_senior_rate: np.ndarray  # last graduates admitted to quality senior highs (share)
    central_village: np.ndarray  # bool, each town's largest village primary at the start
    # open schools of some kinds in hiring order (stages.labour), kept until a school closes
    orders: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict, repr=False,
                                                       compare=False)

    @classmethod
    def from_county(cls, county: County) -> SchoolState:
        n = county.n_schools
        return cls(open=np.ones(n, bool), closed_in=np.zeros(n, np.int16),
                   capacity=county.capacity.copy(), beds=np.nan_to_num(county.beds, nan=0.0),
                   initial_beds=np.zeros(n), beds_added=np.zeros(n),
                   facilities=county.facilities.astype(float),
                   enrolled=np.zeros((n, 2), np.int64), boarders=np.zeros(n, np.int64),
                   travel_km=np.zeros(n), staff=np.zeros(n, np.int64),
                   cover=np.zeros(n, np.int64),
                   posts=np.zeros(n, np.int64), required=np.zeros(n, np.int64),
                   value_added=np.zeros(n), has_shortage_teacher=np.ones(n, bool),
                   difference_rate=np.full(n, np.nan),
                   quality_senior_rate=np.full(n, np.nan),
                   central_village=np.zeros(n, bool))


@dataclass(slots=True)
class ExamState:
    """The last exam: mean achievement per school and stage, and the county's mean and SD
    (county exams are standardised on the year's own distribution)."""

    mean_z: np.ndarray  # (n, 2), NaN where nobody sat the exam
    count: np.ndarray  # (n, 2) students examined
    mean_share: float  # the county mean score as a share of full marks (得分率)
    county_mean: float = 0.0
    county_sd: float = 1.0

    @classmethod
    def empty(cls, n_schools: int, mean_share: float) -> ExamState:
        return cls(mean_z=np.full((n_schools, 2), np.nan),
                   count=np.zeros((n_schools, 2), np.int64), mean_share=mean_share)


@dataclass(slots=True)
class PlaceOptions:
    """The schools each place can choose among, by grade band (rebuilt when schools close).

    ``options[place, band, k]`` is the local, town-seat, county-seat ordinary and urban quality
    option (``n_schools`` where none); ``distance`` and ``urban`` have a last column for "no
    school", so lookups need no masking."""

    options: np.ndarray  # int32 (places, 3 bands, 4 kinds)
    distance: np.ndarray  # float32 (places, n_schools + 1)
    urban: np.ndarray  # bool (n_schools + 1)
    nearest_first: np.ndarray  # schools of each place by distance
    own_town_first: np.ndarray  # the rural schools of its town by distance, n_schools padded
    stale: bool = False  # schools closed since the options were built
    by_grade: np.ndarray | None = None  # the options by grade: 4 x (9 * place + grade - 1)
    cells: np.ndarray | None = None  # each option's school-stage cell: 4 x places x 3 bands
    # the options, beds and buses the journey terms were computed for
    journey_key: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    journey: tuple[np.ndarray, np.ndarray] | None = None  # (disutility, relocating)


@dataclass(slots=True)
class Effects:
    """What the levers change this year, in the terms the stages read: the contract between
    ``sim.policies`` (which write it at the start of each year) and ``sim.stages`` (which read
    it). With every lever off it holds the status quo, so the stages need no special case for
    "no policy". ``reset_year`` restores what levers set afresh every year; the allowance and
    the consolidation fields persist."""

    n_schools: int
    n_places: int
    allowance: np.ndarray  # yuan/month by school type
    allowance_rise_year: np.ndarray = field(init=False)  # last rise by type (for fading)
    closure_bus: np.ndarray = field(init=False)  # per place: bus since its school closed
    closure_lunch: np.ndarray = field(init=False)  # per place: lunch since its school closed
    bus: np.ndarray = field(init=False)  # per place: school bus this year (closures, transport)
    lunch: np.ndarray = field(init=False)  # per place: school lunch this year
    lost_school: np.ndarray = field(init=False)  # per place: its local school was closed
    transport_yuan: float = 0.0  # monthly transport allowance of rural teachers
    housing_share: float = 0.0  # rural teachers offered turnover housing
    min_board_grade: int | None = None  # policy override of the youngest boarding grade
    dorm_quality: float = 0.0  # 0-1: how much dormitory staffing offsets young boarders' loss
    value_added: np.ndarray = field(init=False)  # per school: pairing, digital classrooms
    support_rate: np.ndarray = field(init=False)  # per school: share of the teachers' support
    # headroom closed this year (pairing, training, rotation hosts); 0: support gains fade
    full_curriculum: np.ndarray = field(init=False)  # per school: shortage subjects covered
    title_years: tuple[int, int] | None = None  # directed titles: (level-1, senior) rural years
    titles_per_year: int | None = None  # directed titles granted a year at most, per step
    degree_upgrade_rate: float = 0.0  # rural non-graduates completing a funded degree a year
    rural_admission: float = 1.0  # share of left-over county-seat places open to rural applicants
    quota_share: float | None = None  # quality senior-high places allocated to schools (指标到校)
    binding_years: int = 0  # new teachers' rural service period (no transfer requests)
    rotation_level: float = 0.0  # the rotation lever's level (0: no new rotations)
    rotation_share: float = 0.0  # eligible county-seat teachers sent this year
    rotation_backbone_share: float = 0.0  # backbone teachers among them
    rotation_years: int = 0  # years a rotation lasts
    rotation_max_age: tuple[int, int] = (0, 0)  # eligible below these ages (men, women)
    senior_needs_rural_year: bool = False
    principal_term_years: int = 0  # rural principals exchanged after this many years (0: off)
    young_principal_share: float = 0.0  # rural principal posts given to young urban teachers

    def __post_init__(self) -> None:
        self.allowance_rise_year = np.full(N_SCHOOL_TYPES, NEVER)
        self.closure_bus = np.zeros(self.n_places, bool)
        self.closure_lunch = np.zeros(self.n_places, bool)
        self.lost_school = np.zeros(self.n_places, bool)
        self.reset_year()

    def reset_year(self) -> None:
        """Effects that levers set afresh every year."""
        self.bus = self.closure_bus.copy()
        self.lunch = self.closure_lunch.copy()
        self.value_added = np.zeros(self.n_schools)
        self.support_rate = np.zeros(self.n_schools)
        self.full_curriculum = np.zeros(self.n_schools, bool)
        self.title_years = None
        self.titles_per_year = None
        self.degree_upgrade_rate = 0.0
        self.rural_admission = 1.0
        self.quota_share = None
        self.binding_years = 0
        self.rotation_level = 0.0
        self.rotation_share = 0.0
        self.rotation_backbone_share = 0.0
        self.rotation_years = 0
        self.rotation_max_age = (0, 0)
        self.senior_needs_rural_year = False
        self.principal_term_years = 0
        self.young_principal_share = 0.0
        self.transport_yuan = 0.0
        self.housing_share = 0.0
        self.min_board_grade = None
        self.dorm_quality = 0.0


@dataclass(slots=True)
class LeverState:
    """What the levers keep from year to year for themselves."""

    levels: dict[str, float]  # this year's level of each lever (0: off)
    cover_order: np.ndarray  # order in which coverage levers reach rural schools
    n_rotating: int = 0  # teachers away on rotation (including young principals)
    principal_rotation_years: int = 0  # how long a young principal's posting lasts
    flats: int = 0  # turnover flats built for rural teachers so far
    equipped_in: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int16))
    # per school: year its synchronous classrooms were installed (0: never); renewed at end of life


@dataclass(slots=True)
class Ledger:
    """What the accounts carry from year to year (``sim.budget``)."""

    outlays: list[tuple[str, int, float, int]] = field(default_factory=list)
    # capital spent by the levers: (lever, year, yuan, life in years)
    envelope_base: float = 0.0  # the start year's status-quo recurrent spending (yuan)
    start_pupils: int = 0  # pupils in the start year


def _no_ids() -> np.ndarray:
    return np.empty(0, np.int64)


def _no_km() -> np.ndarray:
    return np.empty(0, np.float32)


@dataclass(slots=True)
class YearState:
    """Scratch of one school year, replaced at its start: nothing in it survives the year.

    ``cell`` is each student's school-stage cell (``2 * school + middle``; ``2 * n_schools`` for
    anyone not enrolled), indexed over the year's student window, like ``travel``."""

    flows: dict[str, int]
    relocated: np.ndarray = field(default_factory=_no_ids)  # families moved to the county seat
    cell: np.ndarray = field(default_factory=_no_ids)
    class_key: np.ndarray = field(default_factory=_no_ids)  # 20 * school + 2 * grade + boarding
    cell_counts: np.ndarray = field(default_factory=_no_ids)  # students per cell
    # pupils by school, grade and boarding (n_schools x 9 x 2), at enrollment
    by_class: np.ndarray = field(default_factory=_no_ids)
    travel: np.ndarray = field(default_factory=_no_km)  # daily km in the window (0: not enrolled)
    transfer_requests: np.ndarray = field(default_factory=_no_ids)  # rural teachers asking
    boarders_by_stage: tuple[int, int] = (0, 0)
    # pupils by home place and way of attending (kinds.RURAL_DAY ...), at enrollment
    pupils_by_place: np.ndarray = field(default_factory=_no_ids)
    town_children: np.ndarray = field(default_factory=_no_ids)  # local children by hukou town
    town_attending: np.ndarray = field(default_factory=_no_ids)  # ... attending a rural school
    dropouts_by_grade: np.ndarray = field(default_factory=_no_ids)  # index: grade
    enrolled_by_grade: np.ndarray = field(default_factory=_no_ids)  # ... at enrollment
    outlays: dict[str, float] = field(default_factory=dict)  # capital spent this year by lever
    funded_degrees: int = 0  # degrees completed this year because of the degree lever
    zhongkao: tuple[np.ndarray, ...] = field(default_factory=lambda: (_no_ids(),) * 3)
    # this year's graduates (ids), their schools, and whether each won a quality senior place
    snapshot: dict[str, float] = field(default_factory=dict)  # indicators at enrollment time
    costs: dict[str, Spending] = field(default_factory=dict)  # each lever's cost this year
    # the year's place utilities (stages.enrollment.place_utilities) while no school closes
    utilities: tuple[int, tuple[np.ndarray, np.ndarray]] | None = None  # (year, tables)

    @classmethod
    def begin(cls, flow_names: tuple[str, ...]) -> YearState:
        return cls(flows=dict.fromkeys(flow_names, 0))


@dataclass(slots=True)
class History:
    """What the outputs keep of every year."""

    enrollment: list[np.ndarray] = field(default_factory=list)  # pupils per school
    school_rows: list[dict[str, np.ndarray]] = field(default_factory=list)
    town_rows: list[dict[str, np.ndarray]] = field(default_factory=list)
    indicators: list[dict[str, float]] = field(default_factory=list)  # the timeseries rows


@dataclass(slots=True)
class CountyState:
    """Everything a county carries through a run (see the module docstring)."""

    scenario: Scenario
    params: Parameters
    seed: int
    streams: Streams
    county: County
    year: int  # the last year begun (the year before the start until the first step)
    schools: SchoolState
    exam: ExamState
    places: PlaceOptions
    students: Students
    teachers: Teachers
    effects: Effects
    levers: LeverState
    now: YearState
    classes: ClassTables  # what a pupil's class key says, by table (fixed for the county)
    # mean odds of relocating at the county as built (stages.relocation): scales the hazard
    relocation_norm: float = 1.0
    ledger: Ledger = field(default_factory=Ledger)
    history: History = field(default_factory=History)

    def close_schools(self, schools: np.ndarray, year: int) -> np.ndarray:
        """Close ``schools`` (a lever's closures or the status quo's lapses): the places whose
        local school they were lose it for good (``Effects.lost_school``) and their children
        choose again once enrollment rebuilds the options. Returns those places."""
        closing = np.zeros(len(self.schools.open) + 1, bool)  # last: no school
        closing[schools] = True
        lost = closing[self.places.options[:, :, 0]].any(axis=1)
        self.schools.open[schools] = False
        self.schools.orders.clear()
        self.schools.closed_in[schools] = year
        self.places.stale = True
        self.effects.lost_school |= lost
        return lost

    def begin_year(self, flow_names: tuple[str, ...]) -> None:
        self.year += 1
        self.now = YearState.begin(flow_names)
