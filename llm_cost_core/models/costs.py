"""What a request costs, from Python: the count (text, a chat, or token counts given) and the
exact price of a model at a tier, in one call, with the price entry it used.

    import llm_cost_core as lc
    estimate = lc.estimate_cost("gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}],
                                output_tokens=200, tier="batch")
    estimate.total_usd            # an exact Decimal: 8 input and 200 output tokens at batch prices
    estimate.price.price.as_of    # the date of the price used
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from llm_cost_core.errors import UnknownModelError
from llm_cost_core.models.resolve import (
    encoding_for_model,
    installed_encoding_for_model,
    price_at,
    price_table,
)
from llm_cost_core.prices.prices import STANDARD, TIERS, Cost, PriceEntry


@attrs.frozen
class CostEstimate:
    """A request priced: the tokens, the cost broken down (exact Decimals), the price entry used
    (its `price` says model, tier, `as_of` and source; `origin` the plugin or price file) and the
    encoding that counted the text (None when token counts were given and none is installed)."""

    model: str
    tier: str
    encoding: str | None
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    cost: Cost
    price: PriceEntry

    @property
    def total_usd(self) -> Decimal:
        return self.cost.total_usd


def estimate_cost(
    model: str,
    *,
    text: str | None = None,
    messages: Sequence[Any] | None = None,
    input_tokens: int | None = None,
    cached_tokens: int = 0,
    output_tokens: int = 0,
    tier: str = STANDARD,
    prices: str | None = None,
) -> CostEstimate:
    """The cost of one request to `model` at `tier`, from exactly one of `text` (counted with
    the model's encoding), `messages` (a chat prompt, counted as `count_messages` does: an
    estimate) or `input_tokens` (cached ones included, as in OpenAI's usage). `prices` is a price
    file (llm-cost's or LiteLLM's format) on top of the registered prices; without it,
    $LLM_COST_PRICES if set, as on the command line.

    Raises UnknownModelError (a KeyError) when the model has no price at that tier,
    UnknownEncodingError when text must be counted and the model's encoding is not installed,
    ValueError for impossible token counts, PricesError for a bad price file."""
    given = [value is not None for value in (text, messages, input_tokens)]
    if sum(given) != 1:
        raise ValueError("give exactly one of text, messages or input_tokens")
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r} (one of: {', '.join(TIERS)})")
    table = price_table(prices)
    entry = price_at(model, table, tier)
    if entry is None:
        raise UnknownModelError(f"no price for model {model!r}; give one in a price file")
    encoding = None
    if input_tokens is None:
        encoding = encoding_for_model(model, table)
        if text is not None:
            input_tokens = encoding.count(text)
        else:
            from llm_cost_core.models.chat import count_messages

            input_tokens = count_messages(encoding, list(messages or ()))
    else:  # nothing to count: the encoding is named when it is installed
        encoding = installed_encoding_for_model(model, table)
    cost = entry.price.cost(input_tokens, cached_tokens, output_tokens)
    return CostEstimate(
        model=model,
        tier=tier,
        encoding=encoding.name if encoding is not None else None,
        input_tokens=input_tokens,
        cached_tokens=cached_tokens,
        output_tokens=output_tokens,
        cost=cost,
        price=entry,
    )
