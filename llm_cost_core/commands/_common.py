"""What the cost commands share: the --prices option, model lookup, exact JSON money."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

from ..errors import UnknownEncodingError, UnknownModelError
from ..prices import PRICES_ENV, PriceEntry, PriceTable, encoding_for_model, price_table, usd


def prices_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--prices FILE: a user's price table on top of the plugins' (env LLM_COST_PRICES)."""
    return click.option(
        "--prices",
        "prices_file",
        metavar="FILE",
        help="A JSON price table, in the built-in table's format, whose prices add to and "
        f"replace the built-in ones (env {PRICES_ENV}).",
    )(func)


def load_table(prices_file: str | None) -> PriceTable:
    return price_table(prices_file)


def resolve_model(model: str, table: PriceTable) -> tuple[Any, PriceEntry | None]:
    """The Encoding `model` uses and its price (None when unpriced), or a one-line usage error."""
    try:
        encoding = encoding_for_model(model, table)
    except (UnknownEncodingError, UnknownModelError) as exc:
        raise click.UsageError(str(exc)) from None
    return encoding, table.lookup(model)


def price_label(model: str, entry: PriceEntry) -> str:
    """`gpt-4o`, or `gpt-4o-2024-08-06 (priced as gpt-4o)` for a snapshot priced like its model."""
    if entry.price.model == model:
        return model
    return f"{model} (priced as {entry.price.model})"


def as_of(entry: PriceEntry) -> str:
    return entry.price.as_of.isoformat() if entry.price.as_of else "an unknown date"


def dumps(value: Any, indent: int | None = None, _level: int = 0) -> str:
    """JSON text in which a Decimal is a number written exactly (json.dumps cannot do that)."""
    if isinstance(value, Decimal):
        return usd(value)
    if isinstance(value, dict | list | tuple) and value:
        if isinstance(value, dict):
            items = [
                f"{json.dumps(str(k))}: {dumps(v, indent, _level + 1)}" for k, v in value.items()
            ]
            opening, closing = "{", "}"
        else:
            items = [dumps(v, indent, _level + 1) for v in value]
            opening, closing = "[", "]"
        if indent is None:
            return opening + ", ".join(items) + closing
        inside = "\n" + " " * (indent * (_level + 1))
        return (
            opening + inside + ("," + inside).join(items) + "\n" + " " * (indent * _level) + closing
        )
    return json.dumps(value)


def money(amount: Decimal | None) -> str:
    """A price for a table: exactly as written (2.50 stays 2.50), `-` when unknown."""
    return "-" if amount is None else format(amount, "f")
