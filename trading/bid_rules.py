"""The rules an open bid must pass, written once: each rule is a small expression that
both evaluates in Python (to say why a bid was refused) and compiles to SQL (the
``WHERE`` of ``repository.DECIDE_BID_SQL``, the statement that decides and records a bid
in one round trip). Neither side has a copy of its own to drift from the other.

A rule reads named facts: the listing (``method``, ``status``, ``start_price``,
``increment``, ``current_price``, ``bid_start``, ``deadline``), the caller's registration
(``registration_id``, ``deposit_status``, ``wants_onsite``), the database clock ``now``
and the bid's ``amount`` (Decimal yuan). SQL's three-valued logic is kept: a comparison
with NULL is unknown (None), and a rule holds only when it is true.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trading.errors import BiddingNotOpen, BidTooLow, DepositUnpaid, NotRegistered
from trading.money import fmt
from trading.rules import minimum_bid

Facts = Mapping[str, Any]


class Expr:
    """A node of a rule: ``evaluate`` on facts, ``sql`` with each fact's SQL spelling."""

    def evaluate(self, facts: Facts) -> Any:
        raise NotImplementedError

    def sql(self, columns: Mapping[str, str]) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Fact(Expr):
    name: str

    def evaluate(self, facts: Facts) -> Any:
        return facts[self.name]

    def sql(self, columns: Mapping[str, str]) -> str:
        return columns[self.name]


@dataclass(frozen=True)
class Text(Expr):
    """A constant word of the code (never user input): quoted as an SQL literal."""

    value: str

    def evaluate(self, facts: Facts) -> Any:
        return self.value

    def sql(self, columns: Mapping[str, str]) -> str:
        return "'" + self.value.replace("'", "''") + "'"


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True)
class Compare(Expr):
    left: Expr
    op: str
    right: Expr

    def evaluate(self, facts: Facts) -> bool | None:
        a, b = self.left.evaluate(facts), self.right.evaluate(facts)
        return None if a is None or b is None else _COMPARE[self.op](a, b)

    def sql(self, columns: Mapping[str, str]) -> str:
        return f"{self.left.sql(columns)} {self.op} {self.right.sql(columns)}"


@dataclass(frozen=True)
class IsSet(Expr):
    """``x IS NOT NULL``."""

    part: Expr

    def evaluate(self, facts: Facts) -> bool:
        return self.part.evaluate(facts) is not None

    def sql(self, columns: Mapping[str, str]) -> str:
        return f"{self.part.sql(columns)} IS NOT NULL"


@dataclass(frozen=True)
class AllOf(Expr):
    """SQL ``AND``: false if any part is false, else unknown if any is unknown."""

    parts: tuple[Expr, ...]

    def evaluate(self, facts: Facts) -> bool | None:
        values = [p.evaluate(facts) for p in self.parts]
        if any(v is False for v in values):
            return False
        return None if any(v is None for v in values) else True

    def sql(self, columns: Mapping[str, str]) -> str:
        return "(" + " AND ".join(p.sql(columns) for p in self.parts) + ")"


@dataclass(frozen=True)
class AnyOf(Expr):
    """SQL ``OR``: true if any part is true, else unknown if any is unknown."""

    parts: tuple[Expr, ...]

    def evaluate(self, facts: Facts) -> bool | None:
        values = [p.evaluate(facts) for p in self.parts]
        if any(v is True for v in values):
            return True
        return None if any(v is None for v in values) else False

    def sql(self, columns: Mapping[str, str]) -> str:
        return "(" + " OR ".join(p.sql(columns) for p in self.parts) + ")"


@dataclass(frozen=True)
class Plus(Expr):
    left: Expr
    right: Expr

    def evaluate(self, facts: Facts) -> Any:
        a, b = self.left.evaluate(facts), self.right.evaluate(facts)
        return None if a is None or b is None else a + b

    def sql(self, columns: Mapping[str, str]) -> str:
        return f"({self.left.sql(columns)} + {self.right.sql(columns)})"


@dataclass(frozen=True)
class FirstSet(Expr):
    """SQL ``coalesce``."""

    parts: tuple[Expr, ...]

    def evaluate(self, facts: Facts) -> Any:
        return next((v for v in (p.evaluate(facts) for p in self.parts) if v is not None), None)

    def sql(self, columns: Mapping[str, str]) -> str:
        return "coalesce(" + ", ".join(p.sql(columns) for p in self.parts) + ")"


@dataclass(frozen=True)
class Rule:
    """One condition of an accepted bid and the refusal that names it when it fails."""

    name: str
    holds: Expr
    refusal: Callable[[Facts], Exception]

    def check(self, facts: Facts) -> None:
        if self.holds.evaluate(facts) is not True:
            raise self.refusal(facts)


def _closed(f: Facts) -> Exception:
    if f["status"] == "onsite":
        return BiddingNotOpen(
            "only bidders who asked for the on-site auction bid in it", field="registration"
        )
    return BiddingNotOpen("bidding is closed", field="listing_id")


def _too_low(f: Facts) -> Exception:
    least = fmt(minimum_bid(f["current_price"], f["start_price"], f["increment"]))
    return BidTooLow(f"the lowest acceptable bid is {least} yuan", field="amount", minimum=least)


REGISTERED = Rule(
    "registered",
    IsSet(Fact("registration_id")),
    lambda f: NotRegistered("register for this listing first", field="registration"),
)
DEPOSIT_PAID = Rule(
    "deposit_paid",
    Compare(Fact("deposit_status"), "=", Text("paid")),
    lambda f: DepositUnpaid("pay the deposit before bidding", field="deposit"),
)
OPEN_METHOD = Rule(  # a tender takes sealed bids (bidding._sealed_bid), never this path
    "open_method",
    Compare(Fact("method"), "<>", Text("tender")),
    lambda f: BiddingNotOpen("a tender takes sealed bids only", field="listing_id"),
)
BIDDING_STATUS = Rule(  # published, or an on-site auction for those who asked for it
    "bidding_status",
    AnyOf(
        (
            Compare(Fact("status"), "=", Text("published")),
            AllOf((Compare(Fact("status"), "=", Text("onsite")), Fact("wants_onsite"))),
        )
    ),
    _closed,
)
OPENED = Rule(
    "opened",
    Compare(Fact("bid_start"), "<=", Fact("now")),
    lambda f: BiddingNotOpen(f"bidding opens at {f['bid_start'].isoformat()}", field="listing_id"),
)
BEFORE_DEADLINE = Rule(
    "before_deadline",
    Compare(Fact("now"), "<", Fact("deadline")),
    lambda f: BiddingNotOpen("bidding is closed: the deadline has passed", field="listing_id"),
)
HIGH_ENOUGH = Rule(  # the start price first, then the current price plus one increment
    "high_enough",
    Compare(
        Fact("amount"),
        ">=",
        FirstSet((Plus(Fact("current_price"), Fact("increment")), Fact("start_price"))),
    ),
    _too_low,
)

BIDDER = (REGISTERED, DEPOSIT_PAID)  # who may bid at all (tenders too)
WINDOW = (BIDDING_STATUS, OPENED, BEFORE_DEADLINE)  # when (tenders too)
LISTING = (OPEN_METHOD, *WINDOW, HIGH_ENOUGH)  # what the listing's state decides
OPEN_BID = (*BIDDER, *LISTING)  # an open bid, in reporting order (the SQL's WHERE too)


def check(rules: Sequence[Rule], facts: Facts) -> None:
    """Raise the refusal of the first rule that does not hold (the reporting order)."""
    for rule in rules:
        rule.check(facts)


def broken(rules: Sequence[Rule], facts: Facts) -> str | None:
    """The name of the first rule that does not hold, or None when a bid passes them all."""
    return next((r.name for r in rules if r.holds.evaluate(facts) is not True), None)


def sql_condition(rules: Sequence[Rule], columns: Mapping[str, str]) -> str:
    """The rules as one SQL condition; ``columns`` spells each fact (``l.status``,
    ``clock_timestamp()``, ``%(amount)s``): only code, never user input."""
    return "\n     AND ".join(r.holds.sql(columns) for r in rules)
