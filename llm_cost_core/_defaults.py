"""Core's own plugin: the fallbacks every encoding gets when no plugin offers better.

It is registered like any other plugin, so `llm-cost plugins` lists it and the hook machinery
has no special cases.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import regex

from .bpe import BPEEngine, PurePythonBPE
from .commands import MODULES
from .hookspecs import hookimpl
from .scanner import Scanner, regex_scanner
from .spec import EncodingSpec, Ranks

if TYPE_CHECKING:
    import click


@hookimpl(trylast=True)
def make_scanner(spec: EncodingSpec) -> Scanner:
    try:
        return regex_scanner(spec.pattern)
    except regex.error as exc:  # the spec's fault: the registry names the plugin that gave it
        raise ValueError(f"its pattern does not compile: {exc}") from None


@hookimpl(trylast=True)
def make_bpe(spec: EncodingSpec, ranks: Ranks) -> BPEEngine:
    return PurePythonBPE(ranks)


@hookimpl
def register_prices(register: Callable[..., None]) -> None:
    from .prices import core_prices

    for price in core_prices():
        register(price)


@hookimpl
def register_commands(cli: click.Group) -> None:
    for module in MODULES:
        cli.add_command(importlib.import_module(f"{__package__}.commands.{module}").command)
