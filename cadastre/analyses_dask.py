"""The planners' analyses (:mod:`cadastre.analyses`) on a Dask cluster with dask-geopandas.

With ``LANDGIS_DASK_SCHEDULER`` (or ``--dask``) the register is read from the read
replica (``LANDGIS_DATABASE_READ_URL`` or the running local standby; else the primary)
one partition per cadastral subzone (parts of a district), each loaded by a worker, and the geometry
work (projection to EPSG:4547, areas, the intersections with the plan's zones) runs in
the workers; the plan's zones (small) are read once and shipped to every partition.
Nothing here writes. The caller's :class:`gis.db.Database` reads on the client; each
worker reads through its own, made and disposed by :class:`DatabasePlugin` (a worker
plugin the run registers), never through a process-wide engine.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from distributed.diagnostics.plugin import WorkerPlugin

from cadastre.analyses import CLASS, CURRENT, DISTRICT, FARMLAND, PROJECTED, Result
from gis.db import Database

SRID = 4490
PARTS_SQL = f"SELECT DISTINCT p.subzone_code FROM parcel p WHERE {CURRENT} ORDER BY 1"
PARCELS_SQL = (
    f"SELECT p.id, {DISTRICT} AS district, {CLASS} AS class, p.geom FROM parcel p "
    f"WHERE {CURRENT} AND p.subzone_code = %(subzone)s"
)
ZONES_SQL = (
    "SELECT z.layer, z.code, z.geom FROM plan_zone z "
    "WHERE z.edition_id = (SELECT id FROM plan_edition WHERE in_force)"
)
PLUGIN = "landgis-database"


class DatabasePlugin(WorkerPlugin):  # type: ignore[misc]
    """A dask worker plugin: the worker's own :class:`Database` (its few connections),
    made when the worker takes the plugin and disposed when the worker closes or the plugin
    is replaced; tasks reach it with :func:`worker_database`."""

    name = PLUGIN

    def __init__(self) -> None:
        self.database: Database | None = None

    def setup(self, worker: Any) -> None:
        self.database = Database()  # the worker's settings (LANDGIS_ in its environment)

    def teardown(self, worker: Any) -> None:
        if self.database is not None:
            self.database.dispose()
            self.database = None


def worker_database() -> Database:
    """The database of the dask worker running the current task (:class:`DatabasePlugin`)."""
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN]
    assert isinstance(plugin, DatabasePlugin) and plugin.database is not None
    return plugin.database


def source_url(database: Database) -> str:
    """Where the workers read: the replica if there is one, else the primary."""
    from gis import replica

    return replica.read_url(database) or database.settings.sqlalchemy_url()


def _read(database: Database, url: str, sql: str, params: dict[str, Any] | None = None) -> Any:
    import geopandas as gpd

    with database.engine_for(url, "small").connect() as conn:
        return gpd.read_postgis(sql, conn, geom_col="geom", params=params, crs=SRID)


def load_subzone(url: str, subzone: str) -> Any:
    """One partition: a cadastral subzone's current parcels (a worker runs this)."""
    return _read(worker_database(), url, PARCELS_SQL, {"subzone": subzone})


def _area(frame: Any) -> pd.DataFrame:
    projected = frame.to_crs(PROJECTED)
    out = pd.DataFrame({"district": frame["district"], "class": frame["class"]})
    out["area"] = projected.geometry.area.to_numpy()
    return out.groupby(["district", "class"], as_index=False)["area"].sum()


def _overlay(frame: Any, zones: Any) -> pd.DataFrame:
    import geopandas as gpd

    cols = ["district", "class", "code", "area"]
    if frame.empty or zones.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "area" else str) for c in cols})
    pairs = gpd.sjoin(frame, zones, predicate="intersects", how="inner")
    import numpy as np
    import shapely

    right = np.asarray(zones.geometry)[pairs["index_right"].to_numpy()]
    cut = shapely.intersection(np.asarray(pairs.geometry), right)
    out = pd.DataFrame({"district": pairs["district"], "class": pairs["class"]})
    out["code"] = pairs["code"].to_numpy()
    out["area"] = gpd.GeoSeries(cut, crs=SRID).to_crs(PROJECTED).area.to_numpy()
    return out.groupby(["district", "class", "code"], as_index=False)["area"].sum()


def _farmland(frame: Any, boundary: Any) -> pd.DataFrame:
    import geopandas as gpd

    farm = frame[frame["class"] == FARMLAND]
    cols = {"district": pd.Series(dtype=str), "area": pd.Series(dtype=float)}
    if farm.empty or boundary is None:
        return pd.DataFrame(cols)
    inside = farm[farm.geometry.intersects(boundary)]
    out = pd.DataFrame({"district": inside["district"]})
    cut = inside.geometry.intersection(boundary)
    out["area"] = gpd.GeoSeries(cut, crs=SRID).to_crs(PROJECTED).area.to_numpy()
    return out.groupby("district", as_index=False)["area"].sum()


def _parcels(database: Database, url: str) -> Any:
    """The register as a dask-geopandas frame, one partition per cadastral subzone (a
    district's parts; the answers are summed per district at the end)."""
    import dask
    import dask.dataframe as dd
    import dask_geopandas
    import geopandas as gpd

    with database.engine_for(url, "small").connect() as conn:
        subzones = [r[0] for r in conn.exec_driver_sql(PARTS_SQL)]
    meta = gpd.GeoDataFrame(
        {
            "id": pd.Series(dtype="int64"),
            "district": pd.Series(dtype=str),
            "class": pd.Series(dtype=str),
        },
        geometry=gpd.GeoSeries([], crs=SRID),
    ).rename_geometry("geom")
    parts = [dask.delayed(load_subzone)(url, z) for z in subzones]
    return dask_geopandas.from_dask_dataframe(dd.from_delayed(parts, meta=meta))


def run(database: Database, name: str, scheduler: str) -> Result:
    """One analysis on the Dask cluster at ``scheduler``: {(district, ...): area m²}; the
    client reads through ``database``, each worker through its own (DatabasePlugin)."""
    from distributed import Client

    url = source_url(database)
    with Client(scheduler, set_as_default=False) as client:
        client.register_plugin(DatabasePlugin(), name=PLUGIN)
        parcels = _parcels(database, url)
        if name == "area-by-use":
            frame = parcels.map_partitions(_area, meta=_meta("district", "class"))
        else:
            zones = _read(database, url, ZONES_SQL)
            if name == "overlay":
                zoning = zones[zones["layer"] == "zoning"].reset_index(drop=True)
                frame = parcels.map_partitions(
                    _overlay, zoning, meta=_meta("district", "class", "code")
                )
            elif name == "farmland-in-boundary":
                dev = zones[zones["layer"] == "development_boundary"]
                boundary = dev.geometry.union_all() if len(dev) else None
                frame = parcels.map_partitions(_farmland, boundary, meta=_meta("district"))
            else:
                raise KeyError(name)
        done = client.compute(frame).result()
    keys = [c for c in done.columns if c != "area"]
    summed = done.groupby(keys)["area"].sum()
    return {
        (k if isinstance(k, tuple) else (k,)): float(v)  # type: ignore[misc]
        for k, v in summed.items()
    }


def _meta(*keys: str) -> pd.DataFrame:
    cols = {k: pd.Series(dtype=str) for k in keys}
    cols["area"] = pd.Series(dtype=float)
    return pd.DataFrame(cols)
