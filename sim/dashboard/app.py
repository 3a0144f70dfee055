"""The dashboard page: ``ruraledu dashboard`` serves it (``solara run sim.dashboard.app``).

On the left, the choice: a package preset or a scenario file, a county, the number of
replicates, each lever (on or off, its main setting, first and last year) and the key
assumptions. On the right, what the last run found: the town-seat difference rate of the
package against the baseline (median and 10-90% band, the 0.15 target and its deadline), the
seed targets with their deadlines, cost and effect, the extra cost by budget line and the
county map. The settings download as a scenario file that ``ruraledu run`` and ``check`` read.

The page holds the choice per browser tab; runs and their cache are shared by every tab of the
server (``RUNNER``). CSS classes named ``rd-*`` mark what the browser test looks for.
"""

from __future__ import annotations

import io
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import solara
import solara.lab
from matplotlib.figure import Figure

from ..errors import InputError
from ..scenario import Scenario, with_overrides
from ..scenario_toml import scenario_toml
from . import figures, tables
from .compute import Outcome, Runner
from .server import WORKERS_ENV
from .settings import (
    LEVER_NAMES,
    MAIN_SETTINGS,
    PRESETS,
    Choice,
    Resolved,
    Setting,
    assumption_settings,
    assumption_value,
    county_choices,
    lever_end,
    lever_on,
    lever_start,
    main_value,
    move_end,
    move_start,
    resolve,
    set_main,
    switch,
    uncertainty_choices,
)

FILE_PRESET = "a scenario file..."
REPLICATES = Setting("", "replicates per package (seeds 1, 2, ...)", "", 1, 50, 1, integer=True)

RUNNER = Runner(int(os.environ[WORKERS_ENV]) if os.environ.get(WORKERS_ENV) else None)


def _warm_up() -> None:
    """Start the workers and run the page's first choice while the first browser connects."""
    RUNNER.warm()
    RUNNER.outcome(Choice())


threading.Thread(target=_warm_up, daemon=True, name="warm up").start()


@dataclass(frozen=True)
class View:
    """One run as the page shows it: the outcome, its charts (SVG) and tables (HTML)."""

    number: int
    outcome: Outcome
    seconds: float  # running (what was not cached), summarising and drawing
    fan: bytes
    cost: bytes
    map: bytes
    targets: str
    effects: str


def svg(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg")
    return out.getvalue()


def make_view(choice: Choice, number: int) -> View:
    """Run a choice (what is not cached) and draw it."""
    t0 = time.perf_counter()
    outcome = RUNNER.outcome(choice)
    fan, cost, where = (svg(draw(outcome)) for draw in (figures.fan_chart, figures.cost_chart,
                                                        figures.county_map))
    return View(number, outcome, time.perf_counter() - t0, fan, cost, where,
                tables.to_html(tables.targets_frame(outcome.targets), "rd-targets"),
                tables.to_html(tables.effects_frame(outcome.targets), "rd-effects"))


def try_resolve(choice: Choice) -> tuple[Resolved | None, str]:
    try:
        return resolve(choice), ""
    except InputError as err:
        return None, str(err)


def download_text(resolved: Resolved, choice: Choice) -> str:
    """The package as a scenario file; an edited package is renamed (``-edited``) so its
    results do not land in the preset's folder, and the header lists the changes."""
    package = resolved.package
    if resolved.edited:
        package = with_overrides(package, {
            "name": f"{package.name}-edited"[:80],
            "description": f"Edited in the dashboard from {package.name}. {package.description}"})
    changes = "\n".join(f"  {key} = {value!r}" for key, value in choice.changes) or "  (none)"
    comment = (f"Saved from the ruraledu dashboard: package {choice.preset}, county "
               f"{choice.county}.\nChanges made there:\n{changes}")
    return scenario_toml(package, comment)


@solara.component
def Slider(setting: Setting, value: float, on_value, label: str | None = None,
           low: float | None = None, high: float | None = None) -> None:
    """A labelled slider: the words and the value above it, where a long label has room."""
    low = setting.low if low is None else low
    high = setting.high if high is None else high
    shown = f"{int(value)}" if setting.integer else f"{value:g}"
    solara.Text(f"{label or setting.words}: {shown}", style={"font-size": "0.85em"})
    if setting.integer:
        solara.SliderInt("", value=int(value), min=int(low), max=int(high), step=int(setting.step),
                         on_value=on_value)
    else:
        solara.SliderFloat("", value=float(value), min=low, max=high, step=setting.step,
                           on_value=on_value)


@solara.component
def LeverControl(name: str, scenario: Scenario, change) -> None:
    """A lever: on or off, and when on its main setting and its first and last year."""
    on = lever_on(scenario, name)
    with solara.Column(gap="0px", classes=[f"rd-lever-{name}"]):
        solara.Switch(label=LEVER_NAMES[name], value=on,
                      on_value=lambda v: change(switch(scenario, name, v)))
        if not on:
            return
        setting = MAIN_SETTINGS[name]
        Slider(setting, main_value(scenario, name), lambda v: change(set_main(name, v)))
        years = Setting("", "", "", scenario.start_year, scenario.end_year, 1, integer=True)
        start = lever_start(scenario, name)
        Slider(years, start, lambda y: change(move_start(scenario, name, y)),
               label="first year it acts")
        Slider(years, lever_end(scenario, name), lambda y: change(move_end(scenario, name, y)),
               label=f"last year it acts ({scenario.end_year}: open)", low=start)


@solara.component
def Controls(choice: Choice, set_choice, resolved: Resolved | None, run) -> None:
    """The left column: package, county, replicates, run and download, levers, assumptions."""
    file_mode = choice.preset not in PRESETS

    def pick(preset: str) -> None:
        set_choice(replace(choice, preset=preset if preset != FILE_PRESET else "", changes=()))

    def change(changes: dict[str, Any]) -> None:
        set_choice(choice.with_changes(changes))

    solara.Select("Package", values=[*PRESETS, FILE_PRESET],
                  value=FILE_PRESET if file_mode else choice.preset, on_value=pick)
    if file_mode:
        solara.InputText("Scenario file (path)", value=choice.preset,
                         on_value=lambda p: pick(p or FILE_PRESET))
    solara.Select("County", values=list(county_choices()), value=choice.county,
                  on_value=lambda c: set_choice(replace(choice, county=c)))
    Slider(REPLICATES, choice.replicates,
           lambda n: set_choice(replace(choice, replicates=int(n))))
    solara.Select("Uncertainty in the bands", values=list(uncertainty_choices()),
                  value=choice.uncertainty, on_value=lambda u: set_choice(replace(choice, uncertainty=u)))
    with solara.Row():
        solara.Button("Run", on_click=run, color="primary", classes=["rd-run"],
                      disabled=resolved is None)
        solara.Button("Reset levers", on_click=lambda: pick(choice.preset), text=True)
    if resolved is not None:
        solara.FileDownload(lambda: download_text(resolved, choice),
                            filename=f"{resolved.package.name}-dashboard.toml",
                            label="Download scenario (TOML)", mime_type="application/toml",
                            children=[solara.Button("Download scenario (TOML)",
                                                    icon_name="mdi-download", outlined=True,
                                                    classes=["rd-download"])])
    if resolved is None:
        return
    package = resolved.package
    solara.Markdown("**Levers** (the package's settings; changes apply to it only)")
    for name in MAIN_SETTINGS:
        LeverControl(name, package, change)
    solara.Markdown("**Assumptions** (both the package and the baseline)")
    for setting in assumption_settings():
        with solara.Column(gap="0px", classes=["rd-assumption"]):
            Slider(setting, assumption_value(package, setting.key),
                   lambda v, key=setting.key: change({key: float(v)}))


@solara.component
def Results(task, asked: Choice, choice: Choice) -> None:
    """The right column: status, fan chart, targets, cost and effect, cost chart, map."""
    view: View | None = task.latest if task.pending else task.value
    if task.pending:
        solara.Text(f"Running {asked.replicates} replicates of the package and the baseline...",
                    classes=["rd-status", "rd-running"])
    elif task.error:
        solara.Error(f"The run failed: {task.exception}")
    elif view is not None:
        o = view.outcome
        solara.Text(f"Run {view.number}: {o.replicates} replicates of {o.labels[1]} and "
                    f"{o.labels[0]}, run and drawn in {view.seconds:.1f} s ({o.computed} runs "
                    f"computed, the others cached).", classes=["rd-status"])
    if choice != asked:
        solara.Warning("The settings have changed since this run: press Run.")
    if view is None:
        return
    solara.Image(view.fan, format="svg+xml", classes=["rd-fan"])
    solara.Markdown("**The seed targets** (held three years running; share of runs meeting "
                    "each by its deadline, with its 90% interval)")
    solara.HTML(unsafe_innerHTML=view.targets, classes=["rd-targets-box"])
    solara.Image(view.cost, format="svg+xml", classes=["rd-cost"])
    with solara.Row():
        solara.Image(view.map, format="svg+xml", classes=["rd-map"])
    solara.Markdown("**Cost and effect** (medians over paired replicates)")
    solara.HTML(unsafe_innerHTML=view.effects, classes=["rd-effects-box"])


CSS = """
.rd-targets, .rd-effects { border-collapse: collapse; font-size: 0.8em; }
.rd-targets th, .rd-targets td, .rd-effects th, .rd-effects td
    { border-bottom: 1px solid #ddd; padding: 2px 6px; }
.rd-targets th, .rd-effects th { text-align: left; vertical-align: bottom; }
.rd-fan img, .rd-cost img, .rd-map img, img.rd-fan, img.rd-cost, img.rd-map { max-width: 100%; }
"""


@solara.component
def Page() -> None:
    choice, set_choice = solara.use_state(Choice())
    asked, set_asked = solara.use_state(choice)
    runs = solara.use_ref(0)
    resolved, error = solara.use_memo(lambda: try_resolve(choice), [choice])

    def compute() -> View:
        runs.current += 1
        return make_view(asked, runs.current)

    task = solara.lab.use_task(compute, dependencies=[asked])
    solara.Title("ruraledu dashboard")
    solara.Style(CSS)
    with solara.Row(style={"align-items": "flex-start"}):
        with solara.Column(style={"width": "380px", "flex": "none", "padding": "8px"}):
            solara.Markdown("## Rural education levers")
            if error:
                solara.Error(error)
            Controls(choice, set_choice, resolved, lambda: set_asked(choice))
        with solara.Column(style={"flex": "1", "min-width": "0", "padding": "8px"}):
            Results(task, asked, choice)
