"""Every indicator of the yearly timeseries, declared once: name, label, unit, when it is
measured, what it means, and the seed target it is held to.

``outcomes`` computes the values and refuses a row whose names differ from these declarations;
``results``, ``compare``, ``plots``, ``analysis`` and ``docs`` take labels, units and targets from
here. ``GAP_TARGET`` (0.15) is the one definition of the provincial target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .policies import LEVERS, cost_column

GAP_TARGET = 0.15  # seed 004 (二): town-seat schools' difference rate to urban quality < 0.15

Op = Literal["<", "<=", ">", ">="]
_OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
# "Met" means held: a target counts as met in the first year from which it holds for this many
# consecutive years; a single year at the bar is only "touched" (reported apart).
HOLD_YEARS = 3


def meets(values, op: Op, threshold: float):
    """Whether ``values`` meet a target ``op threshold`` (elementwise for arrays)."""
    return _OPS[op](values, threshold)


@dataclass(frozen=True)
class Target:
    """A seed document's target on an indicator: ``indicator op threshold`` by ``by``."""

    indicator: str
    op: Op
    threshold: float
    by: int | None  # deadline year (None: no deadline, judged at the end of the run)
    source: str

    @property
    def label(self) -> str:
        return f"{self.indicator} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str  # for charts and tables
    unit: str
    definition: str
    when: Literal["enrollment", "year end"] = "year end"


def _i(name: str, label: str, unit: str, definition: str,
       when: Literal["enrollment", "year end"] = "year end") -> Indicator:
    return Indicator(name, label, unit, definition, when)


FLOWS = (
    ("entrants", "Entrants to grade 1", "the year's six-year-olds entering school"),
    ("moved_away", "Students who left the county", "families moving out of the county"),
    ("relocated", "Families moved to the county seat", "rural families relocating (陪读, flats)"),
    ("changed_school", "Students who changed school", "choosers whose school changed"),
    ("schools_lapsed", "Schools lapsed", "village schools and teaching points that all but "
     "emptied for two years and closed (status quo, without a lever)"),
    ("rural_teachers_start", "Rural teachers at the start of the year",
     "teachers whose post is at a rural school, before exits"),
    ("retirements", "Teachers retired", "teachers reaching statutory retirement age"),
    ("rural_retirements", "Rural teachers retired", "retirements from rural posts"),
    ("rural_quits", "Rural teachers who quit", "rural teachers leaving the profession"),
    ("urban_quits", "County-seat teachers who quit", "county-seat teachers leaving"),
    ("transfer_requests", "Rural teachers asking to move up",
     "rural teachers asking for a county-seat or town-seat post"),
    ("rural_teachers_under_35", "Rural teachers under 35",
     "rural teachers under 35 after retirements, before quits"),
    ("rural_leavers_under_35", "Rural leavers under 35",
     "rural teachers under 35 who quit or asked to move up"),
    ("transfers_up", "Rural teachers moved to the county seat",
     "transfer requests granted a county-seat vacancy"),
    ("moved_to_town_seat", "Village teachers moved to a town seat",
     "village and teaching-point teachers whose request took a town-seat vacancy"),
    ("redeployed", "Teachers redeployed", "surplus or closed-school teachers given another post"),
    ("recruits", "New teachers hired", "new graduates hired into vacancies"),
    ("rotated_out", "Teachers sent on rotation", "county-seat teachers starting a rotation"),
    ("dropouts", "Dropouts", "enrolled students who dropped out this year"),
    ("middle_dropouts", "Middle-school dropouts", "dropouts from grades 7-9"),
    ("graduates", "Graduates of grade 9", "students completing compulsory school"),
)
FLOW_NAMES = tuple(name for name, _, _ in FLOWS)

INDICATORS: tuple[Indicator, ...] = (
    _i("year", "School year", "year", "school year starting in September of this year"),
    _i("students", "Students enrolled", "students", "students enrolled at the exam"),
    _i("teachers", "Teachers", "teachers", "active teachers after the labour market"),
    _i("schools_open", "Schools open", "schools", "open schools"),
    _i("student_retention", "Student retention (local schools)", "share",
       "seed 004 三(七) (本地户籍学生在本地就读比例, 生源稳定率): local rural-hukou pupils at "
       "school in the county who attend a rural school of their own town, of all such pupils; "
       "children who left the county or school are not in it (left_county_share). A child's "
       "rural options all lie in its own town, so the wider reading (any rural school of the "
       "county) gives the same number",
       "enrollment"),
    _i("mean_travel_km_displaced", "Daily travel of displaced pupils", "km",
       "mean one-way daily travel of pupils whose village's school was closed by the "
       "consolidation lever (NaN when none)", "enrollment"),
    _i("boarding_from_displaced", "Boarding share of displaced pupils", "share",
       "of the pupils whose village's school was closed, the share boarding", "enrollment"),
    _i("bus_share_displaced", "Bus share of displaced pupils", "share",
       "of the pupils whose village's school was closed, the share riding a school bus",
       "enrollment"),
    *(_i(f"boarding_rate_grade_{g}", f"Boarding share, grade {g}", "share",
         f"boarders among grade-{g} pupils", "enrollment") for g in range(1, 10)),
    _i("left_county_share", "Children who left the county", "share",
       "local rural-hukou children of school age whose family moved out of the county, of all "
       "such children (apart from those who chose a county-seat school)", "enrollment"),
    _i("teacher_retention", "Rural teacher retention", "share",
       "1 - (rural quits + transfers up) / (rural teachers at the start - rural retirements)"),
    _i("young_exit_ratio", "Young teachers' over-representation among rural leavers", "ratio",
       "share of under-35s among rural teachers who quit or ask to move up, over their share "
       "of rural teachers (above 1: the young leave most; NaN when none leaves)"),
    _i("gap_rate", "Difference rate, town seat vs urban quality", "rate",
       "(urban quality score - town-seat score) / urban quality score, stage against stage, "
       "weighted by pupils examined (seed 004 二)"),
    _i("gap_sd", "Gap, town seat vs urban quality", "student SD",
       "urban quality mean achievement less town-seat mean, in SDs of the county exam"),
    _i("rural_urban_gap_sd", "Rural-urban achievement gap", "student SD",
       "county-seat schools' mean achievement less rural schools', in SDs of the county exam"),
    _i("cv_between", "Between-school coefficient of variation of scores", "ratio",
       "pupil-weighted SD of school-stage mean scores over their mean"),
    _i("between_school_rate_primary", "Between-school difference rate, primary", "ratio",
       "教督〔2017〕6号 校际差异率 as county implementations compute a difference coefficient: "
       "pupil-weighted SD of the primary schools' mean scores around the county mean, over that "
       "mean (all schools)"),
    _i("between_school_rate_middle", "Between-school difference rate, middle school", "ratio",
       "the same over the schools teaching grades 7-9"),
    _i("resource_cv_primary", "Resource coefficient of variation, primary", "ratio",
       "largest difference coefficient over primary schools of: bachelor's-degree, senior and "
       "shortage-subject teachers per 100 pupils, and facilities (教督〔2017〕6号: <= 0.50)"),
    _i("resource_cv_middle", "Resource coefficient of variation, middle school", "ratio",
       "the same over middle schools (教督〔2017〕6号: <= 0.45)"),
    _i("share_towns_gap_met", "Town-seat schools below 0.15", "share",
       "town-seat schools whose difference rate is below 0.15 (of those examined)"),
    _i("share_townships_gap_met", "Townships below 0.15", "share",
       "towns whose town-seat schools' pupil-weighted difference rate is below 0.15 (seed 004 三: "
       "goals for more than half of townships)"),
    _i("share_townships_facilities_met", "Townships with town seats at standard", "share",
       "towns whose every open town-seat school has facilities at or above the provincial "
       "standard (seed 004 三(一))"),
    _i("dropout_rate", "Dropout rate", "share", "dropouts / students enrolled"),
    _i("middle_dropout_rate", "Middle-school dropout rate", "share",
       "middle-school dropouts / middle-school students"),
    _i("middle_retention_3yr", "Three-year middle-school retention", "share",
       "product over grades 7-9 of one minus the year's dropout rate of the grade"),
    _i("boarding_rate", "Boarding rate", "share", "boarders / students enrolled", "enrollment"),
    _i("boarding_rate_primary", "Boarding rate, primary", "share",
       "primary boarders / primary students", "enrollment"),
    _i("boarding_rate_middle", "Boarding rate, middle school", "share",
       "middle-school boarders / middle-school students", "enrollment"),
    _i("mean_travel_km", "Mean daily travel", "km",
       "mean road km from home to school of day students (boarders: the boarding distance; "
       "relocated families: their urban journey)", "enrollment"),
    _i("mean_travel_km_primary", "Mean daily travel, primary", "km",
       "the same over primary pupils", "enrollment"),
    _i("mean_travel_km_middle", "Mean daily travel, middle school", "km",
       "the same over middle-school pupils", "enrollment"),
    _i("mode_share_own_way", "Rural pupils going their own way", "share",
       "of rural-home pupils at school, day pupils without a school bus (on foot, by bicycle or "
       "taken by family)", "enrollment"),
    _i("mode_share_bus", "Rural pupils on a school bus", "share",
       "of rural-home pupils at school, day pupils of a village with a school bus (a closure's "
       "or the transport lever's)", "enrollment"),
    _i("mode_share_boarding", "Rural pupils boarding", "share",
       "of rural-home pupils at school, boarders", "enrollment"),
    _i("mode_share_relocated", "Rural pupils relocated to the county seat", "share",
       "of rural-home pupils at school, day pupils at a county-seat school (the family rents or "
       "buys near it)", "enrollment"),
    _i("p95_travel_km", "95th percentile of daily travel", "km",
       "95th percentile of the same, in 0.1 km bins", "enrollment"),
    _i("share_small_rural_schools", "Small rural schools", "share",
       "open village primaries and teaching points with fewer than 100 pupils (乡村小规模学校), "
       "of all open ones (NaN when none is open)", "enrollment"),
    _i("urban_enrollment_share", "Enrolled at county-seat schools", "share",
       "students at county-seat schools / all students", "enrollment"),
    _i("ptr_primary", "Pupil-teacher ratio, primary", "pupils per teacher",
       "primary pupils / teachers, teachers split by their school's primary share"),
    _i("ptr_middle", "Pupil-teacher ratio, middle school", "pupils per teacher",
       "middle-school pupils / teachers, split the same way"),
    _i("class_size_primary", "Class size, primary", "pupils per class",
       "primary pupils / classes needed at the class-size limit", "enrollment"),
    _i("class_size_middle", "Class size, middle school", "pupils per class",
       "middle-school pupils / classes needed at the class-size limit", "enrollment"),
    _i("bachelor_ratio", "Bachelor's share, county seat : rural", "ratio",
       "share of county-seat teachers with a bachelor's degree over that of rural teachers "
       "(seed 001)"),
    _i("senior_per_rural_school", "Senior teachers per rural school", "teachers",
       "senior-titled teachers at open rural schools with pupils / such schools"),
    _i("share_rural_schools_4_seniors", "Rural schools with 4+ senior teachers", "share",
       "open rural schools with pupils, teaching points included, that have at least four "
       "senior teachers (seed 003 read literally)"),
    _i("share_complete_rural_schools_4_seniors", "Complete rural schools with 4+ seniors",
       "share", "the same among town-seat and village schools: teaching points, which can "
       "never hold four, left out"),
    _i("share_town_seats_4_seniors", "Town-seat schools with 4+ seniors", "share",
       "the same among town-seat schools"),
    _i("share_villages_4_seniors", "Village schools with 4+ seniors", "share",
       "the same among open village schools (NaN when none is open)"),
    _i("town_seat_bachelor_ratio", "Bachelor's share, town seat : county seat", "ratio",
       "share of town-seat teachers with a bachelor's degree over that of county-seat teachers "
       "(seed 004 三(四): not below urban)"),
    _i("rural_principals_under45", "Rural principals under 45", "share",
       "rural principals and vice-principals younger than 45 / all of them (seed 001: 含副校长)"),
    _i("rotating_teachers", "Teachers on rotation", "teachers",
       "county-seat teachers teaching at a rural school this year, young principals included"),
    _i("substitute_teachers", "Substitutes covering rotated teachers' posts", "teachers",
       "posts at home schools covered while their teachers are away on rotation"),
    _i("urban_quality_mean_z", "Achievement at urban quality schools", "student SD",
       "mean achievement of their pupils on the fixed scale of the starting cohorts (not "
       "re-standardised), so a fall is levelling down of the reference"),
    _i("town_seat_mean_z", "Achievement at town-seat schools", "student SD",
       "mean achievement of town-seat pupils on the same fixed scale: a rise is levelling up"),
    _i("urban_quality_teacher_effectiveness", "Teacher effectiveness, urban quality schools",
       "student SD per year", "mean yearly gain added by the teachers teaching there"),
    _i("town_seat_teacher_effectiveness", "Teacher effectiveness, town-seat schools",
       "student SD per year", "mean yearly gain added by the teachers teaching there, support "
       "gains included"),
    _i("town_seat_support_gain", "Support gain of town-seat teachers", "student SD per year",
       "mean effectiveness town-seat teachers owe to pairing, training and rotated backbone "
       "teachers (bounded by their gap to the urban quality schools)"),
    _i("quality_senior_rate", "Graduates admitted to quality senior highs (中考)", "share",
       "this year's grade-9 graduates admitted to a quality senior high, by the quota "
       "(指标到校) or the open ranking (sim.stages.zhongkao)"),
    *(_i(f"quality_senior_rate_{group}", f"Quality senior-high admission, {label}", "share",
         f"the same, among graduates {words}")
      for group, label, words in (
          ("rural_schools", "rural schools", "of rural middle schools"),
          ("girls", "girls", "who are girls"), ("boys", "boys", "who are boys"),
          ("rural_hukou", "rural hukou", "with a local rural hukou"),
          ("urban_hukou", "county-seat hukou", "with a county-seat hukou"))),
    _i("cost_personnel_yuan", "Personnel (人员经费)", "yuan / year",
       "teachers' pay at the employer's full cost (gross pay, social contributions, housing "
       "fund), allowances, non-teaching staff, and the levers' personnel costs"),
    _i("cost_operating_yuan", "Operating funds (公用经费)", "yuan / year",
       "per-pupil funds (schools under the floor funded as if at it) and the levers' running "
       "costs (buses, pairing, training, platforms)"),
    _i("cost_aid_yuan", "Student aid (资助)", "yuan / year",
       "boarding living subsidies and school lunch"),
    _i("cost_capital_yuan", "Capital, annualised (基建)", "yuan / year",
       "this year's instalments of the levers' capital outlays (beds, flats, town-hub "
       "building, equipment), each outlay spread evenly over its life"),
    _i("cost_capital_outlay_yuan", "Capital outlay", "yuan / year",
       "cash spent on the levers' building and equipment this year"),
    *(_i(cost_column(name), f"Cost of the {name.replace('_', ' ')} lever", "yuan / year",
         f"this year's cost of the {name} lever above the status quo (recurrent spending plus "
         "its capital instalments)") for name in LEVERS),
    _i("cost_policy_yuan", "Policy cost", "yuan / year", "sum of the levers' costs"),
    _i("cost_total_yuan", "Public cost", "yuan / year",
       "personnel + operating + aid + annualised capital (status quo and levers)"),
    _i("budget_envelope_yuan", "Budget envelope (total held)", "yuan / year",
       "what the county can spend on these schools, reading 两个只增不减 as the total held: "
       "params.budget.envelope_yuan, else the start year's status-quo recurrent spending, grown "
       "at params.budget.envelope_growth"),
    _i("financing_gap_yuan", "Financing gap (total held)", "yuan / year",
       "public cost above the envelope (0 when it fits)"),
    _i("budget_envelope_per_pupil_rule_yuan", "Budget envelope (per pupil held)", "yuan / year",
       "the other reading: the start year's envelope per pupil times this year's pupils, grown "
       "at params.budget.envelope_growth (shrinks with enrolment)"),
    _i("financing_gap_per_pupil_rule_yuan", "Financing gap (per pupil held)", "yuan / year",
       "public cost above the per-pupil envelope (0 when it fits)"),
    _i("policy_share_of_budget", "Policy cost share of the budget", "share",
       "policy cost / budget envelope"),
    _i("spending_per_pupil_primary_yuan", "Status-quo spending per primary pupil",
       "yuan / pupil / year", "recurrent status-quo spending (personnel, operating, aid) on "
       "primary pupils per primary pupil, comparable to 生均一般公共预算教育事业费"),
    _i("spending_per_pupil_middle_yuan", "Status-quo spending per middle-school pupil",
       "yuan / pupil / year", "the same for middle-school pupils"),
    _i("discount_factor", "Discount factor", "ratio", "weight of this year's costs and effects "
       "in a present value: (1 + params.budget.discount_rate) ^ -(year - start year)"),
    *(_i(name, label, "persons", definition) for name, label, definition in FLOWS),
)

BY_NAME = {i.name: i for i in INDICATORS}
TIMESERIES_COLUMNS = tuple(BY_NAME)

# The seeds' targets, each defined once, as the documents word them.
TARGETS: tuple[Target, ...] = (
    Target("gap_rate", "<", GAP_TARGET, 2025,
           "seed 004 三(二): town-seat schools' difference rate to urban quality schools"),
    Target("share_townships_gap_met", ">", 0.5, 2025,
           "seed 004 三: more than half of townships (全省半数以上的乡镇) below 0.15"),
    Target("share_townships_facilities_met", ">", 0.5, 2025,
           "seed 004 三(一): town-seat conditions at or above the provincial standard"),
    Target("town_seat_bachelor_ratio", ">=", 1.0, 2025,
           "seed 004 三(四): town-seat bachelor's share not below urban"),
    Target("bachelor_ratio", "<=", 1.05, 2027, "seed 001: urban:rural bachelor's ratio"),
    Target("share_complete_rural_schools_4_seniors", ">=", 1.0, None,
           "seed 003: every rural school has >= 4 senior teachers (teaching points apart)"),
    Target("rural_principals_under45", ">=", 0.5, 2027,
           "seed 001 task 4: >= 50% of rural principals (vice-principals included) under 45"),
    Target("middle_retention_3yr", ">=", 0.95, None, "MoE 教督〔2017〕6号: three-year retention"),
    Target("between_school_rate_middle", "<", 0.15, None,
           "MoE 教督〔2017〕6号: between-school difference rate below 0.15 (second reading of 0.15)"),
    Target("resource_cv_primary", "<=", 0.50, None, "MoE 教督〔2017〕6号: resource CV, primary"),
    Target("resource_cv_middle", "<=", 0.45, None, "MoE 教督〔2017〕6号: resource CV, middle"),
)
GAP = TARGETS[0]  # the provincial target: gap_rate < 0.15
TOWNSHIPS = TARGETS[1]  # ... in more than half of the townships

# Indicators shown with bands when packages are compared.
BAND_COLUMNS = ("gap_rate", "gap_sd", "share_towns_gap_met", "share_townships_gap_met",
                "student_retention",
                "teacher_retention", "middle_retention_3yr", "dropout_rate", "boarding_rate",
                "mean_travel_km", "schools_open", "students", "bachelor_ratio",
                "share_complete_rural_schools_4_seniors", "rural_principals_under45",
                "urban_quality_mean_z", "town_seat_mean_z", "cost_policy_yuan",
                "cost_total_yuan")


def label(name: str) -> str:
    """A column's label for charts and tables (the name itself for an unknown column)."""
    ind = BY_NAME.get(name)
    return ind.label if ind else name


def unit(name: str) -> str:
    ind = BY_NAME.get(name)
    return ind.unit if ind else ""


def checked_row(row: dict[str, float]) -> dict[str, float]:
    """The row in declared order; an undeclared or missing indicator is an error."""
    extra = set(row) - set(BY_NAME)
    missing = set(BY_NAME) - set(row)
    if extra or missing:
        raise KeyError(f"indicators computed but not declared in sim.indicators: "
                       f"{sorted(extra)}; declared but not computed: {sorted(missing)}")
    return {name: row[name] for name in TIMESERIES_COLUMNS}


def first_year_met(years, values, target: Target, hold: int = HOLD_YEARS) -> int | None:
    """The first year from which ``target`` holds for ``hold`` consecutive years (None: never,
    or not for long enough before the run ends). The same definition serves ``run``,
    ``compare``, sweeps and the notebooks."""
    met = np.asarray(meets(np.asarray(values, dtype=float), target.op, target.threshold))
    years = np.asarray(years)
    for i in range(len(met) - hold + 1):
        if met[i: i + hold].all() and years[i + hold - 1] - years[i] == hold - 1:
            return int(years[i])
    return None


def first_year_touched(years, values, target: Target) -> int | None:
    """The first single year at the bar (a crossing that may not last)."""
    met = np.asarray(meets(np.asarray(values, dtype=float), target.op, target.threshold))
    return int(np.asarray(years)[met.argmax()]) if met.any() else None


# The other frames' columns, declared the same way (for the codebook).
SCHOOL_COLUMNS: tuple[Indicator, ...] = (
    _i("year", "School year", "year", "school year starting in September"),
    _i("school", "School id", "", "index of the school in the county"),
    _i("name", "School name", "", "name (synthetic, or from the roster)"),
    _i("type", "School type", "", "urban_quality, urban_ordinary, town_seat, village or "
       "teaching_point"),
    _i("town", "Town", "", "town index (-1: the county seat)"),
    _i("x_km", "East", "km", "km east of the county seat"),
    _i("y_km", "North", "km", "km north of the county seat"),
    _i("open", "Open", "", "the school is open"),
    _i("students", "Students", "students", "pupils enrolled"),
    _i("primary_students", "Primary students", "students", "pupils in grades 1-6"),
    _i("middle_students", "Middle-school students", "students", "pupils in grades 7-9"),
    _i("teachers", "Teachers", "teachers", "teachers teaching here (rotated teachers at their host)"),
    _i("required_teachers", "Required teachers", "teachers", "posts by the staffing norms"),
    _i("ptr", "Pupil-teacher ratio", "pupils per teacher", "students / teachers"),
    _i("boarders", "Boarders", "students", "pupils boarding"),
    _i("mean_score", "Mean exam score", "share of full marks", "pupil-weighted mean of the "
       "school's stage means on the county exam scale (得分率)"),
    _i("difference_rate", "Difference rate to urban quality schools", "rate",
       "(urban quality score - score) / urban quality score, stage against stage"),
    _i("gap_met", "Below 0.15", "", "difference rate below 0.15 this year"),
    _i("mean_travel_km", "Mean daily travel", "km", "mean daily km of its pupils"),
    _i("senior_teachers", "Senior teachers", "teachers", "senior-titled teachers teaching here"),
    _i("bachelor_share", "Bachelor's share", "share", "teachers with a bachelor's degree"),
    _i("graduates", "Graduates", "students", "grade-9 pupils who graduated this year"),
    _i("quality_senior_rate", "Admitted to quality senior highs", "share",
       "this year's graduates admitted to a quality senior high (中考; NaN without graduates)"),
    _i("value_added", "Value added", "student SD per year", "yearly gain the school adds "
       "(teachers, staffing, facilities, lever effects)"),
    _i("facilities", "Facilities", "x provincial standard", "facilities index (1: the standard)"),
)
TOWN_COLUMNS: tuple[Indicator, ...] = (
    _i("year", "School year", "year", "school year starting in September"),
    _i("town", "Town", "", "town index"),
    _i("local_children", "Local pupils at school in the county", "children",
       "rural-hukou children of the town enrolled at a school of the county this year"),
    _i("attending_local", "Attending a rural school of the town", "children",
       "of those, attending a rural school of their own town"),
    _i("student_retention", "Student retention", "share",
       "attending_local / local_children: the town's local-hukou pupils at school in the county "
       "who attend a rural school of the town"),
    _i("town_seat_difference_rate", "Town-seat difference rate", "rate",
       "pupil-weighted difference rate of the town's town-seat schools"),
    _i("town_seat_gap_met", "Town seat below 0.15", "", "that rate is below 0.15"),
    _i("town_seat_facilities_met", "Town seat at standard", "",
       "every open town-seat school of the town has facilities at or above the standard"),
)
PLACE_COLUMNS: tuple[Indicator, ...] = (
    _i("place", "Place id", "", "index of the place"),
    _i("x_km", "East", "km", "km east of the county seat"),
    _i("y_km", "North", "km", "km north of the county seat"),
    _i("kind", "Kind of place", "", "county_seat, town_seat or village"),
    _i("town", "Town", "", "town index (-1: the county seat)"),
    _i("cohort_weight", "Cohort weight", "", "relative size of a yearly birth cohort"),
    _i("local_school", "Local primary school", "", "the school nearest it at the end of the run "
       "(-1: none)"),
)
COHORT_COLUMNS: tuple[Indicator, ...] = (
    _i("entry_year", "Entry year", "year", "year the cohort entered grade 1"),
    _i("sex", "Sex", "", "boy or girl"),
    _i("home", "Home at entry", "", "kind of place the family lived in at entry: county_seat, "
       "town_seat or village"),
    _i("entered", "Entered", "children", "children of the group who entered grade 1"),
    _i("dropped_out", "Dropped out", "children", "left school before graduating"),
    *(_i(f"dropped_out_grade_{g}", f"Dropped out in grade {g}", "children",
         f"dropped out during grade {g}") for g in range(1, 10)),
    _i("left_county", "Left the county", "children", "family moved out of the county"),
    _i("still_enrolled", "Still enrolled", "children", "at school when the run ends"),
    _i("graduated", "Graduated", "children", "completed grade 9"),
    _i("grades_completed_mean", "Grades completed", "grades",
       "mean grades completed (so far) by those who did not leave the county"),
    _i("boarded", "Boarded", "children", "boarded in at least one year"),
    _i("county_seat_school", "At a county-seat school", "children",
       "attended a county-seat school in at least one year"),
    _i("quality_senior", "Quality senior high", "children",
       "admitted to a quality senior high after grade 9 (中考)"),
)

FRAMES = {"timeseries": INDICATORS, "schools": SCHOOL_COLUMNS, "towns": TOWN_COLUMNS,
          "places": PLACE_COLUMNS, "cohorts": COHORT_COLUMNS}


def codebook(frames: tuple[str, ...] = tuple(FRAMES),
             extra: tuple[tuple[str, Indicator], ...] = ()) -> pd.DataFrame:
    """Every column of the named output frames: name, label, unit, definition, source and the
    target it is held to. Written as codebook.csv beside every output."""
    by_target = {t.indicator: t for t in TARGETS}
    rows = []
    pairs = [(frame, ind) for frame in frames for ind in FRAMES[frame]] + list(extra)
    for frame, ind in pairs:
        target = by_target.get(ind.name) if frame == "timeseries" else None
        rows.append({"frame": frame, "name": ind.name, "label": ind.label, "unit": ind.unit,
                     "definition": ind.definition, "measured": ind.when,
                     "source": target.source if target else "model (docs/ODD.md)",
                     "target": (f"{target.op} {target.threshold:g}"
                                + (f" by {target.by}" if target.by else "")) if target else ""})
    return pd.DataFrame(rows)


def output_column(name: str) -> Indicator:
    """A sweep output (``gap_rate@2025``, ``teacher_retention@mean``, ``first_year_gap_met``)
    described from the indicator it is taken from."""
    if name == "first_year_gap_met":
        return _i(name, "First year the difference rate is held below 0.15", "year",
                  f"first year from which gap_rate < {GAP_TARGET} holds {HOLD_YEARS} years")
    if name == "first_year_townships_met":
        return _i(name, "First year more than half of townships hold below 0.15", "year",
                  f"first year from which share_townships_gap_met > 0.5 holds {HOLD_YEARS} years")
    column, _, when = name.partition("@")
    base = BY_NAME[column]
    how = {"mean": "mean over the years", "sum": "sum over the years",
           "last": "in the last year"}.get(when, f"in {when}")
    return _i(name, f"{base.label}, {how}", base.unit, f"{base.definition} ({how})", base.when)
