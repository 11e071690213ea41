"""A pre-tokenizer pattern read branch by branch: which alternative made which piece.

For scanner tests and corpus coverage (core's and plugins'): a corpus that no text of some branch
reaches cannot catch a scanner that gets that branch wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex, in order: `a|(b|c)|[|]` gives `a`, `(b|c)`, `[|]`."""
    out, start, depth, in_set, i = [], 0, 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
            if pattern.startswith("^", i + 1):
                i += 1
            if pattern.startswith("]", i + 1):  # a ] first in a set is literal
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def branches_used(branches: Sequence[str], text: str, pieces: Iterable[str]) -> set[int]:
    """The 1-based numbers of the branches that made `pieces` of `text`: at each piece's start,
    the first branch that matches there (so a test or a doc example can say which branch it
    shows at work)."""
    from llm_cost_core.engine.scanner import compile_pinned

    used, start = set(), 0
    for piece in pieces:
        number = next(
            (n for n, b in enumerate(branches, 1) if compile_pinned(b).match(text, start)), None
        )
        if number is None:
            raise AssertionError(f"no branch matches {text!r} at {start}")
        used.add(number)
        start += len(piece)
    return used
