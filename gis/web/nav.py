"""The one navigation bar of every page (Chinese first, English second).

gis knows no domain's pages, so the entries are registered by the composition root
(``landgis.navigation``) when the app is made; every page template shows them with
``{% include "nav.html" %}`` (the shared ``gis/web/templates``), and Python-built pages
(folium) get the same HTML from :func:`nav_html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup


@dataclass(frozen=True)
class NavEntry:
    """One link of the bar: ``href`` on this server, its Chinese and English label, and
    ``order`` (smaller first; equal orders keep the registration order)."""

    href: str
    zh: str
    en: str
    order: int = 100


_ENTRIES: dict[str, NavEntry] = {}


def register(entries: list[NavEntry]) -> None:
    """Add (or replace, by ``href``) entries of the bar; called by the composition root."""
    for entry in entries:
        _ENTRIES[entry.href] = entry


def clear() -> None:
    """Forget every entry (tests; an app that registers afresh)."""
    _ENTRIES.clear()


def entries() -> list[NavEntry]:
    """The bar's entries in display order."""
    return sorted(_ENTRIES.values(), key=lambda e: e.order)


def nav_context(current: str | None = None) -> dict[str, Any]:
    """The template context of the bar: its entries and the href of the page shown (marked
    ``aria-current``); pass it to a template that includes ``nav.html``."""
    return {"nav_entries": entries(), "nav_current": current}


def bar_html(title: str, current: str | None = None, extra: str = "") -> str:
    """The whole top bar (home link, page title, the navigation) as HTML, for pages built
    in Python such as folium's; ``extra`` is trusted HTML shown after the title."""
    from gis.web.templating import render_template  # templating imports this module

    return render_template(
        "bar.html", None, title=title, extra=Markup(extra), **nav_context(current)
    )
