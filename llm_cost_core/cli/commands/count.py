"""`llm-cost count` (the default command): the tokens of files, stdin or --text."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

import click

from llm_cost_core.cli.commands import tokens as show_tokens
from llm_cost_core.cli.counting import count_files
from llm_cost_core.cli.options import chosen, dask_option, encoding_options, workers_option
from llm_cost_core.cli.output import error_line
from llm_cost_core.cli.progress import quiet_option, wanted
from llm_cost_core.jobs.inputs import STDIN, decode_utf8, warn_replaced


@click.command("count")
@encoding_options
@click.option("--text", "texts", multiple=True, metavar="TEXT", help="Count this text instead.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option(
    "--prices",
    "prices_file",
    metavar="FILE",
    help="A JSON price table whose models -m can name too, as for `llm-cost estimate` "
    "(env LLM_COST_PRICES).",
)
@workers_option("Count each input with N processes (0: one per CPU), in parts of about 4 MB.")
@show_tokens.token_options
@quiet_option
@dask_option("Count the FILEs (paths, globs, fsspec URLs) on Dask, one task per file")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
def command(
    encoding: str | None,
    model: str | None,
    texts: tuple[str, ...],
    as_json: bool,
    prices_file: str | None,
    workers: int,
    ids: bool,
    tokens: bool,
    decode: bool,
    truncate: int | None,
    allow_special: bool,
    quiet: bool,
    dask_address: str | None,
    files: tuple[str, ...],
) -> None:
    """Count the tokens of FILEs (stdin when none, or -), or of --text.

    One input prints one integer; several print a table with a total, like `wc`.
    Special-token text such as <|endoftext|> is counted as ordinary text (see --allow-special).
    --ids, --tokens, --decode and --truncate show the tokens of one input instead.
    """
    if texts and files:
        raise click.UsageError("give FILEs or --text, not both")
    flags = {show_tokens.IDS: ids, show_tokens.TOKENS: tokens, show_tokens.DECODE: decode}
    mode = show_tokens.mode(flags, truncate, allow_special, as_json)
    if allow_special and workers > 1:
        raise click.UsageError("--allow-special counts in one process; leave out --workers")
    if dask_address is not None and (
        texts or mode is not None or allow_special or workers > 1 or not files
    ):
        raise click.UsageError(
            "--dask counts FILEs only: name them, and leave out --text, --workers, "
            "--allow-special and the token views"
        )
    enc = chosen(encoding, model, prices_file).encoding
    if mode is not None:
        show_tokens.run(enc, mode, texts, files, truncate, allow_special, as_json)
        return
    counter = enc.count
    count_stream = None
    if allow_special:
        counter = functools.partial(show_tokens.count_special, enc)
        count_stream = functools.partial(show_tokens.count_special_stream, enc)
    labels = [f"--text {i + 1}" for i in range(len(texts))] or list(files) or [STDIN]
    rows: list[dict[str, Any]] = []
    if texts:
        for label, text in zip(labels, map(_checked_text, texts), strict=True):
            rows.append({"input": label, "tokens": counter(text)})
    elif dask_address is not None:
        from llm_cost_core import dask

        found = dask.shards(files)
        labels = [shard.label for shard in found]
        for result in dask.count_dataset(found, enc.name, address=dask_address):
            if result.tokens is None:  # as count_files says it
                if len(found) == 1:
                    raise click.ClickException(str(result.error))
                error_line(str(result.error))
                continue
            warn_replaced(result.label, result.replaced_bytes)
            rows.append({"input": result.label, "tokens": result.tokens})
    else:
        counted = count_files(enc, labels, workers, wanted(quiet), count_stream)
        for stream, n, _ in counted:
            rows.append({"input": stream.label, "tokens": n})
    total = sum(row["tokens"] for row in rows)
    if as_json:
        out: dict[str, Any] = {"encoding": enc.name, "tokens": total}
        if len(labels) > 1:
            out["inputs"] = rows
        click.echo(json.dumps(out))
    elif len(labels) == 1:
        click.echo(total)
    else:
        width = max(len(str(total)), 1)
        for row in rows:
            click.echo(f"{row['tokens']:>{width}} {row['input']}")
        click.echo(f"{total:>{width}} total")
    if len(rows) < len(labels):
        sys.exit(1)


def _checked_text(text: str) -> str:
    """--text as given; bytes the shell passed that are not UTF-8 are replaced, with a warning."""
    data = text.encode("utf-8", "surrogateescape")
    checked, replaced = decode_utf8(data)
    warn_replaced("--text", replaced)
    return checked
