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


def test_a_command_needing_an_optional_package_says_which_extra_brings_it(tmp_path):
    """The cluster and uncertainty libraries are extras: without them the core commands run,
    and a command that needs one stops in one line naming the extra."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['pyabc'] = None; sys.modules['optuna'] = None; "
            "from sim.cli import main; main()")
    for args in (["calibrate", str(ROOT / "experiments" / "calibrate-baseline.toml")],
                 ["optimize", str(ROOT / "experiments" / "optimize-gap.toml")]):
        r = subprocess.run([sys.executable, "-c", code, *args, "--out", str(tmp_path / "o")],
                           capture_output=True, text=True, cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        assert "pip install 'ruraledu[uncertainty]'" in r.stderr
        assert "Traceback" not in r.stderr
