"""llm-cost-cl100k: its spec is tiktoken's cl100k_base, and its models map to it."""

from __future__ import annotations

import llm_cost_cl100k as plugin
import pytest
import tiktoken.model
import tiktoken_ext.openai_public as public

import llm_cost_core as lc


def tiktoken_constructor_output() -> dict:
    """What tiktoken's cl100k_base() returns, without it loading (or fetching) the vocab."""
    original = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda *a, **k: {}
    try:
        return public.cl100k_base()
    finally:
        public.load_tiktoken_bpe = original


def test_registered_under_its_names():
    enc = lc.get_encoding("cl100k")
    assert enc is lc.get_encoding("cl100k_base")
    assert enc.spec == plugin.SPEC
    assert "llm-cost-cl100k" in enc.distribution


def test_pattern_and_specials_are_tiktokens():
    theirs = tiktoken_constructor_output()
    assert plugin.SPEC.pattern == theirs["pat_str"]
    assert plugin.SPEC.special_tokens == theirs["special_tokens"]
    assert plugin.SPEC.reference == theirs["name"]
    assert plugin.SPEC.n_vocab == 100277


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4",
        "gpt-4-0613",
        "gpt-4-32k",
        "gpt-4-turbo",
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-16k",
        "gpt-35-turbo",
        "text-embedding-3-small",
        "text-embedding-3-large",
        "text-embedding-ada-002",
        "davinci-002",
        "ft:gpt-3.5-turbo:org::id",
        "ft:gpt-4-0613:org::id",
    ],
)
def test_models(model):
    assert lc.encoding_name_for_model(model) == "cl100k"
    assert tiktoken.model.encoding_name_for_model(model) == "cl100k_base"


def test_fine_tuned_gpt_4o_is_never_taken_for_gpt_4():
    models = []
    plugin.register_models(lambda model, encoding, prefix=False: models.append((model, prefix)))
    prefixes = [model for model, prefix in models if prefix]
    assert not any("ft:gpt-4o-mini:org::id".startswith(p) for p in prefixes)
    assert any("ft:gpt-4:org::id".startswith(p) for p in prefixes)


def test_scanner_is_the_plugins_and_only_for_its_spec():
    scan = plugin.make_scanner(plugin.SPEC)
    assert scan.splits_before_space is True  # proved in core's tests/test_scanner_promises.py
    assert scan.ascii_pattern == plugin.scanner.ASCII_PATTERN
    assert scan("Hello world's  end\n\n") == ["Hello", " world", "'s", " ", " end", "\n\n"]
    other = lc.EncodingSpec(
        name="x", pattern=".", special_tokens={}, n_vocab=1, load_ranks=dict, vocab_sha256=""
    )
    assert plugin.make_scanner(other) is None


def test_vocab_hash_is_tiktokens_pin():
    import inspect

    assert plugin.VOCAB_SHA256 in inspect.getsource(public.cl100k_base)
