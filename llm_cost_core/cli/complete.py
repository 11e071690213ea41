"""Shell completion: what `-e` and `-m` can be, from the plugins' registrations (no vocab is
loaded), and the script or answers `_LLM_COST_COMPLETE` asks for."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

COMPLETE_ENV = "_LLM_COST_COMPLETE"
"""click's variable for `llm-cost`: `bash_source`, `zsh_source` or `fish_source` prints the script
to source; the script sets it to `bash_complete` (and so on) to ask for completions."""


def encodings(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Every installed encoding's name and aliases that start with `incomplete`."""
    from llm_cost_core.host.registry import registry

    items = []
    for entry in registry().encodings():
        for name in entry.spec.names:
            if name.startswith(incomplete):
                items.append(CompletionItem(name, help=entry.plugin.label))
    return items


def models(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Every model the plugins map or price that starts with `incomplete`."""
    from llm_cost_core.host.registry import registry

    reg = registry()
    names = {
        **reg.models(),
        **{model: entry.price.encoding for model, entry in reg.prices().items()},
    }
    return [
        CompletionItem(model, help=encoding)
        for model, encoding in sorted(names.items())
        if model.startswith(incomplete)
    ]


def run(cli: click.Command, instruction: str) -> int:
    """Print the script or the completions `instruction` (the variable's value) asks for."""
    from click.shell_completion import shell_complete

    args: dict[str, Any] = {}
    return shell_complete(cli, args, "llm-cost", COMPLETE_ENV, instruction)
