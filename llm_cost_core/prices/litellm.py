"""LiteLLM's price list (`model_prices_and_context_window.json`, which tokencost and other tools
share) read as llm-cost prices: one object per model name, prices in USD per token."""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from llm_cost_core._text import shorten
from llm_cost_core.prices.money import parse_money, per_token_as_per_million
from llm_cost_core.prices.prices import NO_ENCODING, STANDARD, TIERS, ModelPrice

# LiteLLM's `model_prices_and_context_window.json` (which tokencost and other tools share): one
# object per model name, prices in USD per token. Our field <- theirs, per tier.
LITELLM_FIELDS = {
    STANDARD: ("input_cost_per_token", "cache_read_input_token_cost", "output_cost_per_token"),
    "batch": ("input_cost_per_token_batches", None, "output_cost_per_token_batches"),
    "flex": (
        "input_cost_per_token_flex",
        "cache_read_input_token_cost_flex",
        "output_cost_per_token_flex",
    ),
    "priority": (
        "input_cost_per_token_priority",
        "cache_read_input_token_cost_priority",
        "output_cost_per_token_priority",
    ),
}

LITELLM_SOURCE = "LiteLLM model_prices_and_context_window.json"


def is_litellm_table(table: Mapping[str, Any]) -> bool:
    """Whether a JSON object is LiteLLM's price list rather than llm-cost's own format."""
    return any(
        isinstance(entry, dict)
        and any(key.endswith("_cost_per_token") or key == "litellm_provider" for key in entry)
        for entry in table.values()
    )


def parse_litellm_prices(table: Mapping[str, Any], label: str) -> list[ModelPrice]:
    """LiteLLM's prices per token as ours per 1M tokens, exactly: each number is read as the
    decimal it is written as (its shortest repr, as Python's json writes floats) and its point
    moved six places. An entry with no per-token input price (an image or audio model) is left
    out; one with a bad price is left out too, and one warning counts them and names the first.
    The file carries no date, so its prices have none (and no age warning)."""
    prices: list[ModelPrice] = []
    bad: list[str] = []
    for model, entry in table.items():
        if model == "sample_spec":  # LiteLLM's documentation of its own fields
            continue
        if not isinstance(entry, dict):
            bad.append(f"{shorten(model)!r}: not an object")
            continue
        if entry.get("input_cost_per_token") is None:
            if entry.get("output_cost_per_token") is not None:
                bad.append(f"{shorten(model)!r}: an output price without an input price")
            continue
        try:
            price = _litellm_price(model, entry, STANDARD)
            tiers = {}
            for tier in TIERS[1:]:
                if entry.get(LITELLM_FIELDS[tier][0]) is not None:
                    tiers[tier] = _litellm_price(model, entry, tier)
        except (TypeError, ValueError) as exc:
            bad.append(f"{shorten(model)!r}: {exc}")
            continue
        prices.append(attrs.evolve(price, tiers=tiers) if tiers else price)
    if bad:
        import warnings

        warnings.warn(
            f"{label}: skipped {len(bad)} LiteLLM entr{'y' if len(bad) == 1 else 'ies'} "
            f"without a usable price, the first: {bad[0]}",
            stacklevel=2,
        )
    return prices


def _litellm_price(model: str, entry: Mapping[str, Any], tier: str) -> ModelPrice:
    """One tier of a LiteLLM entry; ValueError names the field that is not a price."""
    values: list[Decimal | None] = []
    for name in LITELLM_FIELDS[tier]:
        value = None if name is None else entry.get(name)
        if value is None:
            values.append(None)
            continue
        try:
            values.append(per_token_as_per_million(parse_money(value)))
        except (TypeError, ValueError, decimal.DecimalException) as exc:
            raise ValueError(f"{name}: {exc}") from None
    inp, cached, out = values
    return ModelPrice(
        model=model,
        encoding=NO_ENCODING,
        input=inp,
        cached_input=cached,
        output=out,
        source=LITELLM_SOURCE,
        tier=tier,
    )
