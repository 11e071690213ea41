"""The one place where `-e`, `-m`, `--prices` and `--tier` become an encoding and a price.

A model is counted with the encoding a plugin maps it to; a model no installed plugin maps is
counted with the encoding its price names (so that a price file alone can add a model, and so
that core can say which plugin to install). The registry only reports what plugins registered;
prices.py only reads tables; every command, the Python API and the pipe's per-line models ask
here.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import attrs

from llm_cost_core._text import did_you_mean
from llm_cost_core.errors import LLMCostError, UnknownEncodingError, UnknownModelError
from llm_cost_core.host.registry import distribution_for, registry
from llm_cost_core.prices.price_files import PRICES_ENV, load_prices
from llm_cost_core.prices.prices import NO_ENCODING, STANDARD, PriceEntry, PriceTable

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

DEFAULT_ENCODING = "o200k"
ENCODING_ENV = "LLM_COST_ENCODING"
KNOWN_SHOWN = 12  # models named in an unknown-model error


@attrs.frozen
class Choice:
    """What the user chose to count with, and the price of the model when one was named."""

    encoding: Encoding
    price: PriceEntry | None = None
    table: PriceTable | None = None  # the prices read to price `model`, when one was named


def price_table(path: str | None = None) -> PriceTable:
    """The plugins' prices, with the user's file (`path`, else $LLM_COST_PRICES) on top."""
    entries = dict(registry().prices())
    path = path or os.environ.get(PRICES_ENV) or None
    if path:
        for price in load_prices(path):
            entries[price.model] = PriceEntry(price, path)
    return PriceTable(entries)


def encoding_name_for_model(model: str, table: PriceTable | None = None) -> str:
    """The name of the encoding `model` uses: a plugin's mapping, else the one its price in
    `table` (the plugins' prices when None) names. Raises UnknownModelError."""
    reg = registry()
    name = reg.model_encoding(model)
    if name is not None:
        return name
    table = PriceTable(reg.prices()) if table is None else table
    entry = table.lookup(model)
    if entry is not None:
        return entry.price.encoding
    raise UnknownModelError(_unknown_model_message(model, table))


def encoding_for_model(model: str, table: PriceTable | None = None) -> Encoding:
    """The Encoding `model` uses. A priced model whose encoding is not installed names the
    package to install. Raises UnknownModelError or UnknownEncodingError."""
    name = encoding_name_for_model(model, table)
    if name == NO_ENCODING:
        raise UnknownEncodingError(
            f"model {model!r} has a price but no installed plugin says which encoding counts "
            "its text: counting it needs a plugin that maps it (see `llm-cost plugins`); its "
            f"cost can be estimated from token counts: llm-cost estimate -m {model} "
            "--input-tokens N"
        )
    try:
        return registry().get_encoding(name)
    except UnknownEncodingError:
        raise UnknownEncodingError(uninstalled_encoding_message(model, name)) from None


def installed_encoding_for_model(model: str, table: PriceTable | None = None) -> Encoding | None:
    """The Encoding `model` uses, or None when it is unknown or not installed: for a cost from
    token counts, which needs only the price."""
    try:
        return encoding_for_model(model, table)
    except LLMCostError:  # unknown, not installed, or its plugins in conflict
        return None


def price_at(model: str, table: PriceTable, tier: str = STANDARD) -> PriceEntry | None:
    """`model`'s price at `tier`, or None when it has no price at all. A model with prices but
    none at `tier` is an UnknownModelError, rather than silently another tier's price."""
    entry = table.lookup(model, tier)
    if entry is None and tier != STANDARD:
        has = table.tiers_of(model)
        if has:
            raise UnknownModelError(
                f"no {tier} price for model {model!r} (it has: {', '.join(has)})"
            )
    return entry


def default_encoding() -> Encoding:
    """$LLM_COST_ENCODING, else o200k, else the only encoding installed."""
    reg = registry()
    chosen = os.environ.get(ENCODING_ENV)
    if chosen:
        return reg.get_encoding(chosen)
    installed = [entry.spec.name for entry in reg.encodings()]
    if DEFAULT_ENCODING in installed or DEFAULT_ENCODING in reg.conflicts() or not installed:
        return reg.get_encoding(DEFAULT_ENCODING)
    if len(installed) == 1:
        return reg.get_encoding(installed[0])
    raise UnknownEncodingError(
        f"{DEFAULT_ENCODING} is not installed; choose one with -e ({', '.join(installed)})"
    )


def choose(
    encoding: str | None = None,
    model: str | None = None,
    prices_file: str | None = None,
    tier: str = STANDARD,
) -> Choice:
    """The encoding named, or the one `model` uses with its price at `tier` (from the plugins'
    prices and `prices_file`, read only when a model is named), or the default encoding.
    Raises UnknownEncodingError or UnknownModelError; naming both is a ValueError."""
    if encoding and model:
        raise ValueError("give either an encoding or a model, not both")
    if model:
        table = price_table(prices_file)
        return Choice(encoding_for_model(model, table), price_at(model, table, tier), table)
    if encoding:
        return Choice(registry().get_encoding(encoding))
    return Choice(default_encoding())


def uninstalled_encoding_message(model: str, encoding: str) -> str:
    """What to say when `model` is known (mapped or priced) but its encoding is not installed."""
    dist = distribution_for(encoding)
    if dist is None:
        return f"model {model!r} uses encoding {encoding!r}, which is not installed"
    return f"model {model!r} uses encoding {encoding}, which is not installed: pip install {dist}"


def _unknown_model_message(model: str, table: PriceTable) -> str:
    reg = registry()
    models = reg.models()
    prefixes = [prefix.rstrip("-") for prefix in reg.model_prefixes()]
    close = did_you_mean(model, [*models, *prefixes, *table.entries])
    if close:
        return f"unknown model {model!r}; {close}"
    known = ", ".join(sorted(models)[:KNOWN_SHOWN]) or "none"
    more = ", ..." if len(models) > KNOWN_SHOWN else ""
    return (
        f"unknown model {model!r} (known: {known}{more}); "
        "install the plugin for its encoding, or name the encoding with -e"
    )
