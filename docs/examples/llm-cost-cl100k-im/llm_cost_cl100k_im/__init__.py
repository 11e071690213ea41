"""llm-cost-cl100k-im: cl100k_base with the ChatML tokens, as tiktoken's README extends it.

tiktoken's README builds `cl100k_im` from cl100k_base's pattern and ranks plus two special
tokens. This plugin registers the same encoding for llm-cost. It ships no vocab of its own: it
reuses llm-cost-cl100k's (a declared dependency), hash check included, and its fast scanner.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

import llm_cost_cl100k as cl100k

import llm_cost_core as lc

SPECIAL_TOKENS = {
    **cl100k.SPEC.special_tokens,
    "<|im_start|>": 100264,
    "<|im_end|>": 100265,
}

SPEC = lc.EncodingSpec(
    name="cl100k-im",
    aliases=("cl100k_im",),
    pattern=cl100k.SPEC.pattern,
    special_tokens=SPECIAL_TOKENS,
    n_vocab=max(SPECIAL_TOKENS.values()) + 1,
    load_ranks=cl100k.SPEC.load_ranks,  # cl100k's TiktokenFile: read lazily, hash-checked
    vocab_sha256=cl100k.SPEC.vocab_sha256,
    # The parity reference: tiktoken's cl100k_base pattern and ranks with SPECIAL_TOKENS, built
    # the way tiktoken's README builds cl100k_im.
    reference="cl100k_base",
    extends_reference=True,
    corpus=files(__name__) / "parity_corpus.jsonl",
    description="cl100k_base plus <|im_start|> and <|im_end|> (ChatML), as in tiktoken's README",
)


@lc.hookimpl
def register_encodings(register: Callable[[lc.EncodingSpec], None]) -> None:
    register(SPEC)


@lc.hookimpl
def make_scanner(spec: lc.EncodingSpec) -> lc.Scanner | None:
    """cl100k's hand-written scanner: same pattern, so the same pieces, faster than the regex."""
    if spec != SPEC:
        return None
    from llm_cost_cl100k import scanner

    return scanner.make()
