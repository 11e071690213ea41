"""The default byte-pair merge engine, in pure Python, with tiktoken's exact merge order.

tiktoken's rule: among the adjacent pairs of parts whose concatenation is a token, merge the one
with the lowest rank, leftmost on ties, until none is left. Short pieces use a list merge (C-speed
scans, quadratic in a small bound). Long pieces use a bucket merge: one bucket of start positions
per rank, emptied lowest rank first, each in position order, which is exactly the order of a heap
of (rank, start). Each merge makes at most two new candidates and each candidate is looked at
once (a bucket filled out of order is sorted once, a Timsort over a few ascending runs), so the
work is linear in the piece as long as every merge only creates pairs of higher rank
than its own. Trained vocabularies almost always behave so (o200k and cl100k did on every
benchmark input and every random test), but nothing guarantees it: the first merge that creates a
pair of lower or equal rank hands the remaining candidates to a heap, which pops in the same
order, so the result is exact for any vocabulary and the worst case is n log n.
"""

from __future__ import annotations

import heapq
import operator
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import islice, pairwise
from typing import Protocol, cast, overload

from llm_cost_core.engine.spec import Ranks


class BPEEngine(Protocol):
    """What `make_bpe` returns. Pieces are the scanner's output, in order.

    An engine may also take whole texts (the engine seam, see `WholeTextEngine`): core then
    hands it each part of the text in one call instead of scanning in Python and handing it
    the pieces. An engine without those methods gets today's path.
    """

    def encode(self, pieces: Iterable[str]) -> list[int]:
        """The token ids of all pieces, concatenated."""
        ...

    def count(self, pieces: Iterable[str]) -> int:
        """`len(self.encode(pieces))`, without having to build the list."""
        ...


class WholeTextEngine(BPEEngine, Protocol):
    """An engine that also scans: it offers all four methods below or none of them.

    Only an engine that knows `spec.pattern` exactly may offer them (its pieces must be the
    scanner's). Texts are valid Unicode (core has already replaced lone surrogates), and are
    whole parts: core cuts long texts and streams only where the scanner promises a boundary.
    Counts are ints >= 0. Core uses them in `Encoding.count`, `count_stream`, `encode_ordinary`,
    `encode` (between special tokens) and the batch methods, and so in every command.
    """

    def count_text(self, text: str) -> int:
        """`count(scanner(text))`, in one call (scan, merge and cache)."""
        ...

    def encode_text(self, text: str) -> list[int]:
        """`encode(scanner(text))`, in one call."""
        ...

    def count_batch(self, texts: Sequence[str], num_threads: int, /) -> list[int]:
        """`[count_text(text) for text in texts]`, over up to `num_threads` threads."""
        ...

    def encode_batch(self, texts: Sequence[str], num_threads: int, /) -> list[list[int]]:
        """`[encode_text(text) for text in texts]`, over up to `num_threads` threads."""
        ...


def whole_text(engine: BPEEngine) -> WholeTextEngine | None:
    """`engine` when it takes whole texts (it has `count_text`), else None."""
    if callable(getattr(engine, "count_text", None)):
        return cast("WholeTextEngine", engine)
    return None


class Get(Protocol):
    """A rank map's `get`: `dict.get`, `Mapping.get` or `FlatRanks.get`."""

    @overload
    def __call__(self, key: bytes, /) -> int | None: ...
    @overload
    def __call__(self, key: bytes, default: int, /) -> int: ...


_NO_MERGE = 1 << 62  # larger than any rank
_SHORT = 96  # pieces up to this many bytes use the list merge; longer ones the bucket merge
_CACHE_ITEMS = 1 << 16  # pieces remembered before the cache starts afresh
_COUNT_ITEMS = 1 << 18  # the same for piece counts (a corpus of 12 MB has 96 k distinct pieces)
_CACHE_PIECE_CHARS = 64  # longer pieces are rare and big: not worth remembering
_PROMOTE_BYTES = 1 << 16  # merge work after which a non-dict rank map is copied into a dict


class PurePythonBPE:
    """Merges each piece's bytes lowest rank first, leftmost on ties, as tiktoken does.

    Whole-token pieces are one look-up; other pieces are merged once and remembered (bounded),
    since real text repeats its pieces. `ranks` may be any mapping: a lazy one (such as
    `FlatRanks`, which answers look-ups straight from the cached vocab file) is used as is for
    small inputs and copied into a dict (its `to_dict()` when it has one) once the bytes merged
    exceed `_PROMOTE_BYTES`. The copy costs about as much as that much merging through the lazy
    map, so the total is never much more than the better of the two choices.
    """

    def __init__(self, ranks: Ranks) -> None:
        self._ranks = ranks
        self._get: Get = ranks.get
        self._work = 0 if not isinstance(ranks, dict) else -1  # -1: nothing left to promote
        self._cache: dict[str, list[int]] = {}
        self._counts = _PieceCounts(self)
        self.piece_count: Callable[[str], int] = self._counts.__getitem__
        """The token count of one piece: a C-level look-up once the piece has been seen."""

    def encode(self, pieces: Iterable[str]) -> list[int]:
        out: list[int] = []
        cached = self._cache.get
        for piece in pieces:
            ids = cached(piece)
            out += self._miss(piece) if ids is None else ids
        return out

    def count(self, pieces: Iterable[str]) -> int:
        # `map` over a dict whose `__missing__` merges: no Python-level loop for seen pieces.
        return sum(map(self.piece_count, pieces))

    def _count_miss(self, piece: str) -> int:
        data = piece.encode("utf-8")
        self._charge(len(data))
        return merge_count(data, self._get)

    def _miss(self, piece: str) -> list[int]:
        data = piece.encode("utf-8")
        self._charge(len(data))
        ids = merge_ids(data, self._get)
        if len(piece) <= _CACHE_PIECE_CHARS:
            if len(self._cache) >= _CACHE_ITEMS:
                self._cache.clear()
            self._cache[piece] = ids
        return ids

    def _charge(self, nbytes: int) -> None:
        """Count merge work; past `_PROMOTE_BYTES`, swap a lazy rank map for a dict."""
        if self._work < 0:
            return
        self._work += nbytes
        if self._work > _PROMOTE_BYTES:
            to_dict = getattr(self._ranks, "to_dict", None)
            ranks = to_dict() if to_dict is not None else dict(self._ranks)
            self._ranks, self._get, self._work = ranks, ranks.get, -1


class _PieceCounts(dict[str, int]):
    """Piece to token count, filled on first sight; bounded (it starts afresh when full)."""

    def __init__(self, engine: PurePythonBPE) -> None:
        super().__init__()
        self._engine = engine

    def __missing__(self, piece: str) -> int:
        count = self._engine._count_miss(piece)
        if len(piece) <= _CACHE_PIECE_CHARS:
            if len(self) >= _COUNT_ITEMS:
                self.clear()
            self[piece] = count
        return count


def merge(piece: bytes, ranks: Ranks) -> list[int]:
    """The token ids of one piece."""
    return merge_ids(piece, ranks.get)


def merge_ids(piece: bytes, get: Get) -> list[int]:
    """The token ids of one piece, given the rank map's `get`."""
    rank = get(piece)
    if rank is not None:
        return [rank]
    if len(piece) <= _SHORT:
        bounds = _merge_list(piece, get)
        return [_rank(get, piece[a:b]) for a, b in pairwise(bounds)]
    nxt, _ = _merge_long(piece, get)
    out = []
    i, n = 0, len(piece)
    while i < n:
        j = nxt[i]
        out.append(_rank(get, piece[i:j]))
        i = j
    return out


def merge_count(piece: bytes, get: Get) -> int:
    """`len(merge_ids(piece, get))`, without building the list."""
    if get(piece) is not None:
        return 1
    if len(piece) <= _SHORT:
        return len(_merge_list(piece, get)) - 1
    return _merge_long(piece, get)[1]


def _rank(get: Get, part: bytes) -> int:
    rank = get(part)
    if rank is None:  # only a vocab without every single byte gets here
        raise KeyError(f"no token for bytes {part!r}: the vocab lacks a single-byte token")
    return rank


def _merge_list(piece: bytes, get: Get) -> list[int]:
    """The part boundaries after merging. Quadratic but C-speed (`min`, `index`, `del`): the
    fastest choice for short pieces."""
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
    return bounds


def _merge_long(piece: bytes, get: Get) -> tuple[array[int], int]:
    """Merge a long piece; returns `nxt` (`nxt[i]` is where the part starting at `i` ends) and
    the number of parts.

    Parts form a linked list over byte positions (`nxt`, `prv`; a merged-away start has
    `nxt == 0`). A candidate is (rank, start of its left part); it is stale, and skipped, unless
    its two parts still span exactly the bytes of that rank. Buckets are emptied lowest rank
    first, each in start order: the same order as a heap of (rank, start), without the log.
    """
    n = len(piece)
    code = "i" if n < (1 << 31) - 1 else "q"
    nxt = array(code, range(1, n + 1))
    prv = array(code, range(-1, n - 1))
    buckets: dict[int, array[int]] = {}
    for i in range(n - 1):
        r = get(piece[i : i + 2])
        if r is not None:
            bucket = buckets.get(r)
            if bucket is None:
                buckets[r] = bucket = array(code)
            bucket.append(i)
    ranks = list(buckets)
    heapq.heapify(ranks)
    merges = 0
    while ranks:
        r = heapq.heappop(ranks)
        starts = buckets.pop(r)
        if not all(map(operator.lt, starts, islice(starts, 1, None))):
            starts = array(code, sorted(set(starts)))
        for at, i in enumerate(starts):
            j = nxt[i]
            if j <= i or j == n:
                continue
            k = nxt[j]
            if get(piece[i:k]) != r:
                continue
            nxt[i] = k
            nxt[j] = 0
            merges += 1
            right = left = None
            if k < n:
                prv[k] = i
                right = get(piece[i : nxt[k]])
            if i:
                p = prv[i]
                left = get(piece[p:k])
            if (right is not None and right <= r) or (left is not None and left <= r):
                # Not monotone: finish with a heap, which pops in the same order.
                rest = [(r, s) for s in islice(starts, at + 1, None)]
                if right is not None:
                    rest.append((right, i))
                if left is not None:
                    rest.append((left, p))
                return nxt, n - merges - _heap_finish(piece, get, nxt, prv, buckets, rest)
            if right is not None:
                bucket = buckets.get(right)
                if bucket is None:
                    buckets[right] = bucket = array(code)
                    heapq.heappush(ranks, right)
                bucket.append(i)
            if left is not None:
                bucket = buckets.get(left)
                if bucket is None:
                    buckets[left] = bucket = array(code)
                    heapq.heappush(ranks, left)
                bucket.append(p)
    return nxt, n - merges


def _heap_finish(
    piece: bytes,
    get: Get,
    nxt: array[int],
    prv: array[int],
    buckets: dict[int, array[int]],
    extra: list[tuple[int, int]],
) -> int:
    """Carry on `_merge_long` with a heap of `rank * stride + start` keys; returns the merges."""
    n = len(piece)
    stride = n + 1
    heap = [r * stride + s for r, bucket in buckets.items() for s in bucket]
    heap += [r * stride + s for r, s in extra]
    buckets.clear()
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    merges = 0
    while heap:
        r, i = divmod(pop(heap), stride)
        j = nxt[i]
        if j <= i or j == n:
            continue
        k = nxt[j]
        if get(piece[i:k]) != r:
            continue
        nxt[i] = k
        nxt[j] = 0
        merges += 1
        if k < n:
            prv[k] = i
            x = get(piece[i : nxt[k]])
            if x is not None:
                push(heap, x * stride + i)
        if i:
            p = prv[i]
            x = get(piece[p:k])
            if x is not None:
                push(heap, x * stride + p)
    return merges
