"""llm-cost-o200k: OpenAI's o200k_base encoding (GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o1, o3, o4)."""

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

# tiktoken's model table (tiktoken/model.py) for o200k_base, plus "gpt-4.5".
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


@lc.hookimpl
def register_encodings(register: Callable[[lc.EncodingSpec], None]) -> None:
    register(SPEC)


@lc.hookimpl
def make_scanner(spec: lc.EncodingSpec) -> scanner.Scanner | None:
    return scanner.make() if spec == SPEC else None


@lc.hookimpl
def register_models(register: Callable[..., None]) -> None:
    for model in MODELS:
        register(model, SPEC.name)
    for prefix in MODEL_PREFIXES:
        register(prefix, SPEC.name, prefix=True)
