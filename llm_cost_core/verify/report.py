"""Parity results as text: one block per encoding, each mismatch as a diff around the first
differing token."""

from __future__ import annotations

from collections.abc import Sequence

from llm_cost_core.verify.results import (
    CORPUS_IDS,
    CORPUS_LIVE,
    GENERATED_LIVE,
    EncodingReport,
    Mismatch,
    shown_piece,
)


def _window(items: Sequence[str], at: int, before: int = 3, after: int = 6) -> str:
    start, end = max(0, at - before), min(len(items), at + after)
    shown = " ".join(items[start:end])
    prefix = f"... ({start} before) " if start else ""
    suffix = f" ... ({len(items) - end} more)" if end < len(items) else ""
    return f"[{prefix}{shown}{suffix}]"


def _text_window(mismatch: Mismatch, width: int = 120) -> str:
    text = mismatch.text
    if len(repr(text)) <= width:
        return repr(text)
    at = mismatch.first_difference
    offset = len(b"".join(mismatch.expected_pieces[:at]).decode("utf-8", "ignore"))
    start = max(0, offset - 30)
    part = text[start : start + 60]
    return f"{part!r} (characters {start}-{start + len(part)} of {len(text)})"


def format_mismatch(mismatch: Mismatch) -> list[str]:
    """A readable diff of one mismatch: text, ids and pieces around the first difference."""
    at = mismatch.first_difference
    lines = [
        f"  {mismatch.stage} mismatch, {mismatch.category} ({mismatch.source})",
        f"    text      {_text_window(mismatch)}",
    ]
    expected_ids = [str(token) for token in mismatch.expected]
    lines.append(f"    expected  ids {_window(expected_ids, at)}")
    if mismatch.error is not None:
        lines.append(f"    actual    raised {mismatch.error}")
    elif mismatch.actual == mismatch.expected:
        lines.append("    actual    ids the same")
    else:
        actual_ids = [str(token) for token in mismatch.actual or []]
        lines.append(f"    actual    ids {_window(actual_ids, at)}")
        lines.append(f"    first difference at token {at}")
    if isinstance(mismatch.count, str):
        lines.append(f"    count     raised {mismatch.count}")
    elif mismatch.count is not None:
        lines.append(
            f"    count     {mismatch.count} (Encoding.count), not {len(mismatch.expected)}"
        )
    lines.append(
        f"    expected  pieces {_window([shown_piece(p) for p in mismatch.expected_pieces], at)}"
    )
    if mismatch.error is None:
        lines.append(
            f"    actual    pieces {_window([shown_piece(p) for p in mismatch.actual_pieces], at)}"
        )
    if mismatch.scanner_pieces:
        lines.append(
            f"    scanner   {_window([repr(p) for p in mismatch.scanner_pieces], 0, 0, 12)}"
        )
    return lines


def format_report(report: EncodingReport) -> list[str]:
    """Per encoding: where it came from, what ran, what differed."""
    reference = f", reference {report.reference}" if report.reference else ", no reference"
    if report.tiktoken_version:
        reference += f" (tiktoken {report.tiktoken_version})"
    origin = " ".join(part for part in (report.distribution, report.version) if part)
    lines = [f"{report.name}  {origin}{reference}"]
    if report.error:
        lines.append(f"  error: {report.error}")
    labels = {CORPUS_IDS: "cases", CORPUS_LIVE: "cases", GENERATED_LIVE: "examples"}
    for stage, count in report.checks.items():
        wrong = report.mismatch_counts.get(stage, 0)
        extra = ""
        if stage == CORPUS_IDS and report.categories:
            extra = " (" + ", ".join(f"{c} {n}" for c, n in report.categories.items()) + ")"
        if stage == GENERATED_LIVE:
            extra = f" (hypothesis, seed {report.seed})"
        lines.append(
            f"  {stage:<10}{count:>7} {labels[stage]}, {wrong} mismatch{'es' if wrong != 1 else ''}"
            f"{extra}"
        )
    lines += [f"  note: {note}" for note in report.notes]
    for mismatch in report.mismatches:
        lines += format_mismatch(mismatch)
    lines.append(f"  {'ok' if report.ok else 'FAILED'}")
    return lines
