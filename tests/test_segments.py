"""The count path: segments for scanners that split before a space, pieces for the others."""

from __future__ import annotations

import re

import pytest
from textgen import CODE, EMOJI, SCRIPTS, WHITESPACE

import llm_cost_core as lc
from llm_cost_core.engine import segments
from llm_cost_core.engine.bpe import whole_text
from llm_cost_core.engine.encoding import Encoding
from llm_cost_core.engine.segments import SegmentCounter
from llm_cost_core.engine.spec import EncodingSpec
from llm_cost_core.verify.corpus import default_corpus, read_corpus


def valid(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def test_count_matches_the_static_corpus_ids(encoding):
    """Every Evil Corpus case (core's, and the plugin's own part), counted through the segment
    path, has the corpus's token count."""
    corpus = read_corpus(default_corpus())
    if encoding.spec.corpus is not None:
        corpus += read_corpus(encoding.spec.corpus)
    cases = [c for c in corpus if c.encoding in encoding.spec.names]
    assert cases
    wrong = [c.text for c in cases if encoding.count(c.text) != len(c.ids)]
    assert wrong == []
    # The same texts glued by spaces: many segments, most of them cached by now.
    glued = " ".join(valid(c.text) for c in cases[:500])
    assert encoding.count(glued) == len(encoding.encode_ordinary(glued))


def test_count_of_mixed_documents_is_tiktokens(encoding, reference):
    parts = [*SCRIPTS.values(), *CODE, *EMOJI]
    for sep in WHITESPACE:
        text = sep.join(parts) + sep
        assert encoding.count(text) == len(reference.encode_ordinary(text)), repr(sep)


def test_the_plugins_take_the_segment_path_unless_the_engine_takes_whole_texts(encoding):
    encoding.count("warm up")
    if whole_text(encoding.bpe) is None:
        assert isinstance(encoding._counter, SegmentCounter)
    else:  # llm-cost-native's engine, say: it counts each part whole
        assert encoding._counter == whole_text(encoding.bpe).count_text
    assert encoding._cuts is not None  # streams still go a part at a time


# -- with a toy scanner and engine: the mechanics, independent of any vocab --------------------


class Bytes:
    """A BPE engine where every UTF-8 byte is a token: counts are easy to check."""

    def count(self, pieces):
        return sum(len(p.encode()) for p in pieces)

    def encode(self, pieces):
        return [b for p in pieces for b in p.encode()]


WORDS = re.compile(r" ?\S+|\s+?(?=\s)|\s+").findall  # never crosses " " + non-space


def words(text):
    return WORDS(text)


def make(scanner):
    spec = EncodingSpec(
        name="toy",
        pattern="",
        special_tokens={},
        n_vocab=256,
        load_ranks=dict,
        vocab_sha256="0" * 64,
    )
    return Encoding(spec, make_scanner=lambda s: scanner, make_bpe=lambda s, r: Bytes())


class Declared:
    """`words` with the attribute set, counting its calls."""

    splits_before_space = True

    def __init__(self, scan=words):
        self.scan, self.calls = scan, 0

    def __call__(self, text):
        self.calls += 1
        return self.scan(text)


TEXTS = [
    "",
    " ",
    "a",
    " a",
    "a ",
    "a b",
    "  a  b  ",
    "x\ny z\t w",
    "é ü 日本 a b c a b c",
    "a" * 500,
]


def test_a_scanner_without_the_attribute_gets_the_plain_path():
    enc = make(words)
    for text in TEXTS:
        assert enc.count(text) == len(text.encode())
    assert not isinstance(enc._counter, SegmentCounter)


def test_a_scanner_with_the_attribute_gets_segments_and_the_same_counts():
    scanner = Declared()
    enc = make(scanner)
    for text in TEXTS * 2:
        assert enc.count(text) == len(text.encode()), repr(text)
    assert isinstance(enc._counter, SegmentCounter)


def test_known_segments_are_not_scanned_again():
    scanner = Declared()
    enc = make(scanner)
    text = " ".join(["alpha", "beta", "gamma", "delta"] * 50)
    enc.count(text)
    scanned = scanner.calls
    assert enc.count(text) == len(text)
    assert scanner.calls == scanned  # the first and the last chunk are cached too


def test_the_cache_is_bounded_and_stays_exact(monkeypatch):
    monkeypatch.setattr(segments, "_CACHE_ITEMS", 8)
    enc = make(Declared())
    for i in range(50):
        text = " ".join(f"w{i}{j}" for j in range(20))
        assert enc.count(text) == len(text)
        assert len(enc._counter._segments) <= 8 + 20


def test_long_chunks_are_counted_but_not_remembered():
    enc = make(Declared())
    long = "x" * (segments._CACHE_CHARS + 1)
    assert enc.count(f"a {long} b") == len(long) + 4
    assert long not in enc._counter._segments
    assert "b" not in enc._counter._segments  # the last chunk ends the text: cached apart
    assert enc._counter._tails["b"] == 2


def test_a_scanner_that_breaks_the_promise_is_caught():
    enc = make(Declared(re.compile(r"\S+ \S+|\s+|\S+").findall))  # pieces cross spaces
    with pytest.raises(RuntimeError, match="splits_before_space"):
        enc.count("one two three four five")


def test_only_a_true_attribute_counts():
    class Maybe(Declared):
        splits_before_space = "yes"  # truthy, but not the declaration

    enc = make(Maybe())
    assert enc.count("a b c") == 5
    assert not isinstance(enc._counter, SegmentCounter)


def test_get_encoding_counts_agree_with_encode_for_every_installed_encoding():
    for name in lc.list_encodings():
        enc = lc.get_encoding(name)
        for text in [*SCRIPTS.values(), *CODE]:
            assert enc.count(text) == len(enc.encode_ordinary(text))


def test_counts_from_many_threads_at_once_are_each_right(monkeypatch):
    """Unknown chunks are queued while a text is summed: another thread's text must not mix in."""
    import threading
    import time

    def slow_words(text):
        time.sleep(0.0005)  # lets the other threads run while this count is half done
        return words(text)

    monkeypatch.setattr(segments, "_CACHE_ITEMS", 16)  # keep chunks unknown, call after call
    enc = make(Declared(slow_words))
    texts = [" ".join(f"t{i}w{j}" for j in range(50)) for i in range(6)]
    wrong = []

    def work(text):
        for _ in range(10):
            if enc.count(text) != len(text):
                wrong.append(text)

    threads = [threading.Thread(target=work, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_piece_counts_are_bounded_and_agree_with_encode(encoding, monkeypatch):
    from llm_cost_core.engine import bpe

    monkeypatch.setattr(bpe, "_COUNT_ITEMS", 8)
    engine = bpe.PurePythonBPE(encoding._loaded_ranks())
    pieces = [f" word{i}x" for i in range(40)] + ["y" * 100]
    assert engine.count(pieces) == len(engine.encode(pieces))
    assert engine.count(pieces) == sum(len(engine.encode([p])) for p in pieces)
    assert 0 < len(engine._counts) <= 8
    assert "y" * 100 not in engine._counts  # long pieces are counted, not remembered


def test_an_interrupted_count_leaves_nothing_queued_for_the_next():
    """Unknown chunks are queued while a text is summed; a count stopped half-way (Ctrl-C in a
    notebook) must not add their tokens to the next count."""
    interrupt = [True]

    def scan_once_interrupted(text):
        if interrupt.pop() if interrupt else False:
            raise KeyboardInterrupt
        return words(text)

    enc = make(Declared(scan_once_interrupted))
    with pytest.raises(KeyboardInterrupt):
        enc.count("first words here that are new")
    assert enc.count("alpha beta gamma delta") == len("alpha beta gamma delta")
