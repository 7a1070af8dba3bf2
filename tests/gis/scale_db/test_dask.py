"""Planners' analyses on Dask (issue #15): run on a real LocalCluster with dask-geopandas,
reading the register from the read replica, they equal PostGIS's answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from distributed import LocalCluster

from cadastre import analyses, analyses_dask
from gis.db import Database
from gis.settings import get_settings, override_settings
from tests.gis.scale_db.conftest import Pair


@pytest.fixture(scope="module")
def on_pair(pair: Pair) -> Iterator[Pair]:
    """The process's settings point at the pair (its standby runs) for these tests (the
    dask workers' databases read them)."""
    before = get_settings()
    override_settings(pair.settings)
    try:
        yield pair
    finally:
        override_settings(before)


@pytest.fixture(scope="module")
def pair_database(on_pair: Pair) -> Iterator[Database]:
    """The engines of these tests (as a CLI command has its own), on the pair."""
    with Database(on_pair.settings) as database:
        yield database


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("name", sorted(analyses.SQL))
def test_dask_answer_equals_postgis(pair_database: Database, scheduler: str, name: str) -> None:
    database = pair_database
    assert "pg-standby" in analyses_dask.source_url(database)  # the workers read the replica
    with database.session() as session:
        expected = analyses.run(session, name)  # PostGIS on the primary
    got = analyses_dask.run(database, name, scheduler)
    assert expected and all(v > 0 for v in expected.values())
    assert analyses.same(expected, got) == []


def test_cli_runs_an_analysis_on_dask(pair: Pair) -> None:
    def rows(*flags: str) -> dict[tuple[str, ...], float]:
        out = pair.cli("cadastre", "analyse", "area-by-use", *flags).stdout.splitlines()
        found = [json.loads(line) for line in out if line.startswith("{")]
        return {(r["key"],): float(r["area_m2"]) for r in found}

    plain = rows()
    assert plain and analyses.same(plain, rows("--dask")) == []


def test_each_worker_reads_through_a_database_of_its_own(
    pair_database: Database, scheduler: str
) -> None:
    """The workers' engines come from the worker plugin, one Database per worker, never
    the caller's (nor a process-wide one)."""
    from distributed import Client

    analyses_dask.run(pair_database, "area-by-use", scheduler)

    def mine(dask_worker: Any) -> tuple[int, int]:
        database = dask_worker.plugins[analyses_dask.PLUGIN].database
        return id(database), database.made

    with Client(scheduler, set_as_default=False) as client:
        seen = client.run(mine)
    assert len(seen) == 2 and len({ident for ident, _ in seen.values()}) == 2
    assert id(pair_database) not in {ident for ident, _ in seen.values()}
    assert sum(made for _, made in seen.values()) >= 1  # the partitions were read there
