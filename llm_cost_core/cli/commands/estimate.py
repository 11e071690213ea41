"""`llm-cost estimate`: what a request to a model costs, broken down."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from llm_cost_core.cli.counting import count_files
from llm_cost_core.cli.options import (
    as_of,
    chosen,
    dumps,
    money,
    price_age_options,
    price_label,
    prices_option,
    tier_option,
    usage_errors,
    warn_if_stale,
    workers_option,
)
from llm_cost_core.cli.output import print_table
from llm_cost_core.jobs.inputs import STDIN
from llm_cost_core.models.resolve import installed_encoding_for_model, price_at, price_table
from llm_cost_core.prices.money import usd

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

_TOKENS = click.IntRange(min=0)


@click.command("estimate")
@click.option(
    "-m",
    "--model",
    required=True,
    metavar="MODEL",
    help="The model to price (see `llm-cost models`).",
)
@click.option("--text", "texts", multiple=True, metavar="TEXT", help="Count this text as input.")
@click.option(
    "--input-tokens",
    type=_TOKENS,
    metavar="N",
    help="Input tokens, instead of counting FILEs or --text (cached ones included, as in "
    "OpenAI's usage).",
)
@click.option(
    "--cached-tokens",
    type=_TOKENS,
    default=0,
    metavar="N",
    help="How many of the input tokens are cached (billed at the cached-input price).",
)
@click.option("--output-tokens", type=_TOKENS, default=0, metavar="N", help="Output tokens.")
@tier_option
@prices_option
@price_age_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@workers_option("Count each input with N processes (0: one per CPU).")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
def command(
    model: str,
    texts: tuple[str, ...],
    input_tokens: int | None,
    cached_tokens: int,
    output_tokens: int,
    tier: str,
    prices_file: str | None,
    max_price_age: int | None,
    ignore_price_age: bool,
    as_json: bool,
    workers: int,
    files: tuple[str, ...],
) -> None:
    """Estimate what a request to MODEL costs: input tokens counted from FILEs (stdin when none,
    or -), from --text or given with --input-tokens, plus cached and output tokens.

    The cost is exact for those token counts, in USD at the model's listed prices.
    """
    if texts and files:
        raise click.UsageError("give FILEs or --text, not both")
    if input_tokens is not None and (texts or files):
        raise click.UsageError("give --input-tokens or text to count (FILEs, --text), not both")
    encoding: Encoding | None
    if input_tokens is None:
        choice = chosen(None, model, prices_file, tier)
        encoding, entry = choice.encoding, choice.price
    else:  # nothing to count: a model priced in a file needs no installed encoding
        table = price_table(prices_file)
        with usage_errors():
            entry = price_at(model, table, tier)
        encoding = installed_encoding_for_model(model, table)
    if entry is None:
        raise click.UsageError(
            f"no price for model {model!r}; give one in a price file with --prices FILE"
        )
    if input_tokens is None:
        assert encoding is not None
        input_tokens = _count_inputs(encoding, texts, files, workers)
    encoding_name = encoding.name if encoding is not None else None
    price = entry.price
    warn_if_stale([price], max_price_age, ignore_price_age)
    try:
        cost = price.cost(input_tokens, cached_tokens, output_tokens)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    cached_rate = price.input if price.cached_input is None else price.cached_input
    if as_json:
        out: dict[str, Any] = {
            "model": model,
            "price_model": price.model,
            "tier": price.tier,
            "encoding": encoding_name,
            "as_of": price.as_of.isoformat() if price.as_of else None,
            "price_from": entry.origin,
            "usd_per_1m": {
                "input": price.input,
                "cached_input": price.cached_input,
                "output": price.output,
            },
            "tokens": {
                "input": input_tokens,
                "cached_input": cached_tokens,
                "output": output_tokens,
                "total": input_tokens + output_tokens,
            },
            "cost_usd": {
                "uncached_input": cost.input_usd,
                "cached_input": cost.cached_usd,
                "output": cost.output_usd,
                "total": cost.total_usd,
            },
        }
        click.echo(dumps(out))
        return
    click.echo(
        f"{price_label(model, entry)}: encoding {encoding_name or 'none installed'}, "
        f"USD per 1M tokens as of {as_of(entry)}"
    )
    print_table(
        ("PART", "TOKENS", "USD_PER_1M", "COST_USD"),
        [
            (
                "input uncached",
                str(input_tokens - cached_tokens),
                money(price.input),
                usd(cost.input_usd),
            ),
            ("input cached", str(cached_tokens), money(cached_rate), usd(cost.cached_usd)),
            ("output", str(output_tokens), money(price.output), usd(cost.output_usd)),
            ("total", str(input_tokens + output_tokens), "", usd(cost.total_usd)),
        ],
    )


def _count_inputs(
    encoding: Encoding, texts: tuple[str, ...], files: tuple[str, ...], workers: int
) -> int:
    """The tokens of all texts, or of all files read a block at a time (bounded memory); a file
    that cannot be read ends the command (the cost of the rest would be too low)."""
    if texts:
        return sum(map(encoding.count, texts))
    paths = list(files) or [STDIN]
    counted = count_files(encoding, paths, workers, skip_unreadable=False)
    return sum(tokens for _, tokens, _ in counted)
