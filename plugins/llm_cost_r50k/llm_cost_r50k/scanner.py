"""The r50k_base pre-tokenizer (also gpt2's, p50k_base's and p50k_edit's): tiktoken's pattern.

Branches, tried in order at each position (`++` is possessive: no backtracking):
1. an English contraction suffix (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`), lower case only;
2. an optional space, then letters;
3. an optional space, then digits (any `\\p{N}`, a run of any length);
4. an optional space, then anything that is neither whitespace, letter nor digit;
5. whitespace up to the end of the text;
6. whitespace not followed by a non-space (leaves one space for the next piece);
7. one whitespace character.
"""

from __future__ import annotations

import llm_cost_core as lc

# Verbatim `r50k_pat_str` of tiktoken 0.14's tiktoken_ext/openai_public.py (the plugin's tests
# compare it with tiktoken's own constructors).
PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""


# The same pattern for stdlib `re` on ASCII text, where it splits exactly as PATTERN does
# (tests/test_scanner_promises.py checks it with hypothesis): letters are A-Z and a-z, digits
# 0-9, \s is tiktoken's White_Space in ASCII (without the \x1c-\x1f that `re`'s \s has), `$` is
# `\Z` (end of text only, as in tiktoken), and the possessive quantifiers are plain ones, which
# Python 3.10's `re` lacks and which change nothing here: no branch can backtrack into them
# (a whitespace run that cannot reach the end of the text cannot reach it shorter either).
_WS = r"\t\n\x0b\x0c\r "
ASCII_PATTERN = (
    rf"""'(?:[sdmt]|ll|ve|re)| ?[A-Za-z]+| ?[0-9]+| ?[^{_WS}A-Za-z0-9]+"""
    rf"""|[{_WS}]+\Z|[{_WS}]+(?![^{_WS}])|[{_WS}]"""
)


def make() -> lc.Scanner:
    """A compiled scanner, with Unicode classes pinned to tiktoken's (see core's scanner.py).

    It keeps both promises of the scanner contract (`lc.Scanner`), as the plugin's tests check.
    Before a space followed by a non-space: a space is taken only as a piece's first character
    (branches 2 to 4) or inside a whitespace run (5 to 7), and a run followed by a non-space
    leaves its last space to the next piece; `\\s++$` sees the end of the text, so a part is
    scanned with what follows its space, as core does. After a line feed followed by a
    non-space: only the whitespace branches take a line break, and they stop at the first
    character that is not whitespace (no branch takes a `/` after a line break, as o200k's
    does).
    """
    return lc.regex_scanner(
        PATTERN, ASCII_PATTERN, splits_before_space=True, splits_after_newline=True
    )
