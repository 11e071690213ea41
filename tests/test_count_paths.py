"""One count path: every command that counts a long text cuts it into the same parts
(`engine/parts.py`), so they all give the same number, and it is tiktoken's."""

from __future__ import annotations

import json
import random
import sys

import pytest
from conftest import REPO, cached_reference
from test_pipe import needs

import llm_cost_core as lc
from llm_cost_core.cli import counting
from llm_cost_core.cli.app import main
from llm_cost_core.engine import parts

sys.path.insert(0, str(REPO / "tools"))
import gen_jsonl


def long_lines_without_spaces(megabytes: float) -> str:
    """Real-ish text (the pipe benchmark's prose, numbers, code, many scripts) with every space
    and line break taken out, in lines of about 100 KB: the only cuts are the line breaks."""
    rng = random.Random(14)
    lines: list[str] = []
    size = 0
    while size < megabytes * 1e6:
        line = []
        length = 0
        while length < 100_000:
            piece = gen_jsonl.text(rng).replace(" ", "").replace("\n", "").replace("\u2028", "")
            line.append(piece)
            length += len(piece)
        lines.append("".join(line))
        size += length
    return "\n".join(lines) + "\n"


def test_count_workers_pipe_estimate_and_report_agree_on_long_lines_without_spaces(
    tmp_path, capsys, monkeypatch
):
    needs("o200k")  # estimate -m gpt-4o counts with o200k
    enc = lc.get_encoding("o200k")
    text = long_lines_without_spaces(1.5)
    assert " " not in text and text.count("\n") >= 10
    # The premise: counting in one process and with workers both go part by part.
    monkeypatch.setattr(counting, "WORKER_PART_CHARS", 1 << 19)  # 1.5 MB: several worker parts
    assert len(list(enc.parts([text]))) >= 2
    assert len(list(enc.parts([text], counting.WORKER_PART_CHARS))) >= 2
    assert len(text) > parts.PART_CHARS  # so count(text) and the pipe's line go part by part

    path = str(tmp_path / "long.txt")
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    jsonl = tmp_path / "long.jsonl"
    jsonl.write_text(json.dumps({"text": text}) + "\n", encoding="utf-8")

    def run(*args: str) -> str:
        assert main(list(args)) == 0
        return capsys.readouterr().out

    want = enc.count(text)
    ref = cached_reference("o200k")
    if ref is not None:
        assert want == len(ref.encode_ordinary(text))
    two = ("--ignore-price-age", "--workers", "2")
    got = {
        "count": int(run("-e", "o200k", path)),
        "count --workers 2": int(run("-e", "o200k", "--workers", "2", path)),
        "pipe": json.loads(run("pipe", "-e", "o200k", str(jsonl)))["llm_cost"]["tokens"],
        "estimate --workers 2": json.loads(run("estimate", "--json", "-m", "gpt-4o", *two, path))[
            "tokens"
        ]["input"],
        "report --workers 2": json.loads(
            run("report", "--json", "-e", "o200k", "--workers", "2", path)
        )["inputs"][0]["tokens"],
    }
    assert got == dict.fromkeys(got, want)


@pytest.mark.parametrize("size", [1, 7, 100])
def test_parts_of_a_text_count_as_the_whole(encoding_name, size):
    """`Encoding.parts` and `count_part`, the public pieces of the path, add up to `count`."""
    enc = lc.get_encoding(encoding_name)
    rng = random.Random(size)
    text = "\n".join(gen_jsonl.text(rng) for _ in range(20)) + " 日本語 \n/x\n  y\tz  "
    want = len(enc.encode_ordinary(text))
    found = list(enc.parts([text[i : i + 50] for i in range(0, len(text), 50)], size))
    assert "".join(part.text for part in found) == text
    assert sum(enc.count_part(*part) for part in found) == want
