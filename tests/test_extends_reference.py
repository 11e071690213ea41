"""`EncodingSpec.extends_reference`: a tiktoken encoding with other special tokens (tiktoken
README's cl100k_im) has a parity reference built the same way."""

from __future__ import annotations

import attrs
import pytest

import llm_cost_core as lc
from llm_cost_core.engine.encoding import Encoding


def extended(spec: lc.EncodingSpec) -> lc.EncodingSpec:
    """`spec` plus one special token after its last id, as a plugin would extend it."""
    return attrs.evolve(
        spec,
        name=f"{spec.name}-x",
        aliases=(),
        special_tokens={**spec.special_tokens, "<|x|>": spec.n_vocab},
        n_vocab=spec.n_vocab + 1,
        extends_reference=True,
    )


def unbuilt(spec: lc.EncodingSpec) -> Encoding:
    """An Encoding for `spec` (the reference only reads `.spec`)."""
    return Encoding(spec, make_scanner=lambda s: list, make_bpe=lambda s, r: None)


def test_needs_a_reference():
    with pytest.raises(ValueError, match="'toy': extends_reference needs a reference"):
        lc.EncodingSpec(
            name="toy",
            pattern=r"\S+|\s+",
            special_tokens={},
            n_vocab=256,
            load_ranks=dict,
            vocab_sha256="0" * 64,
            extends_reference=True,
        )


def test_reference_is_the_base_with_the_specs_special_tokens(encoding_name, reference):
    from llm_cost_core.verify.reference import tiktoken_encoding

    spec = extended(lc.get_encoding(encoding_name).spec)
    theirs = tiktoken_encoding(unbuilt(spec))
    assert theirs is not reference
    assert theirs.name == spec.name
    assert theirs._pat_str == reference._pat_str
    assert theirs._mergeable_ranks is reference._mergeable_ranks  # tiktoken's own, hash-checked
    assert theirs._special_tokens == dict(spec.special_tokens)
    assert theirs.encode("a<|x|>b", allowed_special="all") == [
        *reference.encode_ordinary("a"),
        spec.n_vocab - 1,
        *reference.encode_ordinary("b"),
    ]
    assert tiktoken_encoding(unbuilt(spec)) is theirs  # built once per spec


def test_without_it_the_reference_is_tiktokens_own(encoding_name, reference):
    from llm_cost_core.verify.reference import tiktoken_encoding

    spec = lc.get_encoding(encoding_name).spec
    if spec.extends_reference:
        pytest.skip(f"{encoding_name} extends its reference")
    assert tiktoken_encoding(unbuilt(spec)) is reference
