"""Counting in bounded memory: long texts in parts, files and stdin a block at a time."""

from __future__ import annotations

import io
import re
from itertools import pairwise

import pytest
from conftest import cached_reference
from hypothesis import given
from hypothesis import strategies as st
from test_segments import Declared, make, words

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.engine import parts
from llm_cost_core.engine.parts import SPACE_CUT, SPACE_OR_LINE_CUT, cut
from llm_cost_core.errors import InputError
from llm_cost_core.jobs import inputs
from llm_cost_core.jobs.inputs import TextStream, decode_utf8

# Characters that make cuts, break them (whitespace after a space) or straddle them (pairs).
PARTS = [" ", "  ", " \n", "\n", "\t", "\r\n", "\x1c", "\u3000", "\xa0", "a", "Hello", "'s", "1",
         "234", "é", "日本", "😀", "\u200d", ".", "/", "\ud83d", "\ude00"]  # fmt: skip
TEXT = st.lists(st.sampled_from(PARTS), max_size=60).map("".join)


def split_at(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *sorted(c % (len(text) + 1) for c in cuts), len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


CUTS = st.lists(st.integers(0, 10_000), max_size=8)


@given(text=TEXT, cuts=CUTS, size=st.integers(1, 30), lines=st.booleans())
def test_parts_rebuild_the_text_and_end_at_a_cut_with_its_stand_in(text, cuts, size, lines):
    found = list(cut(split_at(text, cuts), SPACE_OR_LINE_CUT if lines else SPACE_CUT, size))
    assert "".join(part.text for part in found) == text
    assert found[-1].stand_in == ""
    end = 0
    for part in found[:-1]:
        end += len(part.text)
        assert len(part.text) >= size
        space_cut = re.match(r" \S", text[end : end + 2])  # a space, then a non-space
        line_cut = lines and re.match(r"\n[^\s/]", text[end - 1 : end + 1])
        assert space_cut or line_cut
        assert part.stand_in == (" a" if space_cut else "a")


def test_a_text_without_a_cut_is_one_part():
    text = "x" * 50 + "  \n" * 20 + "y" * 50 + "\n/z"
    blocks = [text[i : i + 7] for i in range(0, len(text), 7)]
    assert list(cut(blocks, SPACE_CUT, 5)) == [(text, "")]
    at_y = [(text[:110], "a"), (text[110:], "")]
    assert list(cut(blocks, SPACE_OR_LINE_CUT, 5)) == at_y
    assert list(cut([], SPACE_CUT)) == [("", "")]
    assert list(cut(["a b", " c"], None, 1)) == [("a b c", "")]  # no promise: joined


@given(text=TEXT, cuts=CUTS, size=st.integers(1, 30))
def test_stream_and_counts_in_parts_are_tiktokens(encoding_name, text, cuts, size):
    enc = lc.get_encoding(encoding_name)
    want = len(enc.encode_ordinary(text))
    ref = cached_reference(encoding_name)
    if ref is not None:
        assert want == len(ref.encode_ordinary(text))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_CHARS", size)
        assert enc.count_stream(split_at(text, cuts)) == want
        assert enc.count(text) == want  # longer than a part: counted in parts
        assert sum(enc.count_part(*part) for part in enc.parts(split_at(text, cuts))) == want


def test_a_long_text_is_scanned_a_part_at_a_time(monkeypatch):
    """No scan, so no list of segments or pieces, covers much more than a part."""
    monkeypatch.setattr(parts, "PART_CHARS", 64)
    seen: list[int] = []

    def scan(text):
        seen.append(len(text))
        return words(text)

    enc = make(Declared(scan))
    text = " ".join(f"w{i}\n" if i % 7 == 0 else f"w{i}" for i in range(5_000))
    assert enc.count(text) == len(text.encode())
    assert enc.count_stream(text[i : i + 100] for i in range(0, len(text), 100)) == len(text)
    assert max(seen) < 64 * 3
    seen.clear()  # a part handed to a worker is bigger than a part: it is cut again
    enc = make(Declared(scan))  # nothing cached
    assert enc.count_part(text, " a") == len(text)
    assert max(seen) < 64 * 3


def test_a_long_text_is_checked_for_surrogates_a_part_at_a_time(encoding_name, monkeypatch):
    """The check for lone surrogates copies what it checks: a part, never the whole text, and
    the count is the count of the whole text checked at once."""
    from llm_cost_core.engine import encoding as encoding_module

    enc = lc.get_encoding(encoding_name)
    text = " ".join(f"日本{i}\ud83d" if i % 5 else f"x\ud83d\ude00{i}\n" for i in range(3_000))
    want = enc.count(encoding_module._valid_unicode(text))
    monkeypatch.setattr(parts, "PART_CHARS", 256)
    checked: list[int] = []
    check = encoding_module._valid_unicode
    monkeypatch.setattr(
        encoding_module, "_valid_unicode", lambda text: checked.append(len(text)) or check(text)
    )
    assert enc.count(text) == want
    assert len(checked) > 10 and max(checked) < 256 * 3


class Pieces:
    """An engine where every piece is one token: counts show where the scanner cut."""

    def count(self, pieces):
        return len(list(pieces))

    def encode(self, pieces):
        return list(range(len(list(pieces))))


def test_a_part_is_counted_as_followed_by_its_cut_not_by_the_end():
    """`x+$` makes a run of x one piece at the very end and single pieces elsewhere, as cl100k's
    `\\s++$` does with whitespace: a part must not be counted as if the text ended there."""
    scan = re.compile(r"x+$|x| ?[^\sx]+|\s+?(?=\s)|\s+").findall
    enc = make(Declared(scan))
    enc._make_bpe = lambda spec, ranks: Pieces()
    text = "xxxx b xxxx c xxxx"
    want = len(scan(text))
    assert scan(text)[:4] == ["x"] * 4 and scan("xxxx") == ["xxxx"]  # followed by a cut, or not
    assert enc.count_stream(text[i : i + 3] for i in range(0, len(text), 3)) == want
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_CHARS", 3)
        assert enc.count(text) == want


def test_a_part_ending_at_a_line_break_is_counted_as_followed_by_a_non_space():
    """A run of x before a line break followed by a space or the end is one piece, and single
    pieces before a line break followed by a letter: so a part cut after a line feed must be
    counted with a letter after it, not a space and not the end."""
    scan = re.compile(r"x+(?=\n(?: |$))|x| ?[^\sx]+|\n|\s+?(?=\s)|\s+").findall
    declared = Declared(scan)
    declared.splits_after_newline = True
    enc = make(declared)
    enc._make_bpe = lambda spec, ranks: Pieces()
    text = "xxxx\nb xxxx\nc xxxx\n" * 3
    want = len(scan(text))
    assert scan("xxxx\nb")[:4] == ["x"] * 4 and scan("xxxx\n")[0] == "xxxx"
    assert enc.count_stream(text[i : i + 4] for i in range(0, len(text), 4)) == want
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parts, "PART_CHARS", 3)
        assert list(enc.parts([text]))[1].text.startswith("b")  # a line-break cut
        assert enc.count(text) == want


def test_without_the_promise_a_stream_is_joined_and_counted_whole():
    enc = make(words)
    blocks = ["a b", "c ", " d", ""]
    assert enc.count_stream(blocks) == len("".join(blocks))


# -- reading a block at a time ----------------------------------------------------------------

# Whole, broken and stray UTF-8 sequences, U+FFFD itself, a surrogate and one past U+10FFFF.
UTF8_PARTS = [b"a", b" ", b"\xc3\xa9", b"\xe4\xb8\xad", b"\xf0\x9f\x98\x80", b"\x80", b"\xbf",
              b"\xc3", b"\xe4\xb8", b"\xf0\x9f", b"\xff", b"\xef\xbf\xbd", b"\xed\xa0\x80",
              b"\xf4\x90\x80\x80"]  # fmt: skip
BYTES = st.lists(st.sampled_from(UTF8_PARTS), max_size=40).map(b"".join)


@given(data=st.one_of(BYTES, st.binary(max_size=60)), block=st.integers(1, 9))
def test_a_stream_decodes_as_the_whole_does(data, block):
    stream = TextStream("-", io.BytesIO(data))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inputs, "BLOCK", block)
        text = "".join(stream)
    assert (text, stream.replaced_bytes) == decode_utf8(data)
    assert stream.size == len(data)


def test_stream_errors_are_one_line(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        TextStream(str(tmp_path))
    with pytest.raises(InputError, match="No such file"):
        TextStream(str(tmp_path / "missing.txt"))

    class Broken(io.RawIOBase):
        def read(self, size=-1):
            raise OSError(5, "Input/output error")

    with pytest.raises(InputError, match="cannot read standard input: Input/output error"):
        "".join(TextStream("-", Broken()))


def test_a_file_over_many_blocks_counts_as_a_whole(encoding_name, tmp_path, capsys, monkeypatch):
    data = ("héllo wörld 日本語 😀 " * 50).encode() + b"\xe4\xb8 tail \xff" + b"x \n y " * 40
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    text, replaced = decode_utf8(data)
    want = lc.get_encoding(encoding_name).count(text)
    monkeypatch.setattr(inputs, "BLOCK", 7)
    monkeypatch.setattr(parts, "PART_CHARS", 50)
    assert main(["-e", encoding_name, str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{want}\n"
    assert f"{replaced} invalid UTF-8 bytes replaced" in err


def test_report_and_estimate_read_a_block_at_a_time_and_agree_with_the_whole(
    encoding_name, tmp_path, capsys, monkeypatch
):
    import json

    data = ("a  wörld\tof 日本語 😀 words,\nand  more " * 30).encode() + b"\xe4\xb8 \xff end"
    path = tmp_path / "words.txt"
    path.write_bytes(data)
    text, _ = decode_utf8(data)
    tokens = lc.get_encoding(encoding_name).count(text)
    monkeypatch.setattr(inputs, "BLOCK", 5)
    monkeypatch.setattr(parts, "PART_CHARS", 11)
    assert main(["report", "--json", "-e", encoding_name, str(path)]) == 0
    row = json.loads(capsys.readouterr().out)["inputs"][0]
    want = {"bytes": len(data), "chars": len(text), "words": len(text.split()), "tokens": tokens}
    assert {key: row[key] for key in want} == want
    model = {"o200k": "gpt-4o", "cl100k": "gpt-4"}.get(encoding_name)
    if model is not None:
        assert main(["estimate", "--json", "-m", model, str(path)]) == 0
        assert json.loads(capsys.readouterr().out)["tokens"]["input"] == tokens


@pytest.mark.parametrize("command", [[], ["report"]])
def test_a_vocab_that_cannot_load_is_one_error_not_one_per_file(
    encoding_name, tmp_path, capsys, monkeypatch, command
):
    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.errors import VocabError

    def broken(self):
        raise VocabError("cannot read vocab: reinstall the plugin")

    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in paths:
        path.write_text("some words")
    monkeypatch.setattr(Encoding, "_loaded_ranks", broken)
    enc = lc.get_encoding(encoding_name)
    for built in ("_counter", "_bpe", "_ranks"):  # as if nothing had been counted before
        monkeypatch.setattr(enc, built, None)
    code = main([*command, "-e", encoding_name, *map(str, paths)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("cannot read vocab") == 1
