"""All SQL of surveys. Never commits."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from gis.bulk import copy_rows
from gis.survey.models import Survey, SurveyPoint

POINT_COLUMNS = [
    "survey_id",
    "seq",
    "kind",
    "name",
    "track_seq",
    "elevation_m",
    "observed_at",
    "fix_quality",
    "satellites",
    "hdop",
    "pdop",
    "precision_m",
    "precision_source",
    "declared_class",
    "accuracy_class",
    "flag",
    "geom",  # EWKT, which the geometry type's input function reads
]


def add_survey(session: Session, survey: Survey, points: list[SurveyPoint], tracks: list) -> int:
    """Insert a survey with its points and tracks; returns its id (flushed, not committed)."""
    session.add(survey)
    session.flush()
    for t in tracks:
        t.survey_id = survey.id
    session.add_all(tracks)
    session.flush()
    rows = ((survey.id, *(getattr(p, c) for c in POINT_COLUMNS[1:])) for p in points)
    copy_rows(session, "survey_point", POINT_COLUMNS, rows)  # COPY: long GNSS logs stay fast
    return int(survey.id)


def list_surveys(session: Session, limit: int, offset: int) -> tuple[int, list[Survey]]:
    """Total count and one page of surveys, newest first."""
    total = session.execute(text("SELECT count(*) FROM survey")).scalar_one()
    rows = session.scalars(
        select(Survey).order_by(Survey.id.desc()).limit(limit).offset(offset)
    ).all()
    return int(total), list(rows)


def get_survey(session: Session, survey_id: int) -> Survey | None:
    return session.get(Survey, survey_id)


def survey_points(session: Session, survey_id: int, kind: str | None = None) -> list[dict]:
    """Points of a survey in order, with lon/lat (EPSG:4490)."""
    rows = session.execute(
        text(
            "SELECT seq, kind, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, elevation_m, "
            "observed_at, fix_quality, satellites, hdop, pdop, precision_m, precision_source, "
            "declared_class, accuracy_class, flag, track_seq FROM survey_point "
            "WHERE survey_id = :sid AND (CAST(:kind AS text) IS NULL OR kind = :kind) ORDER BY seq"
        ),
        {"sid": survey_id, "kind": kind},
    ).mappings()
    return [dict(r) for r in rows]


def survey_tracks_geojson(session: Session, survey_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT seq, kind, name, ST_AsGeoJSON(geom, 8) AS g FROM survey_track "
            "WHERE survey_id = :sid ORDER BY seq"
        ),
        {"sid": survey_id},
    )
    return [{"seq": s, "kind": k, "name": n, "geometry": json.loads(g)} for s, k, n, g in rows]


def boundary_wkb(session: Session, survey_id: int) -> bytes | None:
    value = session.execute(
        text("SELECT ST_AsBinary(boundary) FROM survey WHERE id = :sid"), {"sid": survey_id}
    ).scalar_one_or_none()
    return bytes(value) if value is not None else None
