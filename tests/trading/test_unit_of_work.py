"""The unit of work in trading and planning: no module commits or rolls back by itself.

Services and repositories flush; routers, CLI commands, the closer loop and the demo
open ``gis.db.transaction(session)``, which alone commits. This test reads the source
of every module of ``trading`` and ``gis.planning`` and fails on a ``.commit()`` or
``.rollback()`` call, so a service that starts committing again is caught here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import gis.planning
import trading

PACKAGES = [Path(trading.__file__).parent, Path(gis.planning.__file__).parent]


def _calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.name}:{node.lineno} .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_no_module_commits_outside_the_transaction_helper() -> None:
    modules = [p for package in PACKAGES for p in sorted(package.glob("*.py"))]
    assert len(modules) > 30  # both packages were read
    found = [call for path in modules for call in _calls(path)]
    assert found == []
