"""llm-cost-o200k: its spec is tiktoken's o200k_base, and its models map to it."""

from __future__ import annotations

import llm_cost_o200k as plugin
import pytest
import tiktoken.model
import tiktoken_ext.openai_public as public

import llm_cost_core as lc


def tiktoken_constructor_output(constructor=public.o200k_base) -> dict:
    """What tiktoken's o200k_base() returns, without it loading (or fetching) the vocab."""
    original = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = lambda *a, **k: {}
    try:
        return constructor()
    finally:
        public.load_tiktoken_bpe = original


def test_registered_under_its_names():
    enc = lc.get_encoding("o200k")
    assert enc is lc.get_encoding("o200k_base")
    assert enc.spec == plugin.SPEC
    assert "llm-cost-o200k" in enc.distribution


def test_pattern_and_specials_are_tiktokens():
    theirs = tiktoken_constructor_output()
    assert plugin.SPEC.pattern == theirs["pat_str"]
    assert plugin.SPEC.special_tokens == theirs["special_tokens"]
    assert plugin.SPEC.reference == theirs["name"]
    assert plugin.SPEC.n_vocab == 200019


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "gpt-4o-mini",
        "chatgpt-4o-latest",
        "gpt-4.1",
        "gpt-4.1-nano",
        "gpt-4.5",
        "gpt-4.5-preview",
        "gpt-5",
        "gpt-5-mini",
        "o1",
        "o1-mini",
        "o3",
        "o3-mini",
        "o4-mini",
        "o4-mini-2025-04-16",
        "ft:gpt-4o-mini:org::id",
    ],
)
def test_models(model):
    assert lc.encoding_name_for_model(model) == "o200k"
    if model != "gpt-4.5":  # tiktoken knows only the dated gpt-4.5 names
        assert tiktoken.model.encoding_name_for_model(model) == "o200k_base"


def test_scanner_is_the_plugins_and_only_for_its_spec():
    scan = plugin.make_scanner(plugin.SPEC)
    assert scan.splits_before_space is True  # proved in core's tests/test_scanner_promises.py
    assert scan.ascii_pattern == plugin.scanner.ASCII_PATTERN
    assert scan("Hello world's  end\n\n") == ["Hello", " world's", " ", " end", "\n\n"]
    other = lc.EncodingSpec(
        name="x", pattern=".", special_tokens={}, n_vocab=1, load_ranks=dict, vocab_sha256=""
    )
    assert plugin.make_scanner(other) is None


def test_harmony_is_tiktokens_o200k_harmony():
    theirs = tiktoken_constructor_output(public.o200k_harmony)
    assert plugin.HARMONY.pattern == theirs["pat_str"] == plugin.SPEC.pattern
    assert plugin.HARMONY.special_tokens == theirs["special_tokens"]
    assert plugin.HARMONY.reference == theirs["name"] == "o200k_harmony"
    assert plugin.HARMONY.n_vocab == max(theirs["special_tokens"].values()) + 1 == 201088
    assert plugin.HARMONY.load_ranks is plugin.SPEC.load_ranks
    enc = lc.get_encoding("o200k_harmony")
    assert "llm-cost-o200k" in enc.distribution
    assert enc.encode("<|start|>user<|message|>hi<|end|>", allowed_special="all") == [
        200006, 1428, 200008, 3686, 200007,
    ]  # fmt: skip
    # Two tokens share 200018; tiktoken's decoder gives o200k_base's.
    assert enc.decode_single_token_bytes(200018) == b"<|endofprompt|>"
    assert plugin.make_scanner(plugin.HARMONY) is not None


@pytest.mark.parametrize("model", ["gpt-oss-120b", "gpt-oss-20b"])
def test_harmony_models(model):
    assert lc.encoding_name_for_model(model) == "o200k_harmony"
    assert tiktoken.model.encoding_name_for_model(model) == "o200k_harmony"


def test_every_tiktoken_model_of_these_encodings_is_registered():
    ours = set(plugin.MODELS)
    theirs = {m for m, e in tiktoken.model.MODEL_TO_ENCODING.items() if e == "o200k_base"}
    assert theirs <= ours
    prefixes = {p for p, e in tiktoken.model.MODEL_PREFIX_TO_ENCODING.items()
                if e.startswith("o200k")}  # fmt: skip
    assert prefixes <= set(plugin.MODEL_PREFIXES) | set(plugin.HARMONY_MODEL_PREFIXES)


def test_vocab_hash_is_tiktokens_pin():
    import inspect

    assert plugin.VOCAB_SHA256 in inspect.getsource(public.o200k_base)


def test_harmony_has_its_evil_corpus_cases():
    """Written by core's tools/gen_evil_corpus.py; o200k_base's are in core's Evil Corpus."""
    from llm_cost_core.testing import read_corpus

    cases = read_corpus(plugin.HARMONY.corpus)
    assert {case.encoding for case in cases} == {"o200k_harmony"}
    assert {case.category for case in cases} >= {"special_tokens", "regressions"}
    enc = lc.get_encoding("o200k_harmony")
    for case in cases[::20]:
        assert enc.encode_ordinary(case.text) == list(case.ids)
