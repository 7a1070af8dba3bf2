"""What a tile carries: the features meeting it (grown by FEATURE_MARGIN MVT units, not by
the whole clip buffer), and a text id once (not again as ``fid`` when it is a property)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.collections import Collection
from gis.tiles.matrix import BUFFER, EXTENT, TMS, TileAddress
from gis.tiles.repository import FEATURE_MARGIN, render
from gis.tiles.tilesets import Tileset
from tests.gis.tiles.mvt import decode

TILE = TileAddress(14, 13360, 7115)  # any tile: the features are planted in a temp table


def _table(db: Session) -> str:
    """A temporary table of squares placed east of TILE's edge, ``off`` MVT units away."""
    name = f"tile_contents_{uuid.uuid4().hex[:8]}"
    db.execute(
        text(
            f"CREATE TEMP TABLE {name} (id integer PRIMARY KEY, code text NOT NULL, "
            "label text NOT NULL, off integer NOT NULL, geom geometry(Polygon, 4490) NOT NULL)"
        )
    )
    # squares of 4 units, their west side ``off`` units beyond the tile's east edge
    # (negative: inside the tile)
    offsets = [-20, FEATURE_MARGIN // 2, FEATURE_MARGIN + 8, (FEATURE_MARGIN + BUFFER) // 2]
    for i, off in enumerate(offsets, start=1):
        db.execute(
            text(
                f"INSERT INTO {name} SELECT :i, 'C' || :i, 'L' || :i, :off, ST_Transform("
                "ST_MakeEnvelope(ST_XMax(e) + :off * u, ST_YMin(e) + 2000 * u, "
                "ST_XMax(e) + (:off + 4) * u, ST_YMin(e) + 2004 * u, 3857), 4490) "
                "FROM (SELECT e, (ST_XMax(e) - ST_XMin(e)) / :extent AS u "
                "FROM (SELECT ST_TileEnvelope(:z, :x, :y) e) s) s"
            ),
            {"i": i, "off": off, "extent": EXTENT, "z": TILE.z, "x": TILE.x, "y": TILE.y},
        )
    return name


def _layer(db: Session, c: Collection) -> list[dict[str, Any]]:
    tile = render(db, Tileset(id=c.id, title=c.id, layers=(c,)), TILE)
    layers = decode(tile.data)
    return layers[c.id].features if c.id in layers else []


def test_only_features_within_the_margin_are_carried(db: Session) -> None:
    """A feature meeting the tile or within FEATURE_MARGIN of it is in the tile; one lying
    only further out in the clip buffer (never drawn: tiles are clipped to their square)
    is not, though the whole buffer (BUFFER units) would reach it."""
    table = _table(db)
    c = Collection(id=table, title="t", description="t", table=table, properties={"code": "string"})
    got = {f["id"] for f in _layer(db, c)}
    assert got == {1, 2}  # inside the tile and within the margin; not the two beyond it
    assert FEATURE_MARGIN < FEATURE_MARGIN + 8 < BUFFER  # 3 and 4 would be in a 64-unit grow


def test_a_text_id_that_is_a_property_is_sent_once(db: Session) -> None:
    """The id column ``code`` is published: it is not added again as a ``fid`` property."""
    table = _table(db)
    props = {"code": "string", "label": "string"}
    c = Collection(
        id=table, title="t", description="t", table=table, properties=props, id_column="code"
    )
    feats = _layer(db, c)
    assert feats
    assert all(set(f["properties"]) == {"code", "label"} for f in feats)
    assert {f["properties"]["code"] for f in feats} == {"C1", "C2"}


def test_a_text_id_that_is_not_a_property_is_kept_as_fid(db: Session) -> None:
    """An unpublished text id still reaches the client, as the ``fid`` property."""
    table = _table(db)
    c = Collection(
        id=table,
        title="t",
        description="t",
        table=table,
        properties={"label": "string"},
        id_column="code",
    )
    feats = _layer(db, c)
    assert {f["properties"]["fid"] for f in feats} == {"C1", "C2"}
    assert all(f["id"] is None for f in feats)


def test_the_one_pass_and_the_exact_forms_draw_the_same_tiles(db: Session) -> None:
    """The statement's one-pass form (an aggregate over each layer's candidates) gives the
    exact two-pass form's bytes and counts for every tile no layer is cut in: zones, roads
    and parcels (an integer id, a text id, lines), simplified (z12) and not (z14, z15)."""
    from cadastre.collections import PARCELS as PUBLIC_PARCELS
    from gis.tiles.repository import statement
    from tests.gis.tiles.conftest import PARCELS, ROADS, ZONES

    layers = (ZONES, ROADS, PARCELS, PUBLIC_PARCELS)  # the last: partitions pruned by keys
    tileset = Tileset(id="t", title="t", layers=layers)
    w, s, e, n = db.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
            "(SELECT ST_Extent(geom) b FROM parcel WHERE end_lifespan IS NULL) q"
        )
    ).one()
    drawn = 0
    for t in TMS.tiles(w, s, e, n, [12, 14, 15]):
        tile = TileAddress(t.z, t.x, t.y)
        rows = []
        for exact in (False, True):
            sql, params = statement(db, tileset, tile, layers, exact=exact)
            rows.append(db.execute(text(sql), params).one()._mapping)
        one, two = rows
        for i in range(len(layers)):
            assert bytes(one[f"mvt{i}"] or b"") == bytes(two[f"mvt{i}"] or b""), (tile, i)
            assert list(one[f"n{i}"]) == list(two[f"n{i}"]), (tile, i)
            drawn += one[f"n{i}"][0] > 0
    assert drawn >= 20  # most tiles of the district hold features of several layers
