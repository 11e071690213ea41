"""`Encoding`: tiktoken's encode/decode API over a plugin's scanner and a BPE engine."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Literal

import regex

from llm_cost_core._text import exception_line
from llm_cost_core.engine import flatvocab, parts
from llm_cost_core.engine.bpe import BPEEngine, whole_text
from llm_cost_core.engine.checks import CheckedEngine
from llm_cost_core.engine.parts import Part
from llm_cost_core.engine.scanner import Scanner
from llm_cost_core.engine.segments import SegmentCounter
from llm_cost_core.engine.spec import EncodingSpec, Ranks
from llm_cost_core.errors import LLMCostError, PluginError


class Encoding:
    """One encoding, built from its spec. The vocab is loaded on the first call that needs it."""

    def __init__(
        self,
        spec: EncodingSpec,
        make_scanner: Callable[[EncodingSpec], Scanner],
        make_bpe: Callable[[EncodingSpec, Ranks], BPEEngine],
        distribution: str = "",
        plugin: str = "",
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.distribution = distribution
        """The label (`name version`) of the distribution that registered the encoding."""
        self.plugin = plugin
        """The name of the plugin that registered it, for messages about what it gave."""
        self._make_scanner = make_scanner
        self._make_bpe = make_bpe
        self._lock = threading.Lock()
        self._scanner: Scanner | None = None
        self._ranks: Ranks | None = None
        self._bpe: BPEEngine | None = None
        self._decoder: Mapping[int, bytes] | None = None
        self._counter: Callable[[str], int] | None = None

    def __repr__(self) -> str:
        return f"<Encoding {self.name!r}>"

    # -- metadata, no vocab needed ------------------------------------------------------------

    @property
    def n_vocab(self) -> int:
        return self.spec.n_vocab

    @property
    def max_token_value(self) -> int:
        return self.spec.n_vocab - 1

    @property
    def special_tokens(self) -> dict[str, int]:
        return dict(self.spec.special_tokens)

    @property
    def special_tokens_set(self) -> set[str]:
        return set(self.spec.special_tokens)

    @property
    def eot_token(self) -> int:
        return self.spec.special_tokens["<|endoftext|>"]

    # -- encoding ----------------------------------------------------------------------------

    def encode_ordinary(self, text: str) -> list[int]:
        """Token ids of `text`, with special-token text encoded as ordinary text."""
        if not isinstance(text, str):
            raise _not_str(text)
        return self._encode_part(_valid_unicode(text))

    def count(self, text: str) -> int:
        """`len(self.encode_ordinary(text))`, without building the list. A text over
        `parts.PART_CHARS` characters is checked and counted a part at a time, in bounded
        memory."""
        if not isinstance(text, str):
            raise _not_str(text)
        return self.count_part(text, "")

    def count_stream(self, blocks: Iterable[str]) -> int:
        """`count("".join(blocks))` for text that arrives in blocks, such as a file read a
        megabyte at a time: counted as it comes, a part at a time (see `parts`)."""
        return sum(self.count_part(*part) for part in self.parts(blocks))

    def parts(self, blocks: Iterable[str], size: int | None = None) -> Iterator[Part]:
        """The text of `blocks` as parts of about `size` characters (by default
        `parts.PART_CHARS`) that end where the scanner promises a cut, each with its stand-in:
        `sum(count_part(*part) for part in parts(blocks)) == count("".join(blocks))`. When the
        scanner promises no cut, the blocks are joined into one part."""
        return parts.cut(blocks, self._cuts, size)

    def count_part(self, text: str, stand_in: str = "") -> int:
        """The tokens of `text` within a whole where it is followed by the cut `stand_in` stands
        for (a `Part` from `parts`; "" when `text` ends the whole). A text over
        `parts.PART_CHARS` characters goes a part at a time (its last part followed by
        `stand_in`), each checked for lone surrogates on its own: no count or check holds more
        than a part, where checking the whole would copy it whole. A surrogate pair never
        straddles a cut, which is next to a space or a line feed."""
        if len(text) > parts.PART_CHARS:
            return sum(
                self._count_whole(_checked_text(part), inner or stand_in)
                for part, inner in self.parts((text,))
            )
        return self._count_whole(_checked_text(text), stand_in)

    def _count_whole(self, text: str, stand_in: str) -> int:
        counter = self._counter
        if counter is None:
            counter = self._make_counter()
        if not stand_in:
            return counter(text)
        return counter(text + stand_in) - counter(stand_in)

    def count_batch(self, texts: Sequence[str], num_threads: int = 8) -> list[int]:
        """`[self.count(text) for text in texts]`; an engine that takes whole texts counts them
        on up to `num_threads` threads at once."""
        engine = whole_text(self.bpe)
        if engine is None:
            return list(map(self.count, texts))
        return engine.count_batch(list(map(_checked_text, texts)), num_threads)

    def encode_ordinary_batch(self, texts: Sequence[str], num_threads: int = 8) -> list[list[int]]:
        """`[self.encode_ordinary(text) for text in texts]`, as `count_batch` (tiktoken's name
        and default)."""
        engine = whole_text(self.bpe)
        if engine is None:
            return list(map(self.encode_ordinary, texts))
        return engine.encode_batch(list(map(_checked_text, texts)), num_threads)

    def encode(
        self,
        text: str,
        *,
        allowed_special: Literal["all"] | AbstractSet[str] = frozenset(),
        disallowed_special: Literal["all"] | Collection[str] = "all",
    ) -> list[int]:
        """Token ids of `text`, exactly as `tiktoken.Encoding.encode`.

        Special-token text in `allowed_special` becomes its special id. Special-token text in
        `disallowed_special` (by default every special token not allowed) raises ValueError, so
        that user text cannot smuggle in control tokens. Anything else is ordinary text.
        """
        specials = self.spec.special_tokens
        if allowed_special == "all":
            allowed_special = frozenset(specials)
        if disallowed_special == "all":
            disallowed_special = frozenset(specials) - allowed_special
        if disallowed_special:
            found = _special_regex(frozenset(disallowed_special)).search(text)
            if found:
                raise_disallowed_special_token(found.group())
        text = _valid_unicode(text)
        allowed = {token for token in allowed_special if token in specials}
        if not allowed:
            return self._encode_part(text)
        # Like tiktoken, find every special token's text and keep the allowed ones as ids.
        ids: list[int] = []
        start = 0
        for found in _special_regex(frozenset(specials)).finditer(text, overlapped=True):
            if found.start() < start or found.group() not in allowed:
                continue
            ids += self._encode_part(text[start : found.start()])
            ids.append(specials[found.group()])
            start = found.end()
        ids += self._encode_part(text[start:])
        return ids

    def _encode_part(self, text: str) -> list[int]:
        """The ids of valid text: in one call when the engine takes whole texts (the seam)."""
        bpe = self.bpe
        engine = whole_text(bpe)
        return engine.encode_text(text) if engine is not None else bpe.encode(self.scanner(text))

    # -- decoding ----------------------------------------------------------------------------

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes the tokens stand for. Raises KeyError for an id not in the vocab."""
        decoder = self.decoder
        try:
            return b"".join([decoder[token] for token in tokens])
        except KeyError as exc:
            raise KeyError(f"invalid token for decoding: {exc.args[0]}") from None

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text the tokens stand for; bytes that are not UTF-8 become U+FFFD by default."""
        return self.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        return self.decoder[token]

    # -- lazy parts --------------------------------------------------------------------------

    @property
    def scanner(self) -> Scanner:
        if self._scanner is None:
            self._scanner = self._make_scanner(self.spec)
        return self._scanner

    @property
    def bpe(self) -> BPEEngine:
        if self._bpe is None:
            ranks = self._loaded_ranks()
            with self._lock:
                if self._bpe is None:
                    self._bpe = self._make_bpe(self.spec, ranks)
        return self._bpe

    @property
    def engine(self) -> BPEEngine:
        """The engine that merges, as its maker built it: `bpe` without core's checks around a
        plugin's engine. For telling which engine counts (tools, tests), never for counting."""
        bpe = self.bpe
        return bpe.engine if isinstance(bpe, CheckedEngine) else bpe

    @property
    def decoder(self) -> Mapping[int, bytes]:
        """Token id to bytes, built on the first decode: counting never needs it."""
        if self._decoder is None:
            ranks = self._loaded_ranks()
            with self._lock:
                if self._decoder is None:
                    self._decoder = _decoder(ranks, self.spec.special_tokens)
        return self._decoder

    @functools.cached_property
    def _cuts(self) -> re.Pattern[str] | None:
        """Where the scanner promises that text may be cut (`parts.promised_cuts`)."""
        return parts.promised_cuts(self.scanner)

    def _make_counter(self) -> Callable[[str], int]:
        """How a text (a part at most) is counted whole: by the engine when it takes whole texts
        (the seam), else by cached segments when the scanner allows it, else piece by piece."""
        scanner, bpe = self.scanner, self.bpe
        with self._lock:
            if self._counter is None:
                engine = whole_text(bpe)
                if engine is not None:
                    self._counter = engine.count_text
                elif getattr(scanner, "splits_before_space", False) is True:
                    self._counter = SegmentCounter(
                        scanner,
                        bpe.count,
                        getattr(bpe, "piece_count", None),
                        getattr(bpe, "checked_counts", None),
                    )
                else:
                    self._counter = lambda text: bpe.count(scanner(text))
            return self._counter

    def _loaded_ranks(self) -> Ranks:
        """The verified ranks, read once: from the flat cache when the vocab allows it."""
        if self._ranks is None:
            with self._lock:
                if self._ranks is None:
                    self._ranks = self._checked_ranks()
        return self._ranks

    def _checked_ranks(self) -> Ranks:
        """The spec's ranks, or a PluginError naming the plugin when its loader raised or gave
        something that is not a mapping (core's own errors, such as a vocab whose SHA-256
        differs, already say what is wrong)."""
        try:
            ranks = flatvocab.load_ranks(self.spec)
        except LLMCostError:
            raise
        except Exception as exc:
            reason = exception_line(exc)
            raise PluginError(f"{self._owner()}: its load_ranks raised {reason}") from None
        if not isinstance(ranks, Mapping):
            raise PluginError(
                f"{self._owner()}: its load_ranks returned {type(ranks).__name__}, not a mapping "
                "of token bytes to ranks"
            )
        return ranks

    def _owner(self) -> str:
        plugin = f" of plugin {self.plugin!r}" if self.plugin else ""
        label = f" ({self.distribution})" if self.distribution else ""
        return f"encoding {self.name!r}{plugin}{label}"


def _not_str(value: object) -> TypeError:
    """What tiktoken's `encode_ordinary` raises for text that is not a str."""
    if value is None:
        return TypeError("'None' is not an instance of 'str'")
    return TypeError(f"'{type(value).__name__}' object is not an instance of 'str'")


def _decoder(ranks: Ranks, special_tokens: Mapping[str, int]) -> dict[int, bytes]:
    to_dict = getattr(ranks, "to_dict", None)  # a lazy map's own dict is the fast way to iterate
    items = (to_dict() if to_dict is not None else ranks).items()
    decoder = {rank: token for token, rank in items}
    decoder.update((rank, text.encode()) for text, rank in special_tokens.items())
    return decoder


def _checked_text(text: str) -> str:
    return text if text.isascii() else _valid_unicode(text)


def _valid_unicode(text: str) -> str:
    """Text that encodes to UTF-8: lone surrogates become U+FFFD, pairs join (as in tiktoken).
    Searched for, not tried by encoding: a search copies nothing, where an encode made a UTF-8
    copy as big as the text only to throw it away (10 million emoji: 5 ms against 35 ms)."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


_SURROGATE = regex.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=128)
def _special_regex(tokens: frozenset[str]) -> regex.Pattern[str]:
    return regex.compile("|".join(regex.escape(token) for token in sorted(tokens)))


def raise_disallowed_special_token(token: str) -> None:
    raise ValueError(
        f"Encountered text corresponding to disallowed special token {token!r}.\n"
        "If you want this text to be encoded as a special token, "
        f"pass it to `allowed_special`, e.g. `allowed_special={{{token!r}, ...}}`.\n"
        "If you want this text to be encoded as normal text, disable the check for this token "
        f"by passing `disallowed_special=(enc.special_tokens_set - {{{token!r}}})`.\n"
        "To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    )
