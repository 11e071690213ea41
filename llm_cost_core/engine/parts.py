"""Parts: the one count path for long texts and streams.

A scanner's promises (`splits_before_space`, `splits_after_newline`: see the scanner contract in
`engine/scanner.py`) say where text may be cut so that the pieces on either side are those of the
whole. `cut` regroups a stream of text blocks into parts that end at such a cut, each with its
stand-in: the short text it is counted followed by, which stands for whatever follows it in the
whole (" a" before a space cut, "a" after a line-break cut, "" at the end). A part's tokens are
then `count(part + stand_in) - count(stand_in)`, and the parts' tokens add up to the whole's.

Every count of a long text goes this way: `Encoding.count` of a text over `PART_CHARS`,
`Encoding.count_stream`, `count --workers` (a worker counts each part), and so the pipe's long
lines, `estimate` and `report`. Parts bound memory (no list of segments or pieces spans more than
a part) and are the unit a worker is given.

Python's `\\S` excludes every Unicode White_Space character and also \\x1c-\\x1f (which
tiktoken's `\\s` does not hold): cutting at fewer places than allowed is always correct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

PART_CHARS = 1 << 20  # characters a part holds at least (the last may hold fewer)
SPACE_STAND_IN = " a"  # a space followed by a non-whitespace character
LINE_STAND_IN = "a"  # a non-whitespace character other than "/", after a line feed

SPACE_CUT = re.compile(r" (?=\S)")
"""A cut just before a space followed by a non-whitespace character (`splits_before_space`)."""
SPACE_OR_LINE_CUT = re.compile(r" (?=\S)|\n(?=[^\s/])")
"""Also a cut just after a line feed followed by a non-whitespace character other than "/"
(`splits_after_newline`). Each branch starts with its character, so `re` skips to the next space
or line feed instead of trying every position (a look-behind first, as in `(?<=\n)`, is tried at
every one: 2.7 times as slow on a text with no cut). See `_cut_at` for where a match cuts."""


def _cut_at(found: re.Match[str]) -> int:
    """Where a match of SPACE_CUT or SPACE_OR_LINE_CUT cuts: before a space, after a line feed."""
    return found.end() if found.group() == "\n" else found.start()


class Part(NamedTuple):
    """Text that ends at a promised cut (or at the end), and what it is counted followed by."""

    text: str
    stand_in: str  # SPACE_STAND_IN, LINE_STAND_IN, or "" for the part that ends the text


def promised_cuts(scanner: object) -> re.Pattern[str] | None:
    """Where text may be cut for `scanner`, by the promises it declares; None: nowhere."""
    if getattr(scanner, "splits_before_space", False) is not True:
        return None
    if getattr(scanner, "splits_after_newline", False) is True:
        return SPACE_OR_LINE_CUT
    return SPACE_CUT


def cut(
    blocks: Iterable[str], cuts: re.Pattern[str] | None, size: int | None = None
) -> Iterator[Part]:
    """The text of `blocks`, concatenated, as parts of at least `size` (by default `PART_CHARS`)
    characters that end at a match of `cuts` (see `promised_cuts`), each with its stand-in. With
    no `cuts` the text is one part, joined. A stretch without a cut stays whole, however long."""
    if cuts is None:
        yield Part("".join(blocks), "")
        return
    ahead = _cut_texts(blocks, cuts, PART_CHARS if size is None else size)
    text = next(ahead)
    for following in ahead:  # the next part starts with the cut space, or after a line feed
        yield Part(text, SPACE_STAND_IN if following.startswith(" ") else LINE_STAND_IN)
        text = following
    yield Part(text, "")


def _cut_texts(blocks: Iterable[str], cuts: re.Pattern[str], size: int) -> Iterator[str]:
    """The texts of `cut`'s parts. Blocks are joined only once a cut is in reach, so a long
    stretch without one is not copied again and again."""
    buffer = ""  # held text, joined
    held_blocks: list[str] = []  # held blocks after `buffer`, not joined yet
    held = 0
    last = ""  # the last character held: a cut may straddle two blocks
    for block in blocks:
        if not block:
            continue
        probe = last + block if last else block
        last = block[-1]
        held_blocks.append(block)
        held += len(block)
        if held <= size or not _may_hold_cut(probe) or cuts.search(probe) is None:
            continue
        if buffer or len(held_blocks) > 1:
            buffer = "".join((buffer, *held_blocks))
        else:
            buffer = held_blocks[0]
        held_blocks.clear()
        start = 0
        while (end := _next_cut(cuts, buffer, start + size)) is not None:
            yield buffer[start:end]
            start = end
        buffer = buffer[start:]
        held = len(buffer)
    yield "".join((buffer, *held_blocks))


def _may_hold_cut(text: str) -> bool:
    """False when `text` holds no cut, said at once: every cut is at a space or a line feed,
    which `in` finds at memory speed where a pattern's search steps through every character (a
    seventh of counting ten million `a`), and whitespace alone holds none (the search would try
    every space of a long run: a quarter of counting ten million spaces)."""
    return (" " in text or "\n" in text) and not text.isspace()


def _next_cut(cuts: re.Pattern[str], text: str, pos: int) -> int | None:
    """The first cut at `pos` or after it. A line feed's match is one before its cut, so the
    search starts one early, and again at `pos` when that found a space cut just before it."""
    found = cuts.search(text, max(pos - 1, 0))
    if found is not None and _cut_at(found) < pos:
        found = cuts.search(text, pos)
    return None if found is None else _cut_at(found)
