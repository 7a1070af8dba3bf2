"""GET /health: database reachable, PostGIS version, migration revisions."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gis.db import get_session

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: Session = Depends(get_session)) -> JSONResponse:
    """Report whether the service can do its work; 503 when the database is not usable."""
    try:
        postgis = session.execute(text("SELECT postgis_lib_version()")).scalar_one()
        revisions = sorted(
            session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "detail": reason}, status_code=503
        )
    return JSONResponse(
        {"status": "ok", "database": "ok", "postgis": postgis, "migrations": revisions}
    )
