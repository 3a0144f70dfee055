"""`ruraledu run` draws its charts in forked processes beside the model: the same files as
drawn here, errors said in one line with exit code 1, Ctrl-C still stops it and leaves no
process behind, and no process at all without charts or without fork."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from sim import chart_processes, cli, plots  # noqa: E402
from sim.results import run  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

from conftest import ROOT  # noqa: E402

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
SHORT = ["--set", "end_year=2023", "--set", "county.students=6000", "--set", "county.towns=8"]
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks; reads /proc")


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args))


@pytest.fixture
def two_processes(monkeypatch):
    """The charts drawn by two processes whatever the cores of the machine running the test."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    monkeypatch.setattr(chart_processes, "chart_processes", lambda: 2)


@pytest.fixture
def drawn_where(monkeypatch, tmp_path):
    """The process id each chart is drawn in (a file per chart, as forked processes write)."""
    log = tmp_path / "drawn"
    log.mkdir()
    original = plots.run_chart

    def logged(result, name):
        (log / name).write_text(str(os.getpid()))
        return original(result, name)

    monkeypatch.setattr(plots, "run_chart", logged)
    return lambda: {p.name: int(p.read_text()) for p in log.iterdir()}


def test_charts_drawn_side_by_side_are_those_drawn_here(tmp_path, two_processes, drawn_where):
    out = tmp_path / "run"
    r = invoke("run", BASELINE, "--seed", "7", "--out", str(out), *SHORT)
    assert r.exit_code == 0, r.output
    where = drawn_where()
    assert set(where) == {"targets", "indicators", "county_map", "school_gaps"}
    assert os.getpid() not in where.values() and len(set(where.values())) == 2
    assert not multiprocessing.active_children()  # none left running
    here = tmp_path / "here"
    here.mkdir()
    result = run(load_scenario(BASELINE, cli.parse_sets(tuple(SHORT[1::2]))), seed=7)
    for path in plots.save_run_charts(result, here):
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name
    assert not list(out.glob(".partial-*"))


def test_a_chart_that_fails_in_a_process_is_one_line_and_exit_code_1(tmp_path, monkeypatch,
                                                                      two_processes):
    def broken(*args, **kwargs):
        raise RuntimeError("no ink")

    monkeypatch.setattr(plots, "plot_targets", broken)
    out = tmp_path / "run"
    r = invoke("run", BASELINE, "--out", str(out), *SHORT)
    assert r.exit_code == 1
    assert "error: the charts could not be drawn: RuntimeError: no ink (in broken" in r.output
    assert "Traceback" not in r.output and "--no-charts" in r.output
    assert not out.exists() or not list(out.iterdir())  # nothing written, no scratch folder
    assert not multiprocessing.active_children()


def test_a_chart_process_that_dies_is_said_not_waited_for(tmp_path, monkeypatch,
                                                          two_processes):
    monkeypatch.setattr(plots, "render_run_charts", lambda *args: os._exit(3))
    r = invoke("run", BASELINE, "--out", str(tmp_path / "run"), *SHORT)
    assert r.exit_code == 1
    assert "stopped without an answer (exit code 3)" in r.output


def test_no_charts_starts_no_process(tmp_path, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("a chart process was started")

    monkeypatch.setattr(chart_processes, "ChartProcesses", refused)
    r = invoke("run", BASELINE, "--no-charts", "--out", str(tmp_path / "run"), *SHORT)
    assert r.exit_code == 0, r.output
    assert not list((tmp_path / "run").glob("*.png"))


def test_without_fork_the_charts_are_drawn_here(tmp_path, monkeypatch, drawn_where):
    monkeypatch.setattr(chart_processes.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert chart_processes.chart_processes() == 0
    r = invoke("run", BASELINE, "--out", str(tmp_path / "run"), *SHORT)
    assert r.exit_code == 0, r.output
    assert set(drawn_where().values()) == {os.getpid()}
    assert len(list((tmp_path / "run").glob("*.png"))) == 4


def test_processes_one_per_core_and_none_on_one_core(monkeypatch):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    monkeypatch.setattr(chart_processes.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert chart_processes.chart_processes() == 0  # nothing would run beside the model
    monkeypatch.setattr(chart_processes.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert chart_processes.chart_processes() == 2
    monkeypatch.setattr(chart_processes.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert chart_processes.chart_processes() == 4  # one per chart
    monkeypatch.setattr(chart_processes.sys, "platform", "darwin")
    assert chart_processes.chart_processes() == 0


def _processes() -> dict[int, tuple[int, int]]:
    """Each process's parent and session (from /proc; a zombie is still there)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[3]))  # ppid, session
    return found


@LINUX
@pytest.mark.parametrize("moment", ["model", "charts"])
def test_ctrl_c_stops_the_run_and_its_chart_processes(tmp_path, moment):
    """Ctrl-C (SIGINT to the terminal's process group) while the model runs (the chart process
    importing matplotlib) or while the charts are drawn (the chart process and its helper):
    the command stops as click stops (Aborted!, exit code 1, no traceback), writes nothing and
    leaves no process behind, not even a zombie."""
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "run", BASELINE, "--out", str(out)],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    depth = 1 if moment == "model" else 2  # a child, or a grandchild
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        table = _processes()
        family = {proc.pid}
        for _ in range(depth):
            family = {pid for pid, (parent, _) in table.items() if parent in family}
        if family:
            break
        time.sleep(0.005)
    else:
        proc.kill()
        proc.communicate()
        pytest.skip(f"the run ended before the {moment} could be interrupted (one core?)")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Aborted!" in err, err
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = [pid for pid, (_, session) in _processes().items() if session == proc.pid]
        if not left:
            break
        time.sleep(0.05)
    assert not left
    assert not out.exists() or not list(out.iterdir())


def test_objects_set_apart_from_the_collector_only_in_a_program(tmp_path, monkeypatch):
    """ruraledu as the process's program (arguments from the command line) freezes what its
    imports made; called from Python (here, a test) it leaves the collector alone."""
    import gc

    before = gc.get_freeze_count()
    r = invoke("run", BASELINE, "--no-charts", "--out", str(tmp_path / "a"), *SHORT)
    assert r.exit_code == 0, r.output
    assert gc.get_freeze_count() == before
    monkeypatch.setattr(sys, "argv", ["ruraledu", "run", BASELINE, "--no-charts", "--out",
                                      str(tmp_path / "b"), *SHORT])
    try:
        with pytest.raises(SystemExit) as done:
            cli.main.main(prog_name="ruraledu")
        assert done.value.code == 0
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
        monkeypatch.setattr(cli.main, "as_program", False)
    assert (tmp_path / "b" / "summary.json").exists()


STOP_IN_A_CALLBACK = """
import sys, weakref
{hook}
class Module: pass
module = Module()
def unlocked(ref):  # as importlib's module-lock callbacks: Python cannot raise from here
    raise SystemExit(143)  # the chart process's stop (SIGTERM) landing in it
ref = weakref.ref(module, unlocked)
del module
print("went on")
"""


def test_a_stop_landing_in_a_callback_stops_the_chart_process_quietly():
    """A stop whose SystemExit lands in a callback would be printed as an ignored exception
    (a traceback on the terminal) and lost; the chart process leaves at once, quietly."""
    hook = ("from sim.chart_processes import _stop_where_unraisable\n"
            "sys.unraisablehook = _stop_where_unraisable")
    runs = {name: subprocess.run([sys.executable, "-c", STOP_IN_A_CALLBACK.format(hook=code)],
                                 capture_output=True, text=True, cwd=ROOT)
            for name, code in (("python", ""), ("chart process", hook))}
    assert "Traceback" in runs["python"].stderr and "went on" in runs["python"].stdout
    stopped = runs["chart process"]
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (143, "", "")
