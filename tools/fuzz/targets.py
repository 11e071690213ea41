"""Fuzz targets: each takes the raw bytes libFuzzer (atheris) made and raises on any bug.

Every installed encoding is checked with every engine: as installed (the native engine when
llm-cost-native is active) and, beside a native one, the same encoding in pure Python, from a
registry that leaves llm-cost-native out. An encoding whose spec names a tiktoken reference is
compared with it id for id, and the native engine with pure Python on every input. Kept free of
atheris so the same functions replay findings in tests.
"""

from __future__ import annotations

import functools
import io
import json
from importlib.metadata import entry_points

import llm_cost_core as lc
from llm_cost_core.engine import parts
from llm_cost_core.engine.scanner import regex_scanner
from llm_cost_core.host import hookspecs
from llm_cost_core.host.loading import canonical
from llm_cost_core.host.registry import Registry
from llm_cost_core.jobs import inputs
from llm_cost_core.models.chat import count_messages
from llm_cost_core.records import lines as pipe

NATIVE = "llm-cost-native"


def is_native(enc: lc.Encoding) -> bool:
    """Whether llm-cost-native's engine counts for `enc`."""
    return type(enc.engine).__module__.partition(".")[0] == "llm_cost_native"


@functools.cache
def twins() -> list[tuple[lc.Encoding, lc.Encoding]]:
    """(native Encoding, the same encoding in pure Python) for every installed encoding the
    native engine counts; empty without llm-cost-native (or with LLM_COST_NATIVE=0)."""
    native = [enc for enc in map(lc.get_encoding, lc.list_encodings()) if is_native(enc)]
    if not native:
        return []
    found = entry_points(group=hookspecs.PROJECT)
    pure = Registry(ep for ep in found if not (ep.dist and canonical(ep.dist.name) == NATIVE))
    return [(enc, pure.get_encoding(enc.name)) for enc in native]


@functools.cache
def encodings() -> list[tuple[lc.Encoding, object]]:
    """(our Encoding, tiktoken's Encoding or None) for every installed encoding, as installed,
    then the pure-Python twins of the native ones."""
    ours = [*map(lc.get_encoding, lc.list_encodings()), *(pure for _, pure in twins())]
    try:
        from llm_cost_core.verify.reference import tiktoken_encoding
    except ImportError:
        return [(enc, None) for enc in ours]
    return [(enc, tiktoken_encoding(enc)) for enc in ours]


def _label(enc: lc.Encoding) -> str:
    return f"{enc.name} ({'native' if is_native(enc) else 'pure Python'})"


def check_text(text: str) -> None:
    """Parity, count == len(ids), determinism, round trip and special-token handling, for every
    engine; the batch methods; native == pure Python."""
    for enc, ref in encodings():
        ids = enc.encode_ordinary(text)
        assert enc.count(text) == len(ids), "count differs from len(encode_ordinary)"
        assert enc.encode_ordinary(text) == ids, "not deterministic"
        assert enc.count_batch([text, "", text], 2) == [len(ids), 0, len(ids)], (
            f"{_label(enc)}: count_batch differs from count"
        )
        assert enc.encode_ordinary_batch([text, text[::-1]], 2)[0] == ids, (
            f"{_label(enc)}: encode_ordinary_batch differs from encode_ordinary"
        )
        if ref is not None:
            assert ids == ref.encode_ordinary(text), f"{_label(enc)}: ids differ from tiktoken"
            assert enc.encode(text, allowed_special="all") == ref.encode(
                text, allowed_special="all"
            ), f"{enc.name}: encode(allowed_special='all') differs from tiktoken"
            _same_outcome(lambda e: e.encode(text), enc, ref)
        if _is_valid(text):
            assert enc.decode(ids) == text, "decode(encode_ordinary(t)) != t"
    for native, pure in twins():
        assert native.encode_ordinary(text) == pure.encode_ordinary(text), (
            f"{native.name}: native ids differ from pure Python"
        )
        assert native.count(text) == pure.count(text), (
            f"{native.name}: native count differs from pure Python"
        )


def _same_outcome(call, enc, ref) -> None:
    try:
        expected = call(ref)
    except ValueError as exc:
        try:
            call(enc)
        except ValueError as ours:
            assert str(ours) == str(exc), "different disallowed-special message"
            return
        raise AssertionError(f"{enc.name}: tiktoken raised ValueError, we did not") from None
    assert call(enc) == expected, f"{enc.name}: encode() differs from tiktoken"


def _is_valid(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def encode_replace(data: bytes) -> None:
    """Bytes decoded as users' files are: invalid UTF-8 becomes U+FFFD."""
    check_text(data.decode("utf-8", "replace"))


def encode_surrogateescape(data: bytes) -> None:
    """Bytes decoded with surrogateescape: lone surrogates, which tiktoken repairs."""
    check_text(data.decode("utf-8", "surrogateescape"))


def scanner(data: bytes) -> None:
    """Each encoding's own scanner (with any fast paths) against core's reference scanner.

    The reference is tiktoken's pattern string compiled by `regex` with Unicode classes pinned
    to tiktoken's tables (plain `regex` disagrees with tiktoken on newer code points).
    """
    text = data.decode("utf-8", "replace")
    for enc, _ in encodings():
        pieces = list(enc.scanner(text))
        assert "".join(pieces) == text, f"{enc.name}: pieces do not add up to the text"
        assert pieces == list(_reference_scanner(enc.spec.pattern)(text)), (
            f"{enc.name}: scanner differs from the reference pattern"
        )


@functools.cache
def _reference_scanner(pattern: str):
    return regex_scanner(pattern)


def pipe_line(data: bytes) -> None:
    """The pipe's line handler: one line out per line in; a good line is the same object plus
    the key (members and order unchanged), a bad one passes through byte for byte."""
    for enc, _ in encodings():
        counter = _line_counter(enc.name)
        for line in data.split(b"\n"):
            out, tokens, reason = counter.line(line + b"\n")
            assert out.endswith(b"\n") and out.count(b"\n") == 1, "not exactly one line out"
            if reason is not None:
                assert out == line + b"\n", "a passed-through line was changed"
                continue
            before, after = json.loads(line), json.loads(out)
            added = after.pop(pipe.KEY)
            assert added == {"tokens": tokens, "encoding": enc.name}, "wrong added key"
            assert list(after.items()) == list(before.items()), "the object was changed"
            assert tokens == _field_tokens(enc, before), "tokens differ from Encoding.count"


def _field_tokens(enc: lc.Encoding, obj: dict) -> int:
    value = obj["text"]
    return enc.count(value) if isinstance(value, str) else count_messages(enc, value)


@functools.cache
def _line_counter(name: str) -> pipe.LineCounter:
    return pipe.LineCounter(pipe.PipeSettings(encoding=name))


def stream(data: bytes) -> None:
    """A file read a block at a time and counted part by part, as `llm-cost FILE` does, with
    block and part sizes from the first two bytes: the text is what decoding the whole gives,
    the replaced bytes are counted the same, and the count is the whole text's, tiktoken's."""
    if len(data) < 2:
        return
    block, part, body = data[0] % 16 + 1, data[1] % 16 + 1, data[2:]
    text, replaced = inputs.decode_utf8(body)
    saved = inputs.BLOCK, parts.PART_CHARS
    inputs.BLOCK, parts.PART_CHARS = block, part
    try:
        got = inputs.TextStream("-", io.BytesIO(body))
        assert "".join(got) == text, "a block-wise decode differs from the whole's"
        assert got.replaced_bytes == replaced, "replaced bytes counted differently"
        for enc, ref in encodings():
            want = len(enc.encode_ordinary(text))
            if ref is not None:
                assert want == len(ref.encode_ordinary(text)), f"{enc.name}: differs from tiktoken"
            blocks = inputs.TextStream("-", io.BytesIO(body))
            assert enc.count_stream(blocks) == want, f"{enc.name}: count_stream differs"
            assert enc.count(text) == want, f"{enc.name}: count in parts differs"
    finally:
        inputs.BLOCK, parts.PART_CHARS = saved


TARGETS = {
    "encode_replace": encode_replace,
    "encode_surrogateescape": encode_surrogateescape,
    "scanner": scanner,
    "pipe_line": pipe_line,
    "stream": stream,
}
