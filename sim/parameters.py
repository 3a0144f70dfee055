"""Behavioural parameters: every number the model uses, with its range and its source.

Each field's bounds are both the values a scenario may set and the range a sensitivity
analysis may explore. ``source`` says where the default comes from; "assumption" marks a number
no study pins down, which is why it is a parameter a sweep can vary. ``docs/parameters.md`` is
generated from these definitions (``python -m sim.docs``), so the table cannot drift from the code.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Short citations used below; the full references are in docs/ODD.md.
ASSUMPTION = "assumption"
CEPS = "Zhao, Ye, Li & Xue 2017, China Economic Review 45 (CEPS 2013/14)"
CRED = "China Rural Education Development Report 2013-2014"
JIANG_YIP = "Jiang & Yip 2024, APJTE 52(3); Li et al. 2024"
HANUSHEK = "Hanushek & Rivkin 2010, AER 100(2)"
PAPAY_KRAFT = "Papay & Kraft 2015, J Public Econ 130"
NORMS = "Central Staffing Office 2014 No.72 (unified urban-rural staffing norms)"
BALANCE = "MoE 教督〔2017〕6号 quality-balanced county standard"
YI2012 = "Yi et al. 2012, Int J Educ Dev 32(4)"
BOARDING = "Wang et al. 2016, China & World Economy 24(3); Yue et al. 2014, CAER 6(3)"
HANNUM = "Hannum, Liu & Wang 2021, Econ Dev Cult Change 70(1)"
HOU = "Hou, Wu & Song 2020, China Economist 15(2) (premature boarding; harm larger for girls)"


def param(default: Any, lo: float | None, hi: float | None, source: str, unit: str = "",
          doc: str = "") -> Any:
    """A parameter field: default, allowed range, unit and source, all visible in the docs."""
    return Field(default, ge=lo, le=hi, description=doc,
                 json_schema_extra={"source": source, "unit": unit})


class Group(BaseModel):
    """Strict base: unknown keys are errors, not silently ignored typos, and a number field
    takes a number: ``true`` or ``"800"`` where a number belongs is an error, not 1 or 800."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    @model_validator(mode="before")
    @classmethod
    def _numbers_are_numbers(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, value in data.items():
                field = cls.model_fields.get(key)
                if field is not None and _is_number(field.annotation) \
                        and isinstance(value, bool | str):
                    raise ValueError(f"'{key}' expected a number, got {value!r} (allowed: "
                                     f"{_allowed(field)})")
        return data


def _allowed(field: Any) -> str:
    """A number field's allowed range, in words."""
    lo = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    hi = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    if lo is not None and hi is not None:
        return f"a number from {_num(lo)} to {_num(hi)}"
    return "a number"


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _is_number(annotation: Any) -> bool:
    """A field typed int or float (optionally ``| None``)."""
    args = get_args(annotation) or (annotation,)
    kinds = {a for a in args if a is not type(None)}
    return bool(kinds) and kinds <= {int, float}


class Demography(Group):
    birth_trend_after_data: float = param(
        -0.02, -0.10, 0.05, ASSUMPTION, "per year",
        "change in entry cohorts after the last observed birth year")
    move_away_rate: float = param(
        0.012, 0.0, 0.05, ASSUMPTION + " (migrant children ~10% of enrollment, MoE 2016)",
        "per year", "share of enrolled students whose family leaves the county each year")
    relocation_rate: float = param(
        0.010, 0.0, 0.05, ASSUMPTION, "per year",
        "share of rural pupils at rural schools whose family moves to the county seat in "
        "mid-stage, at the start; later years follow the choice model's odds (incomes, "
        "journeys, school results: sim.stages.relocation)")
    relocation_max_hazard: float = param(
        0.10, 0.05, 0.30, ASSUMPTION, "per year",
        "highest yearly chance that a family moves to the county seat mid-stage: the choice "
        "model's odds would exceed it for a few families far from school and well off (at "
        "most 1.4% of those at risk in a baseline year)")
    left_behind_share: float = param(
        0.15, 0.0, 0.40, ASSUMPTION + " (ACWF 2013: 21.9% of rural children nationally)",
        "share", "rural entrants whose parents both work away")
    urban_residence_share: float = param(
        0.38, 0.10, 0.95, ASSUMPTION + " (Shandong 2020 census urbanisation 63%, lower in "
        "counties; urban districts up to 100%: docs/shandong.md)",
        "share", "share of compulsory-age children living in the county seat")
    ses_urban_gap: float = param(
        0.4, 0.0, 1.5, CEPS + "; calibrated to its 0.37 SD gap", "SD",
        "urban minus rural family background (SES)")
    boys_per_100_girls: float = param(
        113.0, 103.0, 120.0, "NBS census sex ratio at birth: 117.9 (2010), 111.3 (2020); the "
        "cohorts at school were born 2006-2029", "boys per 100 girls",
        "sex ratio of the entry cohorts")


class Choice(Group):
    quality_weight: float = param(
        2.5, 0.0, 6.0, ASSUMPTION, "utility per SD of school mean score",
        "how strongly parents follow observed school results")
    distance_weight: float = param(
        0.25, 0.0, 1.0, ASSUMPTION, "utility per km",
        "disutility of daily travel for a primary pupil (half for middle school)")
    relocation_cost: float = param(
        2.8, 0.0, 8.0, ASSUMPTION + " (calibrated to urban enrollment share)", "utility",
        "cost to a rural family of sending a child to a county-seat school (rent, 陪读)")
    income_weight: float = param(
        0.55, 0.0, 4.0, ASSUMPTION + " (set so that rural incomes' rise carries enrolment to "
        "the county seat at about the national pace: MoE statistics, urbanisation 38% (2001) "
        "-> 75% (2016))", "utility per unit of log income",
        "fall in the relocation cost as rural families' income grows (flats, rent, 陪读 become "
        "affordable)")
    rural_income_growth_after_data: float = param(
        0.05, 0.0, 0.10, ASSUMPTION + " (nominal; 2015-2024 averaged about 8%)", "per year",
        "growth of rural per-capita income after the last observed year")
    ses_urban_weight: float = param(
        0.8, 0.0, 2.0, ASSUMPTION, "utility per SD of SES",
        "richer families relocate more easily")
    quality_school_cost: float = param(
        1.0, 0.0, 4.0, ASSUMPTION + " (school-district housing)", "utility",
        "extra cost of an urban quality school over an urban ordinary one")
    stay_weight: float = param(
        2.0, 0.0, 5.0, ASSUMPTION, "utility", "preference for staying in the current school")
    relocated_travel_km: float = param(
        1.5, 0.5, 5.0, ASSUMPTION, "km",
        "daily travel of a rural child at a county-seat school (family rents nearby)")
    senior_weight: float = param(
        2.0, 0.0, 6.0, ASSUMPTION + " (the senior-high chance is what families weigh at grade "
        "7: domain review)", "utility per unit admission rate",
        "how strongly families choosing a middle school follow its graduates' admission rate "
        "to quality senior highs")


class Learning(Group):
    persistence: float = param(
        0.50, 0.20, 0.90,
        "Andrabi, Das, Khwaja & Zajonc 2011, AEJ Applied 3(3): 0.2-0.5 a year; the upper end, "
        "since z drifts to the family level rather than to zero", "per year",
        "share of last year's deviation from the family level that persists")
    ses_effect: float = param(
        0.40, 0.0, 0.8, CEPS, "SD per SD of SES", "long-run achievement gradient in family SES")
    left_behind_effect: float = param(
        -0.08, -0.30, 0.05, "Zhang et al. 2014, IJED 39; Zhou et al. 2015 (mixed evidence)", "SD",
        "long-run achievement difference of left-behind children")
    peer_effect: float = param(
        0.10, 0.0, 0.25, "Ding & Lehrer 2007, REStat 89(2)", "SD per SD of peer mean",
        "effect of the school's mean achievement on a student's yearly gain")
    resources_effect: float = param(
        0.03, 0.0, 0.15, ASSUMPTION, "SD per year per unit facility index",
        "yearly gain from facilities relative to the provincial standard")
    noise_sd: float = param(
        0.55, 0.2, 1.0, ASSUMPTION + " (pooled SD of achievement ~0.9)", "SD", "idiosyncratic yearly shock")
    entry_sd: float = param(0.8, 0.3, 1.2, ASSUMPTION, "SD", "spread of school-readiness at entry")
    boarding_effect_primary: float = param(
        -0.04, -0.20, 0.05, BOARDING, "SD per year", "yearly gain of a primary boarder")
    boarding_effect_middle: float = param(
        0.0, -0.10, 0.10, BOARDING, "SD per year", "yearly gain of a middle-school boarder")
    boarding_girls_multiplier: float = param(
        1.3, 1.0, 2.0, HOU + "; size: " + ASSUMPTION, "ratio",
        "a primary girl boarder's loss relative to a boy's (the mean of the two stays "
        "boarding_effect_primary at equal numbers)")
    understaffing_penalty: float = param(
        0.05, 0.0, 0.20, "Krueger 1999, QJE 114(2) (class size); " + ASSUMPTION, "SD per log unit",
        "yearly loss per log unit of pupil-teacher ratio above the norm")
    teacher_sd: float = param(0.12, 0.05, 0.25, HANUSHEK, "SD per year",
                              "spread of teacher effectiveness")
    novice_penalty: float = param(
        0.08, 0.0, 0.20, PAPAY_KRAFT, "SD per year",
        "first-year teacher's shortfall, closing linearly over five years")
    bachelor_effect: float = param(
        0.0, 0.0, 0.05, "Chu, Loyalka et al. 2015, China Econ Rev 36 (no clear degree effect)",
        "SD per year", "extra yearly gain from a teacher with a bachelor's degree")
    exam_mean_share: float = param(
        0.65, 0.40, 0.85, ASSUMPTION + " (county exams are reported as a share of full marks, "
        "得分率; it sets the reported scores only: the difference rate depends on exam_cv)",
        "share of full marks", "county exam score of a student at the county mean")
    exam_cv: float = param(
        0.43, 0.15, 0.65, CEPS + ": a 0.37 SD gap is a 17% score gap (county 得分率 exams with "
        "SD 15-20 points at a 60-70% mean would be 0.2-0.35)", "SD / mean",
        "spread of students' exam scores relative to the mean: the scale the 0.15 target is "
        "read on")


STANDARD_2017 = "MoE 教督〔2017〕6号 (quota of quality senior-high places allocated to middle schools >= 50%)"


class Zhongkao(Group):
    quality_share: float = param(
        0.30, 0.10, 0.60, ASSUMPTION + " (general senior highs admit about 60% of Shandong's "
        "middle-school graduates; the quality ones about half of that)", "share of graduates",
        "places at quality senior highs, as a share of the year's graduates")
    quota_share: float = param(0.5, 0.0, 1.0, STANDARD_2017, "share of places",
                               "quality places allocated to middle schools (指标到校)")
    quota_margin: float = param(
        0.5, 0.0, 1.5, ASSUMPTION + " (quota admissions may score below the open cut-off, by a "
        "margin the city sets)", "student SD", "how far below the open cut-off a quota place "
        "may go")


class Dropout(Group):
    middle_base: float = param(
        0.008, 0.0, 0.06,
        "MoE 2020 bulletin: nine-year consolidation 95.2% nationally; " + YI2012 + " as upper bound",
        "per year", "yearly dropout of an average middle-school student")
    primary_base: float = param(0.0005, 0.0, 0.01, "MoE 2020 bulletin (primary completion ~99.9%)",
                                "per year", "yearly dropout of a primary pupil")
    achievement_odds: float = param(1.6, 1.0, 3.0, YI2012 + "; " + ASSUMPTION, "odds ratio",
                                    "per SD lower achievement")
    ses_odds: float = param(1.3, 1.0, 2.0, YI2012 + "; " + ASSUMPTION, "odds ratio",
                            "per SD lower family SES")
    left_behind_odds: float = param(1.2, 1.0, 2.0, ASSUMPTION, "odds ratio",
                                    "left-behind versus not")
    distance_odds: float = param(1.06, 1.0, 1.3, ASSUMPTION, "odds ratio per km",
                                 "per km of daily travel beyond safe_travel_km (day students)")
    safe_travel_km: float = param(3.0, 0.5, 10.0, ASSUMPTION, "km",
                                  "daily travel beyond which distance raises dropout")


class Teachers(Group):
    rural_exit_base: float = param(0.14, 0.01, 0.20, CRED + " (5-10% a year)", "per year",
                                   "yearly exit intent of a rural teacher mid-career")
    urban_exit_base: float = param(0.015, 0.0, 0.05, ASSUMPTION, "per year",
                                   "yearly quit rate of a county-seat teacher")
    early_career_multiplier: float = param(1.8, 1.0, 3.0, CRED + " (exits peak at 3-5 years)",
                                           "ratio", "exit intent at 3-5 years of experience")
    late_career_multiplier: float = param(0.5, 0.1, 1.0, ASSUMPTION, "ratio",
                                          "exit intent after 10 years of experience")
    remoteness_town_seat: float = param(0.8, 0.3, 1.5, ASSUMPTION, "ratio",
                                        "exit intent at a town-seat school")
    remoteness_village: float = param(1.1, 0.5, 2.0, ASSUMPTION, "ratio",
                                      "exit intent at a village school")
    remoteness_teaching_point: float = param(1.4, 0.5, 3.0, ASSUMPTION, "ratio",
                                             "exit intent at a teaching point")
    titled_multiplier: float = param(0.7, 0.3, 1.0, ASSUMPTION, "ratio",
                                     "exit intent of a level-1 or senior teacher")
    transfer_share: float = param(0.5, 0.2, 0.8, CRED + " (about half later move to county/town)",
                                  "share", "share of exit intents that are transfer requests")
    allowance_threshold: float = param(0.15, 0.0, 0.4, JIANG_YIP, "share of salary",
                                       "allowance share below which pay barely moves exits")
    allowance_slope: float = param(4.0, 0.0, 10.0, JIANG_YIP + "; " + ASSUMPTION,
                                   "log-probability per unit salary share",
                                   "fall in log exit intent per salary share above the threshold")
    candidates_per_post: float = param(1.5, 1.0, 5.0, ASSUMPTION, "candidates",
                                       "graduates applying per advertised post")
    hiring_signal: float = param(0.5, 0.0, 1.0, ASSUMPTION, "correlation",
                                 "how well schools see a candidate's effectiveness")
    fill_rate_town_seat: float = param(0.95, 0.3, 1.0, ASSUMPTION, "share",
                                       "share of town-seat vacancies filled each year")
    fill_rate_village: float = param(0.85, 0.3, 1.0, ASSUMPTION, "share",
                                     "share of village-school vacancies filled each year")
    fill_rate_teaching_point: float = param(0.7, 0.2, 1.0, ASSUMPTION, "share",
                                            "share of teaching-point vacancies filled each year")
    new_bachelor_urban: float = param(0.95, 0.5, 1.0,
                                      ASSUMPTION + " (MoE 2020: most new hires hold a degree)",
                                      "share", "new county-seat hires with a bachelor's degree")
    new_bachelor_rural: float = param(0.85, 0.3, 1.0, ASSUMPTION, "share",
                                      "new rural hires with a bachelor's degree")
    shortage_subject_share: float = param(
        0.15, 0.0, 0.5, ASSUMPTION + " (music, art, PE, IT and English teachers)", "share",
        "teachers of a shortage subject, at the start and among new hires")
    degree_upgrade_rate: float = param(0.04, 0.0, 0.2, ASSUMPTION + " (学历提升计划, seed 001)",
                                       "per year", "non-graduates under 50 who complete a degree")
    promotion_rate: float = param(0.25, 0.0, 1.0, ASSUMPTION, "per year",
                                  "chance an eligible teacher with a free post is promoted")
    years_per_title: int = param(5, 2, 10, "MoHRSS 2015 title reform (typical minimum years)", "years",
                                 "years in a title before the next")
    senior_share_primary: float = param(0.08, 0.0, 0.3, "MoHRSS 2015 title reform; " + ASSUMPTION,
                                        "share", "senior posts per primary teacher post")
    senior_share_middle: float = param(0.15, 0.0, 0.4, "MoHRSS 2015 title reform; " + ASSUMPTION,
                                       "share", "senior posts per middle-school teacher post")
    redeploy_rate: float = param(0.3, 0.0, 1.0, "县管校聘 reform (seed 001); " + ASSUMPTION,
                                 "per year", "share of surplus teachers moved to vacancies")
    surplus_tolerance: float = param(0.25, 0.0, 1.0, ASSUMPTION, "share",
                                     "staffing above the norm tolerated before redeployment")
    principal_max_tenure: int = param(10, 3, 20, ASSUMPTION + " (seed 001: rotation after two terms)",
                                      "years", "years before a principal is replaced")
    vice_principal_min_staff: int = param(
        12, 4, 40, ASSUMPTION + " (larger schools have a vice-principal; seed 001 counts them "
        "with principals)", "teachers", "teachers a school needs to have a vice-principal")
    worth_exit_slope: float = param(
        0.15, 0.0, 0.6, ASSUMPTION + " (outside options rise with a teacher's worth)",
        "log exit intent per teacher SD", "rise in the exit intent of a teacher above the mean "
        "effectiveness, per SD of talent")
    worth_pay_damping: float = param(
        0.5, 0.0, 2.0, ASSUMPTION + " (allowances retain average teachers more than top ones)",
        "per teacher SD", "how much less an allowance moves the exit intent of a teacher above "
        "the mean: the response is divided by 1 + damping x talent SDs")


class Staffing(Group):
    ptr_primary: float = param(19.0, 10.0, 30.0, NORMS, "pupils per teacher")
    ptr_middle: float = param(13.5, 8.0, 25.0, NORMS, "pupils per teacher")
    min_teachers_teaching_point: int = param(2, 1, 6, ASSUMPTION, "teachers")
    min_teachers_village: int = param(6, 2, 12, ASSUMPTION + " (one per grade)", "teachers")
    class_max_primary: int = param(45, 30, 60, BALANCE, "students")
    class_max_middle: int = param(50, 30, 60, BALANCE, "students")
    lapse_below_pupils: int = param(
        5, 0, 30, ASSUMPTION + " (国办发〔2018〕27号 keeps small rural schools where children "
        "need them; one that has all but emptied lapses)", "pupils",
        "a village school or teaching point with fewer pupils than this for two years closes "
        "in the status quo; its pupils choose again, without a bus")


class Pay(Group):
    salary_none: float = param(4500.0, 2000.0, 10000.0, ASSUMPTION + " (Shandong pay scales)",
                               "yuan/month", "untitled teacher")
    salary_level2: float = param(5000.0, 2000.0, 12000.0, ASSUMPTION, "yuan/month")
    salary_level1: float = param(5800.0, 2000.0, 14000.0, ASSUMPTION, "yuan/month")
    salary_senior: float = param(7000.0, 2000.0, 16000.0, ASSUMPTION, "yuan/month")

    @model_validator(mode="after")
    def _pay_rises_with_title(self):
        scale = (self.salary_none, self.salary_level2, self.salary_level1, self.salary_senior)
        if any(higher < lower for lower, higher in zip(scale, scale[1:])):
            raise ValueError("salaries must not fall as the title rises (allowed: salary_none <= "
                             "salary_level2 <= salary_level1 <= salary_senior), got "
                             + ", ".join(f"{x:g}" for x in scale))
        return self
    allowance_town_seat: float = param(100.0, 0.0, 3000.0, "seed 000 三.1 (graded by remoteness); "
                                       + ASSUMPTION, "yuan/month", "rural allowance before reform")
    allowance_village: float = param(200.0, 0.0, 3000.0, "seed 000 三.1; " + ASSUMPTION, "yuan/month")
    allowance_teaching_point: float = param(300.0, 0.0, 3000.0, "seed 000 三.1; " + ASSUMPTION,
                                            "yuan/month")
    funding_primary: float = param(900.0, 0.0, 5000.0, "seed 003 (900 yuan before the plan)",
                                   "yuan/student/year", "public per-student funding, primary")
    funding_middle: float = param(1100.0, 0.0, 5000.0, "seed 003 (1,100 yuan before the plan)",
                                  "yuan/student/year", "public per-student funding, middle")
    boarding_primary_yuan: float = param(
        1000.0, 0.0, 5000.0, "MoF boarding living subsidy (1,000 yuan primary); " + ASSUMPTION
        + " that it stands for the public cost per boarder", "yuan/boarder/year")
    boarding_middle_yuan: float = param(
        1250.0, 0.0, 5000.0, "MoF boarding living subsidy (1,250 yuan middle); " + ASSUMPTION,
        "yuan/boarder/year")


PENSION = ("国发〔2015〕2号 and 国办发〔2019〕13号 (public-institution pension: employer 16%); "
           "国办发〔2015〕18号 (occupational annuity: employer 8%)")
FUNDING_FLOOR = "国发〔2015〕67号 (schools under 100 pupils funded as if they had 100)"


class Budget(Group):
    """The county's education accounts: what a teacher costs the employer, the operating-funds
    rule for small schools, the life of capital, the budget envelope and the discount rate."""

    pay_months: float = param(
        18.0, 14.0, 22.0, ASSUMPTION + " (the monthly salaries are take-home pay: 12 of them "
        "grossed up for the employee's ~26% contributions, about 16, plus the year-end bonus "
        "and the reward part of performance pay, about 2)", "months of the monthly salary",
        "a teacher's gross annual pay, in months of the modelled monthly salary")
    employer_on_cost: float = param(
        0.40, 0.25, 0.55, PENSION + "; medical insurance ~7-9%, housing fund 5-12% "
        "(住房公积金管理条例), unemployment and injury ~1%", "share of gross pay",
        "employer social contributions and housing fund on top of gross pay")
    non_teaching_staff: float = param(
        0.08, 0.0, 0.25, ASSUMPTION + " (staff other than full-time teachers, per teacher)",
        "per teacher", "administrative, support and logistics staff, paid as untitled teachers")
    funding_floor_pupils: int = param(100, 0, 300, FUNDING_FLOOR, "pupils",
                                      "a smaller open school is funded as if it had this many")
    building_life_years: int = param(
        30, 20, 50, "财会〔2017〕4号 government asset lives: brick-concrete buildings 30 years, "
        "reinforced concrete 50", "years", "life over which buildings and dormitories are "
        "annualised")
    equipment_life_years: int = param(
        6, 5, 10, "财会〔2017〕4号 and the school asset table: computers 6 years, teaching "
        "instruments 5", "years", "life over which equipment (digital classrooms) is annualised")
    envelope_yuan: float | None = param(
        None, 0.0, 1e11, "the county's own figure when known; none: the start year's status-quo "
        "spending (两个只增不减: 国办发〔2018〕82号 keeps it from falling)", "yuan/year",
        "the county's yearly education budget for these schools")
    envelope_growth: float = param(
        0.0, -0.03, 0.05, ASSUMPTION + " (real growth; the legal floor is no fall)", "per year",
        "real yearly growth of the budget envelope")
    discount_rate: float = param(
        0.03, 0.0, 0.08, "3%: the reference case of cost-effectiveness analysis (Weinstein et al. "
        "1996, JAMA 276; NICE 3.5%); 8%: China's social discount rate (国家发改委/建设部, "
        "建设项目经济评价方法与参数, 3rd ed. 2006)", "per year",
        "rate at which later costs and effects count less")


class Boarding(Group):
    distance_km: float = param(4.0, 1.0, 15.0, ASSUMPTION, "km",
                               "travel beyond which a student boards where a bed is free")
    min_grade: int = param(4, 1, 9, ASSUMPTION + " (seed 001: boarding mainly for middle school)",
                           "grade", "youngest grade allowed to board")
    beds_town_seat_middle: float = param(
        0.75, 0.0, 1.5, ASSUMPTION + " (calibrated to ~45% of middle-school students boarding)",
        "beds per student", "beds at town-seat middle and nine-year schools")
    beds_town_seat_primary: float = param(
        0.5, 0.0, 1.5, ASSUMPTION + " (seed 001: dormitories where needed)", "beds per student",
        "beds at town-seat primaries, per pupil old enough to board")
    beds_urban_middle: float = param(0.2, 0.0, 1.5, ASSUMPTION, "beds per student",
                                     "beds at county-seat middle schools")
    beds_central_village: float = param(
        0.0, 0.0, 0.8, ASSUMPTION + " (Shandong boards at town-seat schools: seed 001 task 8, "
        "seed 004 四.一 build 乡镇寄宿制学校; some central village primaries keep dormitories)",
        "beds per student", "beds at each town's central village primary (its largest), per "
        "pupil old enough to board")


LOYALKA = "Loyalka, Popova, Li & Shi 2019, AEJ Applied 11(3)"
ZHANG2013 = "Zhang et al. 2013, J Dev Effectiveness 5(3) (Beijing migrant-school teacher training)"
CAL = ("computer-assisted learning RCTs in rural China: +0.12 SD math (Lai et al. 2013, J Dev "
       "Effectiveness 5(2)), +0.14 SD math (Lai et al. 2015, Beijing), +0.14-0.20 SD Mandarin "
       "(Qinghai), after one year")
BIANCHI = "Bianchi, Lu & Song 2022, J Dev Econ 158"


class LeverEffects(Group):
    """How strongly, and at what unit cost, the policy levers act (uncertainties, not choices)."""

    allowance_fade_years: float = param(5.0, 1.0, 20.0, JIANG_YIP + " (effect fades)", "years",
                                        "time scale on which an allowance rise loses its effect")
    allowance_fade_floor: float = param(0.4, 0.0, 1.0, JIANG_YIP + "; " + ASSUMPTION, "share",
                                        "share of an allowance's effect that never fades")
    allowance_fill_slope: float = param(1.0, 0.0, 5.0, ASSUMPTION, "fill rate per salary share",
                                        "rise in rural fill rates per salary share above threshold")
    housing_exit_multiplier: float = param(0.85, 0.5, 1.0, ASSUMPTION + " (seed 000, 001: 周转房)",
                                           "ratio", "exit intent of a teacher offered housing")
    housing_yuan_flat: float = param(
        150_000.0, 50_000.0, 400_000.0, ASSUMPTION + " (a 40-50 m2 turnover flat at rural "
        "building cost)", "yuan/flat", "building a turnover flat (周转房), annualised over a "
        "building's life")
    support_max_share: float = param(
        0.5, 0.1, 1.0, ASSUMPTION + " (a mentee converges toward the mentor, never past it)",
        "share", "share of a teacher's effectiveness gap to the urban quality schools' mean that "
        "mentoring, pairing and training can close at most")
    support_fade: float = param(
        0.3, 0.05, 1.0, ASSUMPTION + " (gains without continued support decay; Loyalka et al. "
        "2019 find no gain to keep)", "per year", "share of a support gain lost each year "
        "without support")
    rotation_host_convergence: float = param(
        0.05, 0.0, 0.20, ASSUMPTION + " (seed 000 四: support teachers lead teaching research; "
        "no causal estimate)", "share per year per backbone teacher",
        "share of the host teachers' remaining support headroom closed per year by each rotated "
        "backbone teacher (at most three count)")
    rotation_yuan_year: float = param(12000.0, 0.0, 50000.0, ASSUMPTION, "yuan/teacher/year",
                                      "allowance and travel of a rotated teacher")
    bus_distance_factor: float = param(0.4, 0.1, 1.0, ASSUMPTION, "ratio",
                                       "felt daily travel with a school bus")
    bus_yuan_student_year: float = param(1500.0, 0.0, 5000.0, ASSUMPTION, "yuan/student/year",
                                         "school bus per pupil of a consolidated place")
    no_bus_dropout_per_km: float = param(
        0.006, 0.0, 0.03, HANNUM + " (girls exposed to closure at primary ages: -0.60 years of "
        "schooling by 17); size per km: " + ASSUMPTION, "per year per km",
        "added yearly dropout of a grade-1 girl among the day pupils of a closed school's "
        "village without a bus, per km beyond the safe distance; older pupils' risk falls "
        "linearly to a sixth in grade 6")
    no_bus_boys_ratio: float = param(
        0.25, 0.0, 1.0, HANNUM + " (no significant effect for boys: girls' enrolment is more "
        "sensitive to distance)", "ratio", "boys' no-bus dropout risk relative to girls'")
    lunch_yuan_student_year: float = param(
        1000.0, 0.0, 3000.0, "MoE/MoF 2021 nutrition programme (5 yuan/day, ~200 days)",
        "yuan/student/year")
    lunch_dropout_odds: float = param(0.9, 0.5, 1.0, ASSUMPTION, "odds ratio",
                                      "dropout of a pupil given school lunch")
    bed_yuan: float = param(
        30_000.0, 10_000.0, 80_000.0, ASSUMPTION + " (about 8-10 m2 of dormitory per boarder at "
        "rural building cost)", "yuan/bed", "building a dormitory bed, annualised over a "
        "building's life")
    dorm_staff_yuan_year: float = param(60000.0, 0.0, 150000.0, ASSUMPTION, "yuan/year",
                                        "a dormitory carer for 50 boarders")
    pairing_value_added: float = param(
        0.015, 0.0, 0.06, ASSUMPTION + " (no causal estimate of pairing or education groups)",
        "SD per year", "yearly gain of students at a paired rural school, up to the urban "
        "quality schools' value added")
    pairing_convergence: float = param(
        0.10, 0.0, 0.40, ASSUMPTION + " (no causal estimate: the widest range)", "share per year",
        "share of a paired school's teachers' remaining support headroom closed per year")
    pairing_yuan_year: float = param(50000.0, 0.0, 500000.0, ASSUMPTION, "yuan/school/year")
    digital_value_added: float = param(
        0.02, 0.0, 0.08, CAL + "; " + BIANCHI + "; " + ASSUMPTION + " (all subjects: a third of a "
        "one-subject programme's effect)", "SD per year", "yearly gain from synchronous "
        "classrooms, up to the urban quality schools' value added")
    digital_yuan_year: float = param(10_000.0, 0.0, 100_000.0, ASSUMPTION + " (network and "
                                     "platform fees)", "yuan/school/year",
                                     "running a covered school's synchronous classrooms")
    digital_equipment_yuan: float = param(
        150_000.0, 30_000.0, 600_000.0, ASSUMPTION + " (a recording and a synchronous classroom)",
        "yuan/school", "equipping a newly covered school, annualised over equipment's life")
    training_convergence_per_40h: float = param(
        0.01, 0.0, 0.10, LOYALKA + " (precise zero after one year); " + ZHANG2013
        + " (no effect); " + ASSUMPTION, "share per year per 40 h",
        "share of a trained teacher's remaining support headroom closed per 40 training hours")
    training_yuan_hour: float = param(50.0, 0.0, 500.0, ASSUMPTION, "yuan/teacher-hour")
    place_yuan: float = param(
        40_000.0, 15_000.0, 100_000.0, ASSUMPTION + " (about 10 m2 of school building per pupil "
        "at 3,000-4,000 yuan/m2, equipment included, land excluded)", "yuan/place",
        "building a county-seat school place, annualised over a building's life")
    degree_yuan: float = param(8_000.0, 2_000.0, 30_000.0, ASSUMPTION + " (part-time "
                               "bachelor's tuition refunded on completion)", "yuan/degree",
                               "public cost of a degree completed under the upgrading lever")
    funding_to_facilities: float = param(
        0.05, 0.0, 0.3, ASSUMPTION, "facility index per 1,000 yuan",
        "yearly facility gain per 1,000 yuan of extra funding per student")
    facilities_cap: float = param(1.2, 1.0, 2.0, ASSUMPTION, "x provincial standard",
                                  "facilities that funding can reach")
    curriculum_weight: float = param(0.3, 0.0, 1.5, ASSUMPTION, "utility",
                                     "parents' value of a school teaching every subject")
    itinerant_yuan_year: float = param(20000.0, 0.0, 200000.0, ASSUMPTION, "yuan/school/year",
                                       "itinerant shortage-subject teaching per small school")
    town_hub_yuan_per_unit: float = param(
        20_000_000.0, 5_000_000.0, 50_000_000.0, ASSUMPTION + " (a town-seat school's buildings "
        "and equipment at the provincial standard: about 8,000 m2 at 2,500 yuan/m2)",
        "yuan per school per unit facility index", "building a town-seat school's facilities "
        "up, annualised over a building's life")


class Parameters(Group):
    """All behavioural parameters, grouped by the submodel that uses them."""

    demography: Demography = Field(default_factory=Demography)
    choice: Choice = Field(default_factory=Choice)
    learning: Learning = Field(default_factory=Learning)
    dropout: Dropout = Field(default_factory=Dropout)
    zhongkao: Zhongkao = Field(default_factory=Zhongkao)
    teachers: Teachers = Field(default_factory=Teachers)
    staffing: Staffing = Field(default_factory=Staffing)
    pay: Pay = Field(default_factory=Pay)
    boarding: Boarding = Field(default_factory=Boarding)
    levers: LeverEffects = Field(default_factory=LeverEffects)
    budget: Budget = Field(default_factory=Budget)


def field_bounds(field: Any) -> tuple[Any, Any]:
    """A pydantic field's declared (ge, le) bounds, None where open."""
    lo = hi = None
    for meta in field.metadata:
        lo = getattr(meta, "ge", lo)
        hi = getattr(meta, "le", hi)
    return lo, hi


def parameter_table(model: type[BaseModel] = Parameters, prefix: str = "params") -> list[dict]:
    """One row per leaf parameter: dotted key, default, range, unit, source, meaning."""
    rows: list[dict] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += parameter_table(annotation, key)
            continue
        lo, hi = field_bounds(field)
        extra = field.json_schema_extra or {}
        assert isinstance(extra, dict), key  # param() always gives a dict, never a callable
        rows.append({"key": key, "default": field.get_default(call_default_factory=True),
                     "low": lo, "high": hi,
                     "unit": extra.get("unit", ""), "source": extra.get("source", ""),
                     "meaning": field.description or ""})
    return rows
