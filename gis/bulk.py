"""Fast bulk writes into PostGIS with COPY, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.copy_binary import HEADER, TRAILER
from gis.geo import transformer


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows into ``table`` through the session's connection; returns the row count.

    Geometry values must be hex EWKB strings; ``None`` becomes NULL. Table and
    column names come from code, never from user input.
    """
    raw = session.connection().connection.driver_connection
    assert raw is not None, "the session has no open DBAPI connection"
    count = 0
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # names from code only
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def copy_binary(session: Session, table: str, columns: Sequence[str], data: bytes) -> None:
    """COPY rows in PostgreSQL's binary format (:func:`gis.copy_binary.rows`, without header
    and trailer) into ``table``; names from code."""
    raw = session.connection().connection.driver_connection
    assert raw is not None, "the session has no open DBAPI connection"
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as copy,
    ):
        copy.write(HEADER)
        copy.write(data)
        copy.write(TRAILER)


@dataclass
class Suspended:
    """What :func:`suspend_upkeep` took off a table, to put back."""

    table: str
    indexes: list[str] = field(default_factory=list)  # CREATE INDEX statements
    foreign_keys: list[tuple[str, str]] = field(default_factory=list)  # name, definition
    triggers: list[str] = field(default_factory=list)


def suspend_upkeep(session: Session, table: str) -> Suspended:
    """Prepare ``table`` for a load much larger than itself, in the caller's transaction.

    Locks the table (ACCESS EXCLUSIVE: readers wait until the transaction ends), drops its
    secondary indexes (not the primary key or constraint indexes) and its foreign keys, and
    disables its tile-change insert trigger. :func:`restore_upkeep` rebuilds them in one
    pass each, much faster than maintaining them row by row; a rollback restores them as
    they were. The caller must check what the foreign keys would have checked.
    """
    session.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
    found = Suspended(table)
    for name, ddl in session.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:t AS regclass) "
            "AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname"
        ),
        {"t": table},
    ):
        session.execute(text(f'DROP INDEX "{name}"'))
        # a partitioned table's index reads "ON ONLY parent": rebuilt on every partition
        found.indexes.append(ddl.replace(" ON ONLY ", " ON ", 1))
    for name, ddl in session.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
        ),
        {"t": table},
    ):
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        found.foreign_keys.append((name, ddl))
    trigger = f"{table}_tile_ins"
    if session.execute(
        text("SELECT 1 FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND tgname = :n"),
        {"t": table, "n": trigger},
    ).first():
        session.execute(text(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"'))
        found.triggers.append(trigger)
    return found


def restore_upkeep(session: Session, found: Suspended) -> None:
    """Rebuild what :func:`suspend_upkeep` took off; a tracked table logs one change of the
    whole table, so every cached tile of it is redrawn."""
    for ddl in found.indexes:
        session.execute(text(ddl))
    for name, ddl in found.foreign_keys:
        session.execute(text(f'ALTER TABLE {found.table} ADD CONSTRAINT "{name}" {ddl}'))
    for trigger in found.triggers:
        session.execute(text(f'ALTER TABLE {found.table} ENABLE TRIGGER "{trigger}"'))
        session.execute(
            text("INSERT INTO tile_change (table_name) VALUES (:t)"), {"t": found.table}
        )


def ewkb_hex(geoms: np.ndarray, srid: int) -> np.ndarray:
    """Hex EWKB (with SRID) of an array of shapely geometries."""
    return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)


def reproject_rings(rings: Sequence[np.ndarray], src: int, dst: int) -> list[np.ndarray]:
    """Reproject many (k, 2) coordinate arrays with one vectorised call, x/y order."""
    if not rings:
        return []
    sizes = [len(r) for r in rings]
    stacked = np.concatenate(rings)
    x, y = transformer(src, dst).transform(stacked[:, 0], stacked[:, 1])
    out = np.column_stack([x, y])
    return np.split(out, np.cumsum(sizes)[:-1])


def polygons_from_rings(rings: Sequence[np.ndarray]) -> np.ndarray:
    """Shapely polygons from many closed (k, 2) rings of different lengths, vectorised."""
    sizes = np.array([len(r) for r in rings])
    indices = np.repeat(np.arange(len(rings)), sizes)
    return shapely.polygons(shapely.linearrings(np.concatenate(rings), indices=indices))
