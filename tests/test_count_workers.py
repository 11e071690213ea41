"""`llm-cost count --workers N`: one input spread over processes, in parts that end at cuts."""

from __future__ import annotations

import json

import pytest
from test_segments import make, words

import llm_cost_core as lc
from llm_cost_core.cli import counting
from llm_cost_core.cli.app import main
from llm_cost_core.cli.counting import CountPool
from llm_cost_core.errors import InputError
from llm_cost_core.jobs.inputs import decode_utf8

TEXT = (
    "Héllo wörld, 日本語のテキスト 😀\r\n  indented line\n/etc/passwd\nx.\n/y\n"
    "don't stop\t\tbelieving 12345 ‘quotes’ \u3000 end \n" * 40
)


def test_parts_over_workers_add_up_to_the_whole(encoding_name, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(counting, "WORKER_PART_CHARS", 97)  # dozens of parts, cut at both kinds
    data = TEXT.encode() + b"\xe4\xb8 broken \xff tail"
    paths = [tmp_path / "a.txt", tmp_path / "b.txt"]
    paths[0].write_bytes(data)
    paths[1].write_bytes(b"no-spaces-here\n" * 500)
    enc = lc.get_encoding(encoding_name)
    want = [enc.count(decode_utf8(path.read_bytes())[0]) for path in paths]
    missing = str(tmp_path / "missing.txt")
    code = main(["--json", "-e", encoding_name, "--workers", "2", *map(str, paths), missing])
    out, err = capsys.readouterr()
    rows = json.loads(out)["inputs"]
    assert [row["tokens"] for row in rows] == want
    assert code == 1 and "missing.txt: No such file or directory" in err
    assert "invalid UTF-8 bytes replaced" in err


def test_a_stream_that_breaks_off_leaves_the_pool_usable(encoding_name, monkeypatch):
    monkeypatch.setattr(counting, "WORKER_PART_CHARS", 50)
    enc = lc.get_encoding(encoding_name)

    def broken():
        yield TEXT[:400]
        raise InputError("cannot read x.txt: Input/output error")

    with CountPool(enc, 2) as pool:
        with pytest.raises(InputError, match="Input/output error"):
            pool.count(broken())
        assert pool.count([TEXT[:300], TEXT[300:]]) == enc.count(TEXT)


def test_an_input_of_one_part_is_counted_without_starting_workers(encoding_name):
    enc = lc.get_encoding(encoding_name)
    with CountPool(enc, 2) as pool:
        assert pool.count(["short ", "input"]) == enc.count("short input")
        assert pool._pool is None


def test_without_the_promise_nothing_is_spread():
    enc = make(words)  # a toy encoding no worker could rebuild: it must not need one
    with CountPool(enc, 2) as pool:
        assert pool.count(["a b ", "c"]) == len("a b c")
        assert pool._pool is None


def test_workers_is_a_count_and_zero_means_one_per_cpu(capsys):
    assert main(["--workers", "-1", "--text", "hi"]) == 2
    assert "Invalid value for '--workers'" in capsys.readouterr().err
    assert main(["--workers", "0", "--text", "hi"]) == 0
    assert capsys.readouterr().out.strip().isdigit()
