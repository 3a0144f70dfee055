"""The dashboard's tables, from the targets table ``sim.compare`` makes: each seed target with
its deadline, and cost and effect against the baseline, in words rather than column names."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from .. import indicators
from ..indicators import HOLD_YEARS, TARGETS, Target

OPS = {"<": "below", "<=": "at most", ">": "above", ">=": "at least"}
# Column names in the targets table's row labels, in words.
WORDS = {"gap_rate": "town-seat difference rate", "student_retention": "student retention",
         "teacher_retention": "teacher retention"}


def target_words(target: Target) -> str:
    """``gap_rate < 0.15`` as a reader would say it."""
    return f"{indicators.label(target.indicator)} {OPS[target.op]} {target.threshold:g}"


def _when(target: Target) -> str:
    return f" by {target.by}" if target.by is not None else ""


def targets_frame(targets: pd.DataFrame) -> pd.DataFrame:
    """A row per seed target: its deadline, and for each scenario the median first year it is
    held (``HOLD_YEARS`` years running) and the share of runs meeting it by the deadline with
    its 90% interval."""
    by_name = targets.set_index("scenario")
    rows = []
    for target in TARGETS:
        row: dict[str, Any] = {"target": target_words(target),
                               "deadline": target.by if target.by is not None else "end of run"}
        for name, values in by_name.iterrows():
            first = values[f"{target.label}: first year held {HOLD_YEARS} years (median)"]
            share = values[f"{target.label}: share of runs meeting it{_when(target)}"]
            interval = values[f"{target.label}: 90% interval of that share"]
            row[f"{name}: first year held (median)"] = "never" if _missing(first) else \
                str(int(first))
            row[f"{name}: share of runs meeting it by the deadline"] = \
                f"{share:.2f} ({interval})"
        rows.append(row)
    return pd.DataFrame(rows)


def effects_frame(targets: pd.DataFrame) -> pd.DataFrame:
    """Cost and effect rows (everything in the targets table that is not a seed target), a
    column per scenario, labels in words."""
    target_columns = {c for c in targets.columns for t in TARGETS if c.startswith(t.label + ":")}
    keep = [c for c in targets.columns if c != "scenario" and c not in target_columns]
    out = targets.set_index("scenario")[keep].T
    out.index = [_words(label) for label in out.index]
    out.index.name = "measure"
    return out.reset_index()


def _words(label: str) -> str:
    for name, words in WORDS.items():
        label = label.replace(name, words)
    return label[:1].upper() + label[1:]


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA (a target's first year when it is never met)."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any) -> str:
    if _missing(value):
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def to_html(frame: pd.DataFrame, css_class: str) -> str:
    """A plain HTML table (headers and cells escaped), numbers right-aligned."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            align = ' style="text-align:right"' if numeric else ""
            cells.append(f"<td{align}>{html.escape(_cell(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="{css_class}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
