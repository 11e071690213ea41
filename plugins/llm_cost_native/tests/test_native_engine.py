"""llm-cost-native gives the same ids as core's pure-Python engine (the project's reference
inside) and as tiktoken, on real and toy vocabularies, and never crashes on hostile input."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import threading
from itertools import accumulate

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

if "LLM_COST_CACHE_DIR" not in os.environ:  # keep the flat vocab out of the user's cache
    os.environ["LLM_COST_CACHE_DIR"] = tempfile.mkdtemp(prefix="llm-cost-native-test-")

import llm_cost_native as native
from llm_cost_native import _native

import llm_cost_core as lc
from llm_cost_core.engine.bpe import PurePythonBPE, whole_text
from llm_cost_core.engine.checks import CheckedEngine
from llm_cost_core.engine.flatvocab import FlatRanks
from llm_cost_core.engine.scanner import regex_scanner

ENCODINGS = [name for name in ("o200k", "cl100k") if name in lc.list_encodings()]
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that stresses pieces: letters of many scripts, digits, spaces, marks, emoji, ZWJ.
ALPHABET = st.sampled_from(
    [*"aAzZ09 '\n\t\r.,!?-_/", "  ", "\u3000", "\xa0", "é", "ß", "日本", "語", "한", "ع",
    "क्", "😀", "👨\u200d👩\u200d👧", "\u200d", "\ufe0f", "Ω", "\x1c", "\ud83d", "\U0001f3fb"]
)  # fmt: skip
TEXTS = st.one_of(st.text(max_size=200), st.lists(ALPHABET, max_size=120).map("".join))


def pure(name: str) -> lc.Encoding:
    """The same encoding with core's pure-Python engine and regex scanner."""
    enc = lc.get_encoding(name)
    scanner = regex_scanner(enc.spec.pattern)
    return lc.Encoding(enc.spec, lambda spec: scanner, lambda spec, ranks: PurePythonBPE(ranks))


@pytest.fixture(scope="module", params=ENCODINGS)
def pair(request: pytest.FixtureRequest) -> tuple[lc.Encoding, lc.Encoding]:
    return lc.get_encoding(request.param), pure(request.param)


# -- wiring ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENCODINGS)
def test_every_shipped_encoding_gets_the_native_engine_on_the_flat_vocab(name):
    enc = lc.get_encoding(name)
    enc.count("")
    assert isinstance(enc.bpe, CheckedEngine)  # core checks every plugin engine's results
    assert isinstance(enc.engine, _native.PieceEngine)
    assert isinstance(enc._loaded_ranks(), FlatRanks)  # read in place, not copied to a dict
    assert (whole_text(enc.bpe) is not None) == native.knows(enc.spec)


def test_off_switch_leaves_every_encoding_to_pure_python(monkeypatch):
    spec = lc.get_encoding(ENCODINGS[0]).spec if ENCODINGS else None
    monkeypatch.setenv(native.ENV, "0")
    assert native.make_bpe(spec=spec, ranks={b"a": 0}) is None
    assert native.make_scanner(spec=spec) is None
    monkeypatch.setenv(native.ENV, "1")
    assert isinstance(native.make_bpe(spec=spec, ranks={b"a": 0}), _native.PieceEngine)


def test_version_and_plugins_say_which_path_each_encoding_takes(monkeypatch, capsys):
    from llm_cost_core.cli.app import main

    assert main(["--version"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "llm-cost-native" in x)
    for name in ENCODINGS:
        assert f"{name}: native, whole texts" in line
    toy = lc.EncodingSpec(
        name="toy", pattern=r"\S+|\s+", special_tokens={}, n_vocab=1, load_ranks=dict,
        vocab_sha256="0" * 64,
    )  # fmt: skip
    assert native.describe_engine(spec=toy) == "native merges, Python scanner"
    monkeypatch.setenv(native.ENV, "0")
    assert native.describe_engine(spec=toy) == "off (LLM_COST_NATIVE=0)"


@pytest.mark.parametrize("ranks", [{b"a": -1}, {b"a": 2**32 - 1}, {b"a": 2**40}, {b"": 0}])
def test_ranks_the_flat_arrays_cannot_hold_are_left_to_pure_python(ranks):
    spec = lc.EncodingSpec(
        name="toy", pattern="x", special_tokens={}, n_vocab=1, load_ranks=dict,
        vocab_sha256="0" * 64,
    )  # fmt: skip
    assert native.make_bpe(spec=spec, ranks=ranks) is None


def test_an_unknown_pattern_gets_no_native_scanner_and_a_piece_engine():
    spec = lc.EncodingSpec(
        name="toy", pattern=r"\S+|\s+", special_tokens={}, n_vocab=2, load_ranks=dict,
        vocab_sha256="0" * 64,
    )  # fmt: skip
    assert native.make_scanner(spec=spec) is None
    engine = native.make_bpe(spec=spec, ranks={b"a": 0, b"b": 1})
    assert type(engine) is _native.PieceEngine
    assert whole_text(engine) is None


# -- parity on the real vocabularies ------------------------------------------------------------


@SETTINGS
@given(text=TEXTS)
def test_same_ids_as_pure_python(pair, text):
    native_enc, pure_enc = pair
    want = pure_enc.encode_ordinary(text)
    assert native_enc.encode_ordinary(text) == want
    assert native_enc.count(text) == len(want)
    assert native_enc.encode(text, disallowed_special=()) == want


@SETTINGS
@given(texts=st.lists(TEXTS, max_size=12), threads=st.integers(1, 4))
def test_batches_are_the_texts_one_by_one(pair, texts, threads):
    native_enc, pure_enc = pair
    want = [pure_enc.encode_ordinary(text) for text in texts]
    assert native_enc.encode_ordinary_batch(texts, num_threads=threads) == want
    assert native_enc.count_batch(texts, num_threads=threads) == list(map(len, want))


def test_python_threads_sharing_one_engine_agree(pair):
    native_enc, pure_enc = pair
    rng = random.Random(7)
    words = ["alpha", "βeta", "日本語", "  ", "\n", "x" * 40, "😀😀", "1234567"]
    texts = [" ".join(rng.choices(words, k=400)) + str(i) for i in range(24)]
    want = [pure_enc.count(text) for text in texts]
    got: dict[int, int] = {}

    def work(i: int) -> None:
        got[i] = native_enc.count(texts[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [got[i] for i in range(len(texts))] == want


# -- toy vocabularies: every merge order, the heap route included ------------------------------


@st.composite
def toy_vocab(draw: st.DrawFn, monotone: bool = False) -> dict[bytes, int]:
    """All single bytes plus random tokens over a small alphabet, at random ranks: merges
    often create pairs of lower rank than their own (the pure engine's heap route). Monotone:
    ranks rise with length, so every merge makes pairs of higher rank than its own, and long
    pieces stay on the bucket route to the end."""
    alphabet = b"abcd"
    tokens = draw(
        st.lists(st.binary(min_size=2, max_size=6).map(lambda b: bytes(alphabet[x % 4] for x in b)),
                 max_size=60, unique=True)
    )  # fmt: skip
    singles = [bytes([b]) for b in range(256)]
    everything = singles + [t for t in tokens if len(t) > 1]
    ranks = draw(st.permutations(range(len(everything))))
    if monotone:
        by_length = sorted(range(len(everything)), key=lambda i: (len(everything[i]), ranks[i]))
        ranks = [0] * len(everything)
        for rank, i in enumerate(by_length):
            ranks[i] = rank
    return dict(zip(everything, ranks, strict=True))


PIECES = st.one_of(  # short pieces, and long ones (over SHORT_PIECE, 128): the bucket merge
    st.lists(st.sampled_from(b"abcd"), min_size=1, max_size=400),
    st.lists(st.sampled_from(b"abcd"), min_size=129, max_size=600),
).map(bytes)


@SETTINGS
@given(
    ranks=st.one_of(toy_vocab(), toy_vocab(monotone=True)),
    pieces=st.lists(PIECES, min_size=1, max_size=4),
)
def test_toy_vocabularies_merge_as_pure_python(ranks, pieces):
    texts = [piece.decode() for piece in pieces]
    engine = _native.PieceEngine(*native._arrays(ranks), None)
    reference = PurePythonBPE(ranks)
    assert engine.encode(texts) == reference.encode(texts)
    assert engine.count(texts) == reference.count(texts)
    assert [engine.piece_count(t) for t in texts] == [reference.piece_count(t) for t in texts]


@SETTINGS
@given(
    lengths=st.lists(st.integers(2, 700), max_size=12, unique=True),
    doubling=st.booleans(),
    shuffled=st.booleans(),
    runs=st.lists(st.integers(1, 1500), min_size=1, max_size=4),
    data=st.data(),
)
def test_tokens_of_256_bytes_and_more_merge_as_pure_python(lengths, doubling, shuffled, runs, data):
    """A vocab with a token of 256 bytes or more keeps a long piece's parts as 32-bit ends, not
    8-bit lengths: runs of `a` that merge into such tokens, in either rank order."""
    tokens = {b"a" * k for k in [*lengths, 300, *([2, 4, 8, 16, 32, 64, 128, 256, 512] * doubling)]}
    everything = [bytes([b]) for b in range(256)] + sorted(tokens, key=len)
    order = (
        data.draw(st.permutations(range(len(everything)))) if shuffled else range(len(everything))
    )
    ranks = dict(zip(everything, order, strict=True))
    texts = ["a" * n + "b" for n in runs]
    engine = _native.PieceEngine(*native._arrays(ranks), None)
    reference = PurePythonBPE(ranks)
    assert engine.encode(texts) == reference.encode(texts)
    assert engine.count(texts) == reference.count(texts)


def test_a_vocab_without_some_byte_raises_on_encode_and_counts_its_parts():
    ranks = {b"a": 0, b"b": 1, b"ab": 2}
    engine = _native.PieceEngine(*native._arrays(ranks), None)
    assert engine.encode(["abab"]) == [2, 2]
    with pytest.raises(KeyError, match="single byte"):
        engine.encode(["abc"])
    assert engine.count(["abc" * 50]) == PurePythonBPE(ranks).count(["abc" * 50])


def test_pieces_must_be_str():
    engine = _native.PieceEngine(*native._arrays({b"a": 0}), None)
    with pytest.raises(TypeError, match="str"):
        engine.count([b"a"])


# -- hostile input ------------------------------------------------------------------------------


def hostile(n: int) -> dict[str, str]:
    return {
        "a": "a" * n,
        "spaces": " " * n,
        "newlines": "\n" * n,
        "digits": "7" * n,
        "emoji": "😀" * (n // 4),
        "zwj": "👨\u200d👩\u200d👧\u200d👦" * (n // 25),
        "punct": "!?" * (n // 2),
    }


@pytest.mark.parametrize("kind", list(hostile(1)))
def test_hostile_runs_match_tiktoken(pair, kind):
    from llm_cost_core.testing import reference_encoding

    native_enc, _ = pair
    text = hostile(20_000)[kind]
    want = reference_encoding(native_enc).encode_ordinary(text)
    assert native_enc.encode_ordinary(text) == want
    assert native_enc.count(text) == len(want)


@pytest.mark.parametrize("kind", ["a", "spaces", "zwj"])
def test_ten_million_characters_are_counted_and_round_trip(pair, kind):
    native_enc, _ = pair
    text = hostile(10**7)[kind]
    ids = native_enc.encode_ordinary(text)
    assert native_enc.count(text) == len(ids)
    assert native_enc.decode(ids) == text


def test_lone_surrogates_and_replaced_bytes_never_crash(pair):
    native_enc, pure_enc = pair
    rng = random.Random(3)
    for _ in range(50):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
        text = raw.decode("utf-8", "replace") + "\ud800x\udfff"
        assert native_enc.encode_ordinary(text) == pure_enc.encode_ordinary(text)
        assert native_enc.count_batch([text, text[::-1]]) == [
            pure_enc.count(text), pure_enc.count(text[::-1])
        ]  # fmt: skip
    engine = native_enc.engine  # the plugin's own, not core's checked wrapper
    with pytest.raises(UnicodeEncodeError):
        engine.count(["\ud800"])  # core replaces these first; raw, it is a clean error
    for call in (engine.count_text, engine.encode_text, lambda t: engine.count_batch(["é", t])):
        with pytest.raises(UnicodeEncodeError):
            call("é\ud800")


def test_counting_keeps_no_utf8_copy_on_the_callers_strings(pair):
    """A str that has been asked for its UTF-8 keeps it for life, and `sys.getsizeof` counts
    it: a pipeline counting a million texts it holds must not double their memory."""
    native_enc, _ = pair
    texts = ["日本語のテキスト" * 50, "naïve café " * 50, "😀👨\u200d👩\u200d👧" * 50]
    sizes = list(map(sys.getsizeof, texts))
    native_enc.count(texts[0])
    native_enc.encode_ordinary(texts[1])
    native_enc.count_batch(texts, num_threads=2)
    native_enc.encode_ordinary_batch(texts, num_threads=2)
    assert list(map(sys.getsizeof, texts)) == sizes


# -- the scanners' promises ---------------------------------------------------------------------

SCAN_PARTS = st.sampled_from(
    [*" \t\n\r", "  ", "\r\n", "\x1c", "\xa0", "\u3000", "a", "Ab", "1", "123", "'s", "'LL",
     "'", ".", "!?", "/", "é", "日本", "😀", "\u0301", "\u200d"]
)  # fmt: skip
SCAN_TEXT = st.lists(SCAN_PARTS, max_size=30).map("".join)


@SETTINGS
@given(head=SCAN_TEXT, tail=SCAN_TEXT, first=st.sampled_from(["a", "1", ".", "日", "'", "/"]))
def test_the_r50k_promises_hold_for_its_pattern_and_native_scanner(head, tail, first):
    """`PROMISES` for r50k (no installed encoding uses it, so core's checks do not run on it):
    splits_before_space, checked on the pattern itself and on the native scanner."""
    import tiktoken_ext.openai_public as public

    pattern = regex.compile(public.r50k_pat_str)
    scanner = native.NativeScanner(_native.SCAN_R50K)
    assert scanner.splits_before_space and not scanner.splits_after_newline
    text = head + " " + first + tail
    pieces = pattern.findall(text)
    assert scanner(text) == pieces
    at = len(head)
    ends = list(accumulate(map(len, pieces)))
    assert at == 0 or at in ends  # a piece ends just before the space
    before = [piece for piece, end in zip(pieces, ends, strict=True) if end <= at]
    alone = pattern.findall(head + " z")  # the same text, followed by something else
    assert before == [p for p, e in zip(alone, accumulate(map(len, alone)), strict=True) if e <= at]
    assert pieces[len(before) :] == pattern.findall(text[at:])


@pytest.mark.parametrize("length", [50, 129, 1000, 100_000])
def test_merges_that_make_lower_ranks_take_the_heap_route(length):
    """ "ab" merges at rank 1000 and makes "abab" at 500: not monotone, so long pieces leave
    the bucket route for the heap part-way; the ids stay the pure-Python engine's."""
    ranks = {bytes([b]): b for b in range(256)} | {b"ab": 1000, b"abab": 500, b"ababab": 700}
    piece = ("ab" * length)[:length] + "a"
    engine = _native.PieceEngine(*native._arrays(ranks), None)
    want = PurePythonBPE(ranks).encode([piece])
    assert engine.encode([piece]) == want
    assert engine.count([piece]) == len(want)
