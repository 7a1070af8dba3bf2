"""The planners' notebooks run green against a real server (nbclient, the venv's kernel)."""

from __future__ import annotations

import json
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from gis.settings import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def _run(path_name: str, base_url: str) -> nbformat.NotebookNode:
    book = nbformat.read(REPO_ROOT / "notebooks" / path_name, as_version=4)
    params = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "each notebook has one cell tagged 'parameters'"
    params[0].source = f"BASE_URL = {base_url!r}"
    client = NotebookClient(
        book,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(REPO_ROOT)}},
        extra_arguments=[
            f"--IPKernelApp.exec_lines=['import sys; sys.path.insert(0, {str(REPO_ROOT)!r})']"
        ],
    )
    client.execute()
    return book


def test_there_are_three_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_land_use_by_class.ipynb",
        "02_candidate_site_compliance.ipynb",
        "03_farmland_inside_boundary.ipynb",
    ]
    assert sys.executable  # the kernel is the venv's python3 kernelspec


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_notebook_runs_and_maps_are_offline(live_server: str, name: str) -> None:
    book = _run(name, live_server)
    outputs = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(json.dumps(o.get("data", {})) for o in outputs)
    assert f"{live_server}/static/vendor/leaflet/leaflet.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
