"""llm-cost-cl100k: OpenAI's cl100k_base encoding (GPT-4, GPT-3.5-turbo, text-embedding-3)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

import llm_cost_core as lc

from . import scanner

VOCAB_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"

SPEC = lc.EncodingSpec(
    name="cl100k",
    aliases=("cl100k_base",),
    pattern=scanner.PATTERN,
    special_tokens={
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    n_vocab=100277,
    load_ranks=lc.TiktokenFile(files(__name__) / "cl100k_base.tiktoken.gz", VOCAB_SHA256),
    vocab_sha256=VOCAB_SHA256,
    reference="cl100k_base",
    description="GPT-4, GPT-3.5-turbo and the text-embedding-3 / ada-002 models",
)

# tiktoken's model table (tiktoken/model.py) for cl100k_base, except that tiktoken's "ft:gpt-4"
# prefix is split into "ft:gpt-4-" and "ft:gpt-4:" so that, without the o200k plugin, a
# fine-tuned gpt-4o ("ft:gpt-4o-mini:...") is not taken for a gpt-4.
MODELS = (
    "gpt-4",
    "gpt-3.5-turbo",
    "gpt-3.5",
    "gpt-35-turbo",
    "davinci-002",
    "babbage-002",
    "text-embedding-ada-002",
    "text-embedding-3-small",
    "text-embedding-3-large",
)
MODEL_PREFIXES = (
    "gpt-4-",
    "gpt-3.5-turbo-",
    "gpt-35-turbo-",
    "ft:gpt-4-",
    "ft:gpt-4:",
    "ft:gpt-3.5-turbo",
    "ft:davinci-002",
    "ft:babbage-002",
)


@lc.hookimpl
def register_encodings(register: Callable[[lc.EncodingSpec], None]) -> None:
    register(SPEC)


@lc.hookimpl
def make_scanner(spec: lc.EncodingSpec) -> lc.Scanner | None:
    return scanner.make() if spec == SPEC else None


@lc.hookimpl
def register_models(register: Callable[..., None]) -> None:
    for model in MODELS:
        register(model, SPEC.name)
    for prefix in MODEL_PREFIXES:
        register(prefix, SPEC.name, prefix=True)
