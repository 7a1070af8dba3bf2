"""Jinja2 pages (autoescape on): each package keeps its templates in its own ``templates/``
folder and may extend the shared layouts of ``gis/web/templates`` (``vectormap.html``) and
include the shared top bar (``bar.html``) or just the navigation (``nav.html``): the
global ``navigation()`` gives every template the registered entries (:mod:`gis.web.nav`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from gis.web import nav

SHARED = Path(__file__).parent / "templates"


@cache
def environment(folder: str | None = None) -> Environment:
    """The template environment of a package's ``templates`` folder (``None``: only the
    shared ones); the package's own templates win over the shared ones of the same name."""
    loaders = [FileSystemLoader(folder)] if folder else []
    env = Environment(
        loader=ChoiceLoader([*loaders, FileSystemLoader(SHARED)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    add_navigation(env)
    env.filters["count"] = count
    return env


def count(n: int) -> str:
    """A count with thousands separators, as both languages write it: 5,000,000."""
    return f"{n:,}"


def add_navigation(env: Environment) -> Environment:
    """Give a template environment the ``navigation()`` global used by ``nav.html`` (for a
    package that builds its own environment; it must also load ``SHARED``)."""
    env.globals["navigation"] = nav.entries
    return env


def render_template(name: str, folder: Path | None = None, **context: object) -> str:
    """Render template ``name`` from ``folder`` (a package's templates folder) or the shared."""
    return environment(str(folder) if folder else None).get_template(name).render(**context)
