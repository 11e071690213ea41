"""Counting a text as independent segments, for scanners that split before a space.

By the scanner's `splits_before_space` promise (the scanner contract, `engine/scanner.py`), text
cut just before a space followed by a non-whitespace character counts as the sum of its segments,
each counted followed by a space and a letter (which stands for whatever the whole text has
there: it matters to a pattern such as cl100k's `\\s++$`, which sees the end of a segment scanned
alone), minus the tokens of that stand-in. Words repeat across documents, so a bounded map from
segment to count turns most of the work into C-level look-ups:
`sum(map(counts.__getitem__, segments))`.

The cut is `re.split(" (?=\\S)")`. A text is counted here whole; a long one, or a stream, comes
as parts (`engine/parts.py`), so no list of segments ever spans more than a part (a 100 MB text
would otherwise make about 17 M segment strings at once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from itertools import accumulate, compress, count, filterfalse, islice
from operator import sub

from llm_cost_core.engine.parts import SPACE_CUT, SPACE_STAND_IN

_split = SPACE_CUT.split
_CACHE_ITEMS = 1 << 18  # segments remembered before the map starts afresh (~30 MB at most)
_ENDS_ITEMS = 1 << 16  # the same for the first and the last segments of texts
_CACHE_CHARS = 96  # longer segments are counted each time, not remembered


class SegmentCounter:
    """`count(text)` for a scanner with `splits_before_space`. `count_pieces` is the BPE engine's
    `count`; `piece_count`, when the engine has one, counts a single piece (a C-level look-up
    once seen); `checked_counts`, when given, checks the counts of one scan's pieces (a plugin's
    engine is not trusted to give possible ones). Exact by the scanner's promise, which each
    plugin's tests prove."""

    def __init__(
        self,
        scanner: Callable[[str], Iterable[str]],
        count_pieces: Callable[[Iterable[str]], int],
        piece_count: Callable[[str], int] | None = None,
        checked_counts: Callable[[list[int]], list[int]] | None = None,
    ) -> None:
        self._scan = scanner
        self._count_pieces = count_pieces
        self._piece_count = piece_count or (lambda piece: count_pieces((piece,)))
        self._checked_counts = checked_counts
        """Checks a scan's per-piece counts when the engine is a plugin's (`CheckedEngine`)."""
        self._lock = threading.Lock()
        self._pending: list[str] = []
        self._segments = _Segments(self._pending.append)
        self._lookup = self._segments.__getitem__
        self._heads: dict[str, int] = {}  # the first segment of a text, followed by a cut
        self._tails: dict[str, int] = {}  # the last segment, after a cut space, ending the text

    def __call__(self, text: str) -> int:
        """The tokens of `text`, counted whole (a long text comes a part at a time)."""
        # The queue of unknown segments is per call: one count at a time (the GIL runs one
        # anyway).
        with self._lock:
            return self._count(text)

    def _count(self, text: str) -> int:
        try:
            return self._count_queued(text)
        finally:  # an interrupted count (Ctrl-C, a broken promise) must leave nothing queued
            self._pending.clear()

    def _count_queued(self, text: str) -> int:
        segments = _split(text)
        n = len(segments)
        if n == 1:
            return self._count_pieces(self._scan(text))
        # segments[0] starts the text, each later one follows a cut space, the last ends the text.
        # Known middle segments are summed in C; unknown ones count 0 there and are queued, then
        # counted in one scan with the first and the last segment (see `_spans`). The first and
        # the last segment have caches of their own, as they sit in other contexts.
        total = sum(map(self._lookup, islice(segments, 1, n - 1))) if n > 2 else 0
        head, tail = segments[0], segments[-1]
        pending = self._pending
        if not pending:
            first = self._heads.get(head)
            last = self._tails.get(tail)
            if first is not None and last is not None:
                return total + first + last
        distinct = list(dict.fromkeys(pending))
        other: list[str] = []
        if not all(map(str.isascii, distinct)):  # the scanner is fastest on ASCII text alone
            other = list(filterfalse(str.isascii, distinct))
            distinct = list(filter(str.isascii, distinct))
        counts = self._spans(
            " ".join((head, *distinct, tail)), (len(head), *map(_plus_one, map(len, distinct)))
        )
        total += counts[0] + counts[-1]
        for cache, segment, tokens in (
            (self._heads, head, counts[0]),
            (self._tails, tail, counts[-1]),
        ):
            if len(segment) <= _CACHE_CHARS:
                if len(cache) >= _ENDS_ITEMS:
                    cache.clear()
                cache[segment] = tokens
        if not pending:
            return total
        found = dict(zip(distinct, islice(counts, 1, len(counts) - 1), strict=True))
        if other:
            text = " " + " ".join(other) + SPACE_STAND_IN
            spans = self._spans(text, tuple(map(_plus_one, map(len, other))))
            found.update(zip(other, islice(spans, len(other)), strict=True))  # not the stand-in
        total += sum(map(found.__getitem__, pending))
        pending.clear()
        cache = self._segments
        if len(cache) + len(found) > _CACHE_ITEMS:
            cache.clear()
        if max(map(len, found)) > _CACHE_CHARS:
            found = {segment: n for segment, n in found.items() if len(segment) <= _CACHE_CHARS}
        cache.update(found)
        return total

    def _spans(self, text: str, lengths: tuple[int, ...]) -> list[int]:
        """The tokens of consecutive spans of `text`, cut after each of `lengths` (the last span
        runs to the end). Every cut must be where the scanner promises a piece boundary, and
        each span's pieces are then those it has in `text`: the difference of running totals.
        """
        pieces = self._scan(text)
        if not isinstance(pieces, list):
            pieces = list(pieces)
        cuts = set(accumulate(lengths))
        starts = accumulate(map(len, pieces), initial=0)  # where each piece starts
        firsts = list(compress(count(), map(cuts.__contains__, starts)))  # pieces after a cut
        if len(firsts) != len(cuts):
            raise RuntimeError("the scanner broke its splits_before_space promise")
        counts: Iterable[int] = map(self._piece_count, pieces)
        if self._checked_counts is not None:
            counts = self._checked_counts(list(counts))
        totals = list(accumulate(counts, initial=0))
        at = [0, *map(totals.__getitem__, firsts), totals[-1]]
        return list(map(sub, islice(at, 1, None), at))


class _Segments(dict[str, int]):
    """Segment (the text after a cut space, without it) to the tokens of that space and segment.
    An unknown segment counts 0 and is handed to `queue`, to be counted with the others."""

    def __init__(self, queue: Callable[[str], None]) -> None:
        super().__init__()
        self._queue = queue

    def __missing__(self, segment: str) -> int:
        self._queue(segment)
        return 0


_plus_one = (1).__add__
