"""Ports instead of SQL across packages (issue 17, house style 14): gis defines the small
interfaces it needs (``gis.survey.ports.ParcelLookup``, the collections registry) and the
composition root wires cadastre's and trading's implementations; gis never names a table
of theirs in SQL. This test reads every string in gis/ (Python literals and .sql files)
and fails on a statement that reads or writes a cadastre or trading table, so a column
rename in cadastre breaks a type check there, not a gis page at run time.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import landgis.models  # noqa: F401 - imports every domain's tables
from gis.db import Base
from gis.settings import REPO_ROOT

DOMAINS = ("cadastre.", "trading.")
SQL = re.compile(r"\b(?:SELECT|UPDATE|INSERT|DELETE|WITH)\b")  # the house writes SQL in capitals


def domain_tables() -> set[str]:
    """Names of the tables mapped by cadastre and trading models."""
    names = set()
    for mapper in Base.registry.mappers:
        if mapper.class_.__module__.startswith(DOMAINS):
            names.update(t.name for t in mapper.tables)
    return names


def sql_pattern(tables: set[str]) -> re.Pattern[str]:
    names = "|".join(sorted(map(re.escape, tables), key=len, reverse=True))
    return re.compile(
        rf"\b(?:FROM|JOIN|UPDATE|INTO|TABLE|USING)\s+(?:ONLY\s+)?(?:public\.)?\"?({names})\b\"?"
        r"(?!\s*\()",  # not a function call like FROM parcel_overview(...)
        re.IGNORECASE,
    )


def strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal of a module, or the whole of a .sql file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".sql":
        return [(1, text)]
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def offending(root: Path, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.sql")]):
        for line, value in strings(path):
            if not SQL.search(value):
                continue  # prose ("read from parcel records") is not a query
            for match in pattern.finditer(value):
                found.append(f"{path.relative_to(root)}:{line} {match.group(0)!r}")
    return found


def test_domain_tables_are_known() -> None:
    tables = domain_tables()
    assert {"parcel", "rrr", "party", "reg_case", "trading_listing", "trading_bid"} <= tables


def test_gis_names_no_cadastre_or_trading_table_in_sql() -> None:
    found = offending(REPO_ROOT / "gis", sql_pattern(domain_tables()))
    assert not found, "gis queries a domain's table (use a port):\n" + "\n".join(found)


def test_the_check_finds_a_planted_query(tmp_path: Path) -> None:
    """The rule can fail: queries planted in a module and a .sql file are found."""
    (tmp_path / "m.py").write_text('Q = "SELECT p.geom FROM parcel p WHERE p.id = :id"\n')
    (tmp_path / "q.sql").write_text('UPDATE "trading_listing" SET status = :s;\n')
    (tmp_path / "ok.py").write_text(
        'Q = "SELECT * FROM parcel_overview(:z)"\nNOTE = "read from parcel records"\n'
    )
    pattern = sql_pattern(domain_tables())
    found = [f.split(":", 1)[0] for f in offending(tmp_path, pattern)]
    assert found == ["m.py", "q.sql"], found
