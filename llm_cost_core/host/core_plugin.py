"""Core's own plugin: the fallbacks every encoding gets when no plugin offers better.

It is registered like any other plugin, so `llm-cost plugins` lists it and the hook machinery
has no special cases.
"""

from __future__ import annotations

from collections.abc import Callable

import regex

from llm_cost_core.engine.bpe import BPEEngine, PurePythonBPE
from llm_cost_core.engine.scanner import Scanner, regex_scanner
from llm_cost_core.engine.spec import EncodingSpec, Ranks
from llm_cost_core.host.hookspecs import hookimpl


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
    from llm_cost_core.prices.price_files import core_prices

    for price in core_prices():
        register(price)
