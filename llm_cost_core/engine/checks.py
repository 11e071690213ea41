"""Checks on what a plugin's BPE engine returns, where its results enter core.

Core's own engine is trusted; any other engine's counts and ids are checked, so that an
impossible result (a negative or non-integer count, an id outside the vocab) is an error naming
the plugin, never a number that reaches a total, a cost or a quota. The checks are a type and
sign test per call, and C-level passes over a result list: never a Python step per piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import cast

from llm_cost_core._text import exception_line
from llm_cost_core.engine.bpe import BPEEngine, whole_text
from llm_cost_core.engine.spec import EncodingSpec
from llm_cost_core.errors import LLMCostError, PluginError

_INT = frozenset({int})
_SAMPLE = ("hello", " world", "\n", "123")
"""Pieces any byte-level vocab encodes, for `CheckedEngine.problem`."""
_WAY_OUT = "disable the plugin (LLM_COST_DISABLE_PLUGINS) to use core's engine"


def checked_count(count: object, who: str) -> int:
    """`count` if it can be a token count (an int, not a bool, 0 or more); otherwise a
    PluginError saying that `who` gave it. Every engine result that is a count goes through
    here (or through `CheckedEngine.checked_counts`, for many at once)."""
    if type(count) is int and count >= 0:
        return count
    raise PluginError(f"{who} gave {count_problem(count)}; {_WAY_OUT}")


def checked_ids(ids: object, n_vocab: int, who: str) -> list[int]:
    """`ids` if it is a list of token ids (ints from 0 to `n_vocab` - 1); otherwise a
    PluginError saying that `who` gave it."""
    problem = ids_problem(ids, n_vocab)
    if problem is not None:
        raise PluginError(f"{who} gave {problem}; {_WAY_OUT}")
    return cast("list[int]", ids)


def count_problem(count: object) -> str:
    return f"{_shown(count)} as a token count, which is impossible"


def ids_problem(ids: object, n_vocab: int) -> str | None:
    """What is wrong with `ids` as a list of token ids, or None."""
    if type(ids) is not list:
        return f"{type(ids).__name__} as token ids, not a list"
    if ids and (not set(map(type, ids)) <= _INT or min(ids) < 0 or max(ids) >= n_vocab):
        bad = next(i for i in ids if type(i) is not int or not 0 <= i < n_vocab)
        return f"{_shown(bad)} as a token id, which is not in the vocab (0 to {n_vocab - 1})"
    return None


class CheckedEngine:
    """A plugin's BPE engine, whose every result is checked (see the module's docstring).

    `maker` names the plugin in messages: `plugin 'x' (llm-cost-x 1.0)`. `piece_count` is the
    engine's own, unwrapped (it is called once per piece); `SegmentCounter` checks the counts
    of each scan with `checked_counts` instead. An engine method that core learns to call
    later needs a checked twin here.
    """

    def __init__(self, engine: BPEEngine, maker: str, spec: EncodingSpec) -> None:
        self.engine = engine
        self.maker = maker
        self.who = f"{maker}: its engine (make_bpe) for encoding {spec.name!r}"
        self._n_vocab = spec.n_vocab
        piece_count = getattr(engine, "piece_count", None)
        self.piece_count: Callable[[str], int] | None = (
            piece_count if callable(piece_count) else None
        )
        self._whole = whole_text(engine)
        if self._whole is not None:  # the seam's methods, checked, only when the engine has them
            self.count_text = self._count_text
            self.encode_text = self._encode_text
            self.count_batch = self._count_batch
            self.encode_batch = self._encode_batch

    def encode(self, pieces: Iterable[str]) -> list[int]:
        try:
            ids = self.engine.encode(pieces)
        except LLMCostError:
            raise
        except Exception as exc:
            raise self._raised(exc) from None
        return checked_ids(ids, self._n_vocab, self.who)

    def count(self, pieces: Iterable[str]) -> int:
        try:
            count = self.engine.count(pieces)
        except LLMCostError:
            raise
        except Exception as exc:
            raise self._raised(exc) from None
        return checked_count(count, self.who)

    def _count_text(self, text: str) -> int:
        assert self._whole is not None
        return checked_count(self._call(self._whole.count_text, text), self.who)

    def _encode_text(self, text: str) -> list[int]:
        assert self._whole is not None
        return checked_ids(self._call(self._whole.encode_text, text), self._n_vocab, self.who)

    def _count_batch(self, texts: Sequence[str], num_threads: int) -> list[int]:
        assert self._whole is not None
        counts = self._call(self._whole.count_batch, texts, num_threads)
        if type(counts) is not list or len(counts) != len(texts):
            raise PluginError(f"{self.who} gave no count per text of a batch; {_WAY_OUT}")
        return self.checked_counts(counts)

    def _encode_batch(self, texts: Sequence[str], num_threads: int) -> list[list[int]]:
        assert self._whole is not None
        batch = self._call(self._whole.encode_batch, texts, num_threads)
        if type(batch) is not list or len(batch) != len(texts):
            raise PluginError(f"{self.who} gave no ids per text of a batch; {_WAY_OUT}")
        return [checked_ids(ids, self._n_vocab, self.who) for ids in batch]

    def _call(self, method: Callable[..., object], *args: object) -> object:
        try:
            return method(*args)
        except LLMCostError:
            raise
        except Exception as exc:
            raise self._raised(exc) from None

    def checked_counts(self, counts: list[int]) -> list[int]:
        """The counts of one scan's pieces (from `piece_count`), checked."""
        if counts and (not set(map(type, counts)) <= _INT or min(counts) < 0):
            checked_count(next(n for n in counts if type(n) is not int or n < 0), self.who)
        return counts

    def problem(self) -> str | None:
        """Why the engine cannot be used at all, from a few pieces of ASCII text, or None.
        The registry asks once, when it makes the engine: one that fails here is replaced by
        core's engine (with a warning) rather than fail every count."""
        pieces = list(_SAMPLE)
        try:
            ids, count = self.engine.encode(pieces), self.engine.count(pieces)
            counts = [self.piece_count(piece) for piece in pieces] if self.piece_count else []
            if self._whole is not None:
                counts.append(self._whole.count_text("".join(pieces)))
        except Exception as exc:
            return f"it raised {exception_line(exc)}"
        for n in (count, *counts):
            if type(n) is not int or n < 0:
                return f"it gave {count_problem(n)}"
        if (problem := ids_problem(ids, self._n_vocab)) is not None:
            return f"it gave {problem}"
        return None  # a count that is possible but wrong is for the parity runner to find

    def _raised(self, exc: Exception) -> PluginError:
        return PluginError(f"{self.who} raised {exception_line(exc)}; {_WAY_OUT}")


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, int | float | str | bool) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."
