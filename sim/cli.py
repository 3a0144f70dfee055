"""The ``ruraledu`` command: parse, call the API, print. No model logic here."""

from __future__ import annotations

import functools
import gc
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from .chart_processes import ChartError, chart_drawing, load_plots
from .county import roster_county
from .errors import InputError
from .indicators import HOLD_YEARS
from .provenance import VERSION as __version__
from .results import Result, run
from .scenario import Scenario, load_scenario, parse_value

DEFAULT_RUNS = Path("results") / "runs"
MAX_SEED = 2**32 - 1  # numpy's SeedSequence takes any non-negative integer; scenarios allow this


def report(err: InputError) -> None:
    """Each problem on its own line, naming the file: ``error: FILE: field ...``."""
    for line in str(err).splitlines():
        click.echo(f"error: {line}", err=True)


# optional packages and the extra that brings each (pyproject.toml)
EXTRAS = {"dask": "cluster", "distributed": "cluster", "dask_jobqueue": "cluster",
          "submitit": "cluster", "pyabc": "uncertainty", "optuna": "uncertainty",
          "ema_workbench": "uncertainty", "solara": "dashboard"}


def user_errors(func):
    """Bad input: one readable message on stderr, exit code 2, no traceback. A command that
    needs an optional package that is not installed says which extra brings it."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as err:
            report(err)
            sys.exit(2)
        except ChartError as err:
            click.echo(f"error: the charts could not be drawn: {err}. Nothing was written; "
                       "--no-charts writes the run without its charts.", err=True)
            sys.exit(1)
        except ModuleNotFoundError as err:
            top = (err.name or "").split(".")[0]
            if top not in EXTRAS:
                raise
            click.echo(f"error: this needs the optional package '{top}': pip install "
                       f"'ruraledu[{EXTRAS[top]}]' (or ruraledu[all])", err=True)
            sys.exit(2)

    return wrapper


def _charts(name: str, fmt: str = "png") -> tuple:
    """The chart writer ``name`` of sim.plots, drawing in ``fmt``."""
    return (functools.partial(getattr(load_plots(), name), fmt=fmt),)


FORMAT_OPTION = click.option("--format", "chart_format", type=click.Choice(["png", "svg", "pdf"]),
                             default="png", show_default=True,
                             help="File format of the charts (svg, pdf: vector, for a report).")


def map_options(what_runs: str, result: str):
    """--backend and --workers of the commands that map work over a backend (calibrate,
    optimize, province): where ``what_runs``, and that ``result`` does not depend on it."""
    def decorate(func):
        func = click.option("--workers", type=click.IntRange(1, 10_000), default=None,
                            help="Local processes or Dask workers (default: the cores "
                                 "available).")(func)
        return click.option("--backend", type=click.Choice(["serial", "process", "dask"]),
                            default="process", show_default=True,
                            help=f"Where {what_runs} (Slurm: dask with a [dask] jobqueue in the "
                                 f"file); {result} does not depend on it.")(func)

    return decorate


def parse_sets(pairs: tuple[str, ...]) -> dict:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError("--set", f"expected KEY=VALUE, got {pair!r}")
        overrides[key.strip()] = parse_value(value.strip())
    return overrides


class Program(click.Group):
    """The ``ruraledu`` group, knowing whether it runs as its process's program (its arguments
    from the command line: the console script, ``python -m sim``) or is called from Python (a
    test, a notebook), where the process outlives the command."""

    as_program = False

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        self.as_program = args is None
        return super().main(args, *rest, **kwargs)


@click.group(cls=Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ruraledu")
def main() -> None:
    """Agent-based simulation of rural compulsory education in Shandong."""


def settle() -> None:
    """Where ruraledu is the process's program, set the objects alive now apart from the cyclic
    garbage collector (``gc.freeze``): the modules, classes and functions the imports made,
    which live as long as the process, and which its full passes walked every time (during
    the model, in the chart processes forked from this one, and at exit: a tenth of a second
    of a run). Not when the command is called from Python, where an object alive now may
    become garbage that only the collector can free."""
    if isinstance(main, Program) and main.as_program:
        gc.freeze()


SET_OPTION = click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                          help="Override a scenario value by dotted key, e.g. "
                               "--set params.teachers.rural_exit_base=0.1 (repeatable).")


@main.command("run")
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=None,
              help=f"Random seed, 0 to {MAX_SEED} (default: the file's seed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/runs/<scenario name>/seed-<seed>/).")
@SET_OPTION
@click.option("--no-charts", is_flag=True, help="Skip the charts.")
@FORMAT_OPTION
@click.option("--profile", is_flag=True, help="Also print the seconds spent in each stage of "
              "the year (summed over the years).")
@user_errors
def run_cmd(scenario: Path, seed: int | None, out: Path | None, sets: tuple[str, ...],
            no_charts: bool, chart_format: str, profile: bool) -> None:
    """Run one SCENARIO (a TOML file) and write its frames, summary and charts."""
    sc = load_scenario(scenario, parse_sets(sets))
    result = _run_and_report(sc, seed, out, charts=not no_charts, chart_format=chart_format)
    if profile:
        click.echo("\n" + format_timings(result.timings))


@main.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/runs/demo/seed-1/).")
@user_errors
def demo_cmd(out: Path | None) -> None:
    """Run the baseline on embedded defaults: a first look at the model."""
    sc = Scenario(name="demo", description="Embedded defaults: a synthetic Shandong plains "
                  "county, 2020-2035, no new policy.")
    _run_and_report(sc, None, out)


def _run_and_report(sc: Scenario, seed: int | None, out: Path | None,
                    charts: bool = True, chart_format: str = "png") -> Result:
    settle()
    drawing = chart_drawing(chart_format) if charts else None
    with drawing or nullcontext():
        result = run(sc, seed=seed, progress=sys.stderr.isatty())
        out = out or DEFAULT_RUNS / sc.name / f"seed-{result.summary['provenance']['seed']}"
        if drawing is not None:
            drawing.draw(result)
            extras: tuple = (drawing.save,)
        else:
            extras = _charts("save_run_charts", chart_format) if charts else ()
        result.write(out, extras=extras)
    click.echo(format_summary(result))
    click.echo(f"\nwritten to {out}/")
    return result


@main.command("compare")
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replicates", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Runs per scenario; replicate r uses seed first-seed + r in every scenario.")
@click.option("--first-seed", type=click.IntRange(0, MAX_SEED - 1000), default=None,
              help="Seed of replicate 0; replicate r uses first-seed + r [default: 1; with "
                   "--province, the province file's seed].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/compare/<names>/).")
@SET_OPTION
@click.option("--uncertainty", "ensemble_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="An ensemble of parameter sets (Parquet; `ruraledu ensemble`): "
              "each replicate also draws a parameter set, the same for every package.")
@click.option("--province", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A province file: each package runs in every county (replicate r with the "
                   "province seed first-seed + r in every package); writes the province's "
                   "effect and its spread across counties (tables and "
                   "province_effects.png).")
@map_options("the county runs of --province execute", "the result")
@click.option("--no-charts", is_flag=True, help="Skip the charts.")
@FORMAT_OPTION
@user_errors
def compare_cmd(scenarios: tuple[Path, ...], replicates: int, first_seed: int | None,
                out: Path | None, sets: tuple[str, ...], ensemble_file: Path | None,
                province: Path | None, backend: str, workers: int | None, no_charts: bool,
                chart_format: str) -> None:
    """Compare policy packages (the first is the reference) with common random numbers."""
    from .compare import compare, targets_markdown

    overrides = parse_sets(sets)
    ensemble = None
    if ensemble_file is not None:
        from . import ensemble as ensembles

        ensemble = ensembles.load(ensemble_file)
    if province is not None:
        from .province import compare_over_province, effects_markdown

        over = compare_over_province(scenarios, province, replicates, first_seed, overrides,
                                     ensemble, backend, workers, progress=sys.stderr.isatty())
        over.provenance["ensemble_file"] = None if ensemble_file is None else \
            str(ensemble_file.resolve())
        names = "-vs-".join(over.provenance["scenarios"])
        out = out or Path("results") / "compare" / f"{names}-in-{province.stem}"[:120]
        over.write(out, extras=() if no_charts else _charts("save_province_comparison_charts",
                                                             chart_format))
        click.echo(f"uncertainty included: {over.includes}; "
                   f"{over.runs['counties'].iloc[0]} counties\n")
        click.echo(effects_markdown(over.effects))
        click.echo(f"written to {out}/")
        return
    loaded = [load_scenario(path, overrides) for path in scenarios]
    result = compare(loaded, replicates=replicates, first_seed=1 if first_seed is None else first_seed,
                     progress=sys.stderr.isatty(), ensemble=ensemble)
    result.provenance["ensemble_file"] = None if ensemble_file is None else \
        str(ensemble_file.resolve())
    out = out or Path("results") / "compare" / "-vs-".join(s.name for s in loaded)[:120]
    result.write(out, extras=() if no_charts else _charts("save_comparison_charts",
                                                                chart_format))
    click.echo(f"uncertainty included: {result.includes}\n")
    click.echo(targets_markdown(result.targets))
    click.echo(f"written to {out}/")


@main.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True, help="One CSV per table, or one Excel workbook.")
@user_errors
def export_cmd(folder: Path, fmt: str) -> None:
    """Write the tables of a run, comparison or sweep FOLDER to FOLDER/export/ as CSV or Excel,
    with R- and pandas-friendly column names and the codebook."""
    from .export import export

    target = export(folder, fmt)
    click.echo(f"written to {target}/ ({', '.join(sorted(p.name for p in target.iterdir()))})")


@main.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
@user_errors
def init_cmd(folder: Path) -> None:
    """Copy the shipped scenarios, example roster, experiments and baseline ensemble into
    FOLDER (new or empty), to edit and run from there."""
    from .shipped import init

    files = init(folder)
    click.echo(f"copied {len(files)} files into {folder}/: scenarios/ (the baseline, the five "
               "seed packages, a roster county), experiments/ (sweeps and the calibration)\n"
               f"try: ruraledu run {folder / 'scenarios' / 'baseline.toml'}")


@main.command("ensemble")
@click.argument("experiment", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--n", "size", type=click.IntRange(2, 100_000), default=None,
              help="Parameter sets to draw [default: 50, or as many as --calibrated holds].")
@click.option("--calibrated", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A posterior (`ruraledu calibrate`): its parameter sets are kept, each with "
                   "one draw of the experiment's other assumptions.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The ensemble file to write (Parquet).")
@user_errors
def ensemble_cmd(experiment: Path, size: int | None, calibrated: Path | None,
                 out: Path) -> None:
    """Draw an ensemble of parameter sets from the params.* factors of an EXPERIMENT file (for
    `compare --uncertainty`); with --calibrated, the posterior's parameters stay as calibrated
    and the experiment's other assumptions are drawn beside them."""
    from . import ensemble as ensembles
    from .sweep.design import prior

    if calibrated is None:
        table = prior(experiment, size or 50)
    else:
        posterior = ensembles.load(calibrated)
        if size is not None and size != len(posterior):
            raise InputError("--n", f"{size}: with --calibrated the ensemble has the "
                             f"posterior's {len(posterior)} parameter sets (allowed: leave "
                             "--n out)")
        table = ensembles.with_assumptions(posterior, prior(experiment, len(posterior)))
    ensembles.save(table, out)
    keys = [c for c in table.columns if c != ensembles.WEIGHT]
    click.echo(f"{len(table)} parameter sets over {len(keys)} uncertain parameters written to "
               f"{out} (effective size {ensembles.effective_size(table):.0f})")


@main.command("calibrate")
@click.argument("calibration", type=click.Path(dir_okay=False, path_type=Path))
@map_options("the runs execute", "the posterior")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/calibrations/<name>/).")
@click.option("--no-charts", is_flag=True, help="Tables only.")
@FORMAT_OPTION
@user_errors
def calibrate_cmd(calibration: Path, backend: str, workers: int | None, out: Path | None,
                  no_charts: bool, chart_format: str) -> None:
    """Calibrate the uncertain parameters to the patterns of a CALIBRATION file (ABC-SMC);
    run it again to continue where it stopped. Writes posterior.parquet (an ensemble for
    `compare --uncertainty`), generations.csv and patterns.csv."""
    from .calibrate import run_calibration

    extras = () if no_charts else _charts("save_calibration_charts", chart_format)
    try:
        result, where = run_calibration(calibration, backend, workers, out, extras=extras)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished generations are kept in calibration.db; run the "
                   "same command again to continue", err=True)
        sys.exit(130)
    g = result.generations.iloc[-1]
    p = result.patterns
    click.echo(f"{len(result.generations)} generations, tolerance {g['tolerance']:.2f}, "
               f"effective sample size {g['effective_sample_size']:.0f} of {g['particles']}")
    for use in ("calibrate", "validate"):
        sub = p[p["use"] == use]
        if len(sub):
            click.echo(f"{use}: {int(sub['within_tolerance'].sum())} of {len(sub)} patterns "
                       "within tolerance (posterior median)")
    click.echo(f"written to {where}/")


@main.command("optimize")
@click.argument("optimization", type=click.Path(dir_okay=False, path_type=Path))
@map_options("a candidate's draws run", "the result")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/optimizations/<name>/).")
@click.option("--no-charts", is_flag=True, help="Tables only.")
@FORMAT_OPTION
@user_errors
def optimize_cmd(optimization: Path, backend: str, workers: int | None, out: Path | None,
                 no_charts: bool, chart_format: str) -> None:
    """Search for the cheapest package that meets an OPTIMIZATION file's constraints across
    draws of luck and assumptions; run it again to continue where it stopped. Writes best.toml
    (a scenario), trials.csv, pareto.csv and the chosen package's results on fresh draws."""
    from .optimize import run_optimization

    try:
        result, where = run_optimization(optimization, backend, workers, out)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: finished trials are kept in study.db; run the same "
                   "command again to continue", err=True)
        sys.exit(130)
    if not no_charts:
        for save in _charts("save_optimization_charts", chart_format):
            save(result, where)
    best = result.best
    status = "meets every constraint" if result.feasible else \
        "NO candidate met every constraint; the closest"
    click.echo(f"{len(result.trials)} candidates; the chosen one {status} "
               f"(objective {best['objective']:,.0f} on the search draws)")
    for _, r in result.report.iterrows():
        click.echo(f"  fresh draws: {r['what']} = {r['estimate']:.4g} "
                   f"({r['low']:.4g} to {r['high']:.4g})")
    click.echo(f"written to {where}/ (best.toml: ruraledu compare BASE {where}/best.toml)")


@main.command("province")
@click.argument("province", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--package", "packages", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Scenario every county runs instead of the file's (repeat for several; "
                   "each county keeps its seed across packages).")
@map_options("counties run", "the tables")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: results/provinces/<province>-<package>/; with "
                   "several packages, a folder per package inside it).")
@SET_OPTION
@click.option("--no-charts", is_flag=True, help="Tables only.")
@FORMAT_OPTION
@user_errors
def province_cmd(province: Path, packages: tuple[Path, ...], backend: str,
                 workers: int | None, out: Path | None, sets: tuple[str, ...], no_charts: bool,
                 chart_format: str) -> None:
    """Run every county of a PROVINCE file (TOML naming a county table) under its package or
    each --package; run it again to continue where it stopped. Writes counties.parquet (a row
    per county and year), province.parquet (a row per year), ranking.csv and report.md."""
    from .province import compare_packages, run_province

    overrides = parse_sets(sets)
    results = []
    for package in packages or (None,):
        target = out
        if out is not None and package is not None and len(packages) > 1:
            target = out / package.stem
        try:
            result, where = run_province(province, package, backend, workers, target,
                                         overrides)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: finished counties are kept; run the same command "
                       "again to continue", err=True)
            sys.exit(130)
        if not no_charts:
            for save in _charts("save_province_charts", chart_format):
                save(result, where)
        p = result.province
        met = p.loc[p["year"] == 2025, "share_townships_gap_met"]
        click.echo(f"{result.package}: {int(p['counties'].iloc[0])} counties, "
                   f"{p['students'].iloc[0]:,.0f} students in {int(p['year'].iloc[0])}; "
                   + (f"townships meeting 0.15 in 2025: {met.iloc[0]:.0%}; " if len(met) else "")
                   + f"written to {where}/")
        results.append(result)
    if len(results) > 1:
        table = compare_packages(results)
        target = (out or Path("results") / "provinces" / f"{province.stem}-comparison")
        target.mkdir(parents=True, exist_ok=True)
        table.to_csv(target / "comparison.csv", index=False)
        last = table[(table["measure"] == "gap_rate") & (table["year"] == table["year"].max())]
        for _, r in last.iterrows():
            click.echo(f"{r['package']} vs {r['reference']}, gap_rate in {r['year']}: province "
                       f"{r['province difference']:+.3f}; counties {r['county median']:+.3f} "
                       f"(10-90%: {r['county 10%']:+.3f} to {r['county 90%']:+.3f}), better in "
                       f"{r['share of counties doing better']:.0%} of counties")
        click.echo(f"comparison written to {target / 'comparison.csv'}")


@main.command("sweep")
@click.argument("experiment", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--backend", type=click.Choice(["auto", "serial", "process", "dask", "slurm"]),
              default="auto", show_default=True, help="Where the runs execute (auto: this "
              "process for a small experiment, where starting a pool costs more than it "
              "saves; else a local process pool).")
@click.option("--workers", type=click.IntRange(1, 10_000), default=None,
              help="Local processes or Dask workers (default: the cores available).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Sweep folder (default: results/sweeps/<experiment name>/).")
@click.option("--status", "status_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Say what is done, failed and left in a sweep folder.")
@user_errors
def sweep_cmd(experiment: Path | None, backend: str, workers: int | None, out: Path | None,
              status_dir: Path | None) -> None:
    """Run a designed EXPERIMENT (a TOML file); run it again to resume where it stopped."""
    from .sweep import status, sweep

    if status_dir is not None:
        _echo_status(status(status_dir), status_dir)
        return
    if experiment is None:
        raise click.UsageError("give an EXPERIMENT file, or --status DIR")
    try:
        result = sweep(experiment, backend=backend, workers=workers, out=out)
    except KeyboardInterrupt:
        click.echo("\ninterrupted: the runs stored so far are kept; run the same command again "
                   "to resume", err=True)
        sys.exit(130)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    _echo_status(result.status, result.out)


def _echo_status(st: dict, where: Path) -> None:
    for note in st.get("notes", []):
        click.echo(f"warning: {note}", err=True)
    click.echo(f"{st['experiment']}: {st['done']} runs done, {st['failed']} failed, "
               f"{st['left']} left of {st['runs']} ({st['shards_done']}/{st['shards']} shards) "
               f"in {where}/")


@main.command("analyze")
@click.argument("sweep_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--no-charts", is_flag=True, help="Tables and report only.")
@FORMAT_OPTION
@user_errors
def analyze_cmd(sweep_dir: Path, no_charts: bool, chart_format: str) -> None:
    """Sensitivity and threshold analysis of a finished sweep into SWEEP_DIR/analysis/."""
    from .analysis import analyze, write

    result = analyze(sweep_dir)
    figures = None if no_charts else _charts("save_analysis_charts", chart_format)[0]
    target = write(result, sweep_dir, figures=figures)
    for w in result.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(f"{len(result.indices)} indices for {len(result.noise)} outputs "
               f"written to {target}/ (report.md)")


@main.command("dashboard")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on (0.0.0.0: reachable from other machines).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes running replicates [default: one per core, at most 8].")
@click.option("--no-open", is_flag=True, help="Do not open a browser tab.")
def dashboard_cmd(host: str, port: int, workers: int | None, no_open: bool) -> None:
    """Explore the levers in the browser: pick a county and a package, move the levers and
    assumptions, run replicates against the baseline, download the settings as a scenario."""
    from .dashboard import server

    if not server.available():
        raise click.ClickException(f"the dashboard needs Solara: {server.EXTRA}")
    click.echo(f"ruraledu dashboard at http://{host}:{port}/ (Ctrl-C stops it)")
    sys.exit(server.serve(host, port, open_browser=not no_open, workers=workers))


@main.command("check")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@SET_OPTION
def check_cmd(files: tuple[Path, ...], sets: tuple[str, ...]) -> None:
    """Validate scenario, experiment or calibration files and explain every error (exit code 2
    if any is invalid)."""
    failed = False
    for path in files:
        try:
            kind = file_kind(path)
            if kind == "province":
                from .province import load_province

                prov, base, _, counties = load_province(path)
                click.echo(f"ok: {path} - province '{prov.name}', {len(counties)} counties, "
                           f"package '{base.name}'")
                continue
            if kind == "optimization":
                from .optimize import load_optimization

                loaded = load_optimization(path)
                opt, where = loaded.opt, (f"base '{loaded.base.name}'" if loaded.counties is None
                                          else f"{len(loaded.counties)} counties")
                click.echo(f"ok: {path} - optimization '{opt.name}', {len(opt.decisions)} "
                           f"decisions, {len(opt.constraints)} constraints, {where}")
                continue
            if kind == "calibration":
                from .calibrate import load_calibration

                cal, base = load_calibration(path)
                click.echo(f"ok: {path} - calibration '{cal.name}', {len(cal.priors)} priors, "
                           f"{len(cal.patterns)} patterns, base '{base.name}'")
                continue
            if kind == "experiment":
                from .sweep import load_experiment

                exp, base, _ = load_experiment(path)
                click.echo(f"ok: {path} - experiment '{exp.name}', {exp.design.method} design, "
                           f"{len(exp.factors)} factors, base '{base.name}'"
                           + (f", province {exp.province}" if exp.province else ""))
                continue
            sc = load_scenario(path, parse_sets(sets))
            roster = sc.roster_path()
            if roster is not None:
                roster_county(roster, sc.county)
        except InputError as err:
            report(err)
            failed = True
            continue
        county = sc.county.source if sc.county.source == "roster" else \
            f"synthetic, {sc.county.towns} towns, {sc.county.students:,} students"
        click.echo(f"ok: {path} - scenario '{sc.name}', {sc.start_year}-{sc.end_year}, {county}")
    if failed:
        sys.exit(2)


PROVINCE_KEYS = {"counties", "package"}
OPTIMIZATION_KEYS = {"decisions", "minimize", "constraints"}
CALIBRATION_KEYS = {"patterns", "priors", "population", "generations"}
EXPERIMENT_KEYS = {"design", "factors", "outputs", "replicates"}


def file_kind(path: Path) -> str:
    """Which file this is, by the tables only its kind has: an experiment has [design] and
    [factors], a calibration [priors] and [patterns], an optimisation [decisions] and
    [constraints], a province its [counties] table and package, a scenario none of them. A
    file naming a ``base`` but holding none is refused rather than read as a scenario."""
    from .scenario import read_toml

    try:
        keys = set(read_toml(path))
    except InputError:
        return "scenario"  # read again by load_scenario, which explains what is wrong
    if keys & PROVINCE_KEYS:
        return "province"
    if keys & OPTIMIZATION_KEYS:
        return "optimization"
    if keys & CALIBRATION_KEYS:
        return "calibration"
    if keys & EXPERIMENT_KEYS:
        return "experiment"
    if "base" in keys:
        raise InputError(path, "sets 'base' but holds no [design] and [factors] (an "
                               "experiment), [priors] and [patterns] (a calibration) nor "
                               "[decisions] and [constraints] (an optimisation)")
    return "scenario"


def format_summary(result: Result) -> str:
    """A readable console summary: first and last year of the main indicators, then targets."""
    ts, s = result.timeseries, result.summary
    first, last = ts.iloc[0], ts.iloc[-1]
    rows = [("students", "{:,.0f}"), ("teachers", "{:,.0f}"), ("schools_open", "{:.0f}"),
            ("student_retention", "{:.3f}"), ("teacher_retention", "{:.3f}"),
            ("gap_rate", "{:.3f}"), ("gap_sd", "{:.2f}"), ("share_towns_gap_met", "{:.2f}"),
            ("middle_retention_3yr", "{:.3f}"), ("boarding_rate", "{:.3f}"),
            ("mean_travel_km", "{:.1f}"), ("cost_total_yuan", "{:,.0f}")]
    y0, y1 = int(first["year"]), int(last["year"])
    lines = [f"scenario {s['scenario']}  seed {s['provenance']['seed']}  "
             f"({s['provenance']['runtime_s']:.2f} s)", "",
             f"{'indicator':<24}{y0:>16}{y1:>16}"]
    for col, fmt in rows:
        lines.append(f"{col:<24}{fmt.format(first[col]):>16}{fmt.format(last[col]):>16}")
    lines += ["", "targets:"]
    for t in s["targets"]:
        by = f" by {t['by']}" if t["by"] else ""
        first_met = t["first_year_met"] or "never"
        mark = "met    " if t["met"] else "not met"
        value = "n/a" if t["value"] is None else f"{t['value']:.3f}"
        lines.append(f"  [{mark}] {t['indicator']} {t['target']}{by}: {value} "
                     f"(first held {HOLD_YEARS} years: {first_met}; "
                     f"first touched: {t['first_year_touched'] or 'never'})")
    return "\n".join(lines)


def format_timings(timings: dict[str, float]) -> str:
    """Seconds per stage of the year, in the order of the year, with shares."""
    total = sum(timings.values()) or 1.0
    lines = [f"{'stage of the year':<24}{'seconds':>10}{'share':>8}"]
    for name, sec in timings.items():
        lines.append(f"{name:<24}{sec:>10.4f}{sec / total:>8.1%}")
    lines.append(f"{'all stages':<24}{sum(timings.values()):>10.4f}")
    return "\n".join(lines)
