"""Money: exact Decimal amounts of USD, as price files write them and as costs add up.

Money is `Decimal` throughout, never float: a price is USD per 1M tokens, a cost is
`tokens * price / 1_000_000`, computed exactly in a context of its own (`EXACT`, never the
caller's, whose default keeps 28 significant digits and rounds the rest away silently), and it is
printed exactly.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from llm_cost_core._text import shorten

# A price written as text is a JSON number without its sign: ASCII digits, an optional fraction
# and exponent. Decimal() reads more (`1_000`, `+5`, ` 5`, `.5`, digits of any script), none
# of which a price file should mean.
_PRICE_TEXT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Bounds on a price written out as a plain decimal, as tables print it: `1e999999999` is a valid
# JSON number that has a billion digits once written out. No real price comes near either bound.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 30

# Products and sums of bounded prices and any token count, without rounding: with this precision
# they are exact, and Inexact is trapped so that a rounding could never pass silently.
EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)


def parse_money(value: Any) -> Decimal:
    """An amount of USD (a price, a budget) as an exact Decimal, exactly as written; floats go
    through their shortest repr, so 0.15 is 0.15. Text must be a JSON number; an amount is 0 or
    more, with no sign (not even on -0), and bounded (MAX_INTEGER_DIGITS, MAX_DECIMAL_PLACES)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"a price must be a number, not {type(value).__name__}")
    if isinstance(value, str | float):
        text = value if isinstance(value, str) else repr(value)
        if not _PRICE_TEXT.fullmatch(text.removeprefix("-")):
            raise ValueError(
                f"{shorten(text)!r} is not a number written as JSON writes one (such as 0.075 or "
                "7.5e-2)"
            )
        try:
            price = Decimal(text)
        except decimal.InvalidOperation:  # an exponent beyond what Decimal can hold
            raise ValueError(
                f"{shorten(text)} is out of range: a price has at most {MAX_INTEGER_DIGITS} digits "
                f"before the decimal point and {MAX_DECIMAL_PLACES} after it"
            ) from None
    else:
        price = Decimal(value)
    if not price.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    shown = value if isinstance(value, str) else str(price)
    if len(shown) > 40:  # a message stays one short line, whatever the price file holds
        shown = format(price, ".6E")
    if price.is_signed():
        if price:
            raise ValueError(f"{shown} is negative")
        raise ValueError(f"{shown} has a minus sign; a price is written without one")
    _, digits, exponent = price.as_tuple()
    assert isinstance(exponent, int)  # finite
    if price and len(digits) + exponent > MAX_INTEGER_DIGITS:
        raise ValueError(
            f"{shown} is too large: a price has at most {MAX_INTEGER_DIGITS} digits before the "
            "decimal point"
        )
    if -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(
            f"{shown} has too many decimal places: a price has at most {MAX_DECIMAL_PLACES}"
        )
    return price


def optional_money(value: Any) -> Decimal | None:
    return None if value is None else parse_money(value)


def json_number(text: str) -> Decimal | str:
    """A JSON number as a Decimal; one beyond Decimal's range stays text, for `parse_money` to
    refuse with a message (json.loads would otherwise raise decimal.InvalidOperation)."""
    try:
        return Decimal(text)
    except decimal.InvalidOperation:
        return text


def per_million(tokens: int, usd_per_million: Decimal) -> Decimal:
    """`tokens` at `usd_per_million`, exactly: an exact product, then scaleb moves the decimal
    point; both in EXACT, so no digit is rounded away however many there are."""
    return EXACT.scaleb(EXACT.multiply(Decimal(tokens), usd_per_million), -6)


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of `amounts` with no digit rounded away (`sum` would round to 28 digits)."""
    total = Decimal(0)
    for amount in amounts:
        total = EXACT.add(total, amount)
    return total


def usd(amount: Decimal) -> str:
    """Every digit of `amount` and no more: 0.0000025, 12.5, 0 (never 2.5E-6)."""
    text = format(amount.normalize(EXACT), "f")
    return "0" if text in ("-0", "0") else text


def per_token_as_per_million(per_token: Decimal) -> Decimal:
    """A price per token as one per 1M tokens, exactly: the decimal point moved six places."""
    return parse_money(EXACT.scaleb(per_token, 6))
