"""The engine seam: an engine that counts and encodes whole texts (`count_text`, `encode_text`,
`count_batch`, `encode_batch`) gets every text core counts in one call, cut only where the
scanner promises a boundary; an engine without them gets today's path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_streaming import CUTS, TEXT, split_at

import llm_cost_core as lc
from llm_cost_core.engine import parts
from llm_cost_core.engine.bpe import PurePythonBPE, whole_text
from llm_cost_core.engine.encoding import Encoding
from llm_cost_core.engine.scanner import regex_scanner
from llm_cost_core.engine.spec import EncodingSpec, Ranks


class WholeText:
    """A whole-text engine made of core's pure-Python parts; it records what it was handed."""

    def __init__(self, spec: EncodingSpec, ranks: Ranks) -> None:
        self.scan = regex_scanner(spec.pattern)
        self.bpe = PurePythonBPE(ranks)
        self.calls: list[tuple[str, object]] = []

    def encode(self, pieces: Iterable[str]) -> list[int]:
        self.calls.append(("encode", None))
        return self.bpe.encode(pieces)

    def count(self, pieces: Iterable[str]) -> int:
        self.calls.append(("count", None))
        return self.bpe.count(pieces)

    def count_text(self, text: str) -> int:
        self.calls.append(("count_text", text))
        return self.bpe.count(self.scan(text))

    def encode_text(self, text: str) -> list[int]:
        self.calls.append(("encode_text", text))
        return self.bpe.encode(self.scan(text))

    def count_batch(self, texts: Sequence[str], num_threads: int) -> list[int]:
        self.calls.append(("count_batch", num_threads))
        return [self.count_text(text) for text in texts]

    def encode_batch(self, texts: Sequence[str], num_threads: int) -> list[list[int]]:
        self.calls.append(("encode_batch", num_threads))
        return [self.encode_text(text) for text in texts]


def seam_encoding(name: str, promises: bool = True) -> tuple[Encoding, list[WholeText]]:
    """`name`'s spec with core's regex scanner (its promises copied, or not) and a `WholeText`
    engine; the list receives the engine once it is made."""
    real = lc.get_encoding(name)
    made: list[WholeText] = []

    def make_scanner(spec: EncodingSpec) -> object:
        return regex_scanner(
            spec.pattern,
            splits_before_space=promises and real.scanner.splits_before_space,  # type: ignore[attr-defined]
            splits_after_newline=promises and real.scanner.splits_after_newline,  # type: ignore[attr-defined]
        )

    def make_bpe(spec: EncodingSpec, ranks: Ranks) -> WholeText:
        made.append(WholeText(spec, ranks))
        return made[0]

    return Encoding(real.spec, make_scanner, make_bpe), made  # type: ignore[arg-type]


def test_only_an_engine_with_count_text_takes_whole_texts(encoding_name):
    assert whole_text(PurePythonBPE({b"a": 0})) is None
    engine = WholeText(lc.get_encoding(encoding_name).spec, {})
    assert whole_text(engine) is engine


@given(text=TEXT)
def test_count_and_encode_ordinary_hand_the_whole_text_to_the_engine(encoding_name, text):
    enc, made = seam_encoding(encoding_name)
    want = lc.get_encoding(encoding_name).encode_ordinary(text)
    assert enc.encode_ordinary(text) == want
    assert enc.count(text) == len(want)
    valid = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert made[0].calls == [("encode_text", valid), ("count_text", valid)]  # no piece calls


def test_encode_hands_the_text_between_special_tokens_to_the_engine(encoding_name):
    enc, made = seam_encoding(encoding_name)
    text = "hello <|endoftext|> world"
    assert enc.encode(text, allowed_special="all") == lc.get_encoding(encoding_name).encode(
        text, allowed_special="all"
    )
    assert made[0].calls == [("encode_text", "hello "), ("encode_text", " world")]


@given(text=TEXT, cuts=CUTS, size=st.integers(1, 30))
def test_streams_are_counted_a_part_at_a_time_followed_by_stand_ins(
    encoding_name, text, cuts, size
):
    enc, made = seam_encoding(encoding_name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_CHARS", size)
        assert enc.count_stream(split_at(text, cuts)) == lc.get_encoding(encoding_name).count(text)
    assert {name for name, _ in made[0].calls} <= {"count_text"}
    # each part but the last is handed followed by its stand-in, then the stand-in alone
    handed = [str(arg) for _, arg in made[0].calls]
    rebuilt, i = "", 0
    while i < len(handed):
        if i + 1 < len(handed) and handed[i + 1] in (" a", "a"):
            assert handed[i].endswith(handed[i + 1])
            rebuilt += handed[i][: -len(handed[i + 1])]
            i += 2
        else:
            rebuilt += handed[i]
            i += 1
    assert rebuilt == text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def test_a_scanner_without_promises_gets_the_stream_joined(encoding_name):
    enc, made = seam_encoding(encoding_name, promises=False)
    blocks = ["hello ", "wor", "ld " * 3]
    assert enc.count_stream(blocks) == lc.get_encoding(encoding_name).count("".join(blocks))
    assert made[0].calls == [("count_text", "".join(blocks))]


def test_batches_go_to_the_engine_with_the_thread_count(encoding_name):
    enc, made = seam_encoding(encoding_name)
    texts = ["hello world", "", "日本語 \ud83d", "a" * 300]
    ref = lc.get_encoding(encoding_name)
    want = [ref.encode_ordinary(text) for text in texts]
    assert enc.encode_ordinary_batch(texts, num_threads=3) == want
    assert enc.count_batch(texts, num_threads=2) == list(map(len, want))
    assert ("encode_batch", 3) in made[0].calls
    assert ("count_batch", 2) in made[0].calls
    assert ("count_text", "日本語 \ufffd") in made[0].calls  # lone surrogates replaced first


def test_batches_without_the_seam_use_the_single_text_path(encoding_name):
    enc = lc.get_encoding(encoding_name)
    plain = Encoding(
        enc.spec, lambda spec: regex_scanner(spec.pattern), lambda s, r: PurePythonBPE(r)
    )
    texts = ["hello world", "", "日本語 \ud83d"]
    assert plain.count_batch(texts) == [enc.count(text) for text in texts]
    assert plain.encode_ordinary_batch(texts, 4) == [enc.encode_ordinary(t) for t in texts]
