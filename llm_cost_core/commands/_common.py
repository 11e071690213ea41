"""What the cost commands share: the --prices option, model lookup, exact JSON money."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

from ..errors import UnknownEncodingError, UnknownModelError
from ..prices import (
    MAX_PRICE_AGE_ENV,
    PRICES_ENV,
    STANDARD,
    TIERS,
    ModelPrice,
    PriceEntry,
    PricesError,
    PriceTable,
    encoding_for_model,
    max_price_age,
    price_table,
    stale_price_warning,
    today,
    usd,
)


def prices_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--prices FILE: a user's price table on top of the plugins' (env LLM_COST_PRICES)."""
    return click.option(
        "--prices",
        "prices_file",
        metavar="FILE",
        help="A JSON price table (the built-in table's format, or LiteLLM's "
        "model_prices_and_context_window.json) whose prices add to and replace the built-in "
        f"ones (env {PRICES_ENV}).",
    )(func)


def tier_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--tier: which of OpenAI's processing tiers to price at."""
    return click.option(
        "--tier",
        type=click.Choice(TIERS),
        default=STANDARD,
        metavar="TIER",
        help="The processing tier to price at: standard (the list price), batch (the Batch "
        "API), flex or priority.  [default: standard]",
    )(func)


def price_age_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--max-price-age DAYS and --ignore-price-age: the warning about old prices."""
    func = click.option(
        "--ignore-price-age", is_flag=True, help="No warning about the prices' age."
    )(func)
    return click.option(
        "--max-price-age",
        type=click.IntRange(min=0),
        metavar="DAYS",
        help="Warn when the prices used are older than DAYS (default 180, env "
        f"{MAX_PRICE_AGE_ENV}).",
    )(func)


def warn_if_stale(prices: list[ModelPrice], max_age: int | None, ignore: bool) -> None:
    """One warning on stderr when the oldest of the prices used is too old to trust blindly."""
    if ignore or not prices:
        return
    try:
        limit = max_price_age() if max_age is None else max_age
        message = stale_price_warning(prices, limit, today())
    except PricesError as exc:
        raise click.UsageError(str(exc)) from None
    if message:
        import warnings

        warnings.warn(message, stacklevel=1)


def priced_at(model: str, table: PriceTable, tier: str) -> PriceEntry | None:
    """`model`'s price at `tier`; None when it has no price at all; a usage error when it has
    prices but none at that tier (rather than silently using another tier's)."""
    entry = table.lookup(model, tier)
    if entry is None and tier != STANDARD:
        has = table.tiers_of(model)
        if has:
            raise click.UsageError(
                f"no {tier} price for model {model!r} (it has: {', '.join(has)})"
            )
    return entry


def load_table(prices_file: str | None) -> PriceTable:
    return price_table(prices_file)


def resolve_model(
    model: str, table: PriceTable, tier: str = STANDARD
) -> tuple[Any, PriceEntry | None]:
    """The Encoding `model` uses and its price at `tier` (None when unpriced), or a one-line
    usage error."""
    try:
        encoding = encoding_for_model(model, table)
    except (UnknownEncodingError, UnknownModelError) as exc:
        raise click.UsageError(str(exc)) from None
    return encoding, priced_at(model, table, tier)


def price_label(model: str, entry: PriceEntry) -> str:
    """`gpt-4o`, or `gpt-4o-2024-08-06 (priced as gpt-4o)` for a snapshot priced like its model;
    `, batch tier` added at a tier other than standard."""
    label = model if entry.price.model == model else f"{model} (priced as {entry.price.model})"
    if entry.price.tier != STANDARD:
        label += f", {entry.price.tier} tier"
    return label


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
