"""The cl100k_base pre-tokenizer: tiktoken's pattern, branch by branch.

Branches, tried in order at each position (`?+`, `++` are possessive: no backtracking):
1. an English contraction suffix (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`, any case);
2. an optional non-letter, non-digit, non-newline char, then letters;
3. one to three digits (any `\\p{N}`);
4. an optional space, then punctuation/symbols, then any newlines;
5. whitespace up to the end of the text;
6. whitespace ending in a newline;
7. whitespace not followed by a non-space (leaves one space for the next word);
8. one whitespace character.
"""

from __future__ import annotations

import llm_cost_core as lc

PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


# The same pattern for stdlib `re` on ASCII text, where it splits exactly as PATTERN does
# (tests/test_cl100k_scanner.py checks it with hypothesis): letters are A-Z and a-z, digits 0-9,
# \s is tiktoken's White_Space in ASCII (without the \x1c-\x1f that `re`'s \s has), `$` is
# `\Z` (end of text only, as in tiktoken), and the possessive quantifiers are plain ones, which
# Python 3.10's `re` lacks and which change nothing here: no branch can backtrack into them.
_WS = r"\t\n\x0b\x0c\r "
ASCII_PATTERN = (
    rf"""'(?i:[sdmt]|ll|ve|re)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{{1,3}}"""
    rf"""| ?[^{_WS}A-Za-z0-9]+[\r\n]*|[{_WS}]+\Z|[{_WS}]*[\r\n]|[{_WS}]+(?![^{_WS}])|[{_WS}]"""
)


def make() -> lc.Scanner:
    r"""A compiled scanner, with Unicode classes pinned to tiktoken's (see core's scanner.py).

    It keeps both promises of the scanner contract (`lc.Scanner`), as the plugin's tests check.
    Before a space followed by a non-space: no branch takes a space except as a piece's first
    character or inside a whitespace run, and a run followed by a non-space leaves its last
    space to the next piece. (`\s++$` sees the end of the text, so a part is scanned with what
    follows its space, as core does.) After a line feed followed by a non-space other than
    `/`: no branch starts with a line break except whitespace ones, and the pieces that end in
    line breaks (branches 4 and 6) stop at the first character that is not one.
    """
    return lc.regex_scanner(
        PATTERN, ASCII_PATTERN, splits_before_space=True, splits_after_newline=True
    )
