"""llm-cost-native: tiktoken's BPE and pre-tokenizers in C, as an llm-cost engine plugin.

`make_bpe` gives every encoding a compiled merge engine that reads the flat vocab in place. When
the native scanner knows the encoding's pattern exactly (o200k, cl100k, r50k), the engine also
counts and encodes whole texts in one call without the GIL (core's engine seam: `count_text`,
`encode_text`, `count_batch`, `encode_batch`), and `make_scanner` replaces the Python scanner.
Set `LLM_COST_NATIVE=0` to turn it all off (to compare, or to rule it out).
"""

from __future__ import annotations

import os
from array import array
from itertools import accumulate
from typing import Any

import llm_cost_core
from llm_cost_core.engine.flatvocab import FlatRanks
from llm_cost_core.engine.spec import EncodingSpec, Ranks

from . import _native

ENV = "LLM_COST_NATIVE"
"""Set to 0 (or false, no) to leave every encoding to the pure-Python engine and scanners."""


def enabled() -> bool:
    """Whether the native engine takes part (it does unless `LLM_COST_NATIVE` says off)."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def knows(spec: EncodingSpec) -> bool:
    """Whether the native scanner knows `spec.pattern`, so whole texts go through C."""
    return _native.kind_of(spec.pattern) != _native.SCAN_NONE


PROMISES = {
    _native.SCAN_O200K: (True, True),
    _native.SCAN_CL100K: (True, True),
    _native.SCAN_R50K: (True, False),
}
"""(`splits_before_space`, `splits_after_newline`) of each known pattern. They are properties of
the pattern, which the kind names exactly: the o200k and cl100k plugins declare both (and prove
them); the GPT-2 pattern keeps only the first as documented. Tests run core's promise checks on
each."""


class NativeScanner:
    """The native pre-tokenizer for one pattern it knows exactly."""

    def __init__(self, kind: int) -> None:
        self.kind = kind
        self.splits_before_space, self.splits_after_newline = PROMISES[kind]

    def __call__(self, text: str) -> list[str]:
        return _native.scan(self.kind, text)

    def __repr__(self) -> str:
        return f"<NativeScanner kind={self.kind}>"


@llm_cost_core.hookimpl(tryfirst=True)
def make_scanner(spec: EncodingSpec) -> llm_cost_core.Scanner | None:
    """The native scanner when the pattern is one it knows, before any plugin's Python one."""
    if not enabled():
        return None
    kind = _native.kind_of(spec.pattern)
    return NativeScanner(kind) if kind in PROMISES else None


@llm_cost_core.hookimpl(tryfirst=True)
def make_bpe(spec: EncodingSpec, ranks: Ranks) -> Any:
    """A compiled engine for any rank map: a `TextEngine` (whole texts too) when the pattern is
    known, else a `PieceEngine`. None (the pure-Python engine) when disabled, or for ranks the
    flat arrays cannot hold (an empty token, a rank of 2**32 - 1 or more)."""
    if not enabled():
        return None
    kind = _native.TextEngine if knows(spec) else _native.PieceEngine
    try:
        return kind(*_arrays(ranks), spec.pattern)
    except (ValueError, OverflowError):
        return None


def _arrays(ranks: Ranks) -> tuple[Any, Any, Any, Any]:
    """(blob, offsets, ranks, table) of the rank map: a flat vocab's own arrays and hash table,
    read in place, or arrays built once from any other mapping (a dict of a toy or third-party
    vocab), whose table (None) the engine builds."""
    if isinstance(ranks, FlatRanks):
        return ranks.arrays()
    tokens = list(ranks)
    try:
        values = array("I", ranks.values() if isinstance(ranks, dict) else map(ranks.get, tokens))
        offsets = array("I", accumulate(map(len, tokens), initial=0))
    except (OverflowError, TypeError):  # a negative, huge or missing rank; 4 GB of tokens
        values, offsets = array("I", [0xFFFFFFFF]), array("I", [0])
    return b"".join(tokens), offsets, values, None  # the engine refuses 0xFFFFFFFF as a rank


@llm_cost_core.hookimpl
def describe_engine(spec: EncodingSpec) -> str:
    """Which path `spec` takes (no vocab is loaded to say so)."""
    if not enabled():
        return f"off ({ENV}=0)"
    return "native, whole texts" if knows(spec) else "native merges, Python scanner"
