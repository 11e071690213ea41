"""The o200k_base pre-tokenizer: tiktoken's pattern, branch by branch.

Branches, tried in order at each position:
1. an optional non-letter, non-digit, non-newline char, then case-aware letters (upper/title/
   modifier/other letters and marks, then lower-case ones), then an optional English contraction;
2. the same with the upper-case run required and the lower-case run optional;
3. one to three digits (any `\\p{N}`);
4. an optional space, then punctuation/symbols, then any newlines and slashes;
5. whitespace ending in newlines;
6. whitespace not followed by a non-space (leaves one space for the next word);
7. any other whitespace.
"""

from __future__ import annotations

from llm_cost_core.scanner import Scanner, regex_scanner

PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


def make() -> Scanner:
    """A compiled scanner, with Unicode classes pinned to tiktoken's (see core's scanner.py)."""
    return regex_scanner(PATTERN)
