"""The fuzz targets themselves, on a few inputs: they pass on good code and catch a planted bug.

Findings from tools/fuzz/run.py are added to FINDINGS (and to the Evil Corpus) so they stay fixed.
"""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "tools" / "fuzz"))
import targets

SAMPLES = [
    b"",
    b"hello world",
    b"caf\xc3\xa9 \xff\xfe",
    b"\xed\xa0\x80 lone",
    b"<|endoftext|>x",
    b'{"text": "hi", "n": 1.50}\n{}\n[1]\n{"text": 3}\n{ "a" : 1 , "text" : "x\\u2028" }  \r',
    b'{"text": [{"role": "user", "content": "hi"}]}\nnot json\n{"llm_cost": 1, "text": ""}',
    b"\x02\x03caf\xc3\xa9 na\xefve  \r\n\t x\xe4\xb8 \xf0\x9f\x98\x80 y'll  z \xff",
]
FINDINGS: list[bytes] = []  # fuzz findings, replayed forever


@pytest.mark.parametrize("data", SAMPLES + FINDINGS)
@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_targets_pass(name, data):
    if not targets.encodings():
        pytest.skip("no encoding installed")
    targets.TARGETS[name](data)


def test_targets_catch_a_wrong_count(monkeypatch):
    enc, _ = (targets.encodings() or [(None, None)])[0]
    if enc is None:
        pytest.skip("no encoding installed")
    monkeypatch.setattr(type(enc), "count", lambda self, text: 0)
    with pytest.raises(AssertionError, match="count differs"):
        targets.encode_replace(b"a non-empty text")


def test_the_stream_target_catches_a_wrong_stream_count(monkeypatch):
    enc, _ = (targets.encodings() or [(None, None)])[0]
    if enc is None:
        pytest.skip("no encoding installed")
    monkeypatch.setattr(type(enc), "count_stream", lambda self, blocks: 0)
    with pytest.raises(AssertionError, match="count_stream differs"):
        targets.stream(b"\x01\x01a b c")


def test_targets_catch_native_ids_that_differ_from_pure_python(monkeypatch):
    enc, _ = (targets.encodings() or [(None, None)])[0]
    if enc is None:
        pytest.skip("no encoding installed")

    class WrongTwin:
        def encode_ordinary(self, text):
            return [0]

    monkeypatch.setattr(targets, "twins", lambda: [(enc, WrongTwin())])
    with pytest.raises(AssertionError, match="native ids differ from pure Python"):
        targets.encode_replace(b"a non-empty text")


def test_targets_check_every_native_encoding_against_a_pure_python_twin():
    native = pytest.importorskip("llm_cost_native")
    if not native.enabled():
        pytest.skip("the native engine is turned off")
    pairs = targets.twins()
    assert pairs, "llm-cost-native is active, so every encoding it counts needs a twin"
    for native, pure in pairs:
        assert targets.is_native(native) and not targets.is_native(pure)
        assert native.name == pure.name
    assert [pure for _, pure in pairs] == [enc for enc, _ in targets.encodings()[-len(pairs) :]]


def test_targets_catch_a_wrong_batch_count(monkeypatch):
    enc, _ = (targets.encodings() or [(None, None)])[0]
    if enc is None:
        pytest.skip("no encoding installed")
    monkeypatch.setattr(type(enc), "count_batch", lambda self, texts, num_threads=8: [0] * 3)
    with pytest.raises(AssertionError, match="count_batch differs"):
        targets.encode_replace(b"a non-empty text")
