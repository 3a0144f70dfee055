"""The bad-input corpus: every malformed file gets the contract's answer from ``ruraledu check``
(exit 2, one line naming the file, the field and what is allowed, no traceback).

Two parts. Generated from the schemas: every bounded number of the scenario (parameters, county,
each lever's settings) set above its range, below it, to a word and to ``true``, so a field added
later is covered without writing a case. Hand-written: the files under ``tests/bad_inputs/``
(scenario, experiment, calibration and roster files broken in the ways users break them), with
what the error must say about each in its folder's ``expect.toml``. Then the command line
misused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import main
from sim.county import CountySpec
from sim.parameters import Parameters, parameter_table
from sim.policies import LEVERS

from conftest import ROOT

CORPUS = Path(__file__).parent / "bad_inputs"


def bounded_fields() -> list[dict]:
    rows = parameter_table(Parameters, "params") + parameter_table(CountySpec, "county")
    for name, spec in LEVERS.items():
        rows += parameter_table(spec.model, f"policies.{name}")
    return [r for r in rows if isinstance(r["default"], int | float)
            and not isinstance(r["default"], bool) and (r["low"] is not None or r["high"] is not None)]


def generated_cases() -> list[tuple[str, str, str]]:
    """(case id, dotted key, TOML value) for every way a bounded number can be wrong."""
    cases = []
    for r in bounded_fields():
        key, lo, hi = r["key"], r["low"], r["high"]
        if hi is not None:
            cases.append((f"{key}>max", key, repr(hi * 2 + 1)))
        if lo is not None:
            cases.append((f"{key}<min", key, repr(lo - abs(lo) - 1)))
        cases.append((f"{key}=word", key, '"many"'))
        cases.append((f"{key}=true", key, "true"))
    return cases


CASES = generated_cases()
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".toml", ".csv")
               and p.name != "expect.toml")


def check(path: Path):
    return CliRunner().invoke(main, ["check", str(path)])


def assert_one_line_refusal(result, path: Path, *words: str) -> None:
    """Exit 2, no traceback, a line per problem, each naming the file; the first says ``words``."""
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert lines and all(line.startswith("error: ") and path.name in line for line in lines), \
        result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


def as_table(key: str, value: str) -> str:
    """A scenario file setting dotted ``key``: ``[a.b]`` then ``c = value``."""
    head, _, leaf = key.rpartition(".")
    return f'name = "bad"\n[{head}]\n{leaf} = {value}\n'


def test_the_corpus_is_large_and_covers_every_kind_of_file():
    kinds = {p.parent.name for p in FILES}
    assert len(CASES) + len(FILES) >= 200
    assert {"scenarios", "experiments", "calibrations", "rosters"} <= kinds


@pytest.mark.parametrize("case, key, value", CASES, ids=[c[0] for c in CASES])
def test_every_bounded_number_out_of_range_or_of_the_wrong_kind_is_refused(tmp_path, case, key,
                                                                          value):
    path = tmp_path / "scenario.toml"
    path.write_text(as_table(key, value), encoding="utf-8")
    result = check(path)
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert_one_line_refusal(result, path, key, "allowed")


def expected(path: Path) -> str:
    table = tomllib.loads((path.parent / "expect.toml").read_text(encoding="utf-8"))
    assert path.name in table, f"{path.name}: say in expect.toml what its error must contain"
    return table[path.name]


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix == ".toml"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_broken_file_is_explained(path):
    assert_one_line_refusal(check(path), path, expected(path))


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix == ".csv"],
                         ids=lambda p: f"rosters/{p.name}")
def test_each_broken_roster_is_explained(tmp_path, path):
    """A roster is checked through the scenario that names it."""
    scenario = tmp_path / "county.toml"
    scenario.write_text(f'name = "roster"\n[county]\nsource = "roster"\nroster = '
                        f'"{path.as_posix()}"\n', encoding="utf-8")
    assert_one_line_refusal(check(scenario), path, expected(path))


def test_the_shipped_files_pass_the_same_check():
    """The corpus is not refusing everything: the files users start from are accepted."""
    for path in [*ROOT.glob("scenarios/*.toml"), *ROOT.glob("experiments/*.toml")]:
        assert check(path).exit_code == 0, path


BASELINE = ROOT / "scenarios" / "baseline.toml"
MISUSE = [
    ["run"], ["run", "no-such-file.toml"], ["run", BASELINE, "--seed", "one"],
    ["run", BASELINE, "--seed", "-1"], ["run", BASELINE, "--set", "county.towns"],
    ["run", BASELINE, "--set", "county.towns=two"], ["run", BASELINE, "--set", "nothing=1"],
    ["run", BASELINE, "--bogus"], ["compare", BASELINE, "--replicates", "0"],
    ["compare", BASELINE, "--first-seed", "-4"], ["sweep", BASELINE],
    ["sweep", ROOT / "experiments" / "smoke-sobol.toml", "--backend", "mpi"],
    ["sweep", ROOT / "experiments" / "smoke-sobol.toml", "--workers", "0"],
    ["analyze", "no-such-folder"], ["check"], ["frobnicate"],
    ["export", "no-such-folder", "--format", "csv"], ["calibrate", BASELINE],
]


@pytest.mark.parametrize("args", MISUSE, ids=lambda a: " ".join(map(str, a))[-60:])
def test_command_line_misuse_is_explained_without_a_traceback(tmp_path, args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.strip()
