"""The planners' light client (``client/``, distribution ``landgis-client``) installed
into a fresh virtual environment of its own, as a planner would, and used against a
real server: it brings none of the server's packages, and empty results keep columns."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from gis.settings import REPO_ROOT

SERVER_PACKAGES = ("fastapi", "sqlalchemy", "rasterio", "psycopg", "uvicorn", "alembic")

SCRIPT = """
import json, sys
from landgis_client import Client

with Client(sys.argv[1]) as c:
    some = c.items("parcels", filter="land_use LIKE '07%'", limit=5)
    none = c.items("parcels", filter="land_use = '9999'")
    picked = c.items("parcels", filter="land_use = '9999'", properties=["unit_code"])
    classes = c.land_use_classes()
    print(json.dumps({
        "some": len(some), "crs": some.crs.to_epsg(),
        "some_columns": sorted(some.columns),
        "none": len(none), "none_columns": sorted(none.columns),
        "picked_columns": sorted(picked.columns),
        "class_07": classes.loc["07", "name_zh"],
    }))
"""


def test_light_client_in_its_own_venv(tmp_path: Path, live_server: str) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    source = tmp_path / "client"  # a copy: pip builds in the source folder
    shutil.copytree(
        REPO_ROOT / "client", source, ignore=shutil.ignore_patterns("build", "*.egg-info")
    )
    started = time.monotonic()
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(source)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    print(f"landgis-client installed in {time.monotonic() - started:.1f} s")  # noqa: T201
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"],
        check=True,
        capture_output=True,
        text=True,
    )
    installed = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "landgis-client" in installed and "geopandas" in installed
    assert not installed & set(SERVER_PACKAGES), installed & set(SERVER_PACKAGES)

    out = subprocess.run(
        [str(python), "-c", SCRIPT, live_server],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # not the repository: nothing of the server is importable
    )
    result = json.loads(out.stdout)
    assert result["some"] == 5 and result["crs"] == 4490
    assert {"unit_code", "land_use", "geometry"} <= set(result["some_columns"])
    assert result["none"] == 0
    assert set(result["none_columns"]) == set(result["some_columns"])  # empty keeps columns
    assert result["picked_columns"] == ["geometry", "unit_code"]
    assert result["class_07"] == "住宅用地"
