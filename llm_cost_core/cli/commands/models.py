"""`llm-cost models`: every model the plugins map or price, with its encoding and prices."""

from __future__ import annotations

from typing import Any

import click

from llm_cost_core.cli.options import dumps, money, prices_option, tier_option
from llm_cost_core.cli.output import print_table
from llm_cost_core.errors import LLMCostError
from llm_cost_core.host.registry import distribution_for, registry
from llm_cost_core.models.resolve import price_table
from llm_cost_core.prices.prices import STANDARD, TIERS, PriceEntry


@click.command("models")
@tier_option
@prices_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def command(tier: str, prices_file: str | None, as_json: bool) -> None:
    """List every model: its encoding, its prices in USD per 1M tokens, and the plugin that
    counts it.

    A name ending in * is a prefix: every model name that starts with it (dated snapshots such
    as gpt-4o-2024-08-06) uses that encoding. Reads no vocab.
    """
    reg = registry()
    table = price_table(prices_file)
    models = reg.models()
    rows: list[dict[str, Any]] = []
    for name in sorted(set(models) | set(table.entries)):
        entry = table.lookup(name)
        encoding = models.get(name) or (entry.price.encoding if entry else "")
        if not encoding:  # a price that names no encoding (LiteLLM's): a plugin's prefix may
            encoding = reg.model_encoding(name) or ""
        if entry is not None and tier != STANDARD:
            entry = table.lookup(name, tier)
            if entry is None:
                continue  # no price at that tier: a list of batch prices lists batch prices
        rows.append(_row(reg, name, encoding, entry, prefix=False))
    if tier == STANDARD:
        for prefix, encoding in sorted(reg.model_prefixes().items()):
            rows.append(_row(reg, prefix, encoding, None, prefix=True))
    else:
        rows = [row for row in rows if row["input"] is not None]
    if as_json:
        click.echo(dumps(rows, indent=2))
        return
    print_table(
        ("MODEL", "ENCODING", "INPUT", "CACHED", "OUTPUT", "AS_OF", "PLUGIN"),
        [
            (
                row["model"] + ("*" if row["prefix"] else ""),
                row["encoding"] or "-",
                money(row["input"]),
                money(row["cached_input"]),
                money(row["output"]),
                row["as_of"] or "-",
                row["plugin"]
                or (
                    _not_installed(row["encoding"])
                    if row["encoding"]
                    else "none maps it (priced only)"
                ),
            )
            for row in rows
        ],
    )


def _row(reg: Any, model: str, encoding: str, entry: PriceEntry | None, prefix: bool) -> dict:
    try:
        registered = reg.lookup(encoding)
    except LLMCostError:
        registered = None
    price = entry.price if entry else None
    row: dict[str, Any] = {
        "model": model,
        "prefix": prefix,
        "encoding": registered.spec.name if registered else encoding,
        "installed": registered is not None,
        "plugin": registered.plugin.label if registered else None,
        "input": price.input if price else None,
        "cached_input": price.cached_input if price else None,
        "output": price.output if price else None,
        "tier": price.tier if price else None,
        "tiers": [name for name in TIERS if price.at(name) is not None] if price else [],
        "as_of": price.as_of.isoformat() if price and price.as_of else None,
        "source": price.source if price else None,
        "price_from": entry.origin if entry else None,
    }
    return row


def _not_installed(encoding: str) -> str:
    dist = distribution_for(encoding)
    return f"not installed (pip install {dist})" if dist else "not installed"
