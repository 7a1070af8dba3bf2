"""Bulk import of parcels into the register, validated before it is committed.

A reading thread (:mod:`pipeline`) reads the file in Arrow chunks and applies the row
checks of :mod:`chunks` (geometry, codes, duplicates, land use) one chunk ahead of the
main thread, which COPYs each chunk into the database. Two ways to write:

- **bulk** (a file at least as large as the register, :data:`BULK_MIN_ROWS` rows or more,
  or ``bulk=True``): the register is locked for the import, its secondary indexes,
  foreign keys and tile trigger are suspended (:func:`gis.bulk.suspend_upkeep`), rows go
  straight into ``parcel`` and the indexes are rebuilt once at the end, while the overlaps
  within the file are found in memory beside it; codes and overlaps against the register
  are checked in SQL (:mod:`bulkload`). Readers of the register wait until it commits.
- **staged** (otherwise): rows go into a temporary staging table; while nothing is
  rejected (all-or-nothing) each chunk is checked against the register (overlaps in SQL,
  codes by ``ON CONFLICT`` in a savepoint) and published at once, so the server's index
  work overlaps the reading; overlaps within the file are found in memory at the end.

Any rejected row then refuses the whole file by raising (all-or-nothing, the default),
and the caller's rollback removes what was written; ``valid_only`` leaves the rejected
rows out. Everything runs in the caller's transaction, so Ctrl-C or a kill leaves the
register as it was.
"""

from __future__ import annotations

import csv
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.exchange import bulkload, staging
from cadastre.exchange.chunks import PARCEL_COLUMNS, Checked, Reject, prepare, settle
from cadastre.exchange.overlaps import THREADS, overlapping_pairs_in_strips
from cadastre.exchange.pipeline import Background, mapped_ahead, prefetched
from cadastre.exchange.validate import resolve_mapping
from gis.bulk import copy_binary, restore_upkeep, suspend_upkeep
from gis.db import estimated_rows
from gis.errors import InvalidInput
from gis.exchange.read import Batch, VectorSource, iter_batches, locate_dataset, open_source
from gis.settings import get_settings


class Progress(Protocol):
    """Told the rows read of the rows expected, and each new stage (Chinese and English)."""

    def __call__(self, done: int, total: int, stage: str | None = None) -> None: ...


STAGES = {
    "read": "读取并校验 reading and checking rows",
    "register": "与登记簿比对 checking against the register",
    "indexes": "重建索引 rebuilding the register's indexes",
    "in_file": "检查文件内重叠 checking overlaps within the file",
}
BULK_MIN_ROWS = 50_000  # below this a bulk load's index rebuild costs more than it saves
WORKERS = 2  # threads preparing chunks (geometry work releases the GIL)


@dataclass
class ImportOptions:
    srid: int | None = None
    mapping: dict[str, str] | None = None
    valid_only: bool = False
    chunk: int = 25_000  # rows read ahead while the previous chunk is written
    bulk: bool | None = None  # None: bulk when the file is large next to the register


@dataclass
class ImportResult:
    read: int = 0
    imported: int = 0
    rejected: int = 0
    rejected_file: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # per phase, for benchmarks
    bulk: bool = False


class ImportRefused(InvalidInput):
    """Rows were rejected in all-or-nothing mode: nothing was imported."""


# (rows read so far, the chunk's passing rows and their COPY rows)
Chunks = Iterator[tuple[int, tuple[Checked, bytes] | None]]


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
    subzones = staging.subzone_codes(session)
    seen: set[str] = set()  # these three are written by the reading thread only
    rejects: list[Reject] = []
    kept = _Kept(float(get_settings().overlap_tolerance_m2))

    bulk = _bulk(session, source, options)
    row_numbers = not bulk  # the staging table keeps each row's number in the file

    def batches() -> Iterator[tuple[Batch, dict[str, str], int]]:
        read = 0
        for batch in iter_batches(source, options.chunk):
            yield batch, resolve_mapping(batch.attributes.schema.names, options.mapping), read
            read += len(batch)

    def chunks() -> Chunks:
        for prep in mapped_ahead(batches(), lambda b: prepare(*b, row_numbers), WORKERS):
            settled = settle(prep, seen, subzones, rejects, row_numbers)
            if settled is not None:
                kept.add(settled[0])
            yield prep.offset + len(prep.codes), settled

    result = ImportResult(bulk=bulk)
    load = _load_bulk if result.bulk else _load_staged
    with _collector_paused():
        load(session, source, chunks(), rejects, kept, result, options, progress)
    _finish(session, result, rejects, options, workdir)
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the import runs: every shapely geometry it makes
    is a tracked object, and the collector's passes over them took a tenth of the CPU.
    Nothing the import makes is cyclic garbage; reference counting frees it as before."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _bulk(session: Session, source: VectorSource, options: ImportOptions) -> bool:
    if options.bulk is not None:
        return options.bulk
    registered = max(estimated_rows(session, "parcel"), 0.0)  # summed over zone partitions
    return source.count >= max(BULK_MIN_ROWS, registered)


def _load_bulk(  # type: ignore[no-untyped-def]
    session, source, chunks: Chunks, rejects, kept, result, options, progress
) -> None:
    """COPY into ``parcel`` with its upkeep suspended; checks; rebuild; rejected rows out."""
    started = time.perf_counter()
    stage = _stage_teller(progress, source.count)
    stage("read")
    upkeep = suspend_upkeep(session, "parcel")
    mark = bulkload.watermark(session)
    copying = 0.0
    for read, settled in prefetched(chunks):
        if settled is not None:
            began = time.perf_counter()
            copy_binary(session, "parcel", PARCEL_COLUMNS, settled[1])
            copying += time.perf_counter() - began
            result.imported += len(settled[0])
        result.read = read
        if progress:
            progress(read, source.count)
    result.seconds["read_check_copy"] = round(time.perf_counter() - started, 2)
    result.seconds["copy"] = round(copying, 2)  # of which the server's COPY
    # GEOS beside the server's index builds, on one thread: a second would only take the
    # core the server builds on (two cores; the strips end before the indexes do)
    in_file = Background(lambda: kept.overlaps(threads=1))
    stage("register", result.read)
    sql = bulkload.code_rejects(session, mark, kept.row_of, result.seconds)
    if sql and not options.valid_only:
        # refused: the spatial indexes alone (the unique ones would fail) let the report
        # name the overlaps with the register too; the rollback restores everything
        for ddl in upkeep.indexes:
            if " USING gist " in ddl:
                session.execute(text(ddl))
        rejects.extend(sql)
        rejects.extend(bulkload.overlap_rejects(session, mark, kept.row_of, result.seconds))
        rejects.extend(in_file.result())
        return
    result.imported -= bulkload.drop_new(session, mark, [r[1] for r in sql])
    started = time.perf_counter()
    stage("indexes", result.read)
    restore_upkeep(session, upkeep)
    result.seconds["indexes"] = round(time.perf_counter() - started, 2)
    stage("register", result.read)
    sql += bulkload.overlap_rejects(session, mark, kept.row_of, result.seconds)
    started = time.perf_counter()
    rejects.extend(sql)
    stage("in_file", result.read)
    rejects.extend(in_file.result())
    result.seconds["overlaps_file_wait"] = round(time.perf_counter() - started, 2)
    if rejects and options.valid_only:
        result.imported -= bulkload.drop_new(session, mark, sorted({r[1] for r in rejects}))


def _load_staged(  # type: ignore[no-untyped-def]
    session, source, chunks: Chunks, rejects, kept, result, options, progress
) -> None:
    """COPY into a staging table; publish chunk by chunk while nothing is rejected."""
    stage = _stage_teller(progress, source.count)
    stage("read")
    staging.create(session)
    sql: list[Reject] = []
    checked_upto = published = 0  # rows up to here passed the register checks / are published
    early = not options.valid_only  # publish chunk by chunk while nothing is rejected
    started = time.perf_counter()
    for read, settled in prefetched(chunks):
        if settled is not None:
            copy_binary(session, staging.TABLE, staging.COLUMNS, settled[1])
        early = early and not rejects and not sql
        if early:
            # all-or-nothing and clean so far: publish this chunk while the next is read; a
            # later refusal raises, and the caller's rollback takes the rows out again
            if not checked_upto:
                staging.analyze(session)
            sql += staging.overlap_rejects(session, result.seconds, checked_upto, published)
            checked_upto = read
            count = len(settled[0]) if settled is not None else 0
            early = not sql and _publish_chunk(session, published, count, result)
            published = read if early else published
        result.read = read
        if progress:
            progress(read, source.count)
    result.seconds["read_check_copy"] = round(time.perf_counter() - started, 2)
    in_file = Background(kept.overlaps)  # GEOS, beside the server's work
    stage("register", result.read)
    staging.analyze(session)
    sql += staging.overlap_rejects(session, result.seconds, checked_upto, published)
    sql += staging.code_rejects(session, result.seconds, published)
    rejects.extend(sql)
    started = time.perf_counter()
    if not rejects and not options.valid_only:
        result.imported += staging.publish(session, published)
    stage("in_file", result.read)
    rejects.extend(in_file.result())
    if rejects and options.valid_only:
        staging.drop_rows(session, sorted({r[0] for r in rejects}))
    if options.valid_only:
        result.imported = staging.publish(session)
    result.seconds["publish"] = round(time.perf_counter() - started, 2)


def _stage_teller(progress: Progress | None, total: int) -> Callable[..., None]:
    def tell(key: str, done: int = 0) -> None:
        if progress:
            progress(done, total, STAGES[key])

    return tell


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
    """Row numbers, unit codes, WKB and bounds (EPSG:4490) of the rows that passed, for the
    overlap check within the file once it is read (WKB, not geometry objects: several times
    smaller).

    The check waits for the end of the file on purpose: on two cores, checking each chunk
    while the file is read took the CPU the server's COPY needed (the 1M-parcel read phase
    8.0 s against 6.9 s), while the index rebuild that follows leaves one core free.
    """

    tol_m2: float
    rows: list[np.ndarray] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    wkb: list[np.ndarray] = field(default_factory=list)
    bounds: list[np.ndarray] = field(default_factory=list)
    _row_of: dict[str, int] | None = None

    def add(self, checked: Checked) -> None:
        self.rows.append(checked.rows)
        self.codes.extend(checked.codes)
        self.wkb.append(checked.wkb)
        self.bounds.append(checked.bounds)

    def row_of(self, code: str) -> int:
        """The row number of a passing row by its unit code (unique among them)."""
        if self._row_of is None:
            rows = np.concatenate(self.rows).tolist() if self.rows else []
            self._row_of = dict(zip(self.codes, rows, strict=True))
        return self._row_of[code]

    def overlaps(self, threads: int = THREADS) -> list[Reject]:
        if not self.wkb:
            return []
        rows = np.concatenate(self.rows)
        a, b = overlapping_pairs_in_strips(
            np.concatenate(self.wkb), np.concatenate(self.bounds), self.tol_m2, threads=threads
        )
        out: list[Reject] = []
        for i, j in zip(a.tolist(), b.tolist(), strict=True):
            ra, rb, ca, cb = int(rows[i]), int(rows[j]), self.codes[i], self.codes[j]
            out.append((ra, ca, f"overlaps row {rb} ({cb}) of the file"))
            out.append((rb, cb, f"overlaps row {ra} ({ca}) of the file"))
        return out


def _finish(
    session: Session,
    result: ImportResult,
    rejects: list[Reject],
    options: ImportOptions,
    workdir: Path,
) -> None:
    """Count and file the rejected rows; refuse the file in all-or-nothing mode."""
    result.rejected = len({r[0] for r in rejects})
    for _, _, reason in rejects:
        key = reason.split(":")[0].split(" row ")[0][:60]
        result.reasons[key] = result.reasons.get(key, 0) + 1
    if not rejects:
        return
    result.rejected_file = str(_write_rejects(rejects, workdir / "rejected_rows.csv"))
    if not options.valid_only:
        raise ImportRefused(
            f"{result.rejected} of {result.read} rows rejected, nothing imported "
            f"(first: row {min(rejects)[0]}: {min(rejects)[2]})",
            field="file",
            rejected=result.rejected,
            reasons=result.reasons,
        )


def _write_rejects(rejects: list[Reject], dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["row", "unit_code", "reason"])
        w.writerows(sorted(rejects))
    return dest
