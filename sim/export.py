"""Sharing outputs: the tables of a run, comparison or sweep folder as CSV files or one Excel
workbook, with column names that R, Stata and pandas read without quoting, and the codebook
beside them (``ruraledu export DIR --format csv|xlsx``).

Parquet stays the format of record (typed, compressed, read by pandas, R's arrow and DuckDB in
one line); the export is for colleagues whose tools want CSV or a spreadsheet.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .errors import InputError
from .files import writing_into
from .sweep import Store, county_table, results_table

FORMATS = ("csv", "xlsx")
EXCEL_ROWS = 1_048_575  # a sheet's row limit, less the header


def safe_name(name: str) -> str:
    """A column name usable unquoted in R and pandas: ``gap_rate@2025`` -> ``gap_rate_at_2025``,
    ``params.learning.persistence`` -> ``params_learning_persistence``."""
    text = name.replace("@", "_at_").replace("%", "pct")
    text = re.sub(r"[^0-9A-Za-z_]+", "_", text).strip("_")
    return text if text and text[0].isalpha() else f"x_{text}"


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The folder's tables: a sweep's runs joined with their design points (and, over a
    province, its county rows), or the Parquet files of a run or a comparison."""
    if (folder / "manifest.json").is_file():
        store = Store(folder)
        found = {"sweep": results_table(store)}
        if store.required_manifest().get("province"):
            found["counties"] = county_table(store)
        return found
    found = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    if not found:
        raise InputError(folder, "no output tables here (allowed: a folder written by "
                         "`ruraledu run`, `compare` or `sweep`)")
    return found


def export(folder: str | Path, fmt: str = "csv") -> Path:
    """Write ``folder/export/``: one CSV per table (or ``tables.xlsx`` with a sheet each), and
    ``codebook.csv`` with each column's exported name beside its definition."""
    folder = Path(folder)
    if fmt not in FORMATS:
        raise InputError("--format", f"'{fmt}' (allowed: {', '.join(FORMATS)})")
    if not folder.is_dir():
        raise InputError(folder, "not a folder (allowed: an output folder of run, compare or "
                         "sweep)")
    found = tables(folder)
    renamed = {}
    for name, table in found.items():
        columns = _unique([safe_name(str(c)) for c in table.columns])
        renamed[name] = table.set_axis(columns, axis=1)
        if fmt == "xlsx" and len(table) > EXCEL_ROWS:
            raise InputError(folder, f"table '{name}' has {len(table):,} rows, more than a "
                             f"spreadsheet holds (allowed: --format csv)")
    book = _codebook(folder, found)
    with writing_into(folder / "export", stale=("*.csv", "*.xlsx")) as tmp:
        if fmt == "csv":
            for name, table in renamed.items():
                table.to_csv(tmp / f"{name}.csv", index=False)
        else:
            with pd.ExcelWriter(tmp / "tables.xlsx") as writer:
                for name, table in renamed.items():
                    table.to_excel(writer, sheet_name=name[:31], index=False)
                book.to_excel(writer, sheet_name="codebook", index=False)
        book.to_csv(tmp / "codebook.csv", index=False)
    return folder / "export"


def _codebook(folder: Path, found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The folder's own codebook (written beside every output), with the exported names."""
    path = folder / "codebook.csv"
    book = pd.read_csv(path) if path.is_file() else pd.DataFrame(
        {"name": [str(c) for t in found.values() for c in t.columns]})
    book.insert(1, "exported_as", [safe_name(str(n)) for n in book["name"]])
    return book


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out
