"""The shipped Shandong province file (scenarios/shandong.toml): every county-level unit of the
2020 census is there, in its prefecture and of its kind, the children add up to the census, and
every row is a county the model accepts. No model runs: the file is read as `ruraledu province`
reads it. docs/shandong.md gives the sources; data/build_shandong.py builds the file."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from sim.province import load_province

from conftest import ROOT

PROVINCE = ROOT / "scenarios" / "shandong.toml"
UNITS = ROOT / "data" / "shandong-units.csv"
# Formal county-level units per prefecture at the 2020 census (136 in all): the census table's
# 市辖区, 县级市 and 县 rows under each 地级市.
PREFECTURES = {"济南市": 12, "青岛市": 10, "淄博市": 8, "枣庄市": 6, "东营市": 5, "烟台市": 11,
               "潍坊市": 12, "济宁市": 11, "泰安市": 6, "威海市": 4, "日照市": 4, "临沂市": 12,
               "德州市": 11, "聊城市": 8, "滨州市": 7, "菏泽市": 9}
KINDS = {"district": 58, "county_city": 26, "county": 52}
# Shandong's residents aged 6-14 at the census: 4/5 of the 5-9 band (6,449,085) plus the 10-14
# band (6,091,237) of the census's province row (docs/shandong.md).
CENSUS_AGED_6_14 = 11_250_505
# The one unit left out (东营港经济开发区, 58 children) and rounding each unit's 4/5 of a band
# to whole children: well under 0.01% of the province.
TOLERANCE = 0.0001


@pytest.fixture(scope="module")
def counties():
    return load_province(PROVINCE)[3]  # validates every row's scenario


def is_zone(name: str) -> bool:
    """The census's development zones (开发区), reported apart from the formal units."""
    return name.endswith("开发区")


def test_every_formal_unit_is_there_in_its_prefecture_and_of_its_kind(counties):
    formal = [c for c in counties if not is_zone(c.name)]
    assert len(formal) == 136
    assert Counter(c.prefecture for c in formal) == PREFECTURES
    assert Counter(c.kind for c in formal) == KINDS
    suffix_kind = {"区": "district", "市": "county_city", "县": "county"}
    assert all(c.kind == suffix_kind[c.name[-1]] for c in formal)


def test_development_zones_are_districts_of_a_prefecture(counties):
    zones = [c for c in counties if is_zone(c.name)]
    assert len(zones) == 16
    assert {c.kind for c in zones} == {"district"}
    assert {c.prefecture for c in zones} <= set(PREFECTURES)


def test_the_children_add_up_to_the_census(counties):
    total = sum(c.overrides["county.students"] for c in counties)
    assert abs(total - CENSUS_AGED_6_14) <= TOLERANCE * CENSUS_AGED_6_14


def test_every_row_is_a_county_the_model_accepts(counties):
    """load_province has validated each row's scenario; the towns and urban shares are set
    (not left to the package's defaults) and the names are unique."""
    assert all({"county.students", "county.towns", "params.demography.urban_residence_share"}
               <= set(c.overrides) for c in counties)
    assert len({c.name for c in counties}) == len(counties)


def test_the_shipped_table_is_the_builds_record(counties):
    """The shipped rows are the units data/shandong-units.csv marks as shipped, with its
    values, so a hand edit of one file without the other is caught."""
    units = pd.read_csv(UNITS, dtype={"code": str})
    shipped = units[units["shipped"]].reset_index(drop=True)
    assert [c.name for c in counties] == list(shipped["county"])
    for c, (_, u) in zip(counties, shipped.iterrows()):
        assert (c.prefecture, c.kind, c.overrides["county.students"], c.towns) == \
            (u["prefecture"], u["kind"], u["students"], u["towns"])
        assert c.overrides["params.demography.urban_residence_share"] == pytest.approx(
            u["urban_share"])
    # the census's 136 formal units and 17 development zones hold all Shandong's residents
    assert len(units) == 153 and units["residents"].sum() == 101_527_453
