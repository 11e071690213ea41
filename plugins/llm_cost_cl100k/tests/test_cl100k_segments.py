"""The cl100k scanner's fast paths, proved against its own pattern.

- `ASCII_PATTERN` (stdlib `re`) splits ASCII text exactly as `PATTERN` (the `regex` module) does.
- `splits_before_space`: no piece crosses a space followed by a non-whitespace character, the
  pieces before it do not depend on what follows it, and the pieces from it on are those of the
  text from it on. Core's segment count relies on this, so it is checked on text full of the
  cases that could break it: whitespace runs of every kind, CRLF, \\x1c-\\x1f (whitespace to
  Python, not to tiktoken), NBSP, U+3000, trailing spaces, contractions, digits, marks.
"""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from llm_cost_cl100k import scanner

import llm_cost_core as lc
from llm_cost_core.segments import SegmentCounter

SCAN = scanner.make()
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


def test_the_scanner_declares_the_property():
    assert SCAN.splits_before_space is True
    assert SCAN.ascii_pattern == scanner.ASCII_PATTERN


@settings(max_examples=3000, deadline=None)
@given(ascii_text)
def test_ascii_pattern_splits_as_the_pattern(t):
    assert re.findall(scanner.ASCII_PATTERN, t) == regex.findall(scanner.PATTERN, t)
    assert SCAN(t) == regex.findall(scanner.PATTERN, t)


@settings(max_examples=3000, deadline=None)
@given(text, non_space, text)
def test_no_piece_crosses_a_space_before_a_non_space(before, first, after):
    rest = " " + first + after
    whole = SCAN(before + rest)
    head = SCAN(before + " a")
    assert head[-1:] == [" a"]  # the stand-in is one piece of its own
    assert whole == head[:-1] + SCAN(rest)


@settings(max_examples=2000, deadline=None)
@given(st.lists(text, max_size=8).map(" ".join))
def test_segment_count_equals_the_piece_count(t):
    enc = lc.get_encoding("cl100k")
    counter = SegmentCounter(SCAN, enc.bpe.count)
    assert counter(t) == enc.bpe.count(SCAN(t))
    assert counter(t) == enc.bpe.count(SCAN(t))  # again, now from the cache


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("tiktoken")
    from llm_cost_core.reference import tiktoken_encoding

    return tiktoken_encoding(lc.get_encoding("cl100k"))


@settings(max_examples=500, deadline=None)
@given(st.lists(text, max_size=8).map(" ".join))
def test_count_is_tiktokens(reference, t):
    assert lc.get_encoding("cl100k").count(t) == len(reference.encode_ordinary(t))
