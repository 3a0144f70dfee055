"""What a year counts at enrollment is what its outputs read after the year's leavers have left,
and families deciding in mid-year see the schools as the year's closures left them."""

from __future__ import annotations

import numpy as np

from sim import outcomes
from sim.kinds import ENROLLED, TOWN_SEAT
from sim.model import YEAR, CountyModel
from sim.policies import transport
from sim.stages import enrollment

from conftest import small_scenario

# closures from the first year, buses and lunch for far villages, beds from grade 1
CLOSE = {"policies.consolidation.start": 2021, "policies.consolidation.threshold": 200,
         "policies.consolidation.types": ["teaching_point", "village"],
         "policies.consolidation.require_shrinking": False}
SERVE = {"policies.transport.start": 2021, "policies.transport.min_km": 1.5}
BEDS = {"policies.boarding.start": 2021, "policies.boarding.beds_per_student": 1.2,
        "policies.boarding.min_grade": 1}


def stages(model: CountyModel):
    """One school year stage by stage: yields each stage's name after running it."""
    st = model.state
    st.begin_year(outcomes.FLOW_NAMES)
    for name, stage in YEAR:
        stage(st, st.year)
        yield name


def test_outputs_read_the_pupils_counted_at_enrollment_not_after_the_leavers_left():
    scenario = small_scenario(**CLOSE, **SERVE, **BEDS)
    model = CountyModel(scenario, seed=3)
    st, s, c = model.state, model.state.students, model.state.county
    n = c.n_schools
    leavers_boarded = 0
    for _ in range(4):
        for name in stages(model):
            if name == "observe enrollment":
                win = s.window(st.year)
                school = s.school[win]
                # only enrolled pupils hold a school, and every one of them holds one
                assert ((school < n) == (s.status[win] == ENROLLED)).all()
                enrolled = school < n
                grade = np.bincount(s.grade[win][enrolled], minlength=10)
                day = enrolled & ~np.append(c.is_urban_school, True)[school] & ~s.boarding[win]
                users = np.bincount(s.place[win][day], minlength=c.n_places)
                boarded = s.boarding[win].copy()
            if name == "progression":
                left = s.status[win] != ENROLLED
                leavers_boarded += int((left & boarded).sum())
        assert (st.now.enrolled_by_grade == grade).all()
        assert (transport.day_pupils_by_place(st) == users).all()
        rates = st.now.dropouts_by_grade[7:10] / grade[7:10]
        assert np.isclose(st.history.indicators[-1]["middle_retention_3yr"], np.prod(1 - rates))
    # the case the enrollment count exists for: boarders who leave at the end of the year
    assert leavers_boarded > 0


def test_families_deciding_to_move_see_the_schools_closed_this_year():
    scenario = small_scenario(**CLOSE)
    model = CountyModel(scenario, seed=3)
    st = model.state
    closed_by_lever = 0
    for _ in range(3):
        for name in stages(model):
            if name == "levers":
                closed_by_lever += int((st.schools.closed_in == st.year).sum())
            if name == "relocation":
                assert not st.places.stale
                options = st.places.options
                held = options[options < st.county.n_schools]
                assert st.schools.open[held].all()
    assert closed_by_lever > 0


def test_options_refreshed_after_closures_are_those_built_afresh():
    model = CountyModel(small_scenario(**CLOSE), seed=2)
    st = model.state

    def same_as_built() -> bool:
        built = enrollment.build_options(st.county, st.schools.open)
        kept = enrollment.option_lookups(st.places)  # kept up to date since the first year
        return (np.array_equal(st.places.options, built.options)
                and all(np.array_equal(a, b)
                        for a, b in zip(kept, enrollment.option_lookups(built))))

    enrollment.option_lookups(st.places)
    seats = np.flatnonzero(st.county.school_type == TOWN_SEAT)
    assert (st.places.options[:, :, enrollment.SEAT] == seats[0]).any()
    st.close_schools(seats[:1], st.year)  # a town seat's school, some places' second option
    enrollment.refresh_options(st)
    assert same_as_built()
    for _ in range(4):
        model.step()  # the lever closes village schools and teaching points
        assert same_as_built()
    assert (~st.schools.open).sum() > 1


def test_journey_terms_kept_up_to_date_are_those_worked_out_afresh():
    model = CountyModel(small_scenario(**CLOSE, **SERVE, **BEDS), seed=2)
    st = model.state
    for _ in range(4):
        model.step()  # closures, buses and new beds change some places' journeys
        kept = [a.copy() for a in enrollment.journey_terms(st)]
        st.places.journey = None
        fresh = enrollment.journey_terms(st)
        assert all(np.array_equal(a, b) for a, b in zip(kept, fresh))
