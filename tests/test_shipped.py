"""What ships with ruraledu: `ruraledu init` copies the scenarios, roster, experiments and the
baseline ensemble where a user can edit them, and never overwrites one they already have."""

from __future__ import annotations

from click.testing import CliRunner

from sim import shipped
from sim.cli import main

from conftest import ROOT


def test_init_copies_every_shipped_file_and_they_work_from_there(tmp_path):
    dest = tmp_path / "study"
    result = CliRunner().invoke(main, ["init", str(dest)])
    assert result.exit_code == 0, result.output
    files = shipped.shipped_files()
    names = {f.as_posix() for f in files}
    assert {"scenarios/baseline.toml", "scenarios/example-roster.csv",
            "scenarios/sources/clauses.toml", "experiments/calibrate-baseline.toml",
            "experiments/calibrate-baseline/posterior.parquet"} <= names
    for f in files:
        assert (dest / f).read_bytes() == (ROOT / f).read_bytes()
    # the experiments' relative base paths and the roster's path still resolve
    check = CliRunner().invoke(main, ["check", *map(str, dest.glob("*/*.toml"))])
    assert check.exit_code == 0, check.output


def test_init_never_overwrites_a_users_files(tmp_path):
    dest = tmp_path / "study"
    (dest / "scenarios").mkdir(parents=True)
    (dest / "scenarios" / "baseline.toml").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(dest)])
    assert result.exit_code == 2
    assert "already holds scenarios/baseline.toml" in result.output
    assert "nothing was copied" in result.output
    assert (dest / "scenarios" / "baseline.toml").read_text(encoding="utf-8") == "# mine\n"
    assert sorted(p.name for p in dest.rglob("*")) == ["baseline.toml", "scenarios"]
