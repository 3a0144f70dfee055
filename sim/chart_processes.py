"""A run's charts drawn in processes beside the model, for ``ruraledu run``.

matplotlib takes a quarter of a second to import and the charts most of a second to draw,
longer than the model itself: a forked process imports it while the model runs, then it and a
helper forked from it (which inherits the import) draw the charts side by side and hand the
files' bytes back to be written with the frames. On one core, or where a process cannot be
forked, the charts are drawn after the model instead (``chart_drawing`` returns None).
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import traceback
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .results import Result


class ChartError(Exception):
    """The charts of a run could not be drawn: the CLI says why and exits with code 1."""


def chart_processes() -> int:
    """How many processes draw a run's charts beside the model: one per core, at most one per
    chart, where a process can be forked (Linux and the BSDs; not Windows, nor macOS, where a
    forked process may not use all that its parent loaded); 0 (the charts drawn here, after
    the model) on one core, where nothing would run beside it."""
    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        os.cpu_count() or 1
    return min(cores, 4) if cores > 1 else 0


Answer = tuple[str, Any]  # ("ok", value) or ("error", what went wrong and where)


class ChartProcesses:
    """A run's charts drawn by forked processes while this one runs the model and writes the
    frames: matplotlib (a quarter of a second to import) loads beside the model, then the
    charts are drawn side by side, ``processes`` at a time, and handed back here as the files'
    bytes, written with the frames (nothing reaches the output folder from elsewhere).

    A context manager around the run: leaving it, however (an error, Ctrl-C), stops the
    processes. A chart that fails, or a process that dies, raises ``ChartError`` in ``save``,
    naming the error and where it arose."""

    def __init__(self, fmt: str, processes: int):
        context = multiprocessing.get_context("fork")  # mesa makes "spawn" the default
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_charts, name="ruraledu-charts",
                                        args=(child, self._conn, fmt, processes), daemon=True)
        self._process.start()
        child.close()
        self._pid: int = self._process.pid or 0
        self._answered = False
        try:  # a process group of its own (the child asks too), stopped with its helpers
            os.setpgid(self._pid, self._pid)
        except OSError:
            pass

    def __enter__(self) -> ChartProcesses:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def draw(self, result: Result) -> None:
        """Start drawing the charts of ``result`` (sent without the frames no chart needs)."""
        try:
            self._conn.send(dataclasses.replace(result, towns=None, cohorts=None, timings={}))
        except OSError:
            pass  # the process is gone: ``save`` says so

    def save(self, result: Result, out: Path) -> list[Path]:
        """Wait for the charts that ``draw`` started and write them into ``out`` (a
        ``Result.write`` extra)."""
        ready = multiprocessing.connection.wait([self._conn, self._process.sentinel])
        answer = None
        if self._conn in ready:
            try:
                answer = self._conn.recv()
            except EOFError:
                pass
        if answer is None:
            self._process.join(5)
            raise ChartError("the process drawing them stopped without an answer (exit code "
                             f"{self._process.exitcode})")
        self._answered = True
        status, value = answer
        if status != "ok":
            raise ChartError(value)
        paths = []
        for name, data in value:
            (out / name).write_bytes(data)
            paths.append(out / name)
        return paths

    def close(self) -> None:
        """Stop the processes unless they have answered (a helper outliving a chart process
        that died too), and wait for the chart process."""
        if self._answered:
            self._process.join(5)
        if not self._answered or self._process.is_alive():
            with suppress(OSError):  # the group is gone: nothing left to stop in it
                os.killpg(self._pid, signal.SIGTERM)
            if self._process.is_alive():  # not in a group of its own
                self._process.terminate()
            self._process.join()
        self._conn.close()


def _serve_charts(conn: Connection, parent: Connection, fmt: str, processes: int) -> None:
    """The chart process: import matplotlib while the parent runs the model, then draw the
    result it sends and answer. Ctrl-C is the parent's to handle: it then stops this process
    (SIGTERM), which stops and waits for its helpers first; a parent gone (the pipe closed)
    leaves nobody to draw for."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    sys.unraisablehook = _stop_where_unraisable
    parent.close()
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    _attempt(load_plots)  # a failure is met again, and reported, when drawing
    gc.freeze()  # what this process has imported outlives the charts (see ``settle``)
    try:
        result = conn.recv()
        try:
            answer = _draw_charts(result, fmt, processes, conn)
        except Exception as err:
            answer = _failure(err)
        conn.send(answer)
    except (EOFError, OSError):
        pass


def _draw_charts(result: Result, fmt: str, processes: int, conn: Connection) -> Answer:
    """Every chart of ``result``: this process and forked helpers draw ``processes`` shares of
    about the same drawing time side by side."""
    names = _attempt(lambda: load_plots().run_chart_names(result))
    if names[0] != "ok":
        return names
    shares = [names[1][i::2 * processes] + names[1][2 * processes - 1 - i::2 * processes]
              for i in range(processes)]  # dealt there and back, the slowest first
    mine, helpers = shares[0], {}
    try:
        for share in filter(None, shares[1:]):
            # a stop (SIGTERM) arriving while a helper is forked waits until it is listed
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
            try:
                helper = _helper(result, share, fmt, conn)
                if helper is None:  # no process to be had: drawn here
                    mine += share
                else:
                    helpers[helper[0]] = helper[1]
            finally:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        answers = [_attempt(_render, result, mine, fmt)]
        for pid, receive in list(helpers.items()):
            try:
                answers.append(receive.recv())
            except EOFError:
                answers.append(("error", "a process drawing them stopped without an answer"))
            os.waitpid(pid, 0)
            del helpers[pid]
            receive.close()
    finally:  # stopped before the helpers answered: they stop too, and none is left behind
        for pid, receive in helpers.items():
            with suppress(ChildProcessError, ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            receive.close()
    errors = [value for status, value in answers if status != "ok"]
    if errors:
        return "error", errors[0]
    return "ok", [file for _, files in answers for file in files]


def _helper(result: Result, names: tuple[str, ...], fmt: str, conn: Connection
            ) -> tuple[int, Connection] | None:
    """A forked process drawing ``names``: its pid and where its answer comes (None: no
    process could be forked)."""
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
    try:
        pid = os.fork()
    except OSError:
        receive.close()
        send.close()
        return None
    if pid == 0:  # the helper: draw, answer, and leave without the parent's exit handlers
        code = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
            conn.close()
            receive.close()
            send.send(_attempt(_render, result, names, fmt))
            code = 0
        finally:
            os._exit(code)
    send.close()
    return pid, receive


def chart_drawing(fmt: str) -> ChartProcesses | None:
    """Processes to draw a run's charts beside the model, where they help and can be started
    (None: the charts are drawn here, after the model)."""
    processes = chart_processes()
    if not processes:
        return None
    try:
        return ChartProcesses(fmt, processes)
    except OSError:
        return None


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop_where_unraisable(unraisable: Any) -> None:
    """A stop that lands where Python cannot raise it (a weakref callback or a finaliser, as
    in the middle of importing matplotlib) stops the process at once and quietly; anything
    else is reported as Python reports it."""
    stop = unraisable.exc_value
    if isinstance(stop, SystemExit):
        os._exit(stop.code if isinstance(stop.code, int) else 1)
    sys.__unraisablehook__(unraisable)


def load_plots() -> Any:
    """sim.plots, drawing into files only (no window, no display needed): imported only when
    charts are drawn, as matplotlib is slow to import."""
    import matplotlib

    matplotlib.use("Agg")
    from . import plots

    return plots


def _render(result: Result, names: tuple[str, ...], fmt: str) -> list[tuple[str, bytes]]:
    return load_plots().render_run_charts(result, names, fmt)


def _attempt(func: Callable[..., Any], *args: Any) -> Answer:
    """("ok", ``func(*args)``), or ("error", what went wrong and where) if it raises."""
    try:
        return "ok", func(*args)
    except Exception as err:
        return _failure(err)


def _failure(err: Exception) -> Answer:
    where = traceback.extract_tb(err.__traceback__)[-1]
    return "error", (f"{type(err).__name__}: {err} (in {where.name}, "
                     f"{Path(where.filename).name} line {where.lineno})")
