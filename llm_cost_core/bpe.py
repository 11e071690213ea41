"""The default byte-pair merge engine, in pure Python, with tiktoken's exact merge order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from typing import Protocol

from .spec import Ranks


class BPEEngine(Protocol):
    """What `make_bpe` returns. Pieces are the scanner's output, in order."""

    def encode(self, pieces: Iterable[str]) -> list[int]:
        """The token ids of all pieces, concatenated."""
        ...

    def count(self, pieces: Iterable[str]) -> int:
        """`len(self.encode(pieces))`, without having to build the list."""
        ...


_NO_MERGE = 1 << 62  # larger than any rank
_SHORT = 256  # pieces up to this many bytes use the list merge; longer ones the heap merge
_CACHE_ITEMS = 1 << 16  # pieces remembered before the cache starts afresh
_CACHE_PIECE_CHARS = 64  # longer pieces are rare and big: not worth remembering


class PurePythonBPE:
    """Merges each piece's bytes lowest rank first, leftmost on ties, as tiktoken does.

    Whole-token pieces are one dict look-up; other pieces are merged once and remembered (bounded),
    since real text repeats its pieces. Long pieces use a heap, so `"a" * 10**6` is n log n.
    """

    def __init__(self, ranks: Ranks) -> None:
        self._ranks = ranks
        self._cache: dict[str, list[int]] = {}

    def encode(self, pieces: Iterable[str]) -> list[int]:
        out: list[int] = []
        piece_ids = self._piece_ids
        for piece in pieces:
            out += piece_ids(piece)
        return out

    def count(self, pieces: Iterable[str]) -> int:
        piece_ids = self._piece_ids
        return sum(len(piece_ids(piece)) for piece in pieces)

    def _piece_ids(self, piece: str) -> list[int]:
        ids = self._cache.get(piece)
        if ids is None:
            ids = merge(piece.encode("utf-8"), self._ranks)
            if len(piece) <= _CACHE_PIECE_CHARS:
                if len(self._cache) >= _CACHE_ITEMS:
                    self._cache.clear()
                self._cache[piece] = ids
        return ids


def merge(piece: bytes, ranks: Ranks) -> list[int]:
    """The token ids of one piece."""
    rank = ranks.get(piece)
    if rank is not None:
        return [rank]
    if len(piece) <= _SHORT:
        return _merge_list(piece, ranks)
    return _merge_heap(piece, ranks)


def _merge_list(piece: bytes, ranks: Ranks) -> list[int]:
    """Quadratic but C-speed (`min`, `index`, `del`): the fastest choice for short pieces."""
    get = ranks.get
    bounds = list(range(len(piece) + 1))
    pair = [get(piece[i : i + 2], _NO_MERGE) for i in range(len(piece) - 1)]
    while pair:
        best = min(pair)
        if best == _NO_MERGE:
            break
        i = pair.index(best)
        del bounds[i + 1]
        del pair[i]
        if i > 0:
            pair[i - 1] = get(piece[bounds[i - 1] : bounds[i + 1]], _NO_MERGE)
        if i < len(pair):
            pair[i] = get(piece[bounds[i] : bounds[i + 2]], _NO_MERGE)
    return [ranks[piece[a:b]] for a, b in itertools.pairwise(bounds)]


def _merge_heap(piece: bytes, ranks: Ranks) -> list[int]:
    """n log n: a heap of (rank, start) candidate pairs over a linked list of parts.

    The heap holds every current pair (and some stale ones, skipped when popped), so the pop order
    is exactly lowest rank first, leftmost start on ties.
    """
    get = ranks.get
    n = len(piece)
    nxt = list(range(1, n + 1))  # nxt[i]: where the part starting at i ends
    prv = list(range(-1, n - 1))  # prv[i]: where the part ending at i starts
    alive = [True] * n
    heap = [(r, i) for i in range(n - 1) if (r := get(piece[i : i + 2])) is not None]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        rank, i = pop(heap)
        if not alive[i]:
            continue
        j = nxt[i]
        if j >= n:
            continue
        k = nxt[j]
        if get(piece[i:k]) != rank:
            continue
        alive[j] = False
        nxt[i] = k
        if k < n:
            prv[k] = i
            r = get(piece[i : nxt[k]])
            if r is not None:
                push(heap, (r, i))
        if i > 0:
            p = prv[i]
            r = get(piece[p:k])
            if r is not None:
                push(heap, (r, p))
    out = []
    i = 0
    while i < n:
        out.append(ranks[piece[i : nxt[i]]])
        i = nxt[i]
    return out
