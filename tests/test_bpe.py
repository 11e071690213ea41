"""The merge engine against a deliberately naive reference merge."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_cost_core import bpe


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
    """All single bytes, then merges chosen so that ties and overlaps happen often."""
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


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=1, max_size=40).map(lambda b: bytes(b"abc"[x % 3] for x in b)))
def test_list_merge_matches_reference(piece):
    assert bpe._merge_list(piece, TOY) == reference_merge(piece, TOY)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=2, max_size=80).map(lambda b: bytes(b"abc"[x % 3] for x in b)))
def test_heap_merge_matches_reference(piece):
    assert bpe._merge_heap(piece, TOY) == reference_merge(piece, TOY)


@pytest.mark.parametrize("piece", [b"a" * 1000, b"ab" * 600, b"abc" * 400, b"b" * 999])
def test_long_pieces_take_the_heap_path_and_agree(piece):
    assert len(piece) > bpe._SHORT
    assert bpe.merge(piece, TOY) == reference_merge(piece, TOY)


def test_engine_with_real_ranks_matches_reference(encoding):
    ranks = encoding.spec.load_ranks()
    for text in ["hello world", "a" * 300, " " * 700, "😀" * 90, "ab" * 200, "ह" * 200]:
        piece = text.encode()
        assert bpe.merge(piece, ranks) == reference_merge(piece, ranks)


def test_engine_count_and_encode_agree_and_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(bpe, "_CACHE_ITEMS", 8)
    engine = bpe.PurePythonBPE(TOY)
    pieces = [f"{'ab' * i}c" for i in range(40)]
    assert engine.count(pieces) == len(engine.encode(pieces))
    assert len(engine._cache) <= 8
    assert engine.encode(pieces) == [i for p in pieces for i in reference_merge(p.encode(), TOY)]
