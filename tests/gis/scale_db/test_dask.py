"""Planners' analyses on Dask (issue #15): run on a real LocalCluster with dask-geopandas,
reading the register from the read replica, they equal PostGIS's answers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from distributed import LocalCluster
from sqlalchemy.orm import Session

from cadastre import analyses, analyses_dask
from gis import replica
from gis.db import engine_for
from gis.settings import get_settings, override_settings
from tests.gis.scale_db.conftest import Pair


@pytest.fixture(scope="module")
def on_pair(pair: Pair) -> Iterator[Pair]:
    """The process's settings point at the pair (its standby runs) for these tests."""
    before = get_settings()
    override_settings(pair.settings)
    replica.dispose_engines()
    try:
        yield pair
    finally:
        replica.dispose_engines()
        override_settings(before)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("name", sorted(analyses.SQL))
def test_dask_answer_equals_postgis(on_pair: Pair, scheduler: str, name: str) -> None:
    assert "pg-standby" in analyses_dask.source_url()  # the workers read the replica
    with Session(bind=engine_for(on_pair.settings.sqlalchemy_url())) as session:
        expected = analyses.run(session, name)  # PostGIS on the primary
    got = analyses_dask.run(name, scheduler)
    assert expected and all(v > 0 for v in expected.values())
    assert analyses.same(expected, got) == []


def test_cli_runs_an_analysis_on_dask(pair: Pair) -> None:
    def rows(*flags: str) -> dict[tuple[str, ...], float]:
        out = pair.cli("cadastre", "analyse", "area-by-use", *flags).stdout.splitlines()
        found = [json.loads(line) for line in out if line.startswith("{")]
        return {(r["key"],): float(r["area_m2"]) for r in found}

    plain = rows()
    assert plain and analyses.same(plain, rows("--dask")) == []
