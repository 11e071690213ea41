"""The public Encoding API behaves as tiktoken's, for every installed encoding."""

from __future__ import annotations

import pytest
from textgen import CODE, EMOJI, SCRIPTS, SPECIAL_LOOKALIKES

import llm_cost_core as lc

SAMPLES = [*SCRIPTS.values(), *EMOJI, *CODE, *SPECIAL_LOOKALIKES, "", " ", "\r\n"]


def test_count_is_len_of_encode_ordinary(encoding):
    for text in SAMPLES:
        assert encoding.count(text) == len(encoding.encode_ordinary(text))


def test_decode_round_trips(encoding):
    for text in SAMPLES:
        ids = encoding.encode_ordinary(text)
        assert encoding.decode(ids) == text
        assert encoding.decode_bytes(ids) == text.encode("utf-8")


def test_decode_unknown_id_is_a_key_error(encoding):
    with pytest.raises(KeyError, match="invalid token"):
        encoding.decode([encoding.n_vocab + 10])


def test_special_token_text_is_refused_by_default(encoding, reference):
    for special in encoding.special_tokens_set:
        with pytest.raises(ValueError, match="disallowed special token") as ours:
            encoding.encode(f"x {special} y")
        with pytest.raises(ValueError) as theirs:
            reference.encode(f"x {special} y")
        assert str(ours.value) == str(theirs.value)


def test_allowed_and_disallowed_special_follow_tiktoken(encoding, reference):
    specials = sorted(encoding.special_tokens_set)
    text = "start " + " mid ".join(specials) + " end" + specials[0] * 2
    cases = [
        {"allowed_special": "all"},
        {"disallowed_special": ()},
        {"allowed_special": {specials[0]}, "disallowed_special": ()},
        {"allowed_special": set(specials[:1]), "disallowed_special": set()},
        {"allowed_special": "all", "disallowed_special": ()},
    ]
    for kwargs in cases:
        assert encoding.encode(text, **kwargs) == reference.encode(text, **kwargs), kwargs
    only_first = {"allowed_special": {specials[0]}}
    if len(specials) > 1:  # the other specials are still disallowed
        with pytest.raises(ValueError):
            encoding.encode(text, **only_first)


def test_special_ids_decode_to_their_text(encoding):
    """Each special text encodes to its id, and its id decodes to it. Where two texts share an
    id (o200k_harmony's 200018), the id decodes to one of them: tiktoken's choice, which
    test_compat.py checks."""
    texts_of: dict[int, set[str]] = {}
    for text, token in encoding.special_tokens.items():
        texts_of.setdefault(token, set()).add(text)
    for text, token in encoding.special_tokens.items():
        assert encoding.encode(text, allowed_special="all") == [token]
        decoded = encoding.decode([token])
        assert decoded == text or (len(texts_of[token]) > 1 and decoded in texts_of[token])


@pytest.mark.parametrize(
    "text",
    ["a\ud800b", "\udfff", "x\ud83d\ude00y", "\ud83d", "ok \udc80\udc80 ok", "\ud800\ud800\udc00"],
)
def test_surrogates_are_handled_like_tiktoken(encoding, reference, text):
    assert encoding.encode_ordinary(text) == reference.encode_ordinary(text)
    assert encoding.encode(text) == reference.encode(text)
    assert encoding.count(text) == len(reference.encode_ordinary(text))


def test_metadata_matches_reference(encoding, reference):
    assert encoding.n_vocab == reference.n_vocab
    assert encoding.max_token_value == reference.max_token_value
    assert encoding.special_tokens == reference._special_tokens
    assert encoding.spec.pattern == reference._pat_str


def test_aliases_give_the_same_object(encoding):
    for alias in encoding.spec.aliases:
        assert lc.get_encoding(alias) is encoding


def test_unknown_encoding_is_a_key_error_that_says_what_to_install():
    with pytest.raises(KeyError) as info:
        lc.get_encoding("nosuch_base")
    message = str(info.value)
    assert "pip install llm-cost-nosuch" in message
    for name in lc.list_encodings():
        assert name in message


def test_unknown_model_is_a_key_error():
    with pytest.raises(KeyError, match="unknown model 'no-such-model'"):
        lc.encoding_for_model("no-such-model")


@pytest.mark.parametrize("value", [None, b"abc", 5, ["a"]], ids=["None", "bytes", "int", "list"])
def test_text_that_is_not_a_str_is_a_type_error_as_in_tiktoken(encoding, reference, value):
    """tiktoken 0.14 has no count: ours raises what its encode_ordinary raises (encode raises
    from its special-token check, in both)."""
    with pytest.raises(TypeError) as theirs:
        reference.encode_ordinary(value)
    for ours in (encoding.encode_ordinary, encoding.count):
        with pytest.raises(TypeError) as raised:
            ours(value)
        assert str(raised.value) == str(theirs.value)
    with pytest.raises(TypeError) as theirs:
        reference.encode(value)
    with pytest.raises(TypeError) as raised:
        encoding.encode(value)
    assert str(raised.value) == str(theirs.value)
