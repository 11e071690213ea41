"""llm-cost-r50k: its four specs are tiktoken's, p50k_base derives to tiktoken's pin, and its
models map as tiktoken maps them."""

from __future__ import annotations

import hashlib
import inspect

import llm_cost_r50k as plugin
import pytest
import tiktoken.model
import tiktoken_ext.openai_public as public

import llm_cost_core as lc
from llm_cost_core.engine import flatvocab

NAMES = {"r50k": "r50k_base", "gpt2": "gpt2", "p50k": "p50k_base", "p50k_edit": "p50k_edit"}


def tiktoken_constructor_output(name: str) -> dict:
    """What tiktoken's constructor for `name` returns, without it loading (or fetching) a vocab."""
    saved = public.load_tiktoken_bpe, public.data_gym_to_mergeable_bpe_ranks
    public.load_tiktoken_bpe = lambda *a, **k: {}
    public.data_gym_to_mergeable_bpe_ranks = lambda *a, **k: {}
    try:
        return public.ENCODING_CONSTRUCTORS[name]()
    finally:
        public.load_tiktoken_bpe, public.data_gym_to_mergeable_bpe_ranks = saved


def test_registered_under_their_names():
    for name, tiktoken_name in NAMES.items():
        enc = lc.get_encoding(name)
        assert enc is lc.get_encoding(tiktoken_name)
        assert "llm-cost-r50k" in enc.distribution
    assert [spec.name for spec in plugin.SPECS] == list(NAMES)


@pytest.mark.parametrize("spec", plugin.SPECS, ids=lambda spec: spec.name)
def test_pattern_specials_and_size_are_tiktokens(spec):
    theirs = tiktoken_constructor_output(NAMES[spec.name])
    assert spec.pattern == theirs["pat_str"] == public.r50k_pat_str
    assert spec.special_tokens == theirs["special_tokens"]
    n_vocab = theirs.get("explicit_n_vocab") or max(theirs["special_tokens"].values()) + 1
    assert spec.n_vocab == n_vocab
    assert theirs["name"] == NAMES[spec.name]
    assert len(lc.get_encoding(spec.name).decoder) == spec.n_vocab


def test_gpt2_is_checked_as_r50k_base_with_gpt2s_tokens():
    """tiktoken builds gpt2 from GPT-2's data-gym files, which hold r50k_base's ranks (its own
    tests encode "hello world" as [31373, 995] with both): parity compares gpt2 with r50k_base's
    pattern and ranks under gpt2's special tokens, which is what tiktoken's gpt2() returns."""
    assert plugin.GPT2.reference == "r50k_base" and plugin.GPT2.extends_reference
    assert plugin.GPT2.load_ranks is plugin.R50K.load_ranks
    assert lc.get_encoding("gpt2").encode("hello world") == [31373, 995]


def test_vocab_hashes_are_tiktokens_pins():
    assert plugin.R50K_SHA256 in inspect.getsource(public.r50k_base)
    assert plugin.P50K_SHA256 in inspect.getsource(public.p50k_base)
    assert plugin.P50K_SHA256 in inspect.getsource(public.p50k_edit)


def test_p50k_is_r50k_plus_space_runs_with_tiktokens_hash():
    r50k, p50k = plugin.R50K_RANKS(), plugin.P50K_RANKS()
    assert hashlib.sha256(plugin.P50K_RANKS.read_bytes()).hexdigest() == plugin.P50K_SHA256
    added = {token: rank for token, rank in p50k.items() if token not in r50k}
    assert added == {b" " * k: 50255 + k for k in range(2, 26)}
    assert {token: p50k[token] for token in r50k} == r50k


def test_a_wrong_derivation_is_refused():
    broken = lc.TiktokenFile(plugin.R50K_RANKS.source, plugin.P50K_SHA256,
                             appended=plugin.P50K_SPACES.replace(b"50280", b"50279"))  # fmt: skip
    with pytest.raises(lc.VocabError, match="appended tokens"):
        broken()


def test_derived_vocab_uses_the_flat_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_COST_CACHE_DIR", str(tmp_path))
    first = flatvocab.load_ranks(plugin.P50K)
    assert isinstance(first, flatvocab.FlatRanks)
    assert (tmp_path / "vocab" / f"{plugin.P50K_SHA256}{flatvocab.SUFFIX}").is_file()
    again = flatvocab.load_ranks(plugin.P50K_EDIT)  # the same vocab: read from the cache
    assert again.to_dict() == first.to_dict() == plugin.P50K_RANKS()


def test_shipped_vocab_is_small():
    assert plugin.R50K_RANKS.source.stat().st_size < 1_000_000


@pytest.mark.parametrize(
    ("model", "encoding"),
    [(model, encoding) for encoding, models in plugin.MODELS.items() for model in models],
)
def test_models(model, encoding):
    assert lc.encoding_name_for_model(model) == encoding
    assert tiktoken.model.encoding_name_for_model(model) == NAMES[encoding]


def test_every_tiktoken_model_of_these_encodings_is_registered():
    ours = {model for models in plugin.MODELS.values() for model in models}
    theirs = {m for m, e in tiktoken.model.MODEL_TO_ENCODING.items() if e in NAMES.values()}
    assert ours == theirs
    assert not any(e in NAMES.values() for e in tiktoken.model.MODEL_PREFIX_TO_ENCODING.values())


def test_scanner_is_the_plugins_and_only_for_its_specs():
    for spec in plugin.SPECS:
        assert plugin.make_scanner(spec).pattern == plugin.scanner.PATTERN
    other = lc.EncodingSpec(
        name="x", pattern=".", special_tokens={}, n_vocab=1, load_ranks=dict, vocab_sha256=""
    )
    assert plugin.make_scanner(other) is None


def test_its_corpus_is_the_evil_corpus_part_for_its_encodings():
    """Written by core's tools/gen_evil_corpus.py (`--check` keeps it current)."""
    from llm_cost_core.testing import read_corpus

    assert len(plugin.CORPUS.read_bytes()) < 1_000_000
    cases = read_corpus(plugin.CORPUS)
    by_encoding: dict[str, set[str]] = {}
    for case in cases:
        by_encoding.setdefault(case.encoding, set()).add(case.category)
    assert set(by_encoding) == {"r50k", "p50k", "gpt2", "p50k_edit"}
    assert "r50k_branches" in by_encoding["r50k"] and "r50k_branches" in by_encoding["p50k"]
    assert len(by_encoding["r50k"]) == 15
    assert all(spec.corpus == plugin.CORPUS for spec in plugin.SPECS)
    for case in cases[::50]:
        assert lc.get_encoding(case.encoding).encode_ordinary(case.text) == list(case.ids)
