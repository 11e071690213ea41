"""`llm-cost --ids / --tokens / --decode / -t / --allow-special`: round trips on the Evil Corpus,
truncation that re-counts within its limit, and the formats, checked against tiktoken."""

from __future__ import annotations

import codecs
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.cli.commands import tokens as show_tokens
from llm_cost_core.cli.commands.tokens import encode, escape, parse_ids, truncated
from llm_cost_core.errors import InputError
from llm_cost_core.jobs.inputs import decode_utf8

_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"
CORPUS = Path(__file__).resolve().parent.parent / "testdata" / "evil_corpus_v2.jsonl"


def corpus() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def as_file_bytes(text: str) -> bytes:
    """A corpus text as a file holds it; a lone surrogate cannot be UTF-8, so its file is not."""
    return text.encode("utf-8", "surrogatepass")


def run_main(capsysbinary, *args: str) -> tuple[int, bytes, bytes]:
    code = main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out, err


@pytest.mark.filterwarnings("ignore:.*invalid UTF-8:UnicodeWarning")
def test_ids_then_decode_gives_every_corpus_text_back(encoding_name, tmp_path, capsysbinary):
    """Byte for byte, one file per text, through the code the command runs (the command itself,
    as a shell pipes it, is tested below); the ids of the corpus's own cases are tiktoken's, as
    the corpus records them."""
    enc = lc.get_encoding(encoding_name)
    text_file, ids_file = tmp_path / "text", tmp_path / "ids"
    checked = 0
    for case in corpus():
        data = as_file_bytes(case["text"])
        text_file.write_bytes(data)
        show_tokens.run(enc, show_tokens.IDS, (), (str(text_file),), None, False, False)
        ids = capsysbinary.readouterr().out
        if case["encoding"] == encoding_name and data.decode("utf-8", "ignore") == case["text"]:
            assert [int(i) for i in ids.split()] == case["ids"], case
            checked += 1
        ids_file.write_bytes(ids)
        show_tokens.run(enc, show_tokens.DECODE, (), (str(ids_file),), None, False, False)
        # A file that is not UTF-8 is read with U+FFFD for its bad bytes (with a warning).
        assert capsysbinary.readouterr().out == decode_utf8(data)[0].encode("utf-8"), case
    if encoding_name in {"o200k", "cl100k"}:
        assert checked > 1000


def test_shell_pipe_round_trip_of_the_whole_corpus(encoding_name, tmp_path):
    """`llm-cost --ids FILE | llm-cost --decode` as a shell runs it, on every text at once."""
    text = "\n\x00\n".join(case["text"] for case in corpus())
    path = tmp_path / "corpus.txt"
    path.write_bytes(decode_utf8(as_file_bytes(text))[0].encode("utf-8"))
    llm_cost = shlex.quote(LLM_COST)
    done = subprocess.run(
        f"{llm_cost} -e {encoding_name} --ids {shlex.quote(str(path))} | "
        f"{llm_cost} -e {encoding_name} --decode",
        shell=True,
        capture_output=True,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert done.stdout == path.read_bytes()


def test_encode_is_tiktokens_with_and_without_specials(encoding_name, reference):
    text = "x<|endoftext|>y"
    assert encode(lc.get_encoding(encoding_name), text, False) == reference.encode_ordinary(text)
    assert encode(lc.get_encoding(encoding_name), text, True) == reference.encode(
        text, allowed_special="all"
    )


def test_ids_and_tokens_are_tiktokens(encoding_name, reference, capsysbinary):
    text = "hello <|endoftext|> wörld 😀\n\tx"
    code, out, _ = run_main(capsysbinary, "-e", encoding_name, "--ids", "--text", text)
    assert code == 0
    assert out == (" ".join(map(str, reference.encode_ordinary(text))) + "\n").encode()
    code, out, _ = run_main(capsysbinary, "-e", encoding_name, "--tokens", "--text", text)
    rows = [line.split(b"\t", 1) for line in out.splitlines()]
    assert [int(i) for i, _ in rows] == reference.encode_ordinary(text)
    assert [unescape(piece.decode()) for _, piece in rows] == [
        reference.decode_single_token_bytes(i) for i in reference.encode_ordinary(text)
    ]


def test_allow_special_counts_specials_as_tiktoken_does(encoding_name, reference, capsysbinary):
    text = "a<|endoftext|>b <|endoftext|>"
    expected = reference.encode(text, allowed_special="all")
    code, out, _ = run_main(capsysbinary, "-e", encoding_name, "--allow-special", "--text", text)
    assert (code, out) == (0, f"{len(expected)}\n".encode())
    code, out, _ = run_main(
        capsysbinary, "-e", encoding_name, "--ids", "--allow-special", "--text", text
    )
    assert [int(i) for i in out.split()] == expected
    code, out, _ = run_main(capsysbinary, "-e", encoding_name, "--text", text)
    assert out == f"{len(reference.encode_ordinary(text))}\n".encode()


def test_allow_special_counts_files_whole(encoding_name, reference, tmp_path, capsysbinary):
    path = tmp_path / "a.txt"
    text = "x " * 1000 + "<|endoftext|>" + " y" * 1000
    path.write_text(text)
    code, out, _ = run_main(capsysbinary, "-e", encoding_name, "--allow-special", str(path))
    assert code == 0
    assert out == f"{len(reference.encode(text, allowed_special='all'))}\n".encode()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, 13])
def test_truncate_recounts_to_at_most_n_on_the_corpus(encoding_name, n):
    enc = lc.get_encoding(encoding_name)
    for case in corpus():
        text = decode_utf8(as_file_bytes(case["text"]))[0]
        for allow_special in (False, True):
            kept = truncated(enc, text, n, allow_special)
            assert text.startswith(kept)
            ids = encode(enc, text, allow_special)
            recount = encode(enc, kept, allow_special)
            assert len(recount) <= n, (case, n)
            if len(ids) <= n:
                assert kept == text


@given(st.text(max_size=60), st.integers(min_value=0, max_value=20))
def test_truncate_is_a_prefix_within_the_limit(text, n):
    name = (lc.list_encodings() or [None])[0]
    if name is None:
        pytest.skip("no encoding installed")
    enc = lc.get_encoding(name)
    text = decode_utf8(text.encode("utf-8", "surrogatepass"))[0]
    kept = truncated(enc, text, n, False)
    assert text.startswith(kept)
    assert enc.count(kept) <= n
    # the text of the first n tokens, when they hold whole characters and count n again
    first = enc.decode_bytes(enc.encode_ordinary(text)[:n])
    if first.decode("utf-8", "ignore").encode() == first and enc.count(first.decode()) <= n:
        assert kept.encode() == first


def test_truncate_through_the_command_recounts_within_n(encoding_name, tmp_path):
    path = tmp_path / "text.txt"
    path.write_bytes(b"".join(as_file_bytes(case["text"]) for case in corpus()[:400]))
    for n in (1, 7, 100, 1000):
        cut = subprocess.run(
            [LLM_COST, "-e", encoding_name, "-t", str(n), str(path)], capture_output=True
        )
        assert cut.returncode == 0
        recount = subprocess.run(
            [LLM_COST, "-e", encoding_name], input=cut.stdout, capture_output=True
        )
        assert 0 < int(recount.stdout) <= n


def test_decode_reads_every_separator_and_json():
    name = (lc.list_encodings() or [None])[0]
    if name is None:
        pytest.skip("no encoding installed")
    enc = lc.get_encoding(name)
    for data in (b"1 2 3", b" 1,2 ,3\n", b"1\n2\r\n3", b"[1, 2, 3]", b"1,,2\t3"):
        assert parse_ids(data, enc) == [1, 2, 3], data
    assert parse_ids(b"", enc) == parse_ids(b"  \n", enc) == parse_ids(b"[]", enc) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1 x 3", "'x' is not a token id"),
        (b"1.5", "'1.5' is not a token id"),
        (b"-1", "-1 is not a token id of"),
        (b"[true]", "only integer token ids"),
        (b"[1, 2", "not a JSON array"),
        (b'{"a": 1}', "'{\"a\":' is not a token id"),
        (b"10000000000", "10000000000 is not a token id of"),
    ],
)
def test_bad_ids_are_one_line_errors(data, message):
    name = (lc.list_encodings() or [None])[0]
    if name is None:
        pytest.skip("no encoding installed")
    with pytest.raises(InputError, match=re.escape(message)):
        parse_ids(data, lc.get_encoding(name))


def unescape(text: str) -> bytes:
    """`escape` undone: what the format promises a reader can do."""
    out = bytearray()
    for match in re.finditer(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)|([^\\]+)", text):
        escaped, plain = match.groups()
        if plain is not None:
            out += plain.encode()
        elif escaped[0] == "x" and int(escaped[1:], 16) >= 0x80:
            out.append(int(escaped[1:], 16))  # a byte that is not UTF-8
        elif escaped[0] in "xuU":
            out += chr(int(escaped[1:], 16)).encode()
        else:
            out += codecs.decode("\\" + escaped, "unicode_escape").encode()
    return bytes(out)


@given(st.binary(max_size=40) | st.text(max_size=20).map(lambda t: t.encode("utf-8", "replace")))
def test_escaped_tokens_are_one_printable_line_that_reads_back(data):
    shown = escape(data)
    assert shown.isprintable() or all(c.isprintable() or c == " " for c in shown)
    assert "\n" not in shown and "\t" not in shown
    assert unescape(shown) == data


def test_escape_examples():
    assert escape(b"a\tb\\") == "a\\tb\\\\"
    assert escape(b"\xff\x01\xc2\xa0\xe2\x80\xa8") == "\\xff\\x01\\u00a0\\u2028"
    assert escape(" é😀".encode()) == " é😀"
