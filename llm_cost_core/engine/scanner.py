"""Pre-tokenizers: split text into the pieces that BPE then merges independently."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

import regex

Scanner = Callable[[str], Iterable[str]]
r"""Takes text, returns its pieces in order; their concatenation is the text.

A scanner may carry optional attributes that the count path reads (a plain function has none).
They are promises, defined here once. "Whitespace" is `str.isspace` (\x1c-\x1f included);
`before` is any text and `rest` any text that does not start with whitespace:

- `splits_before_space` (bool): `scan(before + " a")` ends with the piece `" a"`, and
  `scan(before + " " + rest) == scan(before + " a")[:-1] + scan(" " + rest)`. `Encoding.count`
  then counts text as independent, cacheable segments (segments.py) and cuts long texts and
  streams into parts before such spaces (parts.py).
- `splits_after_newline` (bool), read only with `splits_before_space`, for `rest` that does not
  start with `/` either: `scan(before + "\n" + "a")` ends with the piece `"a"`, and
  `scan(before + "\n" + rest) == scan(before + "\n" + "a")[:-1] + scan(rest)`. Long texts and
  streams are then also cut into parts after line breaks, so text without spaces (lists,
  minified JSON, logs) is counted in bounded memory too. It does not ask that the pieces before
  the cut be those of `before + "\n"` alone (GPT-2's `\s++$` splits `"x \n"` alone otherwise).

`llm_cost_core.testing.check_scanner_promises` checks both on generated text; a plugin that sets
them runs it in its own tests.
"""

Spans = tuple[tuple[int, int], ...]


class RegexScanner:
    """Every non-overlapping match of a pattern, exactly as tiktoken finds them.

    Non-ASCII text goes through `compile_pinned(pattern)` (Unicode classes as tiktoken has
    them). ASCII text, where no Unicode version differs, goes through `ascii_pattern` when the
    plugin gives one: a pattern for stdlib `re` that matches exactly as `pattern` does on ASCII
    (classes spelled out in ASCII, and tiktoken's White_Space, which lacks the \x1c-\x1f that
    `re`'s \\s has), about twice as fast as the `regex` module. Without it, ASCII text uses the
    unpinned pattern.
    """

    def __init__(
        self,
        pattern: str,
        ascii_pattern: str | None = None,
        *,
        splits_before_space: bool = False,
        splits_after_newline: bool = False,
    ) -> None:
        self.pattern = pattern
        self.ascii_pattern = ascii_pattern
        self.splits_before_space = splits_before_space
        self.splits_after_newline = splits_after_newline
        if ascii_pattern is not None:
            self._ascii_findall: Callable[[str], list[str]] = re.compile(ascii_pattern).findall
        else:
            self._ascii_findall = regex.compile(pattern).findall
        self._findall: Callable[[str], list[str]] | None = None

    def __call__(self, text: str) -> list[str]:
        if text.isascii():
            return self._ascii_findall(text)
        findall = self._findall
        if findall is None:
            findall = self._findall = compile_pinned(self.pattern).findall
        return findall(text)

    def __repr__(self) -> str:
        return f"<RegexScanner {self.pattern!r}>"


def regex_scanner(
    pattern: str,
    ascii_pattern: str | None = None,
    *,
    splits_before_space: bool = False,
    splits_after_newline: bool = False,
) -> RegexScanner:
    """A scanner for `pattern` (see `RegexScanner`)."""
    return RegexScanner(
        pattern,
        ascii_pattern,
        splits_before_space=splits_before_space,
        splits_after_newline=splits_after_newline,
    )


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
    from llm_cost_core.engine import unicode_tables as tables

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
