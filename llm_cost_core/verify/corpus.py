"""Parity corpora: JSONL files of texts and the ids a reference tokenizer gave them.

Core ships one, the Evil Corpus (`evil_corpus_v2.jsonl`, package data in the wheel and
`testdata/` in a checkout); a plugin may ship its own (`EncodingSpec.corpus`). Each line is one
`Case`: which encoding it is for, a category, the text and the expected ids.
"""

from __future__ import annotations

import gzip
import json
import zlib
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from llm_cost_core.errors import LLMCostError

if TYPE_CHECKING:
    from importlib.abc import Traversable

    CorpusSource = Traversable | Path

CORPUS_NAME = "evil_corpus_v2.jsonl"


class CorpusError(LLMCostError):
    """A corpus file is missing, unreadable, or has a line that is not a case."""


@attrs.frozen
class Case:
    """One corpus line: `text` must encode to `ids` with `encoding`."""

    encoding: str
    category: str
    text: str
    ids: tuple[int, ...]
    source: str
    """`file:line`, to find the case again."""


def default_corpus() -> CorpusSource:
    """Core's Evil Corpus: package data in an installed wheel, `testdata/` in a source checkout."""
    packaged = files("llm_cost_core") / "data" / CORPUS_NAME
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "testdata" / CORPUS_NAME


def read_corpus(source: CorpusSource) -> list[Case]:
    """Every case in a JSONL corpus file (gzip when its name ends in `.gz`).

    Each line is an object with `encoding`, `category`, `text` and `ids`; other keys (the
    generator writes `tiktoken_version`) are ignored. Blank lines are skipped.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read corpus {source}: {exc.strerror or exc}") from None
    if source.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise CorpusError(f"cannot read corpus {source}: not valid gzip: {exc}") from None
    cases = []
    label = source.name
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            case = Case(
                encoding=_field(item, "encoding", str),
                category=_field(item, "category", str),
                text=_field(item, "text", str),
                ids=tuple(_field(item, "ids", list)),
                source=f"{label}:{number}",
            )
        except (ValueError, TypeError) as exc:
            raise CorpusError(f"corpus {source}, line {number}: {exc}") from None
        if not all(type(token) is int for token in case.ids):
            raise CorpusError(f"corpus {source}, line {number}: ids must be integers")
        cases.append(case)
    return cases


def _field(item: Any, key: str, kind: type) -> Any:
    if not isinstance(item, dict):
        raise TypeError("not a JSON object")
    if not isinstance(item.get(key), kind):
        raise TypeError(f"{key!r} must be a {'string' if kind is str else 'list'}")
    return item[key]
