"""Pre-tokenizers: split text into the pieces that BPE then merges independently."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import regex

Scanner = Callable[[str], Iterable[str]]
"""Takes text, returns its pieces in order; their concatenation is the text."""


def regex_scanner(pattern: str) -> Scanner:
    """The reference scanner: every non-overlapping match of `pattern`, as tiktoken finds them."""
    return regex.compile(pattern).findall
