"""Bulk import of parcels into the register, validated before it is committed.

A reading thread (:mod:`pipeline`) reads the file in chunks and applies the row checks
of :mod:`validate` (geometry, codes, duplicates, land use) one chunk ahead; the main
thread COPYs each chunk into a temporary staging table. All-or-nothing (default): while
nothing is rejected, each chunk is checked against the register (overlaps in SQL; codes
by ``ON CONFLICT`` in a savepoint) and published at once, so the server's index work
overlaps the reading. Once the file is read, overlaps within the file are found in
memory (:mod:`overlaps`) while the last checks run; any rejected row then refuses the
whole file by raising, and the caller's rollback removes what was published.
``valid_only``: everything is checked first and the rejected rows are left out.
Everything runs in the caller's transaction, so Ctrl-C or a kill leaves the register as
it was.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy.orm import Session

from cadastre.exchange import staging
from cadastre.exchange.overlaps import areas_m2, overlapping_pairs
from cadastre.exchange.pipeline import Background, prefetched
from cadastre.exchange.validate import (
    as_multipolygons,
    code_problem,
    geometries_ok,
    geometry_problem,
    land_use_problem,
    parcel_number,
    resolve_mapping,
    text_value,
)
from gis.bulk import copy_rows
from gis.errors import InvalidInput
from gis.exchange.read import iter_frames, locate_dataset, open_source
from gis.settings import get_settings

Progress = Callable[[int, int], None]  # (rows read, rows expected)


@dataclass
class ImportOptions:
    srid: int | None = None
    mapping: dict[str, str] | None = None
    valid_only: bool = False
    chunk: int = 25_000  # rows read ahead while the previous chunk is written


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    rejected_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, for benchmarks


class ImportRefused(InvalidInput):
    """Rows were rejected in all-or-nothing mode: nothing was imported."""


def import_parcels(
    session: Session,
    path: Path,
    workdir: Path,
    options: ImportOptions,
    max_bytes: int,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate and import a parcel file; does not commit. Rejected rows go to a CSV file."""
    source = open_source(locate_dataset(path, workdir / "src", max_bytes), options.srid)
    staging.create(session)
    subzones = staging.subzone_codes(session)
    seen: set[str] = set()  # these three are written by the reading thread only
    rejects: list[tuple[int, str, str]] = []
    kept = _Kept()
    result = ImportResult()
    sql: list[tuple[int, str, str]] = []
    checked = published = 0  # rows up to here passed the register checks / are in the register
    early = not options.valid_only  # publish chunk by chunk while nothing is rejected
    started = time.perf_counter()

    def chunks() -> Iterator[tuple[int, list[tuple]]]:  # type: ignore[type-arg]
        read = 0
        for frame in iter_frames(source, options.chunk):
            names = [str(c) for c in frame.columns if c != "geometry"]
            cols = resolve_mapping(names, options.mapping)
            rows = _check_chunk(frame, cols, read, seen, subzones, rejects, kept)
            read += len(frame)
            yield read, rows

    for read, rows in prefetched(chunks()):
        copy_rows(session, staging.TABLE, staging.COLUMNS, rows)
        early = early and not rejects and not sql
        if early:
            # all-or-nothing and clean so far: publish this chunk while the next is read; a
            # later refusal raises, and the caller's rollback takes the rows out again
            if not checked:
                staging.analyze(session)
            sql += staging.overlap_rejects(session, result.seconds, checked, published)
            checked = read
            early = not sql and _publish_chunk(session, published, len(rows), result)
            published = read if early else published
        result.read = read
        if progress:
            progress(result.read, source.count)
    result.seconds["read_check_copy"] = round(time.perf_counter() - started, 2)
    tol = float(get_settings().overlap_tolerance_m2)
    in_file = Background(lambda: kept.overlaps(tol))  # GEOS, beside the server's work
    staging.analyze(session)
    sql += staging.overlap_rejects(session, result.seconds, checked, published)
    sql += staging.code_rejects(session, result.seconds, published)
    rejects.extend(sql)
    started = time.perf_counter()
    rest = not rejects and not options.valid_only
    if rest:
        result.imported += staging.publish(session, published)
    rejects.extend(in_file.result())
    _finish(session, result, rejects, options, workdir, published=rest)
    result.seconds["publish"] = round(time.perf_counter() - started, 2)
    return result


class _CodeTaken(Exception):
    """A row of the chunk has a unit code already in the register."""


def _publish_chunk(session: Session, after: int, count: int, result: ImportResult) -> bool:
    """Publish the staged rows after ``after`` unless one's unit code is registered (then
    nothing of the chunk stays, and the final checks name the row)."""
    try:
        with session.begin_nested():
            if staging.publish(session, after, skip_taken=True) < count:
                raise _CodeTaken
    except _CodeTaken:
        return False
    result.imported += count
    return True


@dataclass
class _Kept:
    """Row numbers, unit codes and geometries (EPSG:4490) of the rows that passed, for the
    in-file overlap check once the whole file is read."""

    rows: list[np.ndarray] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    geoms: list[np.ndarray] = field(default_factory=list)

    def overlaps(self, tol_m2: float) -> list[tuple[int, str, str]]:
        if not self.geoms:
            return []
        rows = np.concatenate(self.rows)
        a, b = overlapping_pairs(np.concatenate(self.geoms), tol_m2)
        out: list[tuple[int, str, str]] = []
        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            ra, rb, ca, cb = int(rows[i]), int(rows[j]), self.codes[i], self.codes[j]
            out.append((ra, ca, f"overlaps row {rb} ({cb}) of the file"))
            out.append((rb, cb, f"overlaps row {ra} ({ca}) of the file"))
        return out


def _check_chunk(frame, cols, offset, seen, subzones, rejects, kept) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Rows of one chunk that pass the row checks, ready for COPY; rejects appended."""
    codes = [text_value(v) for v in frame[cols["unit_code"]].tolist()]
    uses = [text_value(v) for v in frame[cols["land_use"]].tolist()]
    blocks = (
        [text_value(v) or None for v in frame[cols["block_code"]].tolist()]
        if "block_code" in cols
        else None
    )
    geoms = np.asarray(frame.geometry.values.to_numpy(), dtype=object)
    geom_ok = geometries_ok(geoms)  # vectorised; the slow explanation only for failures
    good: list[int] = []
    for i, (code, use) in enumerate(zip(codes, uses, strict=True)):
        reason = (
            (None if geom_ok[i] else geometry_problem(geoms[i]))
            or code_problem(code, seen, subzones)
            or land_use_problem(use)
        )
        if reason:
            rejects.append((offset + i + 1, code, reason))
        else:
            seen.update((code, parcel_number(code)))
            good.append(i)
    if not good:
        return []
    multi = as_multipolygons(np.asarray(geoms[good], dtype=object))
    kept.rows.append(np.asarray(good) + offset + 1)
    kept.codes.extend(codes[i] for i in good)
    kept.geoms.append(multi)
    areas = areas_m2(multi)
    # plain WKB: the staging columns' type modifier gives it SRID 4490
    refs = shapely.to_wkb(shapely.point_on_surface(multi), hex=True)
    geom_hex = shapely.to_wkb(multi, hex=True)
    return [
        (offset + i + 1, codes[i], codes[i][:19], codes[i][:12], blocks[i] if blocks else None,
         uses[i], f"{areas[k]:.2f}", refs[k], geom_hex[k])
        for k, i in enumerate(good)
    ]  # fmt: skip


def _finish(
    session: Session,
    result: ImportResult,
    rejects: list[tuple[int, str, str]],
    options: ImportOptions,
    workdir: Path,
    published: bool = False,
) -> ImportResult:
    """Refuse the file or drop the rejected rows, then publish (unless ``published``)."""
    result.rejected = len({r[0] for r in rejects})
    for _, _, reason in rejects:
        key = reason.split(":")[0].split(" row ")[0][:60]
        result.reasons[key] = result.reasons.get(key, 0) + 1
    if rejects:
        result.rejected_file = str(_write_rejects(rejects, workdir / "rejected_rows.csv"))
        if not options.valid_only:
            raise ImportRefused(
                f"{result.rejected} of {result.read} rows rejected, nothing imported "
                f"(first: row {rejects[0][0]}: {rejects[0][2]})",
                field="file",
                rejected=result.rejected,
                reasons=result.reasons,
            )
        staging.drop_rows(session, sorted({r[0] for r in rejects}))
    if not published:
        result.imported = staging.publish(session)
    return result


def _write_rejects(rejects: list[tuple[int, str, str]], dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["row", "unit_code", "reason"])
        w.writerows(sorted(rejects))
    return dest
