"""The field sync page ``/maps/field`` (in the one navigation bar): sign in, the latest
check-ins (applied, conflicts, refused), and a check-in's report page (zh/en, conflicts
drawn with both versions) shown beside the list.

The page holds no data itself: it signs in with the OAuth2 token endpoint, keeps the token
in sessionStorage and calls the field API with it, so the API's role checks are the only
ones (staff see every package's check-ins, a surveyor or inspector their own)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from gis.web.nav import NavEntry
from gis.web.templating import render_template

pages = APIRouter(prefix="/maps/field", tags=["maps"], include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
NAV_ENTRIES = [NavEntry("/maps/field", "外业同步", "field sync", 65)]


@pages.get("", response_class=HTMLResponse)
def field_page() -> HTMLResponse:
    """The field sync page (everything but the page itself comes from the API)."""
    return HTMLResponse(render_template("field_syncs.html", TEMPLATES, nav_current="/maps/field"))
