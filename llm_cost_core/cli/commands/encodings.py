"""`llm-cost encodings`: what is installed."""

from __future__ import annotations

import json

import click

from llm_cost_core.cli.output import print_table


@click.command("encodings")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def command(as_json: bool) -> None:
    """List the installed encodings: name, aliases, plugin and vocab size."""
    from llm_cost_core.engine.spec import reference_name
    from llm_cost_core.host.registry import registry

    reg = registry()
    entries = reg.encodings()
    if as_json:
        rows = [
            {
                "name": entry.spec.name,
                "aliases": list(entry.spec.aliases),
                "distribution": entry.plugin.distribution,
                "version": entry.plugin.version,
                "n_vocab": entry.spec.n_vocab,
                "special_tokens": len(entry.spec.special_tokens),
                "reference": reference_name(entry.spec),
            }
            for entry in entries
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not entries:
        raise click.ClickException(reg.no_encoding_message())
    print_table(
        ("ENCODING", "ALIASES", "PLUGIN", "N_VOCAB"),
        [
            (e.spec.name, ",".join(e.spec.aliases) or "-", e.plugin.label, str(e.spec.n_vocab))
            for e in entries
        ],
    )
