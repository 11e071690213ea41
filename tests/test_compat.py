"""`import llm_cost_core.compat as tiktoken` behaves as tiktoken 0.14, name for name.

Every test that takes `encoding_name` runs once per installed encoding against tiktoken's own
Encoding for it (run offline on the plugin's vocab), on the Evil Corpus texts and on hypothesis
texts, the way tiktoken tests itself.
"""

from __future__ import annotations

import functools
import os
import pickle
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llm_cost_core as lc
import llm_cost_core.compat as tiktoken_compat
from llm_cost_core.verify.corpus import default_corpus, read_corpus

if not os.environ.get("LLM_COST_REQUIRE_TIKTOKEN"):  # as conftest's reference fixture
    pytest.importorskip("tiktoken", reason="tiktoken is not installed")
import tiktoken as real_tiktoken
import tiktoken.model


@functools.cache
def corpus_texts() -> list[str]:
    """Every distinct Evil Corpus text (the cases of any encoding)."""
    cases = read_corpus(default_corpus())
    return list(dict.fromkeys(case.text for case in cases))


@pytest.fixture
def ours(encoding_name, reference):
    return tiktoken_compat.get_encoding(reference.name)


def test_names_are_tiktokens(encoding_name, reference, ours):
    assert ours.name == reference.name
    assert repr(ours) == repr(reference)
    assert ours is tiktoken_compat.get_encoding(reference.name)
    assert ours is tiktoken_compat.get_encoding(encoding_name)  # llm-cost's own name works too
    assert reference.name in tiktoken_compat.list_encoding_names()
    assert reference.name in real_tiktoken.list_encoding_names()


def test_metadata(reference, ours):
    assert ours.n_vocab == reference.n_vocab
    assert ours.max_token_value == reference.max_token_value
    assert ours.eot_token == reference.eot_token
    assert ours.special_tokens_set == reference.special_tokens_set
    assert ours._special_tokens == reference._special_tokens
    assert ours._pat_str == reference._pat_str
    for token in (0, 1, ours.eot_token, *sorted(reference._special_tokens.values())[:50]):
        assert ours.is_special_token(token) == reference.is_special_token(token)
    assert ours.is_special_token(ours.n_vocab + 1) is False


def test_mergeable_ranks_and_token_bytes(reference, ours):
    assert ours._mergeable_ranks == reference._mergeable_ranks
    assert ours.token_byte_values() == reference.token_byte_values()


def test_evil_corpus(reference, ours):
    texts = corpus_texts()
    everything = {"allowed_special": "all", "disallowed_special": ()}
    for text in texts:
        assert ours.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)
        assert ours.encode(text, **everything) == reference.encode(text, **everything), repr(text)
    assert ours.encode_ordinary_batch(texts) == reference.encode_ordinary_batch(texts)
    assert ours.encode_batch(texts, disallowed_special=()) == reference.encode_batch(
        texts, disallowed_special=()
    )
    batch = reference.encode_ordinary_batch(texts)
    assert ours.decode_batch(batch) == reference.decode_batch(batch)
    assert ours.decode_bytes_batch(batch, num_threads=2) == reference.decode_bytes_batch(batch)
    for ids in batch:
        assert ours.decode_tokens_bytes(ids) == reference.decode_tokens_bytes(ids)
        assert same_outcome(ours.decode_with_offsets, reference.decode_with_offsets, ids)


def same_outcome(ours, theirs, *args, **kwargs) -> bool:
    """Both return the same value, or both raise the same exception type with the same str."""
    results = []
    for call in (ours, theirs):
        try:
            results.append(("ok", call(*args, **kwargs)))
        except Exception as exc:
            results.append((type(exc), str(exc)))
    return results[0] == results[1]


texts = st.text(max_size=40) | st.lists(
    st.sampled_from(["<|endoftext|>", " ", "  ", "\n", "'s", "a", "1", "é", "😀", "<|"]),
    max_size=12,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=texts)
def test_hypothesis_texts(encoding_name, text):
    reference, ours = pair(encoding_name)
    for kwargs in ({}, {"allowed_special": "all"}, {"disallowed_special": ()}):
        assert same_outcome(ours.encode, reference.encode, text, **kwargs), (text, kwargs)
    ids = reference.encode(text, allowed_special="all")
    assert ours.decode(ids) == reference.decode(ids)
    assert same_outcome(ours.decode_with_offsets, reference.decode_with_offsets, ids)
    assert same_outcome(ours.decode_with_offsets, reference.decode_with_offsets, ids[1:])


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=8) | st.sampled_from(["hello fanta", "x  ", "a\n\n", "<|endoftext|>"]))
def test_encode_with_unstable(encoding_name, text):
    reference, ours = pair(encoding_name)
    kwargs = {"allowed_special": "all"}
    stable, completions = ours.encode_with_unstable(text, **kwargs)
    their_stable, theirs = reference.encode_with_unstable(text, **kwargs)
    assert stable == their_stable
    assert sorted(map(tuple, completions)) == sorted(map(tuple, theirs))


def pair(encoding_name: str):
    from conftest import cached_reference

    reference = cached_reference(encoding_name)
    if reference is None:
        pytest.skip(f"{encoding_name} names no tiktoken reference")
    return reference, tiktoken_compat.get_encoding(reference.name)


def test_single_tokens(reference, ours):
    tokens = [*range(0, ours.n_vocab, 97), *reference._special_tokens.values(), ours.n_vocab]
    for token in tokens:
        assert same_outcome(
            ours.decode_single_token_bytes, reference.decode_single_token_bytes, token
        ), token
    for value in [b"hello", "hello", b" world", b"\xff\xfe\xfd\xfc", "<|endoftext|>", "zzzzzzzz"]:
        assert same_outcome(ours.encode_single_token, reference.encode_single_token, value), value
    for token_bytes in reference.token_byte_values()[::501]:
        assert ours.encode_single_token(token_bytes) == reference.encode_single_token(token_bytes)


def test_errors_are_tiktokens(reference, ours):
    bad = [1, ours.n_vocab + 5]
    assert same_outcome(ours.decode_bytes, reference.decode_bytes, bad)
    assert same_outcome(ours.decode, reference.decode, bad)
    with pytest.raises(KeyError):
        ours.decode_bytes(bad)
    text = f"a {sorted(ours.special_tokens_set)[0]} b"
    assert same_outcome(ours.encode, reference.encode, text)
    assert same_outcome(ours.encode_with_unstable, reference.encode_with_unstable, text)
    with pytest.raises(ValueError):
        ours.encode_batch(["ok", text])
    with pytest.raises(AssertionError):
        ours.is_special_token("0")


def test_unknown_names_raise_tiktokens_error_types():
    with pytest.raises(ValueError, match="unknown encoding 'no_such_base'"):
        tiktoken_compat.get_encoding("no_such_base")
    with pytest.raises(ValueError, match="Expected a string"):
        tiktoken_compat.get_encoding(1)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        tiktoken_compat.encoding_for_model("no-such-model-9")
    with pytest.raises(KeyError):
        tiktoken_compat.encoding_name_for_model("no-such-model-9")


def test_pickling(reference, ours):
    assert pickle.loads(pickle.dumps(ours)) is ours  # a registered encoding, by name
    extended = tiktoken_compat.Encoding(
        name="custom_enc",
        pat_str=ours._pat_str,
        mergeable_ranks=ours._mergeable_ranks,
        special_tokens={"<|pickle|>": ours.n_vocab + 10},
    )
    again = pickle.loads(pickle.dumps(extended))
    assert again is not extended and again.name == "custom_enc"
    text = "hello world <|pickle|>"
    expected = extended.encode(text, allowed_special="all")
    assert again.encode(text, allowed_special="all") == expected
    assert expected[-1] == ours.n_vocab + 10


def test_extending_an_encoding_as_tiktokens_readme_shows(reference, ours):
    """README: `Encoding(name=..., pat_str=base._pat_str, mergeable_ranks=base._mergeable_ranks,
    special_tokens={**base._special_tokens, ...})`, built from our parts and from theirs."""
    extra = {"<|im_start|>": ours.max_token_value + 1, "<|im_end|>": ours.max_token_value + 2}

    def build(module, base):
        return module.Encoding(
            name=f"{base.name}_im",
            pat_str=base._pat_str,
            mergeable_ranks=base._mergeable_ranks,
            special_tokens={**base._special_tokens, **extra},
        )

    mine, theirs = build(tiktoken_compat, ours), build(real_tiktoken, reference)
    assert mine.n_vocab == theirs.n_vocab and mine.name == theirs.name
    for text in [*corpus_texts()[::7], "<|im_start|>user\nhi<|im_end|>", "<|im_end|>'s"]:
        assert mine.encode(text, allowed_special="all", disallowed_special=()) == theirs.encode(
            text, allowed_special="all", disallowed_special=()
        ), repr(text)
    ids = theirs.encode("<|im_start|>x<|im_end|>", allowed_special="all")
    assert mine.decode(ids) == theirs.decode(ids)
    assert mine.decode_single_token_bytes(extra["<|im_end|>"]) == b"<|im_end|>"


def test_direct_construction_checks_like_tiktoken():
    ranks = {bytes([b]): b for b in range(256)}
    enc = tiktoken_compat.Encoding("bytes", pat_str=r"\S+|\s+", mergeable_ranks=ranks,
                                   special_tokens={"<|x|>": 256}, explicit_n_vocab=257)  # fmt: skip
    assert enc.encode("ab c<|x|>", allowed_special="all") == [97, 98, 32, 99, 256]
    assert enc.n_vocab == 257 and enc.max_token_value == 256
    with pytest.raises(AssertionError):
        tiktoken_compat.Encoding("bytes", pat_str=".", mergeable_ranks=ranks, special_tokens={},
                                 explicit_n_vocab=300)  # fmt: skip
    with pytest.raises(ValueError):
        tiktoken_compat.Encoding("bad", pat_str="(", mergeable_ranks=ranks, special_tokens={})
    ranks_copy = dict(ranks)
    enc = tiktoken_compat.Encoding("c", pat_str=".", mergeable_ranks=ranks_copy, special_tokens={})
    ranks_copy[b"ab"] = 256  # tiktoken copies the ranks when it is built: so does compat
    assert enc.encode("ab") == [97, 98]


def test_batches_run_on_threads(ours):
    """Two texts with num_threads=2 meet at a barrier: that needs both encodes running at once."""
    barrier = threading.Barrier(2, timeout=60)
    original = ours.encode

    def meeting_encode(text, **kwargs):
        barrier.wait()
        return original(text, **kwargs)

    encoding = pickle.loads(pickle.dumps(ours))  # the shared object; patch only this instance
    assert encoding is ours
    ours.encode = meeting_encode
    try:
        assert ours.encode_batch(["a b", "c"], num_threads=2) == [
            original("a b"),
            original("c"),
        ]
    finally:
        del ours.encode


def test_encode_to_numpy(reference, ours):
    np = pytest.importorskip("numpy")
    text = "hello world <|endoftext|>"
    got = ours.encode_to_numpy(text, allowed_special="all")
    assert got.dtype == np.uint32
    assert got.tolist() == reference.encode_to_numpy(text, allowed_special="all").tolist()
    with pytest.raises(ValueError):
        ours.encode_to_numpy(text)


def test_numpy_is_imported_only_when_asked():
    code = (
        "import sys, llm_cost_core.compat as t\n"
        "names = t.list_encoding_names()\n"
        "enc = t.get_encoding(names[0]) if names else None\n"
        "enc and enc.encode_batch(['hello world'])\n"
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# -- the model table ---------------------------------------------------------------------------

SUFFIXES = ("-2099-01-01", ":org:custom:id1")


def tiktoken_model_names() -> list[str]:
    """Every exact model of tiktoken 0.14's table, and each prefix followed by a version."""
    names = list(tiktoken.model.MODEL_TO_ENCODING)
    names += [prefix + suffix for prefix in tiktoken.model.MODEL_PREFIX_TO_ENCODING
              for suffix in SUFFIXES]  # fmt: skip
    return names


@pytest.mark.parametrize("model", tiktoken_model_names())
def test_model_table_is_tiktokens(model):
    """Each model maps to tiktoken's encoding when that encoding is installed; otherwise it is
    never taken for another installed encoding."""
    expected = tiktoken.model.encoding_name_for_model(model)
    installed = tiktoken_compat.list_encoding_names()
    if expected in installed:
        assert tiktoken_compat.encoding_name_for_model(model) == expected
        assert tiktoken_compat.encoding_for_model(model).name == expected
    else:
        try:
            got = tiktoken_compat.encoding_name_for_model(model)
        except KeyError:
            return
        assert got == expected  # not installed, so this can only be a priced model's encoding


def test_llm_cost_names_for_models_are_short_names():
    installed = tiktoken_compat.list_encoding_names()
    if "p50k_base" not in installed:
        pytest.skip("needs llm-cost-r50k")
    assert lc.encoding_name_for_model("text-davinci-003") == "p50k"
    assert tiktoken_compat.encoding_name_for_model("text-davinci-003") == "p50k_base"
