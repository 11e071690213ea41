"""What the commands share: -e/-m and what they choose, --workers, --prices and --tier, exact
JSON money."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import click

from llm_cost_core.cli import complete
from llm_cost_core.errors import UnknownEncodingError, UnknownModelError
from llm_cost_core.models.resolve import DEFAULT_ENCODING, ENCODING_ENV, Choice, choose
from llm_cost_core.prices.money import usd
from llm_cost_core.prices.price_files import (
    MAX_PRICE_AGE_ENV,
    PRICES_ENV,
    max_price_age,
    stale_price_warning,
    today,
)
from llm_cost_core.prices.prices import (
    STANDARD,
    TIERS,
    ModelPrice,
    PriceEntry,
    PricesError,
)


def encoding_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """-e/--encoding and -m/--model, shared by every command that counts."""
    func = click.option(
        "-m",
        "--model",
        metavar="MODEL",
        shell_complete=complete.models,
        help="Count with the encoding this model uses (gpt-4o, gpt-4, ...).",
    )(func)
    return click.option(
        "-e",
        "--encoding",
        metavar="ENC",
        shell_complete=complete.encodings,
        help=f"Encoding name or alias (default: {DEFAULT_ENCODING}, or the only one installed; "
        f"env {ENCODING_ENV}). See `llm-cost encodings`.",
    )(func)


def workers_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--workers N, shared by the commands that spread their work over processes; the value
    they get is N, or the number of CPUs for 0."""
    return click.option(
        "--workers",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        metavar="N",
        callback=lambda ctx, param, value: value or os.cpu_count() or 1,
        help=help_text,
    )


def dask_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--dask SCHEDULER, shared by `count` and `pipe` (see llm_cost_core.dask, imported only
    when it is given)."""
    return click.option(
        "--dask",
        "dask_address",
        metavar="SCHEDULER",
        help=f"{what}: SCHEDULER is a scheduler's address, or `local` for a cluster of this "
        "machine's cores (needs pip install 'llm-cost-core[dask]').",
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


@contextlib.contextmanager
def usage_errors() -> Iterator[None]:
    """An unknown encoding or model, or a price missing at the tier asked for, as a usage error
    (exit 2): the user named something that is not there."""
    try:
        yield
    except (UnknownEncodingError, UnknownModelError) as exc:
        raise click.UsageError(str(exc)) from None


def chosen(
    encoding: str | None,
    model: str | None,
    prices_file: str | None = None,
    tier: str = STANDARD,
) -> Choice:
    """-e, -m, --prices and --tier as every command reads them (models.resolve.choose)."""
    if encoding and model:
        raise click.UsageError("give either -e/--encoding or -m/--model, not both")
    with usage_errors():
        return choose(encoding, model, prices_file, tier)


def input_rate(
    choice: Choice,
    max_age: int | None,
    ignore_age: bool,
    unpriced: str | None = None,
) -> Decimal | None:
    """USD per 1M input tokens of the model the user named (with the prices' age warning), or
    None: no model named, or one without a price (then the warning `unpriced`, when given)."""
    if choice.price is not None:
        warn_if_stale([choice.price.price], max_age, ignore_age)
        return choice.price.price.input
    if unpriced is not None and choice.table is not None:
        import warnings

        warnings.warn(unpriced, stacklevel=2)
    return None


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
