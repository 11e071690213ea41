"""Promises a scanner makes about itself, checked for every installed encoding that makes them.

- `ascii_pattern` (stdlib `re`) splits ASCII text exactly as the spec's pattern does.
- `splits_before_space`: no piece crosses a space followed by a non-whitespace character, the
  pieces before it do not depend on what follows it, and the pieces from it on are those of the
  text from it on. Core's segment count relies on this, so it is checked on text full of the
  cases that could break it: whitespace runs of every kind, CRLF, \\x1c-\\x1f (whitespace to
  Python, not to tiktoken), NBSP, U+3000, trailing spaces, contractions, digits, marks.
- `splits_after_newline`: the same for the position just after a line feed followed by a
  character that is neither whitespace to Python nor "/" (where long texts and streams may
  also be cut into windows).
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import llm_cost_core as lc
from llm_cost_core.engine.segments import SegmentCounter

WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
ASCII_PARTS = [
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "a",
    "Ab",
    "CD",
    "xY",
    "1",
    "123",
    "'s",
    "'LL",
    "'",
    ".",
    "!?",
    "/",
    "$",
    "_",
    "-",
    "\\",
]
PARTS = [
    *ASCII_PARTS,
    *[
        "\xa0",
        "\u3000",
        "\u2028",
        "\x85",
        "é",
        "É",
        "é",
        "日本",
        "ǅ",
        "ʰ",
        "١٢",
        "😀",
        "\u200b",
        "’t",
        "ſ",
    ],
]
ascii_text = st.lists(st.sampled_from(ASCII_PARTS), max_size=40).map("".join)
text = st.lists(st.sampled_from(PARTS), max_size=40).map("".join)
non_space = st.sampled_from([p for p in PARTS if p[0] not in WHITE_SPACE])
# What may follow a line-break cut: not whitespace to Python (so not \x1c-\x1f), not "/".
line_start = st.sampled_from([p for p in PARTS if not p[0].isspace() and p[0] != "/"])


def scanner_promising(encoding_name: str, promise: str):
    scan = lc.get_encoding(encoding_name).scanner
    if not getattr(scan, promise, None):
        pytest.skip(f"{encoding_name}'s scanner does not promise {promise}")
    return scan


@settings(max_examples=3000, deadline=None)
@given(t=ascii_text)
def test_ascii_pattern_splits_as_the_pattern(encoding_name, t):
    scan = scanner_promising(encoding_name, "ascii_pattern")
    expected = regex.findall(lc.get_encoding(encoding_name).spec.pattern, t)
    assert re.findall(scan.ascii_pattern, t) == expected
    assert scan(t) == expected


@settings(max_examples=3000, deadline=None)
@given(before=text, first=non_space, after=text)
def test_no_piece_crosses_a_space_before_a_non_space(encoding_name, before, first, after):
    scan = scanner_promising(encoding_name, "splits_before_space")
    rest = " " + first + after
    whole = scan(before + rest)
    head = scan(before + " a")
    assert head[-1:] == [" a"]  # the stand-in is one piece of its own
    assert whole == head[:-1] + scan(rest)


@settings(max_examples=3000, deadline=None)
@given(before=text, first=line_start, after=text)
def test_no_piece_crosses_a_line_break_before_a_non_space(encoding_name, before, first, after):
    scan = scanner_promising(encoding_name, "splits_after_newline")
    rest = first + after
    whole = scan(before + "\n" + rest)
    head = scan(before + "\n" + "a")
    assert head[-1:] == ["a"]  # the stand-in is one piece of its own
    assert whole == head[:-1] + scan(rest)


@settings(max_examples=2000, deadline=None)
@given(t=st.lists(text, max_size=8).map(" ".join))
def test_segment_count_equals_the_piece_count(encoding_name, t):
    scan = scanner_promising(encoding_name, "splits_before_space")
    enc = lc.get_encoding(encoding_name)
    counter = SegmentCounter(scan, enc.bpe.count)
    assert counter(t) == enc.bpe.count(scan(t))
    assert counter(t) == enc.bpe.count(scan(t))  # again, now from the cache
