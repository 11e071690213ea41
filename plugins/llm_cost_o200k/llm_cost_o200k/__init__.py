"""llm-cost-o200k: OpenAI's o200k_base encoding (GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o1, o3, o4), and
o200k_harmony (the gpt-oss models: o200k_base's pattern and ranks, harmony's special tokens)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

import llm_cost_core as lc

from . import scanner

VOCAB_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

SPEC = lc.EncodingSpec(
    name="o200k",
    aliases=("o200k_base",),
    pattern=scanner.PATTERN,
    special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    n_vocab=200019,
    load_ranks=lc.TiktokenFile(files(__name__) / "o200k_base.tiktoken.gz", VOCAB_SHA256),
    vocab_sha256=VOCAB_SHA256,
    reference="o200k_base",
    description="GPT-4o, GPT-4.1, GPT-4.5, GPT-5 and the o-series",
)

# tiktoken 0.14's o200k_harmony special tokens: harmony's, the reserved range, and o200k_base's.
# "<|endofprompt|>" and "<|reserved_200018|>" share id 200018, as in tiktoken, whose decoder
# gives "<|endofprompt|>" for it; core's decoder takes the last token listed for an id, so
# o200k_base's come last.
HARMONY_SPECIAL_TOKENS = {
    "<|startoftext|>": 199998,
    "<|endoftext|>": 199999,
    "<|reserved_200000|>": 200000,
    "<|reserved_200001|>": 200001,
    "<|return|>": 200002,
    "<|constrain|>": 200003,
    "<|reserved_200004|>": 200004,
    "<|channel|>": 200005,
    "<|start|>": 200006,
    "<|end|>": 200007,
    "<|message|>": 200008,
    "<|reserved_200009|>": 200009,
    "<|reserved_200010|>": 200010,
    "<|reserved_200011|>": 200011,
    "<|call|>": 200012,
    **{f"<|reserved_{i}|>": i for i in range(200013, 201088)},
    **SPEC.special_tokens,
}
HARMONY = lc.EncodingSpec(
    name="o200k_harmony",
    pattern=scanner.PATTERN,
    special_tokens=HARMONY_SPECIAL_TOKENS,
    n_vocab=201088,
    load_ranks=SPEC.load_ranks,
    vocab_sha256=VOCAB_SHA256,
    reference="o200k_harmony",
    description="gpt-oss (the harmony chat format's special tokens)",
    corpus=files(__name__) / "parity_corpus.jsonl",  # its Evil Corpus cases (gen_evil_corpus.py)
)
SPECS = (SPEC, HARMONY)

# tiktoken's model table (tiktoken/model.py) for o200k_base and o200k_harmony, plus "gpt-4.5".
MODELS = ("gpt-5", "gpt-4.5", "gpt-4.1", "gpt-4o", "o1", "o3", "o4-mini")
MODEL_PREFIXES = (
    "gpt-5",
    "gpt-4.5-",
    "gpt-4.1-",
    "gpt-4o-",
    "chatgpt-4o-",
    "o1-",
    "o3-",
    "o4-mini-",
    "ft:gpt-4o",
)
HARMONY_MODEL_PREFIXES = ("gpt-oss-",)


@lc.hookimpl
def register_encodings(register: Callable[[lc.EncodingSpec], None]) -> None:
    for spec in SPECS:
        register(spec)


@lc.hookimpl
def make_scanner(spec: lc.EncodingSpec) -> lc.Scanner | None:
    return scanner.make() if spec in SPECS else None


@lc.hookimpl
def register_models(register: Callable[..., None]) -> None:
    for model in MODELS:
        register(model, SPEC.name)
    for prefix in MODEL_PREFIXES:
        register(prefix, SPEC.name, prefix=True)
    for prefix in HARMONY_MODEL_PREFIXES:
        register(prefix, HARMONY.name, prefix=True)
