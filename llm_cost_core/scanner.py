"""Pre-tokenizers: split text into the pieces that BPE then merges independently."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

import regex

Scanner = Callable[[str], Iterable[str]]
"""Takes text, returns its pieces in order; their concatenation is the text."""

Spans = tuple[tuple[int, int], ...]


def regex_scanner(pattern: str) -> Scanner:
    """Every non-overlapping match of `pattern`, exactly as tiktoken finds them."""
    ascii_findall = regex.compile(pattern).findall

    def scan(text: str) -> list[str]:
        # Unicode versions differ on no ASCII character: ASCII text can skip the pinned classes.
        if text.isascii():
            return ascii_findall(text)
        return compile_pinned(pattern).findall(text)

    return scan


@functools.lru_cache(maxsize=32)
def compile_pinned(pattern: str) -> regex.Pattern[str]:
    r"""Compile `pattern` so that each `\p{X}` / `\P{X}` holds the code points tiktoken puts in X.

    The `regex` module follows the newest Unicode and tiktoken's Rust regex an older one, so the
    same `\p{L}` differs on thousands of code points (and U+0295 moved from Ll to Lo). Each class
    that differs becomes a set difference and union with the code points in question (regex's
    V1 set syntax); a class that does not differ stays as it is, and so keeps its speed.
    """
    out: list[str] = []
    in_set = changed = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            kind = pattern[i + 1]
            name, end = _property_name(pattern, i + 2) if kind in "pP" else (None, i + 2)
            pinned = _pinned_class(kind, name) if name else None
            if pinned is not None:
                out.append(pinned if in_set else f"[{pinned}]")
                changed = True
            else:
                out.append(pattern[i:end])
            i = end
            continue
        if char == "[" and not in_set:
            in_set = True
            out.append(char)
            i += 1
            for literal in ("^", "]"):  # a ] first in a set (or after ^) is literal
                if pattern.startswith(literal, i):
                    out.append(literal)
                    i += 1
            continue
        if char == "]" and in_set:
            in_set = False
        out.append(char)
        i += 1
    if not changed:
        return regex.compile(pattern)
    # V1 for nested sets and `--`; `(?-f)` keeps simple case folding, as in V0 and in Rust.
    return regex.compile("(?-f)" + "".join(out), flags=regex.V1)


def _property_name(pattern: str, start: int) -> tuple[str | None, int]:
    r"""The X of `\p{X}` or `\pX` starting at `start`, and where the escape ends."""
    if pattern.startswith("{", start):
        close = pattern.find("}", start)
        return (pattern[start + 1 : close], close + 1) if close != -1 else (None, start)
    return (pattern[start], start + 1) if start < len(pattern) else (None, start)


def _pinned_class(kind: str, name: str) -> str | None:
    """Set contents equal to tiktoken's `\\p{name}` (kind "p") or `\\P{name}` (kind "P")."""
    diffs = _diffs(name)
    if diffs is None or diffs == ((), ()):
        return None
    extra, missing = diffs if kind == "p" else diffs[::-1]
    base = f"\\{kind}{{{name}}}"
    if extra:
        base = f"[{base}--[{_spans(extra)}]]"
    return base + _spans(missing)


@functools.cache
def _diffs(name: str) -> tuple[Spans, Spans] | None:
    """(in regex's class but not tiktoken's, in tiktoken's but not regex's), or None if unknown."""
    from . import unicode_tables as tables

    if name not in tables.CLASSES:
        return None
    if regex.__version__ == tables.REGEX_VERSION:
        return tables.REGEX_DIFFS[name]
    theirs = {p for a, b in tables.CLASSES[name] for p in range(a, b + 1)}
    ours = {ord(c) for c in regex.findall(rf"\p{{{name}}}", _every_code_point())}
    return _ranges(sorted(ours - theirs)), _ranges(sorted(theirs - ours))


@functools.lru_cache(maxsize=1)
def _every_code_point() -> str:
    return "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))


def _ranges(points: list[int]) -> Spans:
    out: list[tuple[int, int]] = []
    for p in points:
        if out and out[-1][1] == p - 1:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return tuple(out)


def _spans(spans: Spans) -> str:
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in spans)
