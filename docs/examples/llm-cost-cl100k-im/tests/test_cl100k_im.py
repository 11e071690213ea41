"""What this plugin adds to cl100k: two special tokens, and nothing else."""

from __future__ import annotations

import llm_cost_cl100k as cl100k
import llm_cost_cl100k_im as plugin
import pytest

import llm_cost_core as lc

CHAT = "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n"


def test_installed_under_both_names():
    enc = lc.get_encoding("cl100k-im")
    assert enc is lc.get_encoding("cl100k_im")
    assert enc.spec == plugin.SPEC
    assert "llm-cost-cl100k-im" in enc.distribution
    assert "cl100k-im" in lc.list_encodings()


def test_chatml_tokens_are_single_ids_when_allowed():
    enc = lc.get_encoding("cl100k-im")
    ids = enc.encode(CHAT, allowed_special="all")
    assert ids.count(100264) == 2 and ids.count(100265) == 2
    assert ids[0] == 100264
    assert enc.decode(ids) == CHAT


def test_chatml_text_is_refused_by_default_and_plain_text_when_ordinary():
    enc = lc.get_encoding("cl100k-im")
    with pytest.raises(ValueError, match="im_start"):
        enc.encode(CHAT)
    assert enc.encode_ordinary(CHAT) == lc.get_encoding("cl100k").encode_ordinary(CHAT)
    assert 100264 not in enc.encode_ordinary(CHAT)


def test_reuses_cl100k_vocab_and_specials():
    assert plugin.SPEC.load_ranks is cl100k.SPEC.load_ranks
    assert plugin.SPEC.pattern == cl100k.SPEC.pattern
    assert dict(cl100k.SPEC.special_tokens).items() <= dict(plugin.SPEC.special_tokens).items()
    assert plugin.SPEC.n_vocab == cl100k.SPEC.n_vocab  # 100264 and 100265 are inside its range


def test_reference_is_tiktoken_readme_cl100k_im():
    """The reference the parity checks use equals the README's construction, done here by hand."""
    tiktoken = pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    cl100k_base = reference_encoding(lc.get_encoding("cl100k"))  # tiktoken's own, run offline
    readme = tiktoken.Encoding(
        name="cl100k_im",
        pat_str=cl100k_base._pat_str,
        mergeable_ranks=cl100k_base._mergeable_ranks,
        special_tokens={
            **cl100k_base._special_tokens,
            "<|im_start|>": 100264,
            "<|im_end|>": 100265,
        },
    )
    ours = reference_encoding(lc.get_encoding("cl100k-im"))
    assert ours._special_tokens == readme._special_tokens
    assert ours._pat_str == readme._pat_str
    enc = lc.get_encoding("cl100k-im")
    for text in (CHAT, "<|im_end|><|endoftext|>x", "plain text"):
        expected = readme.encode(text, allowed_special="all")
        assert enc.encode(text, allowed_special="all") == expected
        assert ours.encode(text, allowed_special="all") == expected
