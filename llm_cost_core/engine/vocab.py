"""Reading a `.tiktoken` rank file that a plugin ships, refusing any byte that is not pinned."""

from __future__ import annotations

import binascii
import gzip
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from llm_cost_core.errors import VocabError

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11 on


@attrs.frozen
class TiktokenFile:
    """A lazy, hash-checked loader for a `.tiktoken` file (optionally gzip-compressed).

    Use an instance as `EncodingSpec.load_ranks`: calling it reads the file, checks the SHA-256 of
    its uncompressed bytes against `sha256` and returns the ranks. Nothing is read before the call.

    `appended` derives one vocab from another without shipping it twice: those `.tiktoken` lines
    are added to the file's content before the check, so `sha256` pins the derived file (OpenAI's
    p50k_base is r50k_base plus 24 lines, and tiktoken's p50k hash is checked that way).
    """

    source: Traversable | Path
    sha256: str
    appended: bytes = b""

    def read_bytes(self) -> bytes:
        """The verified, uncompressed file content."""
        try:
            raw = self.source.read_bytes()
            data = gzip.decompress(raw) if self.source.name.endswith(".gz") else raw
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise VocabError(
                f"cannot read vocab {self.source}: {exc}; reinstall the plugin that ships it"
            ) from None
        data += self.appended
        actual = hashlib.sha256(data).hexdigest()
        if actual != self.sha256:
            raise VocabError(
                f"vocab {self.source}{' (with its appended tokens)' if self.appended else ''} "
                f"is corrupt or not the pinned file (sha256 {actual[:16]}..., "
                f"expected {self.sha256[:16]}...); reinstall the plugin that ships it"
            )
        return data

    def __call__(self) -> dict[bytes, int]:
        return parse_tiktoken(self.read_bytes(), str(self.source))


def parse_tiktoken(data: bytes, origin: str = "vocab") -> dict[bytes, int]:
    """Parse `base64(token) SPACE rank` lines into a rank map."""
    ranks: dict[bytes, int] = {}
    decode = binascii.a2b_base64
    try:
        for line in data.splitlines():
            if line:
                token, rank = line.split()
                ranks[decode(token)] = int(rank)
    except (ValueError, binascii.Error) as exc:
        raise VocabError(f"{origin} is not a valid .tiktoken file: {exc}") from None
    return ranks


def dump_tiktoken(ranks: dict[bytes, int]) -> bytes:
    """The `.tiktoken` form of `ranks`, byte for byte as OpenAI publishes it (sorted by rank)."""
    lines = (
        binascii.b2a_base64(token, newline=False) + b" " + str(rank).encode()
        for token, rank in sorted(ranks.items(), key=lambda item: item[1])
    )
    return b"\n".join(lines) + b"\n"
