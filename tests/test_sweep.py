"""Sweeps: identical results on every backend, resume after a hard kill, failures recorded,
bad experiment files explained."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import sim.sweep as sweep_mod
from sim.cli import main
from sim.errors import InputError
from sim.sweep import evaluate

from conftest import ROOT

BASE = (ROOT / "scenarios" / "baseline.toml").as_posix()


def experiment(tmp_path: Path, name: str = "t", body: str = "", n: int = 4, shard: int = 2,
               replicates: int = 2) -> Path:
    text = f'''
name = "{name}"
base = "{BASE}"
seed = 3
replicates = {replicates}
shard_size = {shard}
outputs = ["gap_rate@2023", "teacher_retention@mean", "cost_policy_yuan@sum",
           "first_year_gap_met"]

[overrides]
end_year = 2023
"county.students" = 4000
"county.towns" = 8
"county.villages_per_town" = 15
"policies.subsidy.start" = 2021

[design]
method = "latin"
n = {n}

[factors."policies.subsidy.village_yuan_month"]
dist = "uniform"
low = 200.0
high = 2500.0

[factors."params.choice.relocation_cost"]
dist = "choice"
values = [2.0, 3.0]
{body}
'''
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def start_sweep(exp: Path, out: Path, backend: str = "process") -> subprocess.Popen:
    """``ruraledu sweep`` in its own process (two workers), its errors captured."""
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(exp), "--backend",
                             backend, "--workers", "2", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def shards_in(out: Path) -> int:
    return len(list((out / "runs").glob("shard-*.parquet"))) if (out / "runs").exists() else 0


def wait_until(condition, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)


def table(result) -> pd.DataFrame:
    return result.table.drop(columns=["traceback", "runtime_s"])


def test_every_backend_gives_the_same_table(tmp_path, monkeypatch):
    monkeypatch.setenv("RURALEDU_SUBMITIT_CLUSTER", "local")
    exp = experiment(tmp_path)
    ref = table(sweep_mod.sweep(exp, backend="serial", out=tmp_path / "serial", progress=False))
    assert len(ref) == 8 and (ref["status"] == "ok").all()
    assert ref["seed"].tolist() == [3, 4] * 4  # common random numbers across sample points
    for backend in ("process", "dask", "slurm"):
        got = sweep_mod.sweep(exp, backend=backend, workers=2, out=tmp_path / backend,
                              progress=False)
        pd.testing.assert_frame_equal(ref, table(got), obj=backend)


def test_storage_layout_and_status(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "s"
    r = sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
    assert (out / "manifest.json").exists() and (out / "samples.parquet").exists()
    assert len(list((out / "runs").glob("shard-*.parquet"))) == 4
    book = pd.read_csv(out / "codebook.csv")
    assert set(r.table.columns) <= set(book["name"]) | {"u:" + c for c in book["name"]}
    assert not list(out.rglob(".tmp-*"))
    assert r.status == {"experiment": "t", "runs": 8, "done": 8, "failed": 0, "left": 0,
                        "shards": 4, "shards_done": 4, "notes": []}
    samples = pd.read_parquet(out / "samples.parquet")
    assert {"sample_id", "policies.subsidy.village_yuan_month",
            "u:policies.subsidy.village_yuan_month"} <= set(samples.columns)
    cli = CliRunner().invoke(main, ["sweep", "--status", str(out)])
    assert cli.exit_code == 0 and "8 runs done, 0 failed, 0 left of 8" in cli.output


def test_a_killed_sweep_resumes_to_the_same_table(tmp_path):
    exp = experiment(tmp_path, n=10, shard=1)
    ref = table(sweep_mod.sweep(exp, backend="serial", out=tmp_path / "ref", progress=False))
    out = tmp_path / "killed"
    proc = start_sweep(exp, out, "serial")
    wait_until(lambda: shards_in(out) >= 3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list((out / "runs").glob("shard-*.parquet")))
    assert 0 < partial < 20, "the kill came too late to test resuming"
    resumed = table(sweep_mod.sweep(exp, backend="process", workers=2, out=out,
                                    progress=False))
    pd.testing.assert_frame_equal(ref, resumed)
    assert resumed["run_id"].is_unique and resumed["run_id"].tolist() == list(range(20))


def test_a_failing_run_is_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    real_run = evaluate.run

    def flaky(scenario, seed):
        if seed == 4 and scenario.policies.subsidy.village_yuan_month > 1000:
            raise RuntimeError("boom")
        return real_run(scenario, seed=seed)

    monkeypatch.setattr(evaluate, "run", flaky)
    r = sweep_mod.sweep(experiment(tmp_path), backend="serial", out=tmp_path / "f",
                        progress=False)
    failed = r.table[r.table["status"] == "failed"]
    assert len(failed) >= 1 and r.status["failed"] == len(failed)
    assert failed["error"].str.contains("RuntimeError: boom").all()
    assert failed["gap_rate@2023"].isna().all()
    assert failed["policies.subsidy.village_yuan_month"].gt(1000).all()  # its parameters
    assert (r.table["status"] == "ok").sum() == 8 - len(failed)


def test_a_different_experiment_in_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "same"
    sweep_mod.sweep(experiment(tmp_path), backend="serial", out=out, progress=False)
    other = experiment(tmp_path, name="t", n=5)
    with pytest.raises(InputError, match="different experiment"):
        sweep_mod.sweep(other, backend="serial", out=out, progress=False)


@pytest.mark.parametrize("body, message", [
    ('\n[factors."params.learning.persistance"]\ndist = "uniform"\nlow = 0.5\nhigh = 0.8\n',
     "factor 'params.learning.persistance'"),
    ('\n[factors."params.learning.peer_effect"]\ndist = "uniform"\nlow = 0.5\nhigh = 0.1\n',
     "low (0.5) must be below high (0.1)"),
    ('\n[factors."params.learning.peer_effect"]\ndist = "gamma"\n', "'uniform'"),
    ('\n[factors."county.towns"]\ndist = "choice"\nvalues = [0, 9]\n', "1 to 30"),
])
def test_bad_factors_are_explained(tmp_path, body, message):
    with pytest.raises(InputError) as info:
        sweep_mod.load_experiment(experiment(tmp_path, body=body))
    assert message in str(info.value)


def test_bad_design_outputs_and_base(tmp_path):
    path = experiment(tmp_path)
    text = path.read_text()
    cases = [
        (text.replace('method = "latin"', 'method = "sobol"').replace("n = 4", "n = 6"),
         "power of 2"),
        (text.replace('"gap_rate@2023"', '"gap_rate@2040"'), "year must be one of 2020-2023"),
        (text.replace('"gap_rate@2023"', '"gap_rat@2023"'), "output 'gap_rat@2023'"),
        (text.replace(BASE, "missing.toml"), "base: file not found"),
        (text.replace('method = "latin"', 'method = "scenarios"'), "[scenarios] table"),
        ("unknown = 1\n" + text, "unknown field 'unknown'"),
    ]
    for bad, message in cases:
        path.write_text(bad)
        with pytest.raises(InputError) as info:
            sweep_mod.load_experiment(path)
        assert message in str(info.value), message


def test_cli_bad_experiment_exits_2_and_writes_nothing(tmp_path):
    path = experiment(tmp_path, body='\n[factors."nope"]\ndist = "uniform"\nlow = 0\nhigh = 1\n')
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["sweep", str(path), "--out", str(out), "--backend", "serial"])
    assert r.exit_code == 2 and "factor 'nope'" in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_scenarios_design_with_replicates(tmp_path):
    body = '''
[scenarios.low]
"policies.subsidy.village_yuan_month" = 300.0

[scenarios.high]
"policies.subsidy.village_yuan_month" = 2500.0
'''
    path = experiment(tmp_path, body=body)
    path.write_text(path.read_text().replace('method = "latin"', 'method = "scenarios"'))
    r = sweep_mod.sweep(path, backend="serial", out=tmp_path / "sc", progress=False)
    assert list(r.table["scenario"]) == ["low", "low", "high", "high"]
    assert (r.table["status"] == "ok").all()


@pytest.mark.parametrize("design, expected", [
    ('method = "sobol"\nn = 4', 4 * (2 + 2)),
    ('method = "sobol"\nn = 4\nsecond_order = true', 4 * (2 * 2 + 2)),
    ('method = "morris"\ntrajectories = 3\nlevels = 4', 3 * (2 + 1)),
    ('method = "grid"\nlevels = 3', 3 * 2),
    ('method = "latin"\nn = 7', 7),
])
def test_designs_give_the_expected_sample_points(tmp_path, design, expected):
    from sim.sweep import design as design_mod

    path = experiment(tmp_path)
    path.write_text(path.read_text().replace('method = "latin"\nn = 4', design))
    exp, _, _ = sweep_mod.load_experiment(path)
    samples = design_mod.samples(exp)
    assert len(samples) == expected
    values = samples["policies.subsidy.village_yuan_month"]
    assert values.between(200.0, 2500.0).all()
    assert set(samples["params.choice.relocation_cost"]) <= {2.0, 3.0}


def test_the_api_names_of_the_contract_run_a_sweep_and_its_analysis(tmp_path):
    """PRODUCT: ``sim.sweep(...)`` and ``sim.analyze(...)`` do what the CLI commands do."""
    import sim

    got = sim.sweep(experiment(tmp_path, n=2, replicates=1), backend="serial",
                    out=tmp_path / "api", progress=False)
    assert len(got.table) == 2 and (got.table["status"] == "ok").all()
    assert callable(sim.analyze)


def test_a_copied_shard_is_ignored_and_a_damaged_one_is_redone(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "s"
    ref = table(sweep_mod.sweep(exp, backend="serial", out=out, progress=False))
    runs = out / "runs"
    (runs / "shard-000001 copy.parquet").write_bytes((runs / "shard-000001.parquet").read_bytes())
    assert sweep_mod.status(out)["done"] == 8  # the copy is not counted twice
    first = runs / "shard-000000.parquet"
    first.write_bytes(first.read_bytes()[:100])  # truncated, as a killed copy leaves it
    status = sweep_mod.status(out)
    assert status["done"] == 6 and status["left"] == 2
    r = CliRunner().invoke(main, ["analyze", str(out)])
    assert r.exit_code == 2 and "damaged shard" in r.output and "Traceback" not in r.output
    again = table(sweep_mod.sweep(exp, backend="serial", out=out, progress=False))
    pd.testing.assert_frame_equal(ref, again)  # redone, not trusted


def test_ctrl_c_stops_a_local_sweep_at_once_and_it_resumes(tmp_path):
    """Ctrl-C (SIGINT) ends a process-pool sweep within seconds, with no traceback; running
    the same command again finishes it with the same table as an uninterrupted sweep."""
    exp = experiment(tmp_path, n=10, shard=1)
    ref = table(sweep_mod.sweep(exp, backend="serial", out=tmp_path / "ref", progress=False))
    out = tmp_path / "int"
    proc = start_sweep(exp, out)
    wait_until(lambda: shards_in(out) >= 2)
    os.kill(proc.pid, signal.SIGINT)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 10, "Ctrl-C took too long"
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    resumed = table(sweep_mod.sweep(exp, backend="serial", out=out, progress=False))
    pd.testing.assert_frame_equal(ref, resumed)


def _workers_of(pid: int) -> list[int]:
    """The pool's worker processes: children of ``pid`` started by multiprocessing's spawn."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            cmd = open(f"/proc/{entry}/cmdline").read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and "spawn_main" in cmd:
            found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc to find the workers")
def test_a_killed_worker_loses_nothing(tmp_path):
    """A worker killed mid-sweep: no traceback, the other workers' shards are kept, the lost
    shard is run again, and the table equals an uninterrupted sweep."""
    exp = experiment(tmp_path, n=10, shard=1)
    ref = table(sweep_mod.sweep(exp, backend="serial", out=tmp_path / "ref", progress=False))
    out = tmp_path / "k"
    proc = start_sweep(exp, out)
    wait_until(lambda: shards_in(out) >= 2 and bool(_workers_of(proc.pid)))
    os.kill(_workers_of(proc.pid)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    got = table(sweep_mod.sweep(exp, backend="serial", out=out, progress=False))
    pd.testing.assert_frame_equal(ref, got)


def test_factors_that_cannot_act_are_refused(tmp_path):
    """A setting of a lever that is off, or the seed, would give identical runs at every
    design point: the file is refused with the way out."""
    from click.testing import CliRunner

    from sim.cli import main

    head = (f'name = "inert"\nbase = "{ROOT / "scenarios" / "baseline.toml"}"\n'
            'outputs = ["gap_rate@2025"]\n[design]\nmethod = "latin"\nn = 4\n')
    cases = {
        '[factors."policies.subsidy.village_yuan_month"]\ndist = "uniform"\nlow = 200\n'
        'high = 1500\n': "the subsidy lever is off",
        '[factors.seed]\ndist = "choice"\nvalues = [1, 2]\n': "the seed is not a factor",
    }
    for factor, says in cases.items():
        path = tmp_path / "exp.toml"
        path.write_text(head + factor, encoding="utf-8")
        r = CliRunner().invoke(main, ["check", str(path)])
        assert r.exit_code == 2 and says in r.output, r.output
    # turned on by another factor, the same setting is fine
    path.write_text(head + '[factors."policies.subsidy.start"]\ndist = "choice"\n'
                    'values = [2021, 2023]\n' + list(cases)[0], encoding="utf-8")
    assert CliRunner().invoke(main, ["check", str(path)]).exit_code == 0


def test_the_default_backend_runs_a_small_experiment_in_this_process(tmp_path):
    """A process pool costs about a second to start; "auto" (the default) runs a small
    experiment serially and a large one in the pool."""
    from sim.sweep import choose_backend

    assert choose_backend("auto", runs_left=12, shards_left=3, workers=2) == "serial"
    assert choose_backend("auto", runs_left=200, shards_left=20, workers=2) == "process"
    assert choose_backend("auto", runs_left=200, shards_left=1, workers=2) == "serial"
    assert choose_backend("auto", runs_left=200, shards_left=20, workers=1) == "serial"
    assert choose_backend("process", runs_left=4, shards_left=1, workers=2) == "process"
    exp = tmp_path / "small.toml"
    exp.write_text((ROOT / "experiments" / "smoke.toml").read_text().replace(
        '"../scenarios/baseline.toml"', f'"{(ROOT / "scenarios" / "baseline.toml").as_posix()}"'))
    assert sweep_mod.sweep(exp, out=tmp_path / "sw", progress=False).backend == "serial"
