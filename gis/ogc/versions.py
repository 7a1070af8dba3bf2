"""Versions of the features of a versioned collection (``Collection.lifespan``): every
version of one feature, one version by number, and the features it came from and became.

The vocabulary follows the draft "Versioned Features" proposal for OGC API Features
(ogcapi-features PR #1036) where it fits: ``version-history`` from a feature to its list
of versions, ``latest-version``, ``predecessor-version`` and ``successor-version``.
Where a feature was split or merged, its successors and predecessors are *other*
features (other unit codes), a case the proposal does not describe; the same relations
are used for them. The lineage SQL comes from the collection's domain
(``extra["predecessors_sql"]`` / ``extra["successors_sql"]``: SELECT the ids, bound
parameter ``:fid``), so gis knows no domain table.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.collections import Collection
from gis.ogc.crs import OutputCrs
from gis.ogc.repository import feature_sql, id_type


def _id_condition(session: Session, c: Collection) -> str:
    return f't."{c.id_column}" = CAST(:fid AS {id_type(session, c)})'


def all_versions(session: Session, c: Collection, crs: OutputCrs, fid: str) -> list[str]:
    """Every version's Feature JSON text, oldest first (empty: no such feature ever)."""
    assert c.lifespan is not None
    order = f't."{c.lifespan[0]}"'
    if c.version_column:
        order += f', t."{c.version_column}"'
    sql = (
        f'SELECT {feature_sql(c, crs)} FROM "{c.table}" t '
        f"WHERE {_id_condition(session, c)} ORDER BY {order}"
    )
    return [str(row[0]) for row in session.execute(text(sql), {"fid": fid})]


def one_version(
    session: Session, c: Collection, crs: OutputCrs, fid: str, version: int
) -> str | None:
    """One version's Feature JSON text, or None."""
    if c.version_column is None:
        return None
    sql = (
        f'SELECT {feature_sql(c, crs)} FROM "{c.table}" t WHERE {_id_condition(session, c)} '
        f'AND t."{c.version_column}" = :v'
    )
    return session.execute(text(sql), {"fid": fid, "v": version}).scalar()


def version_numbers(session: Session, c: Collection, fid: str) -> list[int]:
    """The version numbers of one feature, oldest first."""
    if c.version_column is None:
        return []
    sql = (
        f'SELECT t."{c.version_column}" FROM "{c.table}" t '
        f"WHERE {_id_condition(session, c)} ORDER BY 1"
    )
    return [int(v) for v in session.execute(text(sql), {"fid": fid}).scalars()]


def related(session: Session, c: Collection, fid: str, kind: str) -> list[str]:
    """Ids of the features this one came from (``predecessors``) or became (``successors``)."""
    sql = c.extra.get(f"{kind}_sql")
    if not sql:
        return []
    return [str(v) for v in session.execute(text(sql), {"fid": fid}).scalars()]
