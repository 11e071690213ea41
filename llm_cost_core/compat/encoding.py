"""tiktoken's `Encoding` over core's: tiktoken's methods, semantics and error types."""

from __future__ import annotations

import bisect
import functools
import threading
import weakref
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

import regex

from llm_cost_core.engine import encoding as core
from llm_cost_core.engine.bpe import merge_ids
from llm_cost_core.engine.scanner import compile_pinned
from llm_cost_core.engine.spec import EncodingSpec
from llm_cost_core.errors import PluginConflictError, UnknownEncodingError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


# Unicode White_Space, which Rust's `char::is_whitespace` tests (str.isspace adds \x1c-\x1f).
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class Encoding:
    """tiktoken's `Encoding`: construct one as tiktoken does, or get one with `get_encoding`."""

    _mergeable_ranks_copy: dict[bytes, int] | None
    _explicit_n_vocab: int | None

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None = None,
    ) -> None:
        max_token_value = max(
            max(mergeable_ranks.values()), max(special_tokens.values(), default=0)
        )
        if explicit_n_vocab:
            assert len(mergeable_ranks) + len(special_tokens) == explicit_n_vocab
            assert max_token_value == explicit_n_vocab - 1
        try:
            compile_pinned(pat_str)
        except regex.error as exc:  # tiktoken's CoreBPE raises ValueError for a bad pattern
            raise ValueError(f"invalid pat_str: {exc}") from None
        ranks = dict(mergeable_ranks)  # later changes to the caller's dict change nothing here
        spec = EncodingSpec(
            name=name,
            pattern=pat_str,
            special_tokens=special_tokens,
            n_vocab=max_token_value + 1,
            load_ranks=lambda: ranks,
            vocab_sha256="",
        )
        from llm_cost_core.host.registry import registry

        self._setup(registry().build(spec), name, registered=False)
        self._mergeable_ranks_copy = ranks
        self._explicit_n_vocab = explicit_n_vocab

    @classmethod
    def _of(cls, encoding: core.Encoding) -> Encoding:
        """The compat face of a registered encoding, under its tiktoken name."""
        self = cls.__new__(cls)
        self._setup(encoding, tiktoken_name(encoding.spec), registered=True)
        return self

    def _setup(self, encoding: core.Encoding, name: str, *, registered: bool) -> None:
        self.name = name
        self._core = encoding
        self._registered = registered
        self._special_tokens: dict[str, int] = dict(encoding.spec.special_tokens)
        self._special_token_values = set(self._special_tokens.values())
        self.max_token_value: int = encoding.spec.n_vocab - 1
        self._mergeable_ranks_copy = None
        self._sorted_tokens: list[bytes] | None = None
        self._explicit_n_vocab = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """A registered encoding pickles by name (as tiktoken's do), any other by its parts."""
        if self._registered:
            return get_encoding, (self._core.spec.name,)
        parts = {
            "name": self.name,
            "pat_str": self._pat_str,
            "mergeable_ranks": self._mergeable_ranks,
            "special_tokens": self._special_tokens,
            "explicit_n_vocab": self._explicit_n_vocab,
        }
        return _rebuild, (parts,)

    # -- tiktoken's private parts that its README uses to extend an encoding -------------------

    @property
    def _pat_str(self) -> str:
        return self._core.spec.pattern

    @property
    def _mergeable_ranks(self) -> dict[bytes, int]:
        """Token bytes to rank, as a dict of its own (loads the vocab)."""
        if self._mergeable_ranks_copy is None:
            ranks = self._core._loaded_ranks()
            to_dict = getattr(ranks, "to_dict", None)
            with self._lock:
                if self._mergeable_ranks_copy is None:
                    self._mergeable_ranks_copy = dict(to_dict() if to_dict else ranks)
        return self._mergeable_ranks_copy

    # -- metadata ------------------------------------------------------------------------------

    @property
    def n_vocab(self) -> int:
        return self.max_token_value + 1

    @property
    def eot_token(self) -> int:
        return self._special_tokens["<|endoftext|>"]

    @functools.cached_property
    def special_tokens_set(self) -> set[str]:
        return set(self._special_tokens)

    def is_special_token(self, token: int) -> bool:
        assert isinstance(token, int)
        return token in self._special_token_values

    def token_byte_values(self) -> list[bytes]:
        """Every mergeable token's bytes, sorted (loads the vocab)."""
        return list(self._sorted_token_bytes())

    # -- encoding ------------------------------------------------------------------------------

    def encode_ordinary(self, text: str) -> list[int]:
        return self._core.encode_ordinary(text)

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        return self._core.encode(
            text, allowed_special=allowed_special, disallowed_special=disallowed_special
        )

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> npt.NDArray[np.uint32]:
        """`encode` as a numpy uint32 array; numpy is imported only here."""
        ids = self.encode(
            text, allowed_special=allowed_special, disallowed_special=disallowed_special
        )
        import numpy as np

        return np.array(ids, dtype=np.uint32)

    def encode_ordinary_batch(self, text: list[str], *, num_threads: int = 8) -> list[list[int]]:
        with ThreadPoolExecutor(num_threads) as pool:
            return list(pool.map(self.encode_ordinary, text))

    def encode_batch(
        self,
        text: list[str],
        *,
        num_threads: int = 8,
        allowed_special: Literal["all"] | AbstractSet[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[list[int]]:
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            disallowed_special = self.special_tokens_set - allowed_special
        encoder = functools.partial(
            self.encode,
            allowed_special=allowed_special,
            disallowed_special=frozenset(disallowed_special),
        )
        with ThreadPoolExecutor(num_threads) as pool:
            return list(pool.map(encoder, text))

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of the token (mergeable or special) with exactly these bytes; KeyError if none."""
        data = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
        token = self._core._loaded_ranks().get(data)
        if token is not None:
            return token
        try:
            return self._special_tokens[data.decode("utf-8")]
        except (UnicodeDecodeError, KeyError):
            raise KeyError(data) from None

    def encode_with_unstable(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> tuple[list[int], list[list[int]]]:
        """The stable tokens of `text` and every token sequence that may continue them.

        A port of tiktoken's `_encode_unstable_native`: the tokens of the last piece (and any
        whitespace tokens before it) are unstable, since more text could merge with them.
        """
        if allowed_special == "all":
            allowed_special = self.special_tokens_set
        if disallowed_special == "all":
            disallowed_special = self.special_tokens_set - allowed_special
        tokens = self.encode(
            text, allowed_special=allowed_special, disallowed_special=disallowed_special
        )
        unstable = self._last_piece_token_len(core._valid_unicode(text), allowed_special)
        if unstable == 0:  # the text ends with a special token (or is empty)
            return tokens, []
        decoder, ranks = self._core.decoder, self._core._loaded_ranks()
        specials = self._special_token_values

        def all_space(token: int) -> bool:
            return token not in specials and all(byte in b" \n\t" for byte in decoder[token])

        if all_space(tokens[-unstable]):
            while unstable < len(tokens) and all_space(tokens[-unstable - 1]):
                unstable += 1
        unstable_bytes = self.decode_bytes(tokens[-unstable:])
        del tokens[-unstable:]

        completions: set[tuple[int, ...]] = set()
        for token_bytes in self._tokens_starting_with(unstable_bytes):
            completions.add((ranks[token_bytes],))
        for i in range(1, len(unstable_bytes)):
            prefix, suffix = unstable_bytes[:i], unstable_bytes[i:]
            for token_bytes in self._tokens_starting_with(suffix):
                possibility = prefix + token_bytes
                try:
                    encoded = self.encode_ordinary(possibility.decode("utf-8"))
                except UnicodeDecodeError:
                    encoded = merge_ids(possibility, ranks.get)
                seq: list[int] = []
                seq_len = 0
                for token in encoded:
                    seq.append(token)
                    seq_len += len(decoder[token])
                    if seq_len >= len(unstable_bytes):
                        break
                completions.add(tuple(seq))
        if len(unstable_bytes) > 1:
            last, size = _last_char(unstable_bytes)
            if len(unstable_bytes) > size and last is not None and last in _WHITE_SPACE:
                reencoded = merge_ids(unstable_bytes[:-size], ranks.get)
                reencoded += merge_ids(unstable_bytes[-size:], ranks.get)
                completions.add(tuple(reencoded))
        return tokens, [list(seq) for seq in completions]

    # -- decoding ------------------------------------------------------------------------------

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        decoder = self._core.decoder
        try:
            return b"".join([decoder[token] for token in tokens])
        except KeyError as exc:
            raise KeyError(f"Invalid token for decoding: {exc.args[0]}") from None

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        return self.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        try:
            return self._core.decoder[token]
        except KeyError:
            raise KeyError(str(token)) from None

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        return [self.decode_single_token_bytes(token) for token in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text, and where each token starts in it (in characters); a token that starts
        inside a character gets that character's offset. Raises on invalid UTF-8."""
        token_bytes = self.decode_tokens_bytes(tokens)
        text_len = 0
        offsets = []
        for token in token_bytes:
            offsets.append(max(0, text_len - (0x80 <= token[0] < 0xC0)))
            text_len += sum(1 for c in token if not 0x80 <= c < 0xC0)
        text = b"".join(token_bytes).decode("utf-8", errors="strict")
        return text, offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        decoder = functools.partial(self.decode, errors=errors)
        with ThreadPoolExecutor(num_threads) as pool:
            return list(pool.map(decoder, batch))

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        with ThreadPoolExecutor(num_threads) as pool:
            return list(pool.map(self.decode_bytes, batch))

    # -- helpers -------------------------------------------------------------------------------

    def _sorted_token_bytes(self) -> list[bytes]:
        if self._sorted_tokens is None:
            ranks = self._core._loaded_ranks()
            tokens = sorted(ranks)
            with self._lock:
                self._sorted_tokens = tokens
        return self._sorted_tokens

    def _tokens_starting_with(self, prefix: bytes) -> list[bytes]:
        tokens = self._sorted_token_bytes()
        start = end = bisect.bisect_left(tokens, prefix)
        while end < len(tokens) and tokens[end].startswith(prefix):
            end += 1
        return tokens[start:end]

    def _last_piece_token_len(self, text: str, allowed: AbstractSet[str]) -> int:
        """How many tokens the last scanner piece of `text` made: 0 when `text` ends with an
        allowed special token or has no piece (as tiktoken's `encode` counts it)."""
        start = 0
        specials = self._special_tokens
        if any(token in specials for token in allowed):
            for found in core._special_regex(frozenset(specials)).finditer(text, overlapped=True):
                if found.start() >= start and found.group() in allowed:
                    start = found.end()
        pieces = list(self._core.scanner(text[start:]))
        return len(self._core.bpe.encode(pieces[-1:])) if pieces else 0


def tiktoken_name(spec: EncodingSpec) -> str:
    """The name tiktoken gives the encoding: its `reference`, unless it only extends one."""
    if isinstance(spec.reference, str) and not spec.extends_reference:
        return spec.reference
    return spec.name


def _last_char(data: bytes) -> tuple[str | None, int]:
    """The last UTF-8 character of `data` and its length in bytes, or (None, 1) if invalid."""
    for size in range(1, min(4, len(data)) + 1):
        try:
            char = data[-size:].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(char) == 1:
            return char, size
        break
    return None, 1


def _rebuild(parts: dict[str, Any]) -> Encoding:
    return Encoding(**parts)


_faces: weakref.WeakKeyDictionary[core.Encoding, Encoding] = weakref.WeakKeyDictionary()
_faces_lock = threading.Lock()


def get_encoding(encoding_name: str) -> Encoding:
    """The installed encoding with this tiktoken name (or llm-cost name); ValueError if none."""
    if not isinstance(encoding_name, str):
        raise ValueError(f"Expected a string in get_encoding, got {type(encoding_name)}")
    from llm_cost_core.host.registry import registry

    try:
        encoding = registry().get_encoding(encoding_name)
    except (UnknownEncodingError, PluginConflictError) as exc:
        raise ValueError(str(exc)) from None
    with _faces_lock:
        face = _faces.get(encoding)
        if face is None:
            face = _faces[encoding] = Encoding._of(encoding)
    return face
