"""What a parity check found: the stages, one `Mismatch`, one `EncodingReport` per encoding.

Also the helpers every stage compares with: the ids or the count an encoding gives (or the
one-line error it raised instead), and a mismatch with the pieces of both sides and the scanner's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

# The stages, by what text is compared with what; the values are the labels reports print.
CORPUS_IDS = "corpus"
"""Corpus texts against the ids the corpus holds (no tiktoken needed)."""
CORPUS_LIVE = "tiktoken"
"""The same corpus texts against the live reference."""
GENERATED_LIVE = "generated"
"""Hypothesis-generated texts against the live reference."""

SHOWN = 5
"""Mismatches kept (and printed) per encoding and stage; the rest are only counted."""


@attrs.define
class Mismatch:
    """One text on which the encoding and its reference disagree."""

    stage: str
    category: str
    source: str
    text: str
    expected: list[int]
    actual: list[int] | None
    """None when encoding raised; `error` says what."""
    expected_pieces: list[bytes]
    """The bytes of each expected token."""
    actual_pieces: list[bytes]
    scanner_pieces: list[str]
    """How the encoding's scanner split the text (empty if it raised)."""
    error: str | None = None
    count: int | str | None = None
    """What `Encoding.count` gave when it was not `len(expected)` (the one-line error when it
    raised); None when it agreed."""

    @property
    def first_difference(self) -> int:
        actual = self.actual or []
        pairs = zip(self.expected, actual, strict=False)
        return next(
            (i for i, (a, b) in enumerate(pairs) if a != b), min(len(self.expected), len(actual))
        )


@attrs.define
class EncodingReport:
    """What the runner found for one encoding."""

    name: str
    distribution: str
    version: str
    reference: str | None
    """The reference as reports name it (`cl100k_base`), None when there is none."""
    checks: dict[str, int] = attrs.Factory(dict)
    """Texts compared per stage (CORPUS_IDS, CORPUS_LIVE, GENERATED_LIVE)."""
    mismatch_counts: dict[str, int] = attrs.Factory(dict)
    categories: dict[str, int] = attrs.Factory(dict)
    """Static corpus cases per category."""
    mismatches: list[Mismatch] = attrs.Factory(list)
    """The first few of each stage."""
    notes: list[str] = attrs.Factory(list)
    """Why a stage was skipped, and other things worth knowing."""
    error: str | None = None
    """Why this encoding could not be checked at all."""
    seed: int | None = None
    tiktoken_version: str | None = None
    """The tiktoken the live stages ran, when they ran."""

    @property
    def cases(self) -> int:
        return sum(self.checks.values())

    @property
    def mismatch_count(self) -> int:
        return sum(self.mismatch_counts.values())

    @property
    def ok(self) -> bool:
        return self.error is None and self.mismatch_count == 0

    def record(self, mismatch: Mismatch) -> None:
        self.mismatch_counts[mismatch.stage] = self.mismatch_counts.get(mismatch.stage, 0) + 1
        if sum(m.stage == mismatch.stage for m in self.mismatches) < SHOWN:
            self.mismatches.append(mismatch)

    def to_json(self) -> dict[str, Any]:
        out = attrs.asdict(self, recurse=False)
        out.update(cases=self.cases, mismatch_count=self.mismatch_count, ok=self.ok)
        out["mismatches"] = [
            {
                **attrs.asdict(m),
                "first_difference": m.first_difference,
                "expected_pieces": [shown_piece(p) for p in m.expected_pieces],
                "actual_pieces": [shown_piece(p) for p in m.actual_pieces],
            }
            for m in self.mismatches
        ]
        return out


def ids_or_error(encoding: Encoding, text: str) -> list[int] | str:
    """`encoding.encode_ordinary(text)`, or the one-line error when it raised (a str never
    equals a list of ids)."""
    try:
        return encoding.encode_ordinary(text)
    except Exception as exc:
        return one_line(exc)


def count_or_error(encoding: Encoding, text: str) -> int | str:
    """`encoding.count(text)`, or the one-line error when it raised."""
    try:
        return encoding.count(text)
    except Exception as exc:
        return one_line(exc)


def differs(expected: list[int], got: list[int] | str, counted: int | str) -> bool:
    """Whether the ids, or the count, are not what the reference says."""
    return got != expected or counted != len(expected)


def describe_mismatch(
    stage: str,
    category: str,
    source: str,
    text: str,
    expected: list[int],
    actual: list[int] | str,
    encoding: Encoding,
    reference: Any = None,
    *,
    counted: int | str | None = None,
) -> Mismatch:
    """The mismatch with everything needed to read it: pieces of both sides and the scanner's.

    `actual` is what `ids_or_error` gave; `counted` what `count_or_error` gave, kept only when
    it is not `len(expected)`. Token bytes come from the encoding, else from `reference`.
    """
    error = actual if isinstance(actual, str) else None
    try:
        scanner = list(encoding.scanner(text))
    except Exception:
        scanner = []
    return Mismatch(
        stage=stage,
        category=category,
        source=source,
        text=text,
        expected=list(expected),
        actual=None if isinstance(actual, str) else list(actual),
        expected_pieces=_token_bytes(expected, encoding, reference),
        actual_pieces=[] if isinstance(actual, str) else _token_bytes(actual, encoding, reference),
        scanner_pieces=scanner,
        error=error,
        count=None if counted is None or counted == len(expected) else counted,
    )


def _token_bytes(ids: Sequence[int], encoding: Encoding, reference: Any) -> list[bytes]:
    """Each token's bytes, from the encoding's decoder, else tiktoken's, else a placeholder."""
    out = []
    for token in ids:
        try:
            out.append(encoding.decode_single_token_bytes(token))
            continue
        except Exception:
            pass
        try:
            out.append(reference.decode_single_token_bytes(token))
        except Exception:
            out.append(f"<no token {token}>".encode())
    return out


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type and message, whitespace collapsed."""
    text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def shown_piece(piece: bytes) -> str:
    """A token's bytes as a repr: the text when it is UTF-8, else the bytes literal."""
    try:
        return repr(piece.decode("utf-8"))
    except UnicodeDecodeError:
        return repr(piece)
