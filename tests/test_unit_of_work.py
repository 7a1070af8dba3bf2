"""The unit of work (house style 3): no module commits or rolls back by itself.

Services and repositories flush; routers, CLI commands, job runners, background loops
and the demo open ``gis.db.transaction(session)``, which alone commits (the outermost
block) or releases a savepoint (an inner one). This test reads the source of every
module of the four packages and fails on a ``.commit()`` or ``.rollback()`` call outside
the few entry points that own a connection of their own, so a service that starts
committing again is caught here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from gis.settings import REPO_ROOT

PACKAGES = ["gis", "cadastre", "trading", "landgis"]
# entry points with a transaction of their own, each for a stated reason
ALLOWED = {
    "gis/db.py": "the transaction helper itself",
    "gis/cluster_access.py": "a raw psycopg admin connection (roles, ownership)",
    "cadastre/exchange/cli.py": "the import command: commits the import it ran",
    "cadastre/exchange/jobs.py": "the job runner: the job's work transaction",
    "landgis/setup.py": "the set-up script loading the demo district",
    # read-only: end a transaction a read began (nothing was written to roll back)
    "gis/auth/identity.py": "the per-request user lookup ends the read it began",
    "gis/ogc/api.py": "a read refused by PostGIS leaves an aborted read transaction",
}


def _calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(REPO_ROOT)}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_no_module_commits_outside_the_transaction_helper() -> None:
    modules = [
        p
        for package in PACKAGES
        for p in sorted((REPO_ROOT / package).rglob("*.py"))
        if "migrations" not in p.parts and str(p.relative_to(REPO_ROOT)) not in ALLOWED
    ]
    assert len(modules) > 200  # every package was read
    found = [call for path in modules for call in _calls(path)]
    assert found == []
