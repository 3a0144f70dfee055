"""The policy levers: each moves what it acts on in the direction the evidence says, has no effect
before it starts, costs nothing when off, and every seed package runs. Pairs of runs share
seeds, so common random numbers make small differences meaningful."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import InputError
from sim.kinds import SchoolType, StudentStatus, Title
from sim.policies import COST_COLUMNS, LEVERS
from sim.policies.timeline import Lever

from conftest import ROOT, small_scenario

SEEDS = (1, 2)
SEED_PACKAGES = ("qingdao-2020", "gaotang-2027", "jinan-2024", "qingdao-doubling-2023",
                 "shandong-town-hub-2021")


def runs(**overrides) -> list[pd.DataFrame]:
    sc = small_scenario(end_year=2030, **overrides)
    return [sim.run(sc, seed=s).timeseries.set_index("year") for s in SEEDS]


def mean(column: str, years=slice(None), **overrides) -> float:
    return float(np.mean([ts.loc[years, column].mean() for ts in runs(**overrides)]))


def lever(name: str, start: int = 2021, **settings) -> dict:
    return {f"policies.{name}.start": start,
            **{f"policies.{name}.{k}": v for k, v in settings.items()}}


# --- timelines ---------------------------------------------------------------------------

def test_timeline_levels():
    assert Lever().level(2030) == 0.0 and not Lever().enabled
    ramp = Lever(start=2022, ramp_years=3)
    assert [ramp.level(y) for y in (2021, 2022, 2023, 2024, 2030)] == pytest.approx(
        [0, 1 / 3, 2 / 3, 1, 1])
    sched = Lever(schedule={2023: 0.4, 2025: 1.0})
    assert [sched.level(y) for y in (2022, 2023, 2024, 2025, 2030)] == pytest.approx(
        [0, 0.4, 0.7, 1.0, 1.0])
    assert Lever(start=2021, end=2023).level(2024) == 0.0


@pytest.mark.parametrize("bad, message", [
    ({"policies.pairing.schedule": {"2023": 1.5}}, "between 0 and 1"),
    ({"policies.pairing.start": 2025, "policies.pairing.end": 2023}, "before start"),
    ({"policies.pairing.start": 2025, "policies.pairing.schedule": {"2023": 0.5}},
     "either start"),
    ({"policies.subsidy.village_yuan": 800}, "unknown field 'policies.subsidy.village_yuan'"),
    ({"policies.rotation.share": 0.9}, "0.5"),
    ({"policies.consolidation.types": ["urban_quality"]}, "teaching_point"),
])
def test_bad_policy_settings_are_explained(bad, message):
    with pytest.raises(InputError) as info:
        sim.load_scenario(None, bad)
    assert message in str(info.value)


# --- every lever: no effect before it starts, no cost when off ------------------------------

ON = {
    "subsidy": {"village_yuan_month": 2500.0, "teaching_point_yuan_month": 2500.0,
                "town_seat_yuan_month": 2500.0, "housing_share": 0.5},
    "rotation": {"share": 0.2},
    "consolidation": {"threshold": 200, "types": ["teaching_point", "village"],
                      "require_shrinking": False},
    "boarding": {"beds_per_student": 1.2, "min_grade": 1}, "transport": {"min_km": 1.5},
    "places": {"places_per_year": 100}, "quota": {"share": 1.0},
    "pairing": {}, "funding": {"primary_yuan": 1300.0, "middle_yuan": 1700.0},
    "training": {"hours": 120.0}, "digital": {}, "title_reform": {}, "degree_upgrade": {},
    "service_binding": {}, "itinerant": {}, "town_hub": {"target_facilities": 1.2},
}


@pytest.mark.parametrize("name", list(LEVERS))
def test_no_effect_before_the_start_year(name):
    base = sim.run(small_scenario(end_year=2030), seed=3).timeseries.set_index("year")
    late = sim.run(small_scenario(end_year=2030, **lever(name, 2024, **ON[name])),
                   seed=3).timeseries.set_index("year")
    pd.testing.assert_frame_equal(base.loc[:2023], late.loc[:2023])
    assert not base.loc[2024:].equals(late.loc[2024:]), f"{name} changed nothing once on"


def test_levers_off_cost_nothing(small):
    ts = sim.run(small, seed=1).timeseries
    assert (ts[list(COST_COLUMNS)] == 0).all().all()
    assert (ts["cost_policy_yuan"] == 0).all()


@pytest.mark.parametrize("name", list(LEVERS))
def test_a_lever_that_is_on_has_a_cost_unless_it_is_a_rule(name):
    ts = runs(**lever(name, 2021, **ON[name]))[0]
    cost = ts[f"cost_lever_{name}_yuan"].sum()
    if name in ("service_binding", "quota"):
        assert cost == 0  # rules with no budget line
    else:
        assert cost > 0
    assert ts["cost_policy_yuan"].sum() == pytest.approx(ts[list(COST_COLUMNS)].sum().sum())


# --- directions of effect ----------------------------------------------------------------

def test_allowance_acts_only_above_the_threshold():
    """Jiang & Yip 2024: below ~15% of salary little effect."""
    def allowance(yuan: float) -> dict:
        return lever("subsidy", village_yuan_month=yuan, teaching_point_yuan_month=yuan,
                     town_seat_yuan_month=yuan)

    base = mean("teacher_retention")
    assert abs(mean("teacher_retention", **allowance(500.0)) - base) < 0.004  # ~10% of salary
    assert mean("teacher_retention", **allowance(2500.0)) > base + 0.01  # ~50%


def test_an_allowance_rise_fades():
    from sim.model import CountyModel
    from sim.stages.labour import pay_response

    sc = small_scenario(**lever("subsidy", village_yuan_month=2500.0))
    model = CountyModel(sc, 1)
    model.step()
    model.step()  # the lever starts in 2021
    village = np.array([SchoolType.VILLAGE])
    untitled = np.array([Title.NONE])
    at_rise = pay_response(model.state, village, untitled, 2021)[0]
    later = pay_response(model.state, village, untitled, 2029)[0]
    floor = model.state.params.levers.allowance_fade_floor
    assert at_rise > later > floor * at_rise * 0.99


def test_housing_raises_retention():
    assert mean("teacher_retention", **lever("subsidy", housing_share=1.0)) > \
        mean("teacher_retention") + 0.003


def test_rotation_sends_teachers_and_narrows_the_gap():
    on = runs(**lever("rotation", share=0.3, backbone_share=0.5))
    assert all(ts["rotating_teachers"].loc[2022:].min() > 0 for ts in on)
    gap_on = np.mean([ts.loc[2025:, "gap_rate"].mean() for ts in on])
    assert gap_on < mean("gap_rate", slice(2025, None)) - 0.005


def test_senior_title_rule_sends_teachers_due_for_promotion():
    plain = mean("rotating_teachers", **lever("rotation", share=0.01))
    rule = mean("rotating_teachers", **lever("rotation", share=0.01,
                                             senior_needs_rural_year=True))
    assert rule > plain


def test_consolidation_closes_schools_and_lengthens_journeys():
    on = dict(lever("consolidation", **ON["consolidation"]))
    assert mean("schools_open", slice(2023, None), **on) < mean("schools_open", slice(2023, None))
    assert mean("mean_travel_km", slice(2023, None), **on) > \
        mean("mean_travel_km", slice(2023, None))


def test_closing_without_a_bus_keeps_children_out_of_school():
    settings = {**ON["consolidation"], "lunch": False}
    bus = mean("dropouts", slice(2022, None), **lever("consolidation", bus=True, **settings))
    walk = mean("dropouts", slice(2022, None), **lever("consolidation", bus=False, **settings))
    assert walk > bus * 1.1


def test_lunch_lowers_dropout_of_consolidated_pupils():
    settings = {**ON["consolidation"], "bus": False}
    without = mean("dropouts", slice(2022, None), **lever("consolidation", lunch=False, **settings))
    with_lunch = mean("dropouts", slice(2022, None), **lever("consolidation", lunch=True,
                                                             **settings))
    assert with_lunch < without


def test_beds_and_younger_boarding_raise_boarding():
    scarce = {"params.boarding.beds_town_seat_middle": 0.2}  # few beds to start with
    assert mean("boarding_rate_middle", slice(2024, None), **scarce,
                **lever("boarding", beds_per_student=1.2)) \
        > mean("boarding_rate_middle", slice(2024, None), **scarce) + 0.05
    assert mean("boarding_rate_primary", slice(2023, None), **lever("boarding", min_grade=1)) > \
        mean("boarding_rate_primary", slice(2023, None)) + 0.01


def test_dormitory_staff_protect_young_boarders():
    def boarder_gap(quality: float) -> float:
        model = sim.CountyModel(small_scenario(**lever("boarding", min_grade=1,
                                                        dorm_staff_quality=quality)), 1)
        for _ in range(5):
            model.step()
        s = model.state.students
        on = (s.status == StudentStatus.ENROLLED) & (s.grade <= 6)
        return float(s.z[on & s.boarding].mean() - s.z[on & ~s.boarding].mean())

    assert boarder_gap(1.0) > boarder_gap(0.0) + 0.02


@pytest.mark.parametrize("name, settings", [
    ("pairing", {}), ("digital", {}), ("town_hub", {"target_facilities": 1.2}),
    ("funding", {"primary_yuan": 3000.0, "middle_yuan": 3500.0}), ("training", {"hours": 400.0}),
])
def test_school_support_narrows_the_gap(name, settings):
    """Each narrows the gap (two seeds, common random numbers; funding's effect through
    facilities is the smallest, about 0.0025)."""
    assert mean("gap_rate", slice(2025, None), **lever(name, **settings)) < \
        mean("gap_rate", slice(2025, None)) - 0.002


def test_directed_titles_give_rural_schools_senior_teachers():
    on = lever("title_reform", level1_years=5, senior_years=10)
    assert mean("senior_per_rural_school", slice(2024, None), **on) > \
        mean("senior_per_rural_school", slice(2024, None)) + 0.3


def test_a_cap_on_directed_titles_limits_them_to_the_documented_volume():
    """Seed 002 reports a volume (515 senior titles in a city); the cap keeps a county to its
    scaled share: at most per_year titles a year, so fewer seniors than without it."""
    free = lever("title_reform", level1_years=5, senior_years=10)
    capped = lever("title_reform", level1_years=5, senior_years=10, per_year=2)
    years = slice(2024, None)
    base = mean("senior_per_rural_school", years)
    assert base < mean("senior_per_rural_school", years, **capped) < \
        mean("senior_per_rural_school", years, **free)


def test_degree_upgrading_narrows_the_bachelor_ratio():
    """Seed 001 task 5 (学历提升) is the lever behind its own <= 1.05 bachelor target."""
    on = lever("degree_upgrade", rate=0.3)
    assert mean("bachelor_ratio", slice(2023, None), **on) < \
        mean("bachelor_ratio", slice(2023, None)) - 0.01
    assert mean("cost_lever_degree_upgrade_yuan", **on) > 0


def test_service_binding_keeps_new_teachers():
    """Seed 001 task 5: new rural teachers serve their binding period at rural schools (they may
    quit, but no transfer request of theirs is granted while bound)."""
    from sim.kinds import TEACHING, URBAN_ORDINARY

    model = sim.CountyModel(small_scenario(**lever("service_binding", years=6)), 2)
    T, c = model.state.teachers, model.state.county
    bound_seen = 0
    for _ in range(6):
        model.step()
        bound = np.flatnonzero((T.bound_until[: T.n] >= model.year) & (T.status[: T.n] == TEACHING))
        bound_seen += bound.size
        assert (c.school_type[T.home_school[bound]] > URBAN_ORDINARY).all()
    assert bound_seen > 0


def test_itinerant_teaching_makes_small_schools_attractive():
    assert mean("student_retention", slice(2023, None), **lever("itinerant")) > \
        mean("student_retention", slice(2023, None))


# --- the seed packages ---------------------------------------------------------------------

@pytest.mark.parametrize("name", SEED_PACKAGES)
def test_seed_package_checks_and_runs(name):
    path = ROOT / "scenarios" / f"{name}.toml"
    sc = sim.load_scenario(path, {"end_year": 2027, "county.students": 8000, "county.towns": 8})
    assert any(getattr(sc.policies, lev).enabled for lev in LEVERS)
    ts = sim.run(sc, seed=1).timeseries
    assert ts["cost_policy_yuan"].iloc[-1] > 0
    text = path.read_text(encoding="utf-8")
    assert "seed" in text.lower() and "#" in text  # settings commented with their clause


def test_principal_exchange_brings_young_principals_to_rural_schools():
    """Seed 001 (5): principals exchanged after two terms, young urban reserve principals."""
    on = lever("rotation", share=0.0, principal_term_years=6, young_principal_share=1.0)
    assert mean("rural_principals_under45", slice(2024, None), **on) > \
        mean("rural_principals_under45", slice(2024, None)) + 0.2


def test_the_boarding_lever_builds_beds_where_its_sites_say():
    """Beds go to town seats by default; naming central villages adds beds at each town's
    largest village primary and nowhere else, and the status quo keeps none there."""
    from sim.model import CountyModel

    def beds_after(sites: list[str], **overrides) -> tuple[np.ndarray, sim.model.CountyModel]:
        policies = {"policies.boarding.start": 2021, "policies.boarding.min_grade": 3,
                    "policies.boarding.sites": sites, **overrides}
        model = CountyModel(small_scenario(**policies), seed=1)
        for _ in range(2):
            model.step()
        return model.state.schools.beds, model

    town, model = beds_after(["town_seat"])
    both, _ = beds_after(["town_seat", "central_village"])
    central = model.state.schools.central_village
    kind = model.state.county.school_type
    assert central.sum() == model.state.county.n_towns
    assert (kind[central] == SchoolType.VILLAGE).all()
    assert (town[central] == 0).all() and (both[central] > 0).all()
    np.testing.assert_array_equal(town[~central], both[~central])
    status_quo, _ = beds_after(["town_seat"], **{"params.boarding.beds_central_village": 0.5})
    assert (status_quo[central] > 0).all()
