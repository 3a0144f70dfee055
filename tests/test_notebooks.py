"""The notebooks run from top to bottom and show their figures: every cell that draws a chart
(calls ``plots.plot_...``) has an image among its outputs in the executed notebook. They run
small (RURALEDU_QUICK=1, set in conftest.py) in their own folder, as a reader runs them."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
TIMEOUT_S = 600


def draws(cell) -> bool:
    return cell.cell_type == "code" and "plots.plot_" in cell.source


def images(cell) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_runs_and_every_chart_cell_shows_an_image(path):
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "RURALEDU_QUICK": "1", "MPLBACKEND": ""}
    os.environ.pop("MPLBACKEND", None)
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)
    chart_cells = [c for c in nb.cells if draws(c)]
    assert chart_cells, f"{path.name} draws no chart"
    blank = [c.source.splitlines()[0] for c in chart_cells if images(c) == 0]
    assert not blank, f"{path.name}: chart cells without an image: {blank}"
