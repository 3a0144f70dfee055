"""Damaged sweep folders and dying workers: a damaged shard is redone, a copied one analysed
once, an edited or broken manifest refused in one line, what can be regenerated is, two
writers are stopped, a dead worker costs only its own shard."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_sweep import experiment, table

import sim.sweep as sweep_mod
from sim.analysis import analyze
from sim.cli import main
from sim.errors import InputError
from sim.sweep import backends
from sim.sweep.evaluate import RunSpec, ShardSpec
from sim.sweep.store import LOCK_NAME, Store


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 8-run Latin sweep (4 shards of 2 runs) and its table."""
    root = tmp_path_factory.mktemp("finished")
    exp = experiment(root)
    result = sweep_mod.sweep(exp, backend="serial", out=root / "ref", progress=False)
    return exp, root / "ref", table(result)


def copy_of(finished, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(finished[1], out)
    return out


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused_in_one_line(result, *says: str) -> None:
    """Exit 2, one line on the way out, naming what is wrong; no traceback."""
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for text in says:
        assert text in lines[0], (text, lines[0])


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


def drop_status(path: Path) -> None:
    pd.read_parquet(path).drop(columns="status").to_parquet(path, index=False)


def other_runs(path: Path) -> None:
    shutil.copyfile(path.with_name("shard-000000.parquet"), path)


@pytest.mark.parametrize("damage, why", [
    (lambda p: p.write_bytes(b""), "empty, truncated or not Parquet"),
    (truncate, "empty, truncated or not Parquet"),
    (lambda p: p.write_text("garbage"), "empty, truncated or not Parquet"),
    (drop_status, "no column 'status'"),
    (other_runs, "holds other runs than 2-3"),
])
def test_a_damaged_shard_is_named_and_redone_on_resume(finished, tmp_path, damage, why):
    exp, _, ref = finished
    out = copy_of(finished, tmp_path)
    damage(out / "runs" / "shard-000001.parquet")
    status = cli("sweep", "--status", out)
    assert status.exit_code == 0 and "6 runs done, 0 failed, 2 left of 8" in status.output
    assert f"shard-000001.parquet ({why})" in status.output
    refused_in_one_line(cli("analyze", "--no-charts", out), "2 of 8 runs are missing",
                        "shard-000001.parquet", why)
    again = sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
    pd.testing.assert_frame_equal(ref, table(again))  # redone, not trusted
    assert again.status["left"] == 0 and again.status["notes"] == []


@pytest.mark.parametrize("name", ["shard-000001 copy.parquet", "shard-000099.parquet",
                                  "notes.txt"])
def test_a_duplicated_or_stray_shard_is_analysed_once_and_named(finished, tmp_path, name):
    exp, _, ref = finished
    out = copy_of(finished, tmp_path)
    clean = analyze(out)
    shutil.copyfile(out / "runs" / "shard-000001.parquet", out / "runs" / name)
    status = cli("sweep", "--status", out)
    assert "8 runs done, 0 failed, 0 left of 8 (4/4 shards)" in status.output
    assert f"'{name}'" in status.output and "ignored" in status.output
    got = analyze(out)
    for part in ("indices", "noise", "probability", "rsa", "boxes"):
        pd.testing.assert_frame_equal(getattr(clean, part), getattr(got, part), obj=part)
    assert any(name in w and "ignored" in w for w in got.warnings)
    assert len(sweep_mod.results_table(Store(out))) == 8
    resumed = sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
    pd.testing.assert_frame_equal(ref, table(resumed))


def edit_manifest(out: Path, change) -> None:
    path = out / "manifest.json"
    m = json.loads(path.read_text())
    change(m)
    path.write_text(json.dumps(m, indent=2))


@pytest.mark.parametrize("change, says", [
    (lambda m: m["design"].update(method="sobol"), "'n_samples' is 4 but the sobol design"),
    (lambda m: m["design"].update(n=6), "'n_samples' is 4 but the latin design"),
    (lambda m: m.update(n_runs=6), "'n_runs' is 6 but n_samples x replicates is 8"),
    (lambda m: m.update(n_shards=3), "'n_shards' is 3"),
    (lambda m: m["outputs"].reverse(), "no longer matches its checksum"),
    (lambda m: m["outputs"].pop(), "no longer matches its checksum"),
    (lambda m: m.pop("n_runs"), "'n_runs' is missing"),
    (lambda m: m.update(replicates="2"), "'replicates' is missing or not an integer"),
])
def test_a_hand_edited_manifest_is_refused(finished, tmp_path, change, says):
    exp, out = finished[0], copy_of(finished, tmp_path)
    edit_manifest(out, change)
    for args in (("sweep", "--status", out), ("analyze", "--no-charts", out),
                 ("sweep", exp, "--backend", "serial", "--out", out)):
        refused_in_one_line(cli(*args), "manifest.json", says)
    assert not (out / "analysis").exists()


@pytest.mark.parametrize("content", ["", '{"experiment": "t", "des', "[1, 2]", "\x00\xff"])
def test_an_empty_or_truncated_manifest_is_refused(finished, tmp_path, content):
    exp, out = finished[0], copy_of(finished, tmp_path)
    (out / "manifest.json").write_bytes(content.encode("latin-1"))
    for args in (("sweep", "--status", out), ("analyze", out),
                 ("sweep", exp, "--backend", "serial", "--out", out)):
        refused_in_one_line(cli(*args), "manifest.json", "not valid JSON")


def test_an_edited_manifest_that_keeps_its_checksum_is_refused_against_the_experiment(
        finished, tmp_path):
    """A manifest rewritten consistently (checksum updated) still has to match the experiment
    it resumes."""
    from sim.sweep.store import checksum

    exp, out = finished[0], copy_of(finished, tmp_path)

    def change(m):
        m["outputs"].reverse()
        m["checksum"] = checksum(m)

    edit_manifest(out, change)
    assert cli("sweep", "--status", out).exit_code == 0
    refused_in_one_line(cli("sweep", exp, "--backend", "serial", "--out", out),
                        "manifest.json", "'outputs' is", "the experiment gives")


def test_deleted_runs_and_samples_are_regenerated_on_resume(finished, tmp_path):
    exp, _, ref = finished
    out = copy_of(finished, tmp_path)
    shutil.rmtree(out / "runs")
    (out / "samples.parquet").unlink()
    status = cli("sweep", "--status", out)
    assert status.exit_code == 0 and "runs/ is missing" in status.output
    assert "0 runs done, 0 failed, 8 left of 8" in status.output
    refused_in_one_line(cli("analyze", out), "runs/ is missing")
    (out / "runs").mkdir()
    refused_in_one_line(cli("analyze", out), "8 of 8 runs are missing")
    (out / "runs").rmdir()
    resumed = sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
    pd.testing.assert_frame_equal(ref, table(resumed))
    assert any("samples.parquet was missing: regenerated" in n for n in resumed.notes)
    assert any("runs/ was missing" in n for n in resumed.notes)
    (out / "samples.parquet").unlink()
    refused_in_one_line(cli("analyze", out), "samples.parquet", "missing",
                        "run the same `ruraledu sweep` command again")


def test_edited_samples_are_refused_and_regenerated(finished, tmp_path):
    exp, out = finished[0], copy_of(finished, tmp_path)
    samples = pd.read_parquet(out / "samples.parquet")
    samples.drop(columns="policies.subsidy.village_yuan_month").to_parquet(
        out / "samples.parquet")
    refused_in_one_line(cli("analyze", out), "samples.parquet",
                        "no column 'policies.subsidy.village_yuan_month'")
    samples.assign(sample_id=samples["sample_id"] + 1).to_parquet(out / "samples.parquet")
    refused_in_one_line(cli("analyze", out), "samples.parquet", "not the 4 design points")
    resumed = sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
    assert any("samples.parquet was different" in n for n in resumed.notes)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "samples.parquet"), samples)
    assert sweep_mod.sweep(exp, backend="serial", out=out, progress=False).notes == []


def test_a_second_writer_is_stopped_and_a_dead_ones_lock_is_taken_over(finished, tmp_path):
    exp, out = finished[0], copy_of(finished, tmp_path)
    with Store(out).writing():  # another sweep, alive, on this folder
        r = cli("sweep", exp, "--backend", "serial", "--out", out)
        refused_in_one_line(r, "another sweep", f"process {os.getpid()}", "is writing")
        assert cli("sweep", "--status", out).exit_code == 0  # readers are not stopped
    # a lock file left by a process that died (killed, or a copied folder) is taken over
    (out / LOCK_NAME).write_text("999999999 some-host\n")
    assert cli("sweep", exp, "--backend", "serial", "--out", out).exit_code == 0


def test_temporaries_left_by_a_kill_are_removed_and_files_are_group_readable(
        finished, tmp_path):
    exp = finished[0]
    out = copy_of(finished, tmp_path)
    for folder in (out, out / "runs"):
        (folder / ".tmp-k1ll3d.parquet").write_bytes(b"")
    (out / "runs" / "shard-000003.parquet").unlink()
    old = os.umask(0o027)  # a group project folder
    try:
        sweep_mod.sweep(exp, backend="serial", out=out, progress=False)
        fresh = sweep_mod.sweep(exp, backend="serial", out=tmp_path / "new", progress=False)
    finally:
        os.umask(old)
    assert not list(out.rglob(".tmp-*"))
    for path in (out / "runs" / "shard-000003.parquet", fresh.out / "manifest.json",
                 fresh.out / "samples.parquet", fresh.out / "runs" / "shard-000000.parquet"):
        assert path.stat().st_mode & 0o040, path  # group can read


# --- dying workers (the process backend), on shards that do not run the model -----------------

def specs(tmp_path: Path, n: int = 4) -> list[ShardSpec]:
    return [ShardSpec(k, str(tmp_path / f"shard-{k:06d}.parquet"), "", {}, ["x@mean"],
                      [RunSpec(k, k, 0, 1, {})]) for k in range(n)]


def log(spec: ShardSpec, event: str) -> None:
    with open(Path(spec.shard_path).parent / "log.txt", "a") as f:
        f.write(f"{event} {spec.shard_id}\n")


def die_on_shard_1_first_time(spec: ShardSpec) -> dict:
    """Shard 1's first worker is killed while shard 0 is half done on the other worker."""
    log(spec, "start")
    marker = Path(spec.shard_path + ".died")
    if spec.shard_id == 1 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    if spec.shard_id == 0:
        time.sleep(1.5)
    log(spec, "end")
    return {"shard_id": spec.shard_id, "runs": 1, "failed": 0}


def die_on_shard_1_always(spec: ShardSpec) -> dict:
    log(spec, "start")
    if spec.shard_id == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return {"shard_id": spec.shard_id, "runs": 1, "failed": 0}


def test_a_dead_worker_costs_only_its_shard_which_is_retried_once(tmp_path):
    reports = list(backends._process(specs(tmp_path), 2, None, tmp_path,
                                     work=die_on_shard_1_first_time))
    assert sorted(r["shard_id"] for r in reports) == [0, 1, 2, 3]
    assert all(r["failed"] == 0 for r in reports)
    events = (tmp_path / "log.txt").read_text().split("\n")
    assert events.count("start 0") == 1 and events.count("end 0") == 1  # in flight: kept
    assert events.count("start 1") == 2 and events.count("end 1") == 1  # retried once


def test_a_shard_whose_worker_dies_twice_is_stored_as_failed(tmp_path):
    reports = list(backends._process(specs(tmp_path), 2, None, tmp_path,
                                     work=die_on_shard_1_always))
    assert {r["shard_id"]: r["failed"] for r in reports} == {0: 0, 1: 1, 2: 0, 3: 0}
    events = (tmp_path / "log.txt").read_text().split("\n")
    assert events.count("start 1") == 2 and events.count("start 2") == 1
    lost = pd.read_parquet(tmp_path / "shard-000001.parquet")
    assert lost["status"].tolist() == ["failed"]
    assert lost["error"].iloc[0].startswith("WorkerDied") and "exit code -9" in lost["error"].iloc[0]


def test_morris_with_a_failed_run_is_refused_with_the_count(tmp_path, monkeypatch):
    """Sobol and Morris need every run: the analysis refuses and says how many failed."""
    from sim.sweep import evaluate

    real_run = evaluate.run

    def flaky(scenario, seed):
        if scenario.policies.subsidy.village_yuan_month > 1500:
            raise RuntimeError("boom")
        return real_run(scenario, seed=seed)

    monkeypatch.setattr(evaluate, "run", flaky)
    path = experiment(tmp_path, replicates=1)
    path.write_text(path.read_text().replace('method = "latin"\nn = 4',
                                             'method = "morris"\ntrajectories = 2\nlevels = 4'))
    sweep_mod.sweep(path, backend="serial", out=tmp_path / "m", progress=False)
    failed = int((sweep_mod.results_table(Store(tmp_path / "m"))["status"] == "failed").sum())
    assert failed > 0
    refused_in_one_line(cli("analyze", tmp_path / "m"), f"{failed} of 6 runs failed",
                        "morris design needs every run")
    with pytest.raises(InputError):
        analyze(tmp_path / "m")


def test_a_sweep_whose_slurm_array_still_runs_is_not_submitted_again(finished, tmp_path,
                                                                     monkeypatch):
    """The array of an earlier command (its controlling process gone, its tasks still queued
    or running per squeue) would be submitted twice: the command stops and says so."""
    exp, out = finished[0], copy_of(finished, tmp_path)
    (out / "runs" / "shard-000002.parquet").unlink()
    (out / "slurm").mkdir()
    (out / "slurm" / backends.ARRAY_RECORD).write_text('{"jobs": ["4711_0", "4711_1"]}')
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    squeue = bin_dir / "squeue"
    squeue.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/asked"\necho 4711_1\n')
    squeue.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("RURALEDU_SUBMITIT_CLUSTER", "local")
    refused_in_one_line(cli("sweep", exp, "--backend", "slurm", "--out", out),
                        "still has 1 tasks queued or running", "scancel 4711")
    assert "--jobs 4711" in (bin_dir / "asked").read_text()
    squeue.write_text("#!/bin/sh\nexit 0\n")  # the array has ended
    r = cli("sweep", exp, "--backend", "slurm", "--out", out)
    assert r.exit_code == 0 and "8 runs done" in r.output, r.output
    assert json.loads((out / "slurm" / backends.ARRAY_RECORD).read_text())["jobs"]


def test_a_shard_that_kills_its_dask_workers_is_stored_as_failed(tmp_path):
    import dask

    from sim.sweep.experiment import DaskOptions

    exp = type("Exp", (), {"dask": DaskOptions()})()
    # one task at a time per worker, so no other shard shares the dying worker; one retry
    with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                          "distributed.scheduler.worker-saturation": 1.0}):
        reports = list(backends._dask(specs(tmp_path), 2, exp, tmp_path,
                                      work=die_on_shard_1_always))
    assert {r["shard_id"]: r["failed"] for r in reports} == {0: 0, 1: 1, 2: 0, 3: 0}
    lost = pd.read_parquet(tmp_path / "shard-000001.parquet")
    assert lost["error"].iloc[0].startswith("WorkerDied: every Dask worker")
    assert (tmp_path / "log.txt").read_text().split("\n").count("start 1") == 2
