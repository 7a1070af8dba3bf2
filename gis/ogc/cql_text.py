"""The CQL2 text parser: pygeofilter's grammar, plus the standard form of temporal operators.

pygeofilter 0.4 reads temporal operators only as infix (``bid_start T_BEFORE TIMESTAMP(..)``)
and intervals only between two timestamps. CQL2 writes them as functions,
``T_BEFORE(bid_start, TIMESTAMP('2026-01-01T00:00:00Z'))``, with intervals of dates,
timestamps or open ends (``INTERVAL('2026-01-01', '..')``). Both forms are read here; every
other rule and the resulting AST are pygeofilter's own.

pygeofilter reads ``T_INTERSECTS`` as :class:`pygeofilter.ast.TimeOverlaps`; ``T_OVERLAPS``
becomes :class:`ProperOverlaps` here so that the two stay apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from lark import Lark, v_args
from pygeofilter import ast, values
from pygeofilter.cql2 import TEMPORAL_PREDICATES_MAP
from pygeofilter.parsers.cql2_text import parser as pgf_parser


@dataclass
class ProperOverlaps(ast.TemporalPredicate):
    """CQL2 ``T_OVERLAPS`` (pygeofilter gives it the class of ``T_INTERSECTS``)."""

    op: ClassVar[ast.TemporalComparisonOp] = ast.TemporalComparisonOp.TOVERLAPS


TEMPORAL = {**TEMPORAL_PREDICATES_MAP, "t_overlaps": ProperOverlaps}

_OP = "_binary_temporal_predicate_func"  # pygeofilter's rule of the T_ operator names
STANDARD_TEMPORAL = f"""
%override ?temporal_predicate: {_OP} "(" expression "," expression ")" -> temporal_function
    | expression {_OP} expression -> binary_temporal_predicate
%override ?interval: "INTERVAL"i "(" interval_end "," interval_end ")"
?interval_end: "'" DATETIME "'" | "'" DATE "'" | "'..'" -> open_end
"""


@v_args(inline=True)
class _Transformer(pgf_parser.CQLTransformer):  # type: ignore[misc]
    def temporal_function(self, op: Any, lhs: Any, rhs: Any) -> ast.Node:
        return TEMPORAL[str(op).lower()](lhs, rhs)

    def binary_temporal_predicate(self, lhs: Any, op: Any, rhs: Any) -> ast.Node:
        return TEMPORAL[str(op).lower()](lhs, rhs)

    def open_end(self) -> None:
        return None

    def interval(self, start: Any, end: Any) -> values.Interval:
        return values.Interval(start, end)


_GRAMMAR = Path(pgf_parser.__file__).with_name("grammar.lark").read_text(encoding="utf-8")
_PARSER = Lark(
    _GRAMMAR + STANDARD_TEMPORAL,
    parser="lalr",
    maybe_placeholders=False,
    transformer=_Transformer(),
    import_paths=[os.path.dirname(os.path.dirname(pgf_parser.__file__))],
)


def parse(text: str) -> ast.Node:
    """The pygeofilter AST of a CQL2 text filter (lark errors propagate)."""
    node: ast.Node = _PARSER.parse(text)
    return node
