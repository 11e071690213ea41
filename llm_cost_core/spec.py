"""What a plugin hands to core: the immutable description of one encoding."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on
    from pathlib import Path

Ranks = Mapping[bytes, int]


def _frozen_mapping(value: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(value))


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class EncodingSpec:
    """Everything core needs to build an `Encoding`, with nothing loaded yet.

    `load_ranks` is called at most once, on first use, so that importing a plugin, listing
    encodings or running `--help` never reads a vocab. It must return the BPE ranks (token bytes
    to rank) and must refuse a vocab whose SHA-256 is not `vocab_sha256`;
    `llm_cost_core.vocab.TiktokenFile` does both for a `.tiktoken` file shipped in a package.
    """

    name: str
    """Short name users type: `o200k`."""
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
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_names)
    """Other names that select this encoding: `o200k_base`."""
    reference: str | None = None
    """The tiktoken encoding name to compare with, or None when there is no live reference."""
    extends_reference: bool = attrs.field(default=False)
    """True for `reference` with other special tokens (tiktoken README's `cl100k_im`): the parity
    reference is then tiktoken's `reference` pattern and ranks with this spec's special tokens."""
    description: str = ""
    corpus: Traversable | Path | None = attrs.field(default=None, eq=False)
    """A JSONL parity corpus for this encoding, e.g. `files(__name__) / "corpus.jsonl"`; read
    only by the parity runner. For an encoding with no `reference` it is the whole check."""

    @extends_reference.validator
    def _extends_a_reference(self, _attribute: attrs.Attribute[bool], value: bool) -> None:
        if value and self.reference is None:
            raise ValueError(f"encoding {self.name!r}: extends_reference needs a reference")

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
