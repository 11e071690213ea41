"""Promises a scanner makes about itself, checked for every installed encoding that makes them,
with the checks core ships to plugins (`llm_cost_core.testing.check_promise`, whose module
docstring states each promise exactly), and core's segment count built on them.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import llm_cost_core as lc
from llm_cost_core.engine.segments import SegmentCounter
from llm_cost_core.testing import PROMISES, BrokenPromise, check_promise, promises_made
from llm_cost_core.verify.promises import PARTS

EXAMPLES = 3000


def scanner_promising(encoding_name: str, promise: str):
    enc = lc.get_encoding(encoding_name)
    if promise not in promises_made(enc):
        pytest.skip(f"{encoding_name}'s scanner does not promise {promise}")
    return enc


@pytest.mark.parametrize("promise", PROMISES)
def test_the_promise_holds(encoding_name, promise):
    check_promise(scanner_promising(encoding_name, promise), promise, examples=EXAMPLES)


class _Joins:
    """A scanner that breaks both: a space joins the piece before it, a line feed the one after."""

    splits_before_space = True
    splits_after_newline = True

    def __call__(self, text: str) -> list[str]:
        import re

        return re.findall(r"\s*\S+ ?|\s+", text)


class _Fake:
    name = "fake"

    def __init__(self, scanner: object) -> None:
        self.scanner = scanner


@pytest.mark.parametrize("promise", ["splits_before_space", "splits_after_newline"])
def test_a_broken_promise_fails_with_a_small_example(promise):
    with pytest.raises(BrokenPromise, match=f"fake's scanner promises {promise}, but ") as caught:
        check_promise(_Fake(_Joins()), promise, examples=200)
    assert len(str(caught.value)) < 400  # shrunk, not the first long text found


GPT2_PATTERN = (
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
)


def test_a_cut_part_is_counted_with_its_stand_in_not_alone():
    r"""GPT-2's pattern splits "x \n" alone otherwise than before "a" (its `\s++$` takes " \n"
    whole at the end of a text), so "the pieces before the cut are those of the text before it"
    does not hold for it; what core relies on, and what the shipped check tests, does."""
    scan = lc.regex_scanner(GPT2_PATTERN, splits_before_space=True, splits_after_newline=True)
    assert scan("x \n") == ["x", " \n"]
    assert scan("x \na") == ["x", " ", "\n", "a"]
    for promise in ("splits_before_space", "splits_after_newline"):
        check_promise(_Fake(scan), promise, examples=1000)


text = st.lists(st.sampled_from(PARTS), max_size=40).map("".join)


@settings(max_examples=2000, deadline=None)
@given(t=st.lists(text, max_size=8).map(" ".join))
def test_segment_count_equals_the_piece_count(encoding_name, t):
    enc = scanner_promising(encoding_name, "splits_before_space")
    counter = SegmentCounter(enc.scanner, enc.bpe.count)
    assert counter(t) == enc.bpe.count(enc.scanner(t))
    assert counter(t) == enc.bpe.count(enc.scanner(t))  # again, now from the cache
