"""What a plugin hands to core: the immutable description of one encoding."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on
    from pathlib import Path

Ranks = Mapping[bytes, int]

ENCODING_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""What an encoding name or alias may be: ASCII letters, digits, `.`, `_` and `-`, starting
with a letter or digit, at most 64 characters. So `llm-cost-<name>` is a distribution name, and
a name is safe to print and to put in an install hint."""
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}")
"""What a model name (or model-name prefix) may be: the same, plus `:`, `/`, `@` and `+`
(`ft:gpt-4o-mini:acme::abc123`, `openai/gpt-4o`), at most 128 characters."""


def check_name(kind: str, value: object) -> str:
    """`value` if it is a valid `kind` name ("encoding" or "model"); else TypeError or a
    ValueError that says which characters a name may hold (and never prints the bad one raw)."""
    if not isinstance(value, str):
        raise TypeError(f"{kind} name must be a str, not {type(value).__name__}")
    pattern = ENCODING_NAME if kind == "encoding" else MODEL_NAME
    if pattern.fullmatch(value) is None:
        allowed = "letters, digits, . _ -" + (" : / @ +" if kind == "model" else "")
        limit = 64 if kind == "encoding" else 128
        shown = ascii(value) if len(value) <= 60 else ascii(value[:57]) + "..."
        raise ValueError(
            f"{kind} name {shown} is not valid: it may hold ASCII {allowed}, start with a "
            f"letter or digit and have at most {limit} characters"
        )
    return value


def _encoding_name(_instance: object, _attribute: object, value: str) -> None:
    check_name("encoding", value)


def _alias_names(_instance: object, _attribute: object, value: tuple[str, ...]) -> None:
    for alias in value:
        check_name("encoding", alias)


def _frozen_mapping(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TiktokenReference:
    """The live parity reference of a tiktoken-style encoding that tiktoken does not ship: a
    `tiktoken.Encoding` built from `pattern`, the ranks `load_ranks` returns and
    `special_tokens` (tiktoken is needed only when parity runs).

    Give it the tokenizer's published pattern and rank file. The parity runner then compares
    llm-cost with tiktoken's own engine on them, on the corpus and on generated text. It shows
    that llm-cost runs that definition exactly (scanner, merges, any `make_scanner` or
    `make_bpe`), not that the definition is the right one: only a corpus written by the
    tokenizer you are matching shows that.
    """

    name: str = attrs.field(validator=_encoding_name)
    """What reports call the reference (`mytok-upstream`)."""
    pattern: str
    load_ranks: Callable[[], Ranks] = attrs.field(eq=False, repr=False)
    """Returns the verified ranks, e.g. the same `TiktokenFile` the spec loads."""
    special_tokens: Mapping[str, int] = attrs.field(
        default=MappingProxyType({}), converter=_frozen_mapping, hash=False
    )


def reference_name(spec: EncodingSpec) -> str | None:
    """The reference as reports name it: tiktoken's encoding name, or a `TiktokenReference`'s
    name followed by "(tiktoken engine)"; None when there is none."""
    reference = spec.reference
    if isinstance(reference, TiktokenReference):
        return f"{reference.name} (tiktoken engine)"
    return reference


@attrs.frozen(kw_only=True)
class EncodingSpec:
    """Everything core needs to build an `Encoding`, with nothing loaded yet.

    `load_ranks` is called at most once, on first use, so that importing a plugin, listing
    encodings or running `--help` never reads a vocab. It must return the BPE ranks (token bytes
    to rank) and must refuse a vocab whose SHA-256 is not `vocab_sha256`;
    `llm_cost_core.engine.vocab.TiktokenFile` does both for a `.tiktoken` file shipped in a package.
    """

    name: str = attrs.field(validator=_encoding_name)
    """Short name users type: `o200k` (see `ENCODING_NAME`)."""
    pattern: str
    """The pre-tokenizer regex, exactly as the reference tokenizer uses it."""
    special_tokens: Mapping[str, int] = attrs.field(converter=_frozen_mapping, hash=False)
    """Special-token text to id."""
    n_vocab: int
    """One more than the largest token id, special tokens included."""
    load_ranks: Callable[[], Ranks] = attrs.field(eq=False, repr=False)
    """Returns the verified BPE ranks; called lazily, once."""
    vocab_sha256: str = attrs.field()
    """SHA-256 of the vocab source, as hex; names the vocab in caches and reports."""
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_names, validator=_alias_names)
    """Other names that select this encoding: `o200k_base`."""
    reference: str | TiktokenReference | None = None
    """The live parity reference: the name of one of tiktoken's encodings, a
    `TiktokenReference` for a tiktoken-style encoding tiktoken does not ship, or None (the
    static corpus is then the only check)."""
    extends_reference: bool = attrs.field(default=False)
    """True for `reference` with other special tokens (tiktoken README's `cl100k_im`): the parity
    reference is then tiktoken's `reference` pattern and ranks with this spec's special tokens."""
    description: str = ""
    corpus: Traversable | Path | None = attrs.field(default=None, eq=False)
    """A JSONL parity corpus for this encoding, e.g. `files(__name__) / "corpus.jsonl"`; read
    only by the parity runner. For an encoding with no `reference` it is the whole check."""

    @extends_reference.validator
    def _extends_a_reference(self, _attribute: attrs.Attribute[bool], value: bool) -> None:
        if value and not isinstance(self.reference, str):
            raise ValueError(
                f"encoding {self.name!r}: extends_reference needs a reference by tiktoken name"
            )

    @vocab_sha256.validator
    def _same_hash_as_loader(self, _attribute: attrs.Attribute[str], value: str) -> None:
        pinned = getattr(self.load_ranks, "sha256", value)
        if pinned != value:
            raise ValueError(
                f"encoding {self.name!r}: vocab_sha256 {value[:12]}... differs from the hash its "
                f"loader checks ({pinned[:12]}...)"
            )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)
