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

from llm_cost_core.scanner import Scanner, regex_scanner

PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)


def make() -> Scanner:
    """A compiled scanner, with Unicode classes pinned to tiktoken's (see core's scanner.py)."""
    return regex_scanner(PATTERN)
