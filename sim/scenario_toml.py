"""A scenario as a TOML file that ``ruraledu check`` accepts and ``load_scenario`` reads back
to the same scenario: what the dashboard's download and the policy search's best package write.

Only what differs from the model's defaults is written (a lever left off has no table), with
the name, description, horizon and seed always stated, so the file reads like the hand-written
ones in ``scenarios/``. Python's standard library reads TOML but does not write it; scenario
values are few kinds (text, numbers, true/false, lists, year -> level schedules), so a small
writer covers them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .scenario import Scenario

ALWAYS = ("name", "description", "start_year", "end_year", "seed")


def scenario_toml(scenario: Scenario, comment: str = "") -> str:
    """The scenario as TOML text that ``load_scenario`` reads back to the same scenario."""
    data = scenario.model_dump(exclude_defaults=True)
    head = {key: getattr(scenario, key) for key in ALWAYS}
    tables = {k: v for k, v in data.items() if k not in ALWAYS}
    lines = [f"# {line}" for line in comment.splitlines()]
    lines += [f"{key} = {_value(value)}" for key, value in head.items()]
    lines += _tables(tables, "")
    return "\n".join(lines) + "\n"


def _tables(data: dict, prefix: str) -> list[str]:
    """``[prefix.key]`` tables, each with its plain values first, then its sub-tables."""
    lines: list[str] = []
    for key, value in data.items():
        if not isinstance(value, dict) or _is_inline(value):
            continue
        name = f"{prefix}{key}"
        plain = {k: v for k, v in value.items() if not isinstance(v, dict) or _is_inline(v)}
        if plain:
            lines += ["", f"[{name}]"]
            lines += [f"{k} = {_value(v)}" for k, v in plain.items() if v is not None]
        lines += _tables(value, name + ".")
    return lines


def _is_inline(value: dict) -> bool:
    """A mapping written inline: a schedule, keyed by year."""
    return bool(value) and all(isinstance(k, int) for k in value)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML scenario values are finite, got {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")
