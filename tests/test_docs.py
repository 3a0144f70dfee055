"""Generated documentation is current, and every parameter cites a source."""

from __future__ import annotations

from sim import docs
from sim.county import CountySpec
from sim.parameters import Parameters, parameter_table

from conftest import ROOT


def test_generated_tables_are_current():
    for name, make in docs.DOCS.items():
        current = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert current == make(), f"run `python -m sim.docs` to regenerate docs/{name}"


def test_every_parameter_has_a_source_and_a_range():
    rows = parameter_table(Parameters) + [r for r in parameter_table(CountySpec, "county")
                                          if r["key"] not in ("county.source", "county.roster")]
    missing = [r["key"] for r in rows if not r["source"]]
    assert not missing, f"parameters without a source: {missing}"
    unbounded = [r["key"] for r in rows if r["low"] is None or r["high"] is None]
    assert not unbounded, f"parameters without a range: {unbounded}"
    outside = [r["key"] for r in rows  # None: computed (e.g. the budget envelope)
               if r["default"] is not None and not r["low"] <= r["default"] <= r["high"]]
    assert not outside, f"defaults outside their range: {outside}"


def test_odd_has_the_seven_elements():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8").lower()
    for heading in ("purpose", "entities, state variables and scales",
                    "process overview and scheduling", "design concepts", "initialization",
                    "input data", "submodels"):
        assert heading in text, heading


def test_the_documented_year_is_the_code_year():
    """docs/architecture.md's table and ODD section 3 list the stages of YEAR, in order."""
    from sim.model import YEAR

    names = [name for name, _ in YEAR]
    arch = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = [line.split("|")[1].strip() for line in arch.splitlines()
             if line.startswith("| ") and "`" in line and line.split("|")[1].strip() in names]
    assert table == names
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd[odd.index("## 3. Process overview"): odd.index("## 4. Design concepts")]
    positions = [section.index(f"**{name}**") for name in names]
    assert positions == sorted(positions), "ODD section 3 lists the stages out of order"
