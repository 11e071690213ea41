"""The promises a scanner may make about itself, checked on generated text.

Core's count path trusts three optional attributes of a scanner (see `engine/scanner.py`); a
scanner that sets one must keep it on every text, or counts come out wrong with no error. These
checks are what decides whether a promise holds: the exact conditions core relies on, each
tried on hypothesis-generated text full of the cases that could break it (whitespace runs of
every kind, CRLF, \\x1c-\\x1f, NBSP, U+3000, contractions, digits, marks, emoji).

- `ascii_pattern`: on ASCII text, stdlib `re` with it finds the same pieces as `spec.pattern`.
- `splits_before_space`: for any text `before`, and any `rest` whose first character is not
  whitespace to Python (`str.isspace`): `scan(before + " a")` ends with the piece `" a"`, and
  `scan(before + " " + rest) == scan(before + " a")[:-1] + scan(" " + rest)`.
- `splits_after_newline` (read only with `splits_before_space`): for any `before`, and any
  `rest` whose first character is neither whitespace to Python nor `/`:
  `scan(before + "\\n" + "a")` ends with the piece `"a"`, and
  `scan(before + "\\n" + rest) == scan(before + "\\n" + "a")[:-1] + scan(rest)`.

Those are the cuts core makes (`" (?=\\S)"`, and just after a line feed followed by `[^\\s/]`,
with Python's `\\s`) and the stand-ins it counts a cut-off window with (`" a"`, `"a"`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

PROMISES = ("ascii_pattern", "splits_before_space", "splits_after_newline")
DEFAULT_PROMISE_EXAMPLES = 1000
PROMISE_SEED = 20261203

ASCII_PARTS = (
    " ", "  ", "\t", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1f", "a", "Ab", "CD", "xY",
    "1", "123", "'s", "'LL", "'", ".", "!?", "/", "$", "_", "-", "\\",
)  # fmt: skip
PARTS = (
    *ASCII_PARTS,
    "\xa0", "\u3000", "\u2028", "\x85", "é", "É", "e\u0301", "日本", "ǅ", "ʰ", "١٢", "😀",
    "\u200b", "’t", "ſ",
)  # fmt: skip


class BrokenPromise(AssertionError):
    """A scanner's promise does not hold; the message shows the smallest text found that breaks
    it."""


def promises_made(encoding: Encoding) -> list[str]:
    """The promises the encoding's scanner makes, of `PROMISES`, in that order."""
    scanner = encoding.scanner
    made = [name for name in PROMISES if getattr(scanner, name, None)]
    if "splits_before_space" not in made and "splits_after_newline" in made:
        made.remove("splits_after_newline")  # read only with splits_before_space
    return made


def check_scanner_promises(
    encoding: Encoding, *, examples: int = DEFAULT_PROMISE_EXAMPLES, seed: int = PROMISE_SEED
) -> list[str]:
    """Check every promise the encoding's scanner makes; return their names (empty when it
    makes none). Raises `BrokenPromise` for the first that does not hold. Needs hypothesis."""
    made = promises_made(encoding)
    for promise in made:
        check_promise(encoding, promise, examples=examples, seed=seed)
    return made


def check_promise(
    encoding: Encoding,
    promise: str,
    *,
    examples: int = DEFAULT_PROMISE_EXAMPLES,
    seed: int = PROMISE_SEED,
) -> None:
    """Check one promise (of `PROMISES`) on `examples` generated texts; raise `BrokenPromise`
    with a minimal counterexample when it does not hold. Needs hypothesis. `splits_before_space`
    and `splits_after_newline` can be checked on a scanner that does not make them (to find out
    whether it could); `ascii_pattern` needs the scanner's `ascii_pattern`."""
    import hypothesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    scan = _pieces(encoding.scanner)
    parts, ascii_parts = st.sampled_from(PARTS), st.sampled_from(ASCII_PARTS)
    text = st.lists(parts, max_size=40).map("".join)
    problem: Callable[..., str | None]
    if promise == "ascii_pattern":
        strategies: dict[str, Any] = {"text": st.lists(ascii_parts, max_size=40).map("".join)}
        problem = _ascii_pattern_problem(encoding, scan)
    elif promise == "splits_before_space":
        first = st.sampled_from([p for p in PARTS if not p[0].isspace()])
        strategies = {"before": text, "first": first, "after": text}
        problem = _cut_problem(scan, " ", " a")
    elif promise == "splits_after_newline":
        first = st.sampled_from([p for p in PARTS if not p[0].isspace() and p[0] != "/"])
        strategies = {"before": text, "first": first, "after": text}
        problem = _cut_problem(scan, "\n", "a")
    else:
        raise ValueError(f"unknown promise {promise!r}; the promises are {', '.join(PROMISES)}")
    found: list[str] = []

    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(**strategies)
    def check(**example: str) -> None:
        message = problem(**example)
        if message is not None:
            found.append(message)
            raise AssertionError(message)

    from hypothesis.reporting import with_reporter

    with with_reporter(lambda _message: None), contextlib.suppress(AssertionError):
        check()  # what failed is in `found`
    if found:  # the last one is hypothesis's shrunk example, replayed
        raise BrokenPromise(f"{encoding.name}'s scanner promises {promise}, but {found[-1]}")


def _pieces(scanner: Callable[[str], Any]) -> Callable[[str], list[str]]:
    return lambda text: list(scanner(text))


def _ascii_pattern_problem(
    encoding: Encoding, scan: Callable[[str], list[str]]
) -> Callable[..., str | None]:
    import regex

    ascii_findall = re.compile(encoding.scanner.ascii_pattern).findall  # type: ignore[attr-defined]
    findall = regex.compile(encoding.spec.pattern).findall

    def problem(text: str) -> str | None:
        expected = findall(text)
        if ascii_findall(text) != expected:
            return f"re with ascii_pattern splits {text!r} as {ascii_findall(text)}, not {expected}"
        if scan(text) != expected:
            return f"it splits {text!r} as {scan(text)}, not {expected} as the pattern does"
        return None

    return problem


def _cut_problem(
    scan: Callable[[str], list[str]], cut: str, stand_in: str
) -> Callable[..., str | None]:
    """The check of one cut: `cut` is what the position follows (" " is part of what comes
    after it; "\\n" of what comes before), `stand_in` what core counts a window followed by."""

    def problem(before: str, first: str, after: str) -> str | None:
        rest = first + after
        if cut == " ":
            whole, head, tail = before + " " + rest, before + stand_in, " " + rest
        else:
            whole, head, tail = before + cut + rest, before + cut + stand_in, rest
        head_pieces = scan(head)
        if head_pieces[-1:] != [stand_in]:
            return f"{head!r} does not end with the piece {stand_in!r}: {head_pieces}"
        expected = head_pieces[:-1] + scan(tail)
        if scan(whole) != expected:
            return (
                f"{whole!r} splits as {scan(whole)}, not as {head!r} without its last piece "
                f"followed by {tail!r}: {expected}"
            )
        return None

    return problem
