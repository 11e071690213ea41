"""The merge engine against a deliberately naive reference merge, and against tiktoken."""

from __future__ import annotations

import operator
import os
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llm_cost_core.engine import bpe
from llm_cost_core.engine.flatvocab import FlatRanks, build

SLOW = pytest.mark.skipif(
    not os.environ.get("LLM_COST_SLOW_TESTS"),
    reason="minutes of pure-Python merging; tox -e bpe-slow (LLM_COST_SLOW_TESTS=1) runs it",
)


def reference_merge(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """tiktoken's rule spelled out: merge the lowest-ranked adjacent pair, leftmost on ties."""
    parts = [piece[i : i + 1] for i in range(len(piece))]
    while True:
        candidates = [
            (ranks[parts[i] + parts[i + 1]], i)
            for i in range(len(parts) - 1)
            if parts[i] + parts[i + 1] in ranks
        ]
        if not candidates:
            return [ranks[part] for part in parts]
        _, i = min(candidates)
        parts[i : i + 2] = [parts[i] + parts[i + 1]]


def toy_ranks() -> dict[bytes, int]:
    """All single bytes, then merges chosen so that ties and overlaps happen often.

    Unlike a trained vocab, merges here often create pairs of lower rank than the one just
    merged ("abab" before "bab"), which drives the long merge onto its heap.
    """
    ranks = {bytes([b]): b for b in range(256)}
    for token in [
        b"ab",
        b"ba",
        b"aa",
        b"bb",
        b"aaa",
        b"aab",
        b"abab",
        b"baba",
        b"aaaa",
        b"bab",
        b"abba",
        b"aaaaaaaa",
        b"bbbb",
        b"ca",
        b"cab",
        b"abc",
        b"cc",
        b"ccc",
    ]:
        ranks[token] = len(ranks)
    return ranks


TOY = toy_ranks()
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # ZWJ family, 25 bytes
abc_pieces = st.binary(min_size=1, max_size=80).map(lambda b: bytes(b"abc"[x % 3] for x in b))


def long_merge_ids(piece: bytes, ranks: dict[bytes, int]) -> list[int]:
    """The long merge's result as ids, whatever the piece's length."""
    nxt, count = bpe._merge_long(piece, ranks.get)
    ids, i = [], 0
    while i < len(piece):
        ids.append(ranks[piece[i : nxt[i]]])
        i = nxt[i]
    assert len(ids) == count
    return ids


@given(abc_pieces)
def test_list_merge_matches_reference(piece):
    bounds = bpe._merge_list(piece, TOY.get)
    assert [TOY[piece[a:b]] for a, b in pairwise(bounds)] == reference_merge(piece, TOY)


@given(abc_pieces)
def test_long_merge_matches_reference(piece):
    assert long_merge_ids(piece, TOY) == reference_merge(piece, TOY)


@given(abc_pieces)
def test_merge_and_count_agree_with_reference(piece):
    expected = reference_merge(piece, TOY)
    assert bpe.merge(piece, TOY) == expected
    assert bpe.merge_count(piece, TOY.get) == len(expected)


def test_both_long_merge_strategies_are_exercised(monkeypatch):
    """The toy vocab sends some pieces to the heap; a uniform run never needs it."""
    calls = []
    heap_finish = bpe._heap_finish
    monkeypatch.setattr(bpe, "_heap_finish", lambda *a: calls.append(1) or heap_finish(*a))
    for piece in [b"a" * 1000, b"ab" * 600]:
        assert bpe.merge(piece, TOY) == reference_merge(piece, TOY)
    assert calls == []
    piece = b"cbaba" * 60
    assert bpe.merge(piece, TOY) == reference_merge(piece, TOY)
    assert calls == [1]


@st.composite
def random_vocab_and_piece(draw):
    """A random small vocab over "ab" (merges in any order, so merges often create lower-ranked
    pairs) and a piece to merge with it."""
    tokens = draw(
        st.lists(st.binary(min_size=2, max_size=4), min_size=1, max_size=14, unique=True).map(
            lambda ts: list(dict.fromkeys(bytes(b"ab"[x % 2] for x in t) for t in ts))
        )
    )
    order = draw(st.permutations(range(256, 256 + len(tokens))))
    ranks = {bytes([b]): b for b in range(256)} | dict(zip(tokens, order, strict=True))
    piece = draw(st.binary(min_size=2, max_size=40).map(lambda b: bytes(b"ab"[x % 2] for x in b)))
    return ranks, piece


@given(random_vocab_and_piece())
def test_random_vocabs_long_and_list_merges_match_reference(vocab_and_piece):
    ranks, piece = vocab_and_piece
    expected = reference_merge(piece, ranks)
    assert long_merge_ids(piece, ranks) == expected
    bounds = bpe._merge_list(piece, ranks.get)
    assert [ranks[piece[a:b]] for a, b in pairwise(bounds)] == expected


def test_a_bucket_filled_out_of_order_is_merged_leftmost_first():
    """Rank 300 gets "cde" (after "de" merges) before "abc" (after "ab" merges), to its right
    first; the two overlap, and the leftmost must win. Only a vocab with a shared rank can do this
    (tiktoken refuses one), but the rule is the rule."""
    ranks = {bytes([b]): b for b in range(256)} | {b"de": 260, b"ab": 270, b"abc": 300, b"cde": 300}
    assert reference_merge(b"abcde", ranks) == [300, 260]
    assert long_merge_ids(b"abcde", ranks) == [300, 260]
    assert bpe.merge(b"abcde" * 40, ranks) == reference_merge(b"abcde" * 40, ranks)


@pytest.mark.parametrize("piece", [b"a" * 1000, b"ab" * 600, b"abc" * 400, b"b" * 999])
def test_long_pieces_take_the_long_path_and_agree(piece):
    assert len(piece) > bpe._SHORT
    assert bpe.merge(piece, TOY) == reference_merge(piece, TOY)
    assert bpe.merge_count(piece, TOY.get) == len(reference_merge(piece, TOY))


def test_a_vocab_without_every_byte_is_a_clear_key_error():
    with pytest.raises(KeyError, match="lacks a single-byte token"):
        bpe.merge(b"xy" * 100, {b"x": 0})


# -- real vocabs -----------------------------------------------------------------------------

_RANKS: dict[str, dict[bytes, int]] = {}


def real_ranks(encoding) -> dict[bytes, int]:
    """The encoding's ranks as a plain dict, from its plugin's own loader (once per run)."""
    if encoding.name not in _RANKS:
        _RANKS[encoding.name] = dict(encoding.spec.load_ranks())
    return _RANKS[encoding.name]


def piece_strategy(tokens: list[bytes]):
    """Long pieces made of real tokens, runs and scripts: where long merges get interesting."""
    units = st.one_of(
        st.sampled_from(tokens),
        st.sampled_from(["a", " ", "\n", "😀", FAMILY, "ह", "的", "ab", "\u200d"]).map(str.encode),
        st.text(min_size=1, max_size=3).map(lambda s: s.encode("utf-8", "surrogatepass")),
    )
    runs = st.tuples(units, st.integers(1, 40)).map(
        lambda unit_and_times: operator.mul(*unit_and_times)
    )
    # The reference is quadratic: keep pieces to a few hundred bytes.
    return st.lists(runs, min_size=2, max_size=12).map(b"".join).filter(lambda p: len(p) <= 700)


def test_engine_with_real_ranks_matches_reference(encoding):
    ranks = real_ranks(encoding)
    for text in ["hello world", "a" * 300, " " * 700, "😀" * 90, "ab" * 200, "ह" * 200]:
        piece = text.encode()
        assert bpe.merge(piece, ranks) == reference_merge(piece, ranks)


def test_hypothesis_real_ranks_long_and_short_merges_match_reference(encoding):
    ranks = real_ranks(encoding)
    tokens = sorted(ranks, key=ranks.__getitem__)[256:]

    @given(piece_strategy(tokens))
    def check(piece):
        expected = reference_merge(piece, ranks)
        assert long_merge_ids(piece, ranks) == expected
        assert bpe.merge(piece, ranks) == expected

    check()


def test_flat_ranks_and_dict_give_the_same_ids(encoding):
    ranks = real_ranks(encoding)
    flat = FlatRanks(build(ranks, "0" * 64), "0" * 64)
    pieces = ["hello", " world", "a" * 500, "😀" * 100, "xyzzy" * 40]
    assert bpe.PurePythonBPE(flat).encode(pieces) == bpe.PurePythonBPE(ranks).encode(pieces)


def test_lazy_rank_map_is_promoted_to_a_dict_after_enough_work(encoding):
    ranks = real_ranks(encoding)
    flat = FlatRanks(build(ranks, "0" * 64), "0" * 64)
    engine = bpe.PurePythonBPE(flat)
    assert engine.count(["hi", " there"]) == 2
    assert engine._get == flat.get  # a short run never builds the dict
    text = "x" * (bpe._PROMOTE_BYTES + 1)
    assert engine.count([text]) == bpe.PurePythonBPE(ranks).count([text])
    assert engine._get == flat.to_dict().get


def test_engine_count_and_encode_agree_and_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(bpe, "_CACHE_ITEMS", 8)
    engine = bpe.PurePythonBPE(TOY)
    pieces = [f"{'ab' * i}c" for i in range(40)]
    assert engine.count(pieces) == len(engine.encode(pieces))
    assert len(engine._cache) <= 8
    assert engine.encode(pieces) == [i for p in pieces for i in reference_merge(p.encode(), TOY)]


WORST = {
    "a": "a",
    "space": " ",
    "newline": "\n",
    "emoji": "😀",
    "zwj family": FAMILY,
}


@pytest.mark.parametrize("unit", WORST.values(), ids=WORST.keys())
def test_worst_case_runs_match_tiktoken(encoding, reference, unit):
    """The benchmark's inputs, at a size tiktoken handles, id for id."""
    text = unit * (30_000 // len(unit.encode()))
    ids = encoding.encode_ordinary(text)
    assert ids == reference.encode_ordinary(text)
    assert encoding.count(text) == len(ids)


def test_a_million_spaces_o200k(encoding, reference):
    """tiktoken's own encode_ordinary fails here (its regex engine's stack overflows), so the
    o200k scanner's single piece is checked against tiktoken's merge applied to it directly."""
    if encoding.name != "o200k":
        pytest.skip("the case tiktoken cannot run is o200k's")
    text = " " * 1_000_000
    assert list(encoding.scanner(text)) == [text]  # `\s+(?!\S)` takes the whole run
    ids = encoding.encode_ordinary(text)
    assert ids == reference._encode_single_piece(text.encode())
    assert encoding.count(text) == len(ids) == 7813


@SLOW
def test_ten_million_a(encoding, reference):
    text = "a" * 10_000_000
    ids = encoding.encode_ordinary(text)
    assert ids == reference.encode_ordinary(text)
    assert encoding.count(text) == len(ids)


@SLOW
@pytest.mark.parametrize("unit", WORST.values(), ids=WORST.keys())
def test_a_million_bytes_match_tiktoken_merge(encoding, reference, unit):
    text = unit * (1_000_000 // len(unit.encode()))
    merge = reference._encode_single_piece  # tiktoken's merge alone, without its regex
    expected = [i for piece in encoding.scanner(text) for i in merge(piece)]
    assert encoding.encode_ordinary(text) == expected
