"""`llm-cost pipe`: count the text in each line of a JSONL stream and add it to the line."""

from __future__ import annotations

import collections
import functools
import os
import re
import stat
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click

from llm_cost_core.cli.options import (
    chosen,
    dask_option,
    dumps,
    encoding_options,
    input_rate,
    price_age_options,
    prices_option,
    tier_option,
    warn_if_stale,
    workers_option,
)
from llm_cost_core.cli.output import EXIT_QUOTA
from llm_cost_core.cli.progress import Progress, quiet_option, wanted
from llm_cost_core.jobs.inputs import STDIN, STDIN_LABEL, check_input, open_input
from llm_cost_core.jobs.pipe import LINE_BATCH_BYTES, Source, run_pipe
from llm_cost_core.models.resolve import price_table
from llm_cost_core.prices.money import parse_money
from llm_cost_core.records.lines import PipeSettings, PipeStats, cost


class QuotaExceeded(click.ClickException):
    """--max-tokens or --max-cost was crossed: exit 3, after the output up to that line."""

    exit_code = EXIT_QUOTA


class _USD(click.ParamType):
    name = "USD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Decimal):
            return value
        try:  # read as a price is: plain ASCII digits, no sign, bounded, so exact and printable
            return parse_money(str(value).strip().removeprefix("$"))
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not an amount in USD such as 0.50 or $0.50", param, ctx)


@click.command("pipe")
@encoding_options
@click.option(
    "--field",
    metavar="PATH",
    help="The field to count; a dotted path (request.prompt) reaches into nested objects. A "
    "string is counted as text, a messages list as a chat prompt (an estimate). Default: "
    "`text`, else `messages`, whichever a line has.",
)
@workers_option("Count in N processes (0: one per CPU); the output is the same for any N.")
@click.option(
    "--max-tokens",
    type=click.IntRange(min=0),
    metavar="N",
    help="Stop after the line that takes the total over N tokens (exit 3).",
)
@click.option(
    "--max-cost",
    type=_USD(),
    metavar="USD",
    help="Stop after the line that takes the total "
    "cost over USD (exit 3; needs a priced -m MODEL).",
)
@click.option(
    "--summary", is_flag=True, help="Print one JSON line of totals and speed on stderr at the end."
)
@click.option(
    "--fail-fast", is_flag=True, help="Stop at the first line that cannot be counted (exit 1)."
)
@tier_option
@prices_option
@quiet_option
@price_age_options
@dask_option(
    "Count the FILEs (paths, globs, fsspec URLs) on Dask, one task per file, for "
    "--summary and --output only"
)
@click.option(
    "--output",
    metavar="PREFIX",
    help="With --dask: write each FILE's counted lines to PREFIX00000.jsonl, PREFIX00001.jsonl, "
    "... (any fsspec URL), in order.",
)
@click.option(  # the bytes of a line batch; a hidden option for tests, named as it always was
    "--chunk-bytes",
    "batch_bytes",
    type=click.IntRange(min=1),
    default=LINE_BATCH_BYTES,
    hidden=True,
)
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
def command(
    encoding: str | None,
    model: str | None,
    field: str | None,
    workers: int,
    max_tokens: int | None,
    max_cost: Decimal | None,
    summary: bool,
    fail_fast: bool,
    tier: str,
    prices_file: str | None,
    quiet: bool,
    max_price_age: int | None,
    ignore_price_age: bool,
    dask_address: str | None,
    output: str | None,
    batch_bytes: int,
    files: tuple[str, ...],
) -> None:
    """Read JSONL from FILEs (stdin when none, or -) and write each line to stdout with one key
    added: "llm_cost": {"tokens": N, "encoding": ENC, "cost_usd": X} (cost_usd with a priced -m).

    Every input line gives one output line, in order. A line that is not a JSON object, or whose
    field is missing or not text, is written unchanged and reported on stderr as `line N: reason`
    (the same reason more than a few times is summed up at the end); when no line at all could be
    counted, the exit code is 1.
    """
    if field is not None and any(not part for part in field.split(".")):
        raise click.UsageError(f"--field {field!r} is not a dotted path such as request.prompt")
    choice = chosen(encoding, model, prices_file, tier)
    enc = choice.encoding
    unpriced = f"no price for model {model!r}; cost_usd is left out"  # --max-cost: an error
    rate = input_rate(
        choice, max_price_age, ignore_price_age, unpriced if max_cost is None else None
    )
    if max_cost is not None and rate is None:
        raise click.UsageError("--max-cost needs -m MODEL with a known price")
    if dask_address is not None or output is not None:
        stops = fail_fast or max_tokens is not None or max_cost is not None
        _check_dask_usage(dask_address, output, summary, files, workers, stops)
    bad_lines = BadLines()
    table = choice.table
    if prices_file and table is None:  # a bad price file is the command's error, not every line's
        table = price_table(prices_file)
    settings = PipeSettings(enc.name, field, rate, prices_file)
    if dask_address is not None:
        from llm_cost_core import dask

        done = dask.pipe_dataset(
            files, settings, output=output, address=dask_address, keep=BadLines.SHOWN
        )
        for message in done.bad_lines.messages:  # as one process would have said them
            bad_lines.report(message)
        bad_lines.seen.update(done.bad_lines.hidden())
        stats, workers = done.stats, done.workers
    else:
        sources = _sources(files)
        with Progress("pipe", _total_size(files), wanted(quiet), min_bytes=0) as bar:

            def on_bad_line(message: str) -> None:
                bar.clear()
                bad_lines.report(message)

            stats = run_pipe(
                sources,
                sys.stdout.buffer,
                settings,
                workers=workers,
                max_tokens=max_tokens,
                max_cost=max_cost,
                fail_fast=fail_fast,
                on_bad_line=on_bad_line,
                batch_bytes=batch_bytes,
                on_progress=bar.update,
            )
    bad_lines.summarise()
    if stats.requests:  # the batch prices the Batch request lines used
        table = table or price_table(prices_file)
        used = [table.lookup(name, "batch") for name in sorted(stats.requests)]
        prices = [entry.price for entry in used if entry is not None]
        warn_if_stale(prices, max_price_age, ignore_price_age)
    if summary:
        click.echo(_summary(stats, settings, workers), err=True)
    if stats.fail_fast:
        raise click.ClickException(f"{stats.fail_fast} (stopped by --fail-fast)")
    if stats.stopped_by_quota:
        raise QuotaExceeded(stats.stopped_by_quota)
    if stats.lines and stats.failed == stats.lines:
        raise click.ClickException(
            f"none of the {stats.lines:,} lines could be counted"
            + (
                ""
                if field
                else "; a line needs a 'text' or 'messages' field, or name one with --field PATH"
            )
        )


def _check_dask_usage(
    dask_address: str | None,
    output: str | None,
    summary: bool,
    files: tuple[str, ...],
    workers: int,
    stops: bool,
) -> None:
    """--dask counts the files where they are and sends back totals: it writes no lines on
    stdout and has no single line order to stop in."""
    if dask_address is None:
        raise click.UsageError("--output PREFIX writes shards with --dask only")
    if not (summary or output):
        raise click.UsageError("--dask writes no lines on stdout: give --summary, --output or both")
    if not files or STDIN in files:
        raise click.UsageError("--dask reads FILEs, not standard input")
    if workers > 1:
        raise click.UsageError("--dask counts on the cluster's workers; leave out --workers")
    if stops:
        raise click.UsageError(
            "--max-tokens, --max-cost and --fail-fast stop at a line, and --dask counts the "
            "files at the same time; leave them out"
        )


_WHERE = re.compile(r"(?:.*?: )?line [0-9]+: (.*)", re.DOTALL)


class BadLines:
    """The `line N: reason` messages on stderr, with a reason seen more than SHOWN times summed
    up once at the end: 800,000 identical lines would bury everything else."""

    SHOWN = 3

    def __init__(self, echo: Callable[[str], None] = lambda text: click.echo(text, err=True)):
        self.echo = echo
        self.seen: collections.Counter[str] = collections.Counter()

    def report(self, message: str) -> None:
        match = _WHERE.match(message)
        reason = match.group(1) if match else message
        self.seen[reason] += 1
        if self.seen[reason] <= self.SHOWN:
            self.echo(message)

    def summarise(self) -> None:
        for reason, times in self.seen.items():
            if times > self.SHOWN:
                self.echo(f"... and {times - self.SHOWN:,} more like it: {reason}")


def _sources(files: tuple[str, ...]) -> list[Source]:
    """The inputs, each checked before any output is written (not opened: see
    `inputs.check_input`), and opened once, when reached."""
    sources = []
    for path in files or (STDIN,):
        if path == STDIN:
            # Not closed afterwards: FILEs may name - more than once, as with cat.
            sources.append(Source(STDIN_LABEL, lambda: sys.stdin.buffer, owned=False))
            continue
        check_input(path)
        sources.append(Source(path, functools.partial(open_input, path)))
    return sources


def _total_size(files: tuple[str, ...]) -> int | None:
    """The bytes to read, when every input is a regular file (stdin from one included)."""
    total = 0
    for index, path in enumerate(files or (STDIN,)):
        if path == STDIN and STDIN in files[:index]:  # read once, then at its end
            continue
        try:
            status = os.fstat(sys.stdin.fileno()) if path == STDIN else os.stat(path)
        except (OSError, ValueError, AttributeError):
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        total += status.st_size
    return total


def _summary(stats: PipeStats, settings: PipeSettings, workers: int) -> str:
    total = cost(stats, settings)
    seconds = max(stats.seconds, 1e-9)
    return dumps(
        {
            "lines": stats.lines,
            "failed": stats.failed,
            "tokens": stats.tokens,
            "cost_usd": total,
            "bytes": stats.bytes,
            "seconds": round(stats.seconds, 3),
            "mb_per_s": round(stats.bytes / 1e6 / seconds, 2),
            "workers": workers,
            "stopped_by_quota": stats.stopped_by_quota is not None,
            **_requests_summary(stats),
        }
    )


def _requests_summary(stats: PipeStats) -> dict[str, Any]:
    """For Batch request lines: per model, the lines, the input-token estimate, its cost at the
    batch tier, and the output cost's range: 0 up to every request's output bound."""
    if not stats.requests:
        return {}
    by_model = {}
    for model, totals in sorted(stats.requests.items()):
        by_model[model] = {
            "lines": totals.lines,
            "input_tokens": totals.input_tokens,
            "input_cost_usd": totals.input_usd,
            "max_output_tokens": totals.max_output_tokens,
            "output_cost_usd": {
                "min": None if totals.input_usd is None else Decimal(0),
                # unbounded when a request sets no bound on its output
                "max": None if totals.lines_without_max_output else totals.max_output_usd,
            },
            "lines_without_max_output": totals.lines_without_max_output,
        }
    return {"batch_requests": by_model}
