"""Counting text as independent segments, for scanners that split before a space.

A scanner with `splits_before_space` promises that a piece never crosses a space U+0020 that is
followed by a non-whitespace character, that the pieces before such a space do not depend on
what follows it, and that the pieces from it on are those of the text from it on. So text cut
just before those spaces counts as the sum of its segments, each counted followed by a space and
a letter (which stands for whatever the whole text has there: it matters to a pattern such as
cl100k's `\\s++$`, which sees the end of a segment scanned alone), minus the tokens of that
stand-in. Words repeat across documents, so a bounded map from segment to count turns most of
the work into C-level look-ups: `sum(map(counts.__getitem__, segments))`.

The cut is `re.split(" (?=\\S)")`. Python's `\\S` excludes every Unicode White_Space character
and also \\x1c-\\x1f (which tiktoken's `\\s` does not hold): cutting at fewer spaces than allowed
is always correct, only a little less cacheable.

The same promise bounds memory: a long text, or a stream of blocks (`cut_windows`), is counted
window by window, each window ending just before a cut, so no list of chunks ever spans more
than one window (a 100 MB text would otherwise make about 17 M chunk strings at once). A
scanner that also has `splits_after_newline` lets windows end just after a line feed followed
by a non-space other than `/`, so text without spaces is windowed too. A window followed by a
space cut is counted followed by " a"; one followed by a line-break cut, by "a".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, compress, count, filterfalse, islice
from operator import sub

_CUT = re.compile(r" (?=\S)")
_CUT_OR_LINE = re.compile(r" (?=\S)|(?<=\n)(?=[^\s/])")  # also just after such a line feed
_split = _CUT.split
_STAND_IN = " a"  # a space followed by a non-whitespace character
_CACHE_ITEMS = 1 << 18  # segments remembered before the map starts afresh (~30 MB at most)
_ENDS_ITEMS = 1 << 16  # the same for the first and the last chunks of texts
_CACHE_CHARS = 96  # longer segments are counted each time, not remembered
WINDOW = 1 << 20  # characters counted in one go; longer texts are cut into windows at cuts


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
        self._heads: dict[str, int] = {}  # the first chunk of a text, followed by a cut
        self._tails: dict[str, int] = {}  # the last chunk, after a cut space, ending the text
        self.after_newline = getattr(scanner, "splits_after_newline", False) is True
        """Whether windows may also end just after a line break (see `cut_windows`)."""

    def __call__(self, text: str) -> int:
        if len(text) > WINDOW:
            return self.count_windows(self.windows((text,)))
        # The queue of unknown chunks is per call: one count at a time (the GIL runs one anyway).
        with self._lock:
            return self._count(text)

    def windows(self, blocks: Iterable[str]) -> Iterator[str]:
        """`cut_windows` with the cuts this scanner promises."""
        return cut_windows(blocks, after_newline=self.after_newline)

    def count_windows(self, windows: Iterable[str]) -> int:
        """The tokens of the windows' concatenation, where every window but the last ends at a
        cut (as `windows` makes them). By the promise, a window followed by a cut counts as the
        window followed by a stand-in for what follows (" a" after a space cut, "a" after a
        line-break cut: the next window's first character tells), minus the stand-in's own
        tokens."""
        total = 0
        for window, stand_in in with_stand_ins(windows):
            with self._lock:  # per window: a stream may be slow to come
                total += self._count(window + stand_in) - self._count(stand_in)
        return total

    def _count(self, text: str) -> int:
        try:
            return self._count_queued(text)
        finally:  # an interrupted count (Ctrl-C, a broken promise) must not leave chunks queued
            self._pending.clear()

    def _count_queued(self, text: str) -> int:
        chunks = _split(text)
        n = len(chunks)
        if n == 1:
            return self._count_pieces(self._scan(text))
        # chunks[0] starts the text, each later chunk follows a cut space, the last ends the text.
        # Known middle chunks are summed in C; unknown ones count 0 there and are queued, then
        # counted in one scan with the first and the last chunk (see `_spans`). The first and
        # the last chunk have caches of their own, as they sit in other contexts.
        total = sum(map(self._lookup, islice(chunks, 1, n - 1))) if n > 2 else 0
        head, tail = chunks[0], chunks[-1]
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
        for cache, chunk, tokens in (
            (self._heads, head, counts[0]),
            (self._tails, tail, counts[-1]),
        ):
            if len(chunk) <= _CACHE_CHARS:
                if len(cache) >= _ENDS_ITEMS:
                    cache.clear()
                cache[chunk] = tokens
        if not pending:
            return total
        found = dict(zip(distinct, islice(counts, 1, len(counts) - 1), strict=True))
        if other:
            text = " " + " ".join(other) + _STAND_IN
            spans = self._spans(text, tuple(map(_plus_one, map(len, other))))
            found.update(zip(other, islice(spans, len(other)), strict=True))  # not the stand-in
        total += sum(map(found.__getitem__, pending))
        pending.clear()
        segments = self._segments
        if len(segments) + len(found) > _CACHE_ITEMS:
            segments.clear()
        if max(map(len, found)) > _CACHE_CHARS:
            found = {chunk: n for chunk, n in found.items() if len(chunk) <= _CACHE_CHARS}
        segments.update(found)
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


class WholeTextCounter:
    """`count(text)` for an engine that counts whole texts itself (`BPEEngine.count_text`).
    Streams are still cut into windows where the scanner promises a cut, only to bound memory,
    each window counted followed by its stand-in, as `SegmentCounter.count_windows` does."""

    def __init__(self, count_text: Callable[[str], int], scanner: object) -> None:
        self._count_text = count_text
        self.windowed = getattr(scanner, "splits_before_space", False) is True
        """Whether streams may be counted a window at a time (else they are joined)."""
        self.after_newline = getattr(scanner, "splits_after_newline", False) is True

    def __call__(self, text: str) -> int:
        return self._count_text(text)

    def windows(self, blocks: Iterable[str]) -> Iterator[str]:
        return cut_windows(blocks, after_newline=self.after_newline)

    def count_windows(self, windows: Iterable[str]) -> int:
        count_text = self._count_text
        return sum(
            count_text(window + stand_in) - count_text(stand_in) if stand_in else count_text(window)
            for window, stand_in in with_stand_ins(windows)
        )


def with_stand_ins(windows: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Each window with what it is counted followed by: for the cut after it, " a" when the
    next window starts with the cut space, "a" after a line-break cut (the next window then
    starts with a non-space); "" for the last window, which ends the text."""
    ahead = iter(windows)
    window = next(ahead, "")
    for following in ahead:
        yield window, _STAND_IN if following.startswith(" ") else _STAND_IN[1:]
        window = following
    yield window, ""


def cut_windows(
    blocks: Iterable[str], size: int | None = None, *, after_newline: bool = False
) -> Iterator[str]:
    """The text of `blocks`, concatenated, again as windows of at least `size` (by default
    `WINDOW`) characters, the last maybe shorter, that end at a cut: just before a space
    followed by a non-whitespace character, or (`after_newline`) just after a line feed followed
    by a non-whitespace character other than `/`. Text with no cut in it stays whole, however
    long; blocks are joined only once a cut is in reach, so a long stretch without one is not
    copied again and again."""
    if size is None:
        size = WINDOW
    cut = _CUT_OR_LINE if after_newline else _CUT
    buffer = ""  # held text, joined
    parts: list[str] = []  # held blocks after `buffer`, not joined yet
    held = 0
    last = ""  # the last character held: a cut may straddle two blocks
    for block in blocks:
        if not block:
            continue
        probe = last + block if last else block
        last = block[-1]
        parts.append(block)
        held += len(block)
        if held <= size or cut.search(probe) is None:
            continue
        buffer = "".join((buffer, *parts)) if buffer or len(parts) > 1 else parts[0]
        parts.clear()
        start = 0
        while (found := cut.search(buffer, start + size)) is not None:
            yield buffer[start : found.start()]
            start = found.start()
        buffer = buffer[start:]
        held = len(buffer)
    yield "".join((buffer, *parts))


class _Segments(dict[str, int]):
    """Chunk (the text after a cut space, without it) to the tokens of that space and chunk.
    An unknown chunk counts 0 and is handed to `queue`, to be counted with the others."""

    def __init__(self, queue: Callable[[str], None]) -> None:
        super().__init__()
        self._queue = queue

    def __missing__(self, chunk: str) -> int:
        self._queue(chunk)
        return 0


_plus_one = (1).__add__
