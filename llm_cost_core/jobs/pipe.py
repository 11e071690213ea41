"""The pipe's run: read the inputs, count their lines in line batches (on the workers when there
are several), write every line out in input order, and stop at a quota or --fail-fast.

Line batches go to the one worker pool (`processes.OrderedPool`), whose results come back in
input order with a bounded number in flight, so any input streams in bounded memory and the
output does not depend on the number of workers. What is done to each line is `records.lines`'.
"""

from __future__ import annotations

import collections
import contextlib
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from decimal import Decimal
from typing import BinaryIO

import attrs

from llm_cost_core.errors import InputError
from llm_cost_core.jobs.inputs import out_of_memory, read_error
from llm_cost_core.prices.money import per_million, usd
from llm_cost_core.records.lines import (
    LineBatchResult,
    LineCounter,
    PipeSettings,
    PipeStats,
    cost,
)

LINE_BATCH_BYTES = 256 * 1024  # input lines counted as one task


@attrs.frozen
class Source:
    """One input: a label for messages and a way to open it as a binary stream."""

    label: str
    open: Callable[[], BinaryIO]
    owned: bool = True  # closed when read (standard input is not)


@attrs.frozen
class LineBatch:
    """Consecutive lines of one input, counted as one task."""

    source: int
    first_line: int
    lines: list[bytes]
    starts_source: bool  # its first line is its source's first, where a UTF-8 BOM is allowed


def _line_batches(sources: Sequence[Source], batch_bytes: int) -> Iterator[LineBatch]:
    """The input lines in line batches of about `batch_bytes`. A source's last line gets a b"\\n"
    when another source follows, so that two files never merge into one line."""
    for index, source in enumerate(sources):
        last_source = index == len(sources) - 1
        lines: list[bytes] = []
        size = 0
        first_line = 1
        try:
            stream = source.open()
        except OSError as exc:
            raise InputError(f"{source.label}: {exc.strerror or exc}") from None
        number = 0
        try:
            for number, line in enumerate(stream, 1):
                if not last_source and not line.endswith(b"\n"):
                    line += b"\n"
                lines.append(line)
                size += len(line)
                if size >= batch_bytes:
                    yield LineBatch(index, first_line, lines, first_line == 1)
                    lines, size, first_line = [], 0, number + 1
        except OSError as exc:  # reading it: the output is written elsewhere
            raise read_error(source.label, exc) from None
        except MemoryError:  # a line too long to hold (/dev/zero has no line break)
            lines.clear()
            raise out_of_memory(f"{source.label}: line {number + 1} is too long to hold") from None
        finally:
            if source.owned:
                stream.close()
        if lines:
            yield LineBatch(index, first_line, lines, first_line == 1)


def _results(
    batches: Iterator[LineBatch], settings: PipeSettings, workers: int
) -> Generator[tuple[LineBatch, LineBatchResult], None, None]:
    """Each line batch with its results, in input order."""
    if workers <= 1:
        counter = LineCounter(settings)
        for batch in batches:
            yield batch, counter.count_lines(batch.lines, batch.starts_source)
        return
    from llm_cost_core.jobs.processes import OrderedPool  # multiprocessing: when needed

    given: collections.deque[LineBatch] = collections.deque()  # the batches in flight, in order

    def tasks() -> Iterator[tuple[list[bytes], bool]]:
        for batch in batches:
            given.append(batch)
            yield batch.lines, batch.starts_source

    # Each worker's state is its own LineCounter. Closed early (a quota, --fail-fast, a closed
    # output) or interrupted: the pool ends the workers at once.
    with OrderedPool(workers, LineCounter, (settings,)) as pool:
        for result in pool.map(LineCounter.count_lines, tasks()):
            yield given.popleft(), result


def run_pipe(
    sources: Sequence[Source],
    out: BinaryIO,
    settings: PipeSettings,
    *,
    workers: int = 1,
    max_tokens: int | None = None,
    max_cost: Decimal | None = None,
    fail_fast: bool = False,
    on_bad_line: Callable[[str], None] = lambda message: None,
    batch_bytes: int = LINE_BATCH_BYTES,
    on_progress: Callable[[int], None] = lambda done: None,
) -> PipeStats:
    """Stream `sources` to `out`, one output line per input line, and say what was done.

    A bad line is written unchanged and `on_bad_line("line N: reason")` is called; with
    `fail_fast` the run stops before writing it. A quota stops the run after the line that
    crosses it. Everything before a stop is written and flushed. `on_progress(bytes)` is called
    after each batch written with the input bytes handled so far. With `workers` > 1 the workers
    may be spawned (macOS, Windows), so a script that calls this needs the usual
    `if __name__ == "__main__":` guard.
    """
    if max_cost is not None and settings.usd_per_million is None:
        raise ValueError("max_cost needs a price")
    stats = PipeStats()
    start = time.perf_counter()
    named = len(sources) > 1

    def where(batch: LineBatch, offset: int) -> str:
        line = f"line {batch.first_line + offset}"
        return f"{sources[batch.source].label}: {line}" if named else line

    try:
        with contextlib.closing(
            _results(_line_batches(sources, batch_bytes), settings, workers)
        ) as it:
            for batch, result in it:
                total = stats.tokens + sum(result.tokens)
                after = attrs.evolve(stats, tokens=total)
                if _quota(after, settings, max_tokens, max_cost, 0) or (fail_fast and result.bad):
                    # A stop inside this batch: go line by line to find where.
                    if _stop_inside(
                        batch,
                        result,
                        stats,
                        settings,
                        max_tokens,
                        max_cost,
                        out,
                        where,
                        fail_fast,
                        on_bad_line,
                    ):
                        return stats
                    continue
                # The common case, without a loop over lines: the quotas only grow with the
                # tokens, so none is crossed inside a batch that ends below it.
                stats.lines += len(batch.lines)
                stats.bytes += sum(map(len, batch.lines))
                stats.tokens = total
                stats.failed += len(result.bad)
                for _, priced in result.requests:
                    stats.add_request(priced)
                for offset, reason in result.bad:
                    on_bad_line(f"{where(batch, offset)}: {reason}")
                out.write(b"".join(result.outputs))
                on_progress(stats.bytes)
        return stats
    finally:
        out.flush()
        stats.seconds = time.perf_counter() - start


def _stop_inside(
    batch: LineBatch,
    result: LineBatchResult,
    stats: PipeStats,
    settings: PipeSettings,
    max_tokens: int | None,
    max_cost: Decimal | None,
    out: BinaryIO,
    where: Callable[[LineBatch, int], str],
    fail_fast: bool,
    on_bad_line: Callable[[str], None],
) -> bool:
    """Handle a batch line by line; True when the run stops in it (after writing what goes
    before the stop)."""
    reasons = dict(result.bad)
    requests = dict(result.requests)
    keep: list[bytes] = []
    try:
        for offset, (output, tokens) in enumerate(zip(result.outputs, result.tokens, strict=True)):
            stats.lines += 1
            stats.bytes += len(batch.lines[offset])
            reason = reasons.get(offset)
            if reason is not None:
                stats.failed += 1
                if fail_fast:
                    stats.fail_fast = f"{where(batch, offset)}: {reason}"
                    return True
                on_bad_line(f"{where(batch, offset)}: {reason}")
            keep.append(output)
            stats.tokens += tokens
            if offset in requests:
                stats.add_request(requests[offset])
            stats.stopped_by_quota = _quota(
                stats, settings, max_tokens, max_cost, batch.first_line + offset
            )
            if stats.stopped_by_quota:
                return True
        return False
    finally:
        out.write(b"".join(keep))


def _quota(
    stats: PipeStats,
    settings: PipeSettings,
    max_tokens: int | None,
    max_cost: Decimal | None,
    line: int,
) -> str | None:
    if max_tokens is not None and stats.tokens > max_tokens:
        return (
            f"token quota exceeded at line {line}: {stats.tokens} tokens > --max-tokens "
            f"{max_tokens}; the output stops after that line"
        )
    if max_cost is not None and settings.usd_per_million is not None:
        spent = per_million(stats.tokens, settings.usd_per_million)
        if stats.requests:  # Batch request lines cost their own model's batch price
            spent = cost(stats, settings) or Decimal(0)
        if spent > max_cost:
            return (
                f"cost quota exceeded at line {line}: {usd(spent)} USD > --max-cost "
                f"{usd(max_cost)}; the output stops after that line"
            )
    return None
