"""`llm-cost report`: how text turns into tokens, file by file, and what it would cost."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import click

from llm_cost_core.cli.counting import count_files
from llm_cost_core.cli.options import (
    chosen,
    dumps,
    encoding_options,
    input_rate,
    price_age_options,
    prices_option,
    tier_option,
    workers_option,
)
from llm_cost_core.cli.output import print_table
from llm_cost_core.jobs.inputs import STDIN
from llm_cost_core.prices.money import per_million, usd


@click.command("report")
@encoding_options
@tier_option
@prices_option
@price_age_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@workers_option("Count each input with N processes (0: one per CPU).")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
def command(
    encoding: str | None,
    model: str | None,
    tier: str,
    prices_file: str | None,
    max_price_age: int | None,
    ignore_price_age: bool,
    as_json: bool,
    workers: int,
    files: tuple[str, ...],
) -> None:
    """Report, for each FILE (stdin when none, or -): bytes, characters, words, tokens, bytes
    per token, tokens per word, and with -m the cost of the tokens sent as input.

    Words are what str.split() separates: as `wc -w`, except that no-break spaces split too.
    """
    choice = chosen(encoding, model, prices_file, tier)
    enc = choice.encoding
    unpriced = f"no price for model {model!r}; the cost is left out"
    rate = input_rate(choice, max_price_age, ignore_price_age, unpriced)
    paths = list(files) or [STDIN]
    rows: list[dict[str, Any]] = []
    for stream, tokens, measured in count_files(enc, paths, workers, measure=_Measured):
        assert measured is not None
        rows.append(_row(stream.label, stream.size, measured.chars, measured.words, tokens))
    unreadable = len(paths) - len(rows)
    if len(paths) > 1:
        rows.append(_row("total", *(sum(row[key] for row in rows) for key in _SUMMED)))
    for row in rows:
        if rate is not None:
            row["cost_usd"] = per_million(row["tokens"], rate)
    if as_json:
        out: dict[str, Any] = {"encoding": enc.name}
        if model:
            out["model"] = model
        out["inputs"] = rows
        click.echo(dumps(out))
    else:
        header = ("FILE", "BYTES", "CHARS", "WORDS", "TOKENS", "BYTES/TOKEN", "TOKENS/WORD")
        print_table(
            (*header, "COST_USD") if rate is not None else header,
            [_cells(row, rate is not None) for row in rows],
        )
    if unreadable:
        sys.exit(1)


_SUMMED = ("bytes", "chars", "words", "tokens")


class _Measured:
    """The blocks of a stream, passed on as they are while their characters and words are
    counted (a word cut in two by a block boundary is counted once)."""

    def __init__(self, blocks: Iterable[str]) -> None:
        self._blocks = blocks
        self.chars = self.words = 0

    def __iter__(self) -> Iterator[str]:
        in_word = False  # whether the text so far ends inside a word
        for block in self._blocks:
            if block:
                self.chars += len(block)
                self.words += len(block.split()) - (in_word and not block[0].isspace())
                in_word = not block[-1].isspace()
            yield block


def _row(label: str, size: int, chars: int, words: int, tokens: int) -> dict[str, Any]:
    return {
        "input": label,
        "bytes": size,
        "chars": chars,
        "words": words,
        "tokens": tokens,
        "bytes_per_token": _ratio(size, tokens),
        "tokens_per_word": _ratio(tokens, words),
    }


def _ratio(num: int, den: int) -> Decimal | None:
    """Rounded to 2 decimals (a ratio, not money), None when there is nothing to divide by."""
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.01")) if den else None


def _cells(row: dict[str, Any], priced: bool) -> tuple[str, ...]:
    cells = [
        row["input"],
        *(str(row[key]) for key in _SUMMED),
        *(
            "-" if row[key] is None else str(row[key])
            for key in ("bytes_per_token", "tokens_per_word")
        ),
    ]
    if priced:
        cells.append(usd(row["cost_usd"]))
    return tuple(cells)
