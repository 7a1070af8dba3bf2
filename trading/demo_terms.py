"""The demo market's plan and prices (pure, deterministic): which listings in which state,
and plausible terms for a parcel of a given use and area.

Prices follow Dongguan's order of magnitude: housing and commerce are priced by floor area
(楼面价, yuan per m² of floor at the maximum floor-area ratio), industry by land area; start
prices are round 10万元 (100,000 yuan) steps, the deposit is 20 % of the start price, the
increment about 1 %, the reserve about 5 % above the start price.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10000)
STEP = Decimal(100000)  # start prices and reserves are whole 10万元
NICE_INCREMENTS = [Decimal(x) * WAN for x in (1, 2, 5, 10, 20, 50, 100)]
# first-level use -> (FAR max choices, yuan per m² choices, priced per floor area?, term years)
USE_TERMS: dict[str, tuple[tuple[str, ...], tuple[int, ...], bool, int]] = {
    "07": (("2.5", "2.8", "3.0", "3.2"), (9000, 11000, 12500, 14000, 16000), True, 70),
    "05": (("2.5", "3.0", "3.5", "4.0"), (4500, 5500, 6500, 8000), True, 40),
    "06": (("2.0", "2.5", "3.0", "3.5"), (900, 1100, 1300, 1500), False, 50),
}


@dataclass(frozen=True)
class Plan:
    """One demo listing: the state it must show, its method, when bidding opens (relative
    to now), how long it runs, and how many bidders register."""

    state: str  # upcoming | open | awaiting_close | onsite | closed | sold | no_sale
    method: str  # listing | auction | tender
    opens: timedelta
    runs: timedelta
    bidders: int = 2
    open_bids: int = 0  # bids placed now, through the bidding service (open listings only)


D, H = timedelta(days=1), timedelta(hours=1)
PLANS: list[Plan] = [
    Plan("upcoming", "listing", 20 * D, 10 * D, 0),
    Plan("upcoming", "auction", 9 * D, 2 * H, 0),
    Plan("upcoming", "listing", 4 * D, 11 * D, 0),
    Plan("open", "listing", -2 * D, 10 * D, 2, open_bids=2),
    Plan("open", "listing", -6 * D, 12 * D, 3, open_bids=5),
    Plan("open", "listing", -1 * D, 11 * D, 0),
    Plan("open", "auction", -1 * H, 2 * D, 3, open_bids=3),
    Plan("awaiting_close", "listing", -11 * D, 10 * D, 3),
    Plan("awaiting_close", "listing", -12 * D, 10 * D, 0),
    Plan("onsite", "listing", -11 * D, 11 * D - timedelta(minutes=1), 3),
    Plan("closed", "auction", -4 * D, 3 * H, 3),
    Plan("closed", "listing", -15 * D, 10 * D, 1),
    Plan("sold", "listing", -40 * D, 10 * D, 3),
    Plan("sold", "auction", -75 * D, 3 * H, 4),
    Plan("sold", "listing", -130 * D, 10 * D, 2),
    Plan("no_sale", "listing", -165 * D, 10 * D, 1),
    Plan("sold", "auction", -200 * D, 2 * H, 3),
    Plan("sold", "tender", -250 * D, 5 * D, 3),
    Plan("sold", "listing", -290 * D, 10 * D, 2),
    Plan("sold", "auction", -340 * D, 3 * H, 4),
    Plan("sold", "listing", -420 * D, 10 * D, 3),
    Plan("sold", "auction", -500 * D, 2 * H, 3),
    Plan("sold", "listing", -590 * D, 10 * D, 2),
    Plan("sold", "auction", -680 * D, 3 * H, 4),
]


def _round(value: Decimal, step: Decimal) -> Decimal:
    return max(step, (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def prices(rng: random.Random, land_use: str, area_m2: Decimal) -> dict[str, str]:
    """FAR, term and money terms (yuan strings) for a parcel of ``land_use`` and ``area_m2``."""
    fars, unit_prices, per_floor, term = USE_TERMS[land_use[:2]]
    far_max = Decimal(rng.choice(fars))
    basis = area_m2 * far_max if per_floor else area_m2
    start = _round(basis * rng.choice(unit_prices), STEP)
    increment = max(x for x in NICE_INCREMENTS if x <= max(NICE_INCREMENTS[0], start / 100))
    return {
        "far_min": "1.0",
        "far_max": str(far_max),
        "term_years": str(term),
        "start_price": f"{start:.2f}",
        "increment": f"{increment:.2f}",
        "deposit": f"{_round(start / 5, WAN):.2f}",
        "reserve_price": f"{_round(start * Decimal('1.05'), STEP):.2f}",
    }


def bid_amounts(
    rng: random.Random, start: Decimal, increment: Decimal, reserve: Decimal, sell: bool
) -> list[Decimal]:
    """Rising open bids from the start price, in steps of 1-5 increments; when ``sell`` the
    last one reaches the reserve (and some premium), else it stays below it."""
    target = reserve + increment * rng.randint(0, 25) if sell else reserve - increment
    amounts = [start]
    while amounts[-1] < target:
        amounts.append(amounts[-1] + increment * rng.choice((1, 1, 2, 3, 5)))
    if not sell:
        amounts = [a for a in amounts if a < reserve] or [start]
    return amounts
