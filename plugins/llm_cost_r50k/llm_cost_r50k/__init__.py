"""llm-cost-r50k: OpenAI's GPT-2-era encodings, r50k_base, gpt2, p50k_base and p50k_edit.

All four share one pattern and one rank file: gpt2 has r50k_base's ranks, p50k_base adds the runs
of 2 to 25 spaces (derived here at load time and checked against tiktoken's own p50k pin), and
p50k_edit is p50k_base with the fill-in-the-middle special tokens.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from importlib.resources import files

import llm_cost_core as lc

from . import scanner

R50K_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
P50K_SHA256 = "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069"
ENDOFTEXT = "<|endoftext|>"

_VOCAB = files(__name__) / "r50k_base.tiktoken.gz"
P50K_SPACES = b"".join(base64.b64encode(b" " * k) + b" %d\n" % (50255 + k) for k in range(2, 26))
"""The `.tiktoken` lines p50k_base adds to r50k_base: runs of 2 to 25 spaces, ranks 50257-50280."""
CORPUS = files(__name__) / "parity_corpus.jsonl"
"""The Evil Corpus's cases for these encodings (written by core's tools/gen_evil_corpus.py)."""
R50K_RANKS = lc.TiktokenFile(_VOCAB, R50K_SHA256)
P50K_RANKS = lc.TiktokenFile(_VOCAB, P50K_SHA256, appended=P50K_SPACES)

R50K = lc.EncodingSpec(
    name="r50k",
    aliases=("r50k_base",),
    pattern=scanner.PATTERN,
    special_tokens={ENDOFTEXT: 50256},
    n_vocab=50257,
    load_ranks=R50K_RANKS,
    vocab_sha256=R50K_SHA256,
    reference="r50k_base",
    description="GPT-3 (davinci, curie, babbage, ada) and the first-generation embeddings",
    corpus=CORPUS,
)
GPT2 = lc.EncodingSpec(
    name="gpt2",
    pattern=scanner.PATTERN,
    special_tokens={ENDOFTEXT: 50256},
    n_vocab=50257,
    load_ranks=R50K_RANKS,
    vocab_sha256=R50K_SHA256,
    # tiktoken builds gpt2 from GPT-2's data-gym files (vocab.bpe, encoder.json), which are not
    # shipped anywhere offline; they hold r50k_base's ranks. So parity compares with tiktoken's
    # r50k_base pattern and ranks under gpt2's special tokens: what tiktoken's gpt2() returns.
    reference="r50k_base",
    extends_reference=True,
    description="GPT-2 (r50k_base's ranks under GPT-2's own name)",
    corpus=CORPUS,
)
P50K = lc.EncodingSpec(
    name="p50k",
    aliases=("p50k_base",),
    pattern=scanner.PATTERN,
    special_tokens={ENDOFTEXT: 50256},
    n_vocab=50281,
    load_ranks=P50K_RANKS,
    vocab_sha256=P50K_SHA256,
    reference="p50k_base",
    description="text-davinci-002/003 and Codex",
    corpus=CORPUS,
)
P50K_EDIT = lc.EncodingSpec(
    name="p50k_edit",
    pattern=scanner.PATTERN,
    special_tokens={
        ENDOFTEXT: 50256,
        "<|fim_prefix|>": 50281,
        "<|fim_middle|>": 50282,
        "<|fim_suffix|>": 50283,
    },
    n_vocab=50284,
    load_ranks=P50K_RANKS,
    vocab_sha256=P50K_SHA256,
    reference="p50k_edit",
    description="the edit models (text-davinci-edit-001, code-davinci-edit-001)",
    corpus=CORPUS,
)
SPECS = (R50K, GPT2, P50K, P50K_EDIT)

# tiktoken's model table (tiktoken/model.py) for these encodings: all exact names.
MODELS = {
    R50K.name: (
        "text-davinci-001", "text-curie-001", "text-babbage-001", "text-ada-001",
        "davinci", "curie", "babbage", "ada",
        "text-similarity-davinci-001", "text-similarity-curie-001",
        "text-similarity-babbage-001", "text-similarity-ada-001",
        "text-search-davinci-doc-001", "text-search-curie-doc-001",
        "text-search-babbage-doc-001", "text-search-ada-doc-001",
        "code-search-babbage-code-001", "code-search-ada-code-001",
    ),
    P50K.name: (
        "text-davinci-003", "text-davinci-002", "code-davinci-002", "code-davinci-001",
        "code-cushman-002", "code-cushman-001", "davinci-codex", "cushman-codex",
    ),
    P50K_EDIT.name: ("text-davinci-edit-001", "code-davinci-edit-001"),
    GPT2.name: ("gpt2", "gpt-2"),
}  # fmt: skip


@lc.hookimpl
def register_encodings(register: Callable[[lc.EncodingSpec], None]) -> None:
    for spec in SPECS:
        register(spec)


@lc.hookimpl
def make_scanner(spec: lc.EncodingSpec) -> lc.Scanner | None:
    return scanner.make() if spec in SPECS else None


@lc.hookimpl
def register_models(register: Callable[..., None]) -> None:
    for encoding, models in MODELS.items():
        for model in models:
            register(model, encoding)
