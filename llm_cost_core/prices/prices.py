"""Model prices: what a plugin registers (`ModelPrice`), and the table of every known price.

The encoding a price names is data, not code: core learns from it which plugin would count a
model that no installed plugin maps, so that it can say what to install (see models.resolve).
Reading price files is price_files.py's; the arithmetic is money.py's.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

import attrs

from llm_cost_core.engine.spec import check_name
from llm_cost_core.errors import LLMCostError
from llm_cost_core.prices.money import exact_sum, optional_money, parse_money, per_million

# OpenAI's processing tiers: the list price, the Batch API, Flex and Priority processing.
STANDARD = "standard"
TIERS = (STANDARD, "batch", "flex", "priority")

NO_ENCODING = ""  # a price that names no encoding: only a plugin's mapping can count its text

# A dated snapshot (`gpt-4o-2024-08-06`, `gpt-4-0613`) is priced like its model when it has no
# price of its own; nothing else is guessed (`o3-mini` is not `o3`).
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


class PricesError(LLMCostError):
    """A price file that cannot be used as it is; the message names the file and the entry."""


@attrs.frozen
class ModelPrice:
    """What one model costs, in USD per 1M tokens. `cached_input` and `output` may be unknown
    (None): embedding models have no output, older models no cached-input discount."""

    model: str = attrs.field(validator=lambda _i, _a, value: check_name("model", value))
    """See `llm_cost_core.engine.spec.MODEL_NAME` for the characters a model name may hold."""
    encoding: str = attrs.field(
        validator=lambda _i, _a, value: value == NO_ENCODING or check_name("encoding", value)
    )
    """The encoding's name, or NO_ENCODING when the price list does not say (a LiteLLM file)."""
    input: Decimal = attrs.field(converter=parse_money)
    cached_input: Decimal | None = attrs.field(default=None, converter=optional_money)
    output: Decimal | None = attrs.field(default=None, converter=optional_money)
    source: str = ""
    as_of: datetime.date | None = None
    tier: str = STANDARD
    # The same model's prices at other tiers (batch, flex, priority), each a ModelPrice whose
    # `tier` says which; empty when only the standard price is known.
    tiers: Mapping[str, ModelPrice] = attrs.field(factory=dict, eq=False, repr=False)

    def at(self, tier: str) -> ModelPrice | None:
        """This model's price at `tier`, or None when that tier has no known price."""
        return self if tier == self.tier else self.tiers.get(tier)

    def cost(self, input_tokens: int = 0, cached_tokens: int = 0, output_tokens: int = 0) -> Cost:
        """The exact cost of a request. `input_tokens` includes `cached_tokens`, as in OpenAI's
        usage; cached tokens cost `cached_input`, or `input` when the model has no discount."""
        if min(input_tokens, cached_tokens, output_tokens) < 0:
            raise ValueError("token counts cannot be negative")
        if cached_tokens > input_tokens:
            raise ValueError(
                f"cached tokens ({cached_tokens}) cannot exceed input tokens ({input_tokens})"
            )
        if output_tokens and self.output is None:
            raise ValueError(f"{self.model} has no output price (it produces no output tokens)")
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return Cost(
            input_tokens=input_tokens,
            cached_tokens=cached_tokens,
            output_tokens=output_tokens,
            input_usd=per_million(input_tokens - cached_tokens, self.input),
            cached_usd=per_million(cached_tokens, cached_rate),
            output_usd=per_million(output_tokens, self.output or Decimal(0)),
        )


@attrs.frozen
class Cost:
    """A cost broken down. `input_usd` is for the input tokens that were not cached."""

    input_tokens: int
    cached_tokens: int
    output_tokens: int
    input_usd: Decimal
    cached_usd: Decimal
    output_usd: Decimal

    @property
    def total_usd(self) -> Decimal:
        return exact_sum((self.input_usd, self.cached_usd, self.output_usd))


@attrs.frozen
class PriceEntry:
    """A price and where it came from: a plugin's label or a price file's path."""

    price: ModelPrice
    origin: str


@attrs.frozen
class PriceTable:
    """Every known price by model name: the plugins' (core's included), then a user's file."""

    entries: Mapping[str, PriceEntry]

    def lookup(self, model: str, tier: str = STANDARD) -> PriceEntry | None:
        """The price of `model` at `tier`, or of the model it is a dated snapshot of; None if
        unknown (`tiers_of` tells an unknown model from one without that tier)."""
        entry = self.entries.get(model)
        if entry is None and _SNAPSHOT.search(model):
            entry = self.entries.get(_SNAPSHOT.sub("", model))
        if entry is None or tier == STANDARD:
            return entry
        price = entry.price.at(tier)
        return None if price is None else PriceEntry(price, entry.origin)

    def tiers_of(self, model: str) -> list[str]:
        """The tiers `model` has a price at (its snapshot's model's), standard first."""
        entry = self.lookup(model)
        if entry is None:
            return []
        return [tier for tier in TIERS if entry.price.at(tier) is not None]
