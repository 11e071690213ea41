"""`estimate`, `models` and `report`: the numbers they print, checked against tiktoken."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.host.registry import registry

TEXT = "Prices change; tokens don't. ünïcödé 😀 <|endoftext|>\n\n  indented\tline\n"


def run_json(capsys, *args: str):
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out, parse_float=Decimal)


def priced_models(encoding_name: str) -> list[str]:
    return sorted(
        model
        for model, entry in registry().prices().items()
        if entry.price.encoding == encoding_name
    )


def test_estimate_counts_like_tiktoken_and_prices_exactly(encoding_name, reference, capsys):
    tokens = len(reference.encode_ordinary(TEXT))
    for model in priced_models(encoding_name):
        price = registry().prices()[model].price
        output = 0 if price.output is None else 1234
        out = run_json(
            capsys, "estimate", "-m", model, "--text", TEXT, "--output-tokens", str(output),
            "--json",
        )  # fmt: skip
        assert out["encoding"] == encoding_name
        assert out["tokens"] == {
            "input": tokens,
            "cached_input": 0,
            "output": output,
            "total": tokens + output,
        }
        expected = (tokens * price.input + output * (price.output or 0)) / Decimal(10**6)
        assert out["cost_usd"]["total"] == expected, model
        assert out["usd_per_1m"]["input"] == price.input


def test_estimate_sums_several_files(encoding_name, tmp_path, capsys):
    model = next(iter(priced_models(encoding_name)), None)
    if model is None:
        pytest.skip(f"no priced model uses {encoding_name}")
    enc = lc.get_encoding(encoding_name)
    paths = []
    for i, text in enumerate(["one two", TEXT, ""]):
        paths.append(tmp_path / f"{i}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    out = run_json(capsys, "estimate", "-m", model, "--json", *map(str, paths))
    assert out["tokens"]["input"] == enc.count("one two") + enc.count(TEXT)


def test_models_lists_every_model_and_price(capsys):
    rows = run_json(capsys, "models", "--json")
    reg = registry()
    exact = [row for row in rows if not row["prefix"]]
    assert {row["model"] for row in exact} == set(reg.models()) | set(reg.prices())
    assert {row["model"] for row in rows if row["prefix"]} == set(reg.model_prefixes())
    installed = set(lc.list_encodings())
    for row in rows:
        assert row["installed"] == (row["encoding"] in installed)
        assert (row["plugin"] is None) == (not row["installed"])
        entry = reg.prices().get(row["model"])
        if entry is not None and not row["prefix"]:
            price = entry.price
            assert (row["input"], row["cached_input"], row["output"]) == (
                price.input,
                price.cached_input,
                price.output,
            )
            assert row["as_of"] == price.as_of.isoformat()
            assert row["price_from"] == entry.origin


def test_report_numbers(encoding_name, reference, tmp_path, capsys):
    path = tmp_path / "r.txt"
    path.write_bytes(TEXT.encode())
    out = run_json(capsys, "report", "-e", encoding_name, "--json", str(path))
    tokens = len(reference.encode_ordinary(TEXT))
    words = len(TEXT.split())
    (row,) = out["inputs"]
    assert row == {
        "input": str(path),
        "bytes": len(TEXT.encode()),
        "chars": len(TEXT),
        "words": words,
        "tokens": tokens,
        "bytes_per_token": round(Decimal(len(TEXT.encode())) / tokens, 2),
        "tokens_per_word": round(Decimal(tokens) / words, 2),
    }
    assert "cost_usd" not in row


def test_report_of_empty_input_has_no_ratios(capsys, tmp_path):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    (tmp_path / "empty.txt").write_bytes(b"")
    out = run_json(capsys, "report", "--json", str(tmp_path / "empty.txt"))
    row = out["inputs"][0]
    assert (row["tokens"], row["bytes_per_token"], row["tokens_per_word"]) == (0, None, None)
