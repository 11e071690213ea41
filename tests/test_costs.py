"""The Python cost API: `llm_cost_core.estimate_cost` and `llm_cost_core.count_messages`."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.models import chat

LITELLM_FILE = Path(__file__).parent / "golden" / "inputs" / "litellm-prices.json"
CHAT = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Count me."}]


def needs(name: str) -> None:
    if name not in lc.list_encodings():
        pytest.skip(f"needs {name}")


def test_count_messages_is_exported():
    assert lc.count_messages is chat.count_messages
    assert "count_messages" in lc.__all__ and "estimate_cost" in lc.__all__


def test_an_estimate_from_text_messages_or_tokens():
    needs("o200k")
    enc = lc.get_encoding("o200k")
    by_text = lc.estimate_cost("gpt-4o", text="hello world", output_tokens=10)
    assert by_text.input_tokens == enc.count("hello world") == 2
    assert by_text.total_usd == Decimal("0.000105")  # 2 x 2.50 + 10 x 10.00, per 1M
    assert isinstance(by_text.total_usd, Decimal)
    assert by_text.encoding == "o200k" and by_text.tier == "standard"
    assert by_text.price.price.model == "gpt-4o"
    assert by_text.price.price.as_of == datetime.date(2025, 8, 7)
    assert by_text.price.origin.startswith("llm-cost-core")

    by_chat = lc.estimate_cost("gpt-4o-mini", messages=CHAT, tier="batch", output_tokens=200)
    assert by_chat.input_tokens == chat.count_messages(enc, CHAT)
    assert by_chat.price.price.tier == "batch"
    assert by_chat.total_usd == by_chat.input_tokens * Decimal("0.075") / 10**6 + Decimal("0.00006")

    snapshot = lc.estimate_cost("gpt-4o-2024-08-06", input_tokens=1_000_000, cached_tokens=10)
    assert snapshot.price.price.model == "gpt-4o"  # priced as its model
    assert snapshot.cost.cached_usd == Decimal("0.0000125")


def test_a_model_priced_only_in_a_litellm_file_from_token_counts():
    with pytest.warns(UserWarning, match="skipped 10 LiteLLM entries"):
        estimate = lc.estimate_cost(
            "claude-haiku-4-5", input_tokens=1000, output_tokens=100, prices=str(LITELLM_FILE)
        )
    assert estimate.encoding is None and estimate.total_usd == Decimal("0.0015")
    with (
        pytest.warns(UserWarning),
        pytest.raises(lc.UnknownEncodingError, match="needs a plugin that maps it"),
    ):
        lc.estimate_cost("claude-haiku-4-5", text="hi", prices=str(LITELLM_FILE))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"text": "x", "input_tokens": 1}, ValueError, "exactly one of"),
        ({}, ValueError, "exactly one of"),
        ({"text": "x", "tier": "cheap"}, ValueError, "unknown tier 'cheap'"),
        ({"input_tokens": 1, "model": "gpt-9"}, lc.UnknownModelError, "no price for model"),
        (
            {"input_tokens": 1, "model": "gpt-5-chat-latest", "tier": "batch"},
            lc.UnknownModelError,
            r"no batch price for model 'gpt-5-chat-latest' \(it has: standard\)",
        ),
        ({"input_tokens": 1, "cached_tokens": 2}, ValueError, "cannot exceed"),
    ],
)
def test_what_cannot_be_estimated(kwargs, error, message):
    kwargs = {"model": "gpt-4o", **kwargs}
    with pytest.raises(error, match=message):
        lc.estimate_cost(kwargs.pop("model"), **kwargs)
