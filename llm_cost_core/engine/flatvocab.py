"""The flat vocab: one cache file, read in one call and queried in place.

Parsing a `.tiktoken` file (200k base64 lines into a dict) costs about as much as the rest of a
short `llm-cost` run together. The flat form is built once per vocab from the verified source and
kept in the user's cache directory; later runs read it, check its SHA-256 chain and answer
look-ups from it straight away, without a dict of 200k entries (`FlatRanks.to_dict()` builds one
when a long input makes it pay). The format is in docs/reference/vocab-format.md.

No `pickle` or `marshal`: the file is plain arrays and bytes, parsed by `memoryview.cast`, so a
damaged or forged file can at worst give wrong ranks, never run code; and its digest (chained to
the source's SHA-256) turns damage into a rebuild.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload

from llm_cost_core.errors import VocabError

if TYPE_CHECKING:
    from llm_cost_core.engine.spec import EncodingSpec, Ranks

MAGIC = b"LLMCFLAT"
VERSION = 1
SUFFIX = f".v{VERSION}.flatvocab"
# magic, version, token count, blob length, log2 of the hash table size, source SHA-256, digest
HEADER = struct.Struct("<8sIIII32s32s")
_DIGEST_AT = HEADER.size - 32  # the digest covers the header up to here, then the body
T = TypeVar("T")
_NATIVE = sys.byteorder == "little" and array("I").itemsize == 4


class FlatVocabError(VocabError):
    """A flat vocab that is stale, truncated or corrupt (a cached one is rebuilt)."""


class FlatRanks(Mapping[bytes, int]):
    """Token bytes to rank, answered from the flat form without building a dict.

    A look-up hashes the key with CRC-32 and probes a linear-probing table of token indices,
    then compares the candidate's bytes: about twice the cost of a dict look-up, and nothing to
    build first.
    """

    def __init__(self, data: bytes, source_sha256: str) -> None:
        """Check `data` (a whole flat file) against `source_sha256` (hex) and open it."""
        if len(data) < HEADER.size:
            raise FlatVocabError("flat vocab is truncated")
        magic, version, n, blob_len, bits, source, digest = HEADER.unpack_from(data)
        if magic != MAGIC or version != VERSION:
            raise FlatVocabError("not a flat vocab of this version")
        if source.hex() != source_sha256:
            raise FlatVocabError("flat vocab was built from another source (stale)")
        if bits > 31 or (1 << bits) < n:
            raise FlatVocabError("flat vocab has a malformed header")
        sizes = (4 * n, 4 * (n + 1), 4 << bits, blob_len)
        if HEADER.size + sum(sizes) != len(data):
            raise FlatVocabError("flat vocab is truncated or has trailing bytes")
        view = memoryview(data)
        check = hashlib.sha256(view[:_DIGEST_AT])
        check.update(view[HEADER.size :])
        if check.digest() != digest:
            raise FlatVocabError("flat vocab is corrupt (digest mismatch)")
        at = HEADER.size
        parts = []
        for size in sizes[:3]:
            parts.append(_u32(view[at : at + size]))
            at += size
        self._ranks, self._offsets, self._table = parts
        self._blob = bytes(view[at:])
        self._mask = (1 << bits) - 1
        self._n = n
        self._dict: dict[bytes, int] | None = None
        if self._offsets[0] != 0 or self._offsets[n] != blob_len:
            raise FlatVocabError("flat vocab has malformed offsets")

    @overload
    def get(self, key: bytes, /) -> int | None: ...
    @overload
    def get(self, key: bytes, default: int, /) -> int: ...
    @overload
    def get(self, key: bytes, default: T, /) -> int | T: ...
    def get(self, key: bytes, default: object = None, /) -> object:
        table, offsets, blob, mask = self._table, self._offsets, self._blob, self._mask
        h = zlib.crc32(key) & mask
        while True:
            slot = table[h]
            if not slot:
                return default
            if blob[offsets[slot - 1] : offsets[slot]] == key:
                return self._ranks[slot - 1]
            h = (h + 1) & mask

    def __getitem__(self, key: bytes) -> int:
        rank = self.get(key)
        if rank is None:
            raise KeyError(key)
        return rank

    def __contains__(self, key: object) -> bool:
        return isinstance(key, bytes) and self.get(key) is not None

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[bytes]:
        """Tokens in rank order."""
        return iter(self.tokens())

    def tokens(self) -> list[bytes]:
        """Every token's bytes, in rank order."""
        offsets = self._offsets.tolist()
        return list(map(self._blob.__getitem__, map(slice, offsets, offsets[1:])))

    def arrays(self) -> tuple[bytes, memoryview, memoryview, memoryview]:
        """`(blob, offsets, ranks, table)` as the file holds them (native u32 arrays), for an
        engine that reads the flat form in place: token `i` is `blob[offsets[i]:offsets[i + 1]]`
        and has rank `ranks[i]`; `table` is the hash table `get` probes."""
        return self._blob, self._offsets, self._ranks, self._table

    def to_dict(self) -> dict[bytes, int]:
        """The same map as a dict (built once, kept): faster per look-up, ~50 ms to build."""
        if self._dict is None:
            self._dict = dict(zip(self.tokens(), self._ranks.tolist(), strict=True))
        return self._dict


def _u32(view: memoryview) -> memoryview:
    """Little-endian u32s as a sequence of ints: in place where the machine allows."""
    if _NATIVE:
        return view.cast("I")
    values = array("I")  # a wider or big-endian unsigned int: convert once
    values.frombytes(bytes(view))
    if sys.byteorder == "big":
        values.byteswap()
    return memoryview(values)


def build(ranks: Mapping[bytes, int], source_sha256: str) -> bytes:
    """The flat form of `ranks`, chained to `source_sha256` (hex). ValueError if it has none."""
    items = sorted(ranks.items(), key=lambda item: item[1])
    n = len(items)
    tokens = [token for token, _ in items]
    blob = b"".join(tokens)
    if not all(tokens) or n >= 1 << 31 or len(blob) >= 1 << 32 or (n and items[-1][1] >= 1 << 32):
        raise ValueError("these ranks do not fit the flat form")
    if any(a[1] == b[1] for a, b in pairwise(items)):
        raise ValueError("two tokens share a rank")
    rank_array = array("I", (rank for _, rank in items))
    offsets = array("I", [0])
    total = 0
    for token in tokens:
        total += len(token)
        offsets.append(total)
    bits = max(4, (2 * n).bit_length())  # load factor at most 1/2
    mask = (1 << bits) - 1
    table = array("I", bytes(4 << bits))
    crc32 = zlib.crc32
    for index, token in enumerate(tokens, 1):
        h = crc32(token) & mask
        while table[h]:
            h = (h + 1) & mask
        table[h] = index
    if sys.byteorder == "big":
        for values in (rank_array, offsets, table):
            values.byteswap()
    body = b"".join([rank_array.tobytes(), offsets.tobytes(), table.tobytes(), blob])
    head = HEADER.pack(MAGIC, VERSION, n, len(blob), bits, bytes.fromhex(source_sha256), bytes(32))
    digest = hashlib.sha256(head[:_DIGEST_AT])
    digest.update(body)
    return head[:_DIGEST_AT] + digest.digest() + body


def cache_dir() -> Path | None:
    """Where flat vocabs are kept: `$LLM_COST_CACHE_DIR` (empty: no cache), else
    `$XDG_CACHE_HOME/llm-cost`, else `~/.cache/llm-cost`; None when there is no home."""
    explicit = os.environ.get("LLM_COST_CACHE_DIR")
    if explicit is not None:
        return Path(explicit) if explicit else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "llm-cost"
    try:
        return Path.home() / ".cache" / "llm-cost"
    except RuntimeError:  # no HOME and no passwd entry
        return None


def cache_path(source_sha256: str) -> Path | None:
    """The cache file for the vocab whose source has this SHA-256, or None without a cache."""
    directory = cache_dir()
    return None if directory is None else directory / "vocab" / f"{source_sha256}{SUFFIX}"


def load_ranks(spec: EncodingSpec) -> Ranks:
    """`spec`'s ranks, from the flat cache when its vocab is a `TiktokenFile`.

    A valid cached form is opened in place. A missing, stale or corrupt one is rebuilt from the
    verified source and written (atomically) when the cache directory is writable; otherwise the
    source is parsed in memory as before. Other loaders are called as they are: only a
    `TiktokenFile` proves that its bytes hash to the SHA-256 that names the cache file.
    """
    from llm_cost_core.engine.vocab import TiktokenFile, parse_tiktoken

    source = spec.load_ranks
    if not isinstance(source, TiktokenFile) or not _is_sha256(source.sha256):
        return source()
    path = cache_path(source.sha256)
    if path is not None:
        with contextlib.suppress(OSError, FlatVocabError):
            return FlatRanks(path.read_bytes(), source.sha256)
    if path is None or not _writable_dir(path.parent):
        return source()
    data = build(parse_tiktoken(source.read_bytes(), str(source.source)), source.sha256)
    _write_atomic(path, data)
    return FlatRanks(data, source.sha256)


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(char in "0123456789abcdef" for char in value)


def _writable_dir(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file and a rename, so readers never see half a file. A failure
    leaves no file behind and is not an error: the cache is an optimisation."""
    import tempfile  # only the first run per vocab writes

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
