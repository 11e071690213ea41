"""-m MODEL means the same to every command: a plugin's mapping, else the encoding the model's
price names (the registered prices, then the user's price file), with the same errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main

COMMANDS = ("count", "default", "estimate", "report", "pipe")


@pytest.fixture
def files(tmp_path: Path, encoding_name: str) -> dict[str, str]:
    prices = {
        "as_of": "2025-08-01",
        "models": [
            {"model": "house-model", "encoding": encoding_name, "input": "0.5"},
            {"model": "their-model", "encoding": "not-installed-enc", "input": "1"},
        ],
    }
    (tmp_path / "prices.json").write_text(json.dumps(prices))
    (tmp_path / "in.txt").write_text("hello world")
    (tmp_path / "in.jsonl").write_text('{"text": "hello world"}\n')
    return {name: str(tmp_path / name) for name in ("prices.json", "in.txt", "in.jsonl")}


def outcome(capsys, command: str, model: str, files: dict[str, str], prices: list[str]):
    """(exit code, the encoding used or the error line without its help pointer)."""
    text, jsonl = files["in.txt"], files["in.jsonl"]
    args = {
        "count": ["count", "--json", "-m", model, *prices, text],
        "default": ["-m", model, *prices, "--json", text],
        "estimate": ["estimate", "--json", "-m", model, *prices, text],
        "report": ["report", "--json", "-m", model, *prices, text],
        "pipe": ["pipe", "-m", model, *prices, jsonl],
    }[command]
    code = main(args)
    out, err = capsys.readouterr()
    if code:
        lines = err.splitlines()
        assert len(lines) == 1, lines
        return code, lines[0].split(" (see '")[0]
    assert err == ""
    obj = json.loads(out.splitlines()[0])
    return code, (obj["llm_cost"] if command == "pipe" else obj)["encoding"]


@pytest.mark.parametrize("how", ["--prices", "LLM_COST_PRICES"])
@pytest.mark.parametrize(
    "model", ["house-model", "house-model-2025-01-01", "their-model", "gpt-4o", "nosuch-model"]
)
def test_every_command_resolves_a_model_the_same_way(
    capsys, monkeypatch, files, encoding_name, how, model
):
    monkeypatch.delenv("LLM_COST_ENCODING", raising=False)
    if how == "--prices":
        monkeypatch.delenv("LLM_COST_PRICES", raising=False)
        prices = ["--prices", files["prices.json"]]
    else:
        monkeypatch.setenv("LLM_COST_PRICES", files["prices.json"])
        prices = []
    got = {command: outcome(capsys, command, model, files, prices) for command in COMMANDS}
    assert len(set(got.values())) == 1, got
    code, result = got["count"]
    if model.startswith("house-model"):  # known only to the price file (a snapshot of it too)
        assert (code, result) == (0, encoding_name)
    elif model == "their-model":
        assert (code, result) == (
            2,
            "llm-cost: error: model 'their-model' uses encoding not-installed-enc, which is not "
            "installed: pip install llm-cost-not-installed-enc",
        )
    elif model == "nosuch-model":
        assert code == 2 and result.startswith("llm-cost: error: unknown model 'nosuch-model'")


def test_count_reads_a_price_file_only_for_a_model(capsys, monkeypatch, tmp_path):
    """A broken $LLM_COST_PRICES does not stop plain counting, and is reported for -m."""
    monkeypatch.delenv("LLM_COST_ENCODING", raising=False)
    names = lc.list_encodings()
    if not names:
        pytest.skip("no encoding installed")
    (tmp_path / "bad.json").write_text("{")
    monkeypatch.setenv("LLM_COST_PRICES", str(tmp_path / "bad.json"))
    assert main(["-e", names[0], "--text", "hello"]) == 0
    assert capsys.readouterr().out == f"{lc.get_encoding(names[0]).count('hello')}\n"
    assert main(["-m", "gpt-4o", "--text", "hello"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"llm-cost: error: {tmp_path / 'bad.json'}: not valid JSON")
    assert err.count("\n") == 1
