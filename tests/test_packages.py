"""The seed packages hold their documents' clauses: every clause with a scenario key gives a
setting (scaled to one county where the document counts a city's teachers or towns), and the
package's scenario file holds exactly that setting (docs/packages.md shows both)."""

from __future__ import annotations

import pytest

from sim.packages import (
    Clause,
    county_count,
    county_facts,
    county_share,
    load_clauses,
    scenario_value,
    setting,
)

DATA = load_clauses()
KEYED = [c for c in DATA.clause if c.key]
PACKAGES = ("qingdao-2020", "gaotang-2027", "jinan-2024", "qingdao-doubling-2023",
            "shandong-town-hub-2021")


@pytest.mark.parametrize("clause", KEYED, ids=lambda c: f"{c.package}:{c.clause}:{c.key}")
def test_each_package_setting_is_its_clause_after_scaling(clause: Clause):
    wanted = setting(clause, DATA, county_facts())
    assert wanted is not None, "a clause with a key needs a figure or a setting"
    held = scenario_value(clause.package, clause.key)
    if isinstance(wanted, float):
        assert held == pytest.approx(wanted, rel=1e-9), clause.note
    else:
        assert held == wanted, clause.note


def test_every_package_has_clauses_and_every_clause_a_known_package():
    assert {c.package for c in DATA.clause} == set(PACKAGES)
    for package in PACKAGES:
        assert sum(1 for c in KEYED if c.package == package) >= 5, package


def test_city_figures_are_scaled_by_the_county_share_of_pupils():
    """3,800 rotations in Jinan become the county's share of them, and a total over three
    years a third of it a year."""
    facts = county_facts()
    jinan = DATA.areas["jinan"]
    rotations = next(c for c in KEYED if c.package == "jinan-2024"
                     and c.key == "policies.rotation.share")
    share = facts.pupils / (jinan.residents * DATA.scaling.pupils_per_resident)
    assert county_share(rotations, DATA, facts) == pytest.approx(share)
    assert county_count(rotations, DATA, facts) == pytest.approx(3800 * share)
    assert 100 < county_count(rotations, DATA, facts) < 400  # a county, not the city
    total = rotations.model_copy(update={"per": "total", "years": 3})
    assert county_count(total, DATA, facts) == pytest.approx(3800 * share / 3)
    rural = rotations.model_copy(update={"basis": "rural_pupils"})
    assert county_share(rural, DATA, facts) > county_share(rotations, DATA, facts)


def test_clauses_without_a_lever_say_why():
    silent = [c for c in DATA.clause if not c.key and not c.note]
    assert not silent, [f"{c.package} {c.clause}" for c in silent]
