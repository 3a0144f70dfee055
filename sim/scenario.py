"""Scenario files: the schema, loading from TOML, dotted-key overrides, and readable errors.

A scenario is everything one run needs besides the seed: the horizon, the county, and the
behavioural parameters. Unknown keys and out-of-range values are errors naming the file, the
field and what is allowed, so a typo never silently runs the default.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

from .county import CountySpec
from .errors import InputError
from .parameters import Group, Parameters, field_bounds, param
from .policies import Policies

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # names that are safe as folder names
PATTERN_WORDS = {NAME_PATTERN: "allowed: letters, digits, '.', '_' and '-', starting with a "
                               "letter or digit (it names the output folder)"}


class Scenario(Group):
    """One run's settings: its years, the county (synthetic or a school roster), the policy
    levers with their timelines and the model's parameters (``params``), each field bounded and
    documented (docs/parameters.md). ``load_scenario`` reads one from TOML; dotted overrides
    (``--set``) go through ``with_overrides``, checked as the file is."""

    name: str = Field("scenario", pattern=NAME_PATTERN, max_length=80)
    description: str = ""
    start_year: int = param(2020, 2000, 2040, "", "year")
    end_year: int = param(2035, 2001, 2060, "", "year")
    seed: int = param(1, 0, 2**32 - 1, "", "", "default seed when none is given")
    county: CountySpec = Field(default_factory=CountySpec)
    params: Parameters = Field(default_factory=Parameters)
    policies: Policies = Field(default_factory=Policies)

    _source: str = PrivateAttr("<defaults>")
    _hash: str = PrivateAttr("")
    _overrides: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.end_year <= self.start_year:
            raise ValueError(f"end_year ({self.end_year}) must be after start_year "
                             f"({self.start_year})")
        if self.county.source == "roster" and not self.county.roster:
            raise ValueError("county.source = 'roster' needs county.roster (a CSV path)")
        late = [f"policies.{name} first acts in {lever.first_year()}"
                for name, lever in self.policies
                if lever.first_year() is not None and lever.first_year() > self.end_year]
        if late:
            raise ValueError(f"{'; '.join(late)}, after end_year {self.end_year}: the lever "
                             f"would never act (allowed: a start up to {self.end_year})")
        return self

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    @property
    def source(self) -> str:
        return self._source

    @property
    def overrides(self) -> dict:
        """The dotted-key overrides applied over the file (``--set``), for provenance."""
        return self._overrides

    @property
    def file_hash(self) -> str:
        """SHA-256 of the scenario as run (file plus overrides), for provenance."""
        return self._hash

    def roster_path(self) -> Path | None:
        if self.county.source != "roster" or not self.county.roster:
            return None
        base = Path(self._source).parent if self._source != "<defaults>" else Path.cwd()
        return (base / self.county.roster).resolve()


def parse_value(text: str) -> Any:
    """A value given on the command line, read as a TOML literal (``800``, ``true``, ``"a"``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value a scenario field takes (other values unchanged)."""
    return value.item() if isinstance(value, np.generic) else value


def apply_overrides(data: dict, overrides: dict[str, Any], source: str) -> dict:
    """Set dotted keys (``params.learning.persistence``) in a nested dict, creating tables."""
    for key, value in (overrides or {}).items():
        parts = key.split(".")
        node = data
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InputError(source, f"override '{key}': '{part}' is a value, not a table")
            node = child
        node[parts[-1]] = value
    return data


def read_toml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise InputError(path, f"not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise InputError(path, "not a UTF-8 text file") from None


def load_scenario(path: str | Path | None = None, overrides: dict[str, Any] | None = None,
                  ) -> Scenario:
    """Read, override and validate a scenario file; ``None`` gives the embedded defaults."""
    source = str(path) if path is not None else "<defaults>"
    data = read_toml(path) if path is not None else {}
    if path is not None and not data:
        raise InputError(path, "the file sets nothing (an empty scenario would silently run the "
                         "defaults; give at least a name, e.g. name = \"baseline\")")
    data = apply_overrides(data, overrides or {}, source)
    scenario = _validated(data, source, dict(overrides or {}))
    roster = scenario.roster_path()
    if roster is not None and not roster.is_file():
        raise InputError(source, f"county.roster: file not found: {roster}")
    return scenario


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-key ``overrides`` applied and validated."""
    data = apply_overrides(scenario.model_dump(), overrides, scenario.source)
    return _validated(data, scenario.source, {**scenario.overrides, **overrides})


def _validated(data: dict, source: str, overrides: dict[str, Any]) -> Scenario:
    """The scenario of ``data``, with its provenance: source, overrides and a content hash."""
    scenario = validate(Scenario, data, source)
    scenario._source = source
    scenario._overrides = overrides
    canonical = repr(sorted(_flatten(data).items())).encode()
    scenario._hash = hashlib.sha256(canonical).hexdigest()
    return scenario


def validate(model: type[BaseModel], data: dict, source: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(source, [_explain(model, e) for e in err.errors()]) from None


def _explain(model: type[BaseModel], error: ErrorDetails) -> str:
    loc = [str(p) for p in error["loc"]]
    field = ".".join(loc) or "(file)"
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = sorted(_fields_at(model, loc[:-1]))
        return f"unknown field '{field}' (allowed here: {', '.join(allowed)})"
    if kind == "missing":
        return f"field '{field}' is required"
    msg = error["msg"].removeprefix("Value error, ")
    if kind in ("model_type", "dict_type"):
        msg = f"expected a table of settings ([{field}] in TOML), got {type(error['input']).__name__}"
    elif kind == "string_pattern_mismatch":
        msg = PATTERN_WORDS.get(str((error.get("ctx") or {}).get("pattern")), msg)
    number = re.match(r"'(\w+)' (expected a number, got .*)", msg)
    if number:  # Group._numbers_are_numbers names the field inside its table
        name = f"{field}.{number.group(1)}" if loc else number.group(1)
        return f"field '{name}': {number.group(2)}"
    shown = error.get("input")
    bounds = _bounds_at(model, loc)
    if not loc:  # a check of the whole file
        return msg + (f" (allowed: {bounds})" if bounds else "")
    text = f"field '{field}'"
    if not isinstance(shown, dict):
        text += f" = {shown!r}"
    text += f": {msg}"
    if bounds:
        text += f" (allowed: {bounds})"
    return text


def _model_at(model: type[BaseModel], loc: list[str]) -> type[BaseModel] | None:
    for part in loc:
        field = model.model_fields.get(part)
        if field is None or not (isinstance(field.annotation, type)
                                 and issubclass(field.annotation, BaseModel)):
            return None
        model = field.annotation
    return model


def _fields_at(model: type[BaseModel], loc: list[str]) -> list[str]:
    found = _model_at(model, loc)
    return list(found.model_fields) if found else []


def _bounds_at(model: type[BaseModel], loc: list[str]) -> str:
    parent = _model_at(model, loc[:-1]) if loc else None
    field = parent.model_fields.get(loc[-1]) if parent else None
    if field is None:
        return ""
    lo, hi = field_bounds(field)
    if lo is not None and hi is not None:
        return f"{lo} to {hi}"
    return ""


def _flatten(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out
