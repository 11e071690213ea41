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

import llm_cost_core as lc

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


# The same pattern for stdlib `re` on ASCII text, where it splits exactly as PATTERN does
# (tests/test_o200k_scanner.py checks it with hypothesis): letters are A-Z and a-z (Lt, Lm, Lo
# and M hold no ASCII), digits 0-9, and \s is tiktoken's White_Space in ASCII, which lacks the
# \x1c-\x1f that `re`'s \s has.
_WS = r"\t\n\x0b\x0c\r "
ASCII_PATTERN = "|".join(
    [
        r"""[^\r\nA-Za-z0-9]?[A-Z]*[a-z]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\nA-Za-z0-9]?[A-Z]+[a-z]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[0-9]{1,3}""",
        rf""" ?[^{_WS}A-Za-z0-9]+[\r\n/]*""",
        rf"""[{_WS}]*[\r\n]+""",
        rf"""[{_WS}]+(?![^{_WS}])""",
        rf"""[{_WS}]+""",
    ]
)


def make() -> lc.Scanner:
    """A compiled scanner, with Unicode classes pinned to tiktoken's (see core's scanner.py).

    It keeps both promises of the scanner contract (`lc.Scanner`), as the plugin's tests check.
    Before a space followed by a non-space: no branch takes a space except as a piece's first
    character or inside a whitespace run, and a run followed by a non-space leaves its last
    space to the next piece. After a line feed followed by a non-space other than `/`: no
    branch starts with a line break except whitespace ones, and the pieces that end in line
    breaks (branches 4 and 5) stop at the first character that is neither one (nor a `/`,
    which branch 4 takes after its newlines).
    """
    return lc.regex_scanner(
        PATTERN, ASCII_PATTERN, splits_before_space=True, splits_after_newline=True
    )
