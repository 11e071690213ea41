"""OpenAI Batch API input files through `llm-cost pipe`: each request counted with its own
model's encoding (checked against tiktoken plus the documented chat overhead), priced at the
batch tier, and summed up per model; no line dropped or moved."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from conftest import cached_reference
from test_pipe import run, split_lines

import llm_cost_core as lc
from llm_cost_core.prices.price_files import core_prices
from llm_cost_core.prices.prices import PriceEntry, PriceTable
from llm_cost_core.records.batch import RequestError, count_request, request_model

CHAT_MODELS = ("gpt-4o-mini", "gpt-4.1", "gpt-5", "gpt-4o-2024-05-13", "gpt-3.5-turbo")
RESPONSES_MODELS = ("gpt-5-mini", "o4-mini", "o3")
EMBEDDING_MODELS = ("text-embedding-3-small", "text-embedding-3-large")
WORDS = ["hello", "world", "caf\u00e9", "\U0001f600", "  spaced  ", "<|endoftext|>", "123", "\n"]


def needs_both() -> None:
    missing = {"o200k", "cl100k"} - set(lc.list_encodings())
    if missing:
        pytest.skip(f"needs {', '.join(sorted(missing))}")


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 12)))


def batch_file(n: int, seed: int = 17) -> list[dict]:
    """`n` Batch requests mixing the endpoints, models and input forms OpenAI documents."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            messages = [{"role": "system", "content": _text(rng)}]
            for _ in range(rng.randrange(1, 4)):
                messages.append({"role": "user", "content": _text(rng)})
            if rng.random() < 0.3:
                messages.append({"role": "assistant", "name": "bot", "content": _text(rng)})
            if rng.random() < 0.3:
                part = [{"type": "text", "text": _text(rng)}, {"type": "image_url"}]
                messages.append({"role": "user", "content": part})
            body = {"model": rng.choice(CHAT_MODELS), "messages": messages}
            if rng.random() < 0.7:
                body[rng.choice(("max_tokens", "max_completion_tokens"))] = rng.randrange(1, 900)
            url = "/v1/chat/completions"
        elif kind == 1:
            body = {"model": rng.choice(RESPONSES_MODELS)}
            if rng.random() < 0.5:
                body["input"] = _text(rng)
            else:
                body["input"] = [
                    {"role": "user", "content": [{"type": "input_text", "text": _text(rng)}]},
                    {"role": "assistant", "content": _text(rng)},
                ]
            if rng.random() < 0.5:
                body["instructions"] = _text(rng)
            if rng.random() < 0.5:
                body["max_output_tokens"] = rng.randrange(1, 5000)
            url = "/v1/responses"
        else:
            form = rng.randrange(3)
            if form == 0:
                value: object = _text(rng) or "x"
            elif form == 1:
                value = [_text(rng) for _ in range(rng.randrange(1, 5))]
            else:
                value = [[rng.randrange(50000) for _ in range(rng.randrange(1, 9))]]
            body = {"model": rng.choice(EMBEDDING_MODELS), "input": value}
            url = "/v1/embeddings"
        lines.append({"custom_id": f"req-{i}", "method": "POST", "url": url, "body": body})
    return lines


def expected_tokens(line: dict) -> int:
    """The count, from tiktoken and OpenAI's documented chat overhead, independently of
    llm_cost_core.models.chat: 3 per message, 1 per name, 3 to prime the reply."""
    body = line["body"]
    ref = cached_reference(lc.encoding_name_for_model(body["model"]))

    def count(text: str) -> int:
        return len(ref.encode_ordinary(text))

    def chat(messages: list[dict]) -> int:
        total = 3
        for message in messages:
            total += 3
            for key, value in message.items():
                if isinstance(value, str):
                    total += count(value) + (1 if key == "name" else 0)
                elif key == "content":
                    total += sum(
                        count(part["text"])
                        for part in value
                        if part.get("type") in ("text", "input_text", "output_text")
                    )
        return total

    if line["url"] == "/v1/chat/completions":
        return chat(body["messages"])
    if line["url"] == "/v1/responses":
        messages = body["input"]
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        if "instructions" in body:
            messages = [{"role": "developer", "content": body["instructions"]}, *messages]
        return chat(messages)
    value = body["input"]
    if isinstance(value, str):
        return count(value)
    if isinstance(value[0], str):
        return sum(map(count, value))
    return sum(map(len, value))


def max_output(body: dict) -> int | None:
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        if name in body:
            return body[name]
    return None


def test_a_batch_file_of_thousands_of_requests(tmp_path):
    pytest.importorskip("tiktoken")
    needs_both()
    lines = batch_file(3000)
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    path = tmp_path / "batch.jsonl"
    path.write_bytes(data)
    done = run("pipe", "--summary", "--workers", "2", "--chunk-bytes", "20000", str(path))
    assert done.returncode == 0, done.stderr
    out = [json.loads(row, parse_float=Decimal) for row in split_lines(done.stdout)]
    assert len(out) == len(lines)
    table = PriceTable({p.model: PriceEntry(p, "core") for p in core_prices()})
    per_model: dict[str, dict] = {}
    for line, got in zip(lines, out, strict=True):
        key = got.pop("llm_cost")
        assert got == json.loads(json.dumps(line), parse_float=Decimal)  # in order, unchanged
        model = line["body"]["model"]
        price = table.lookup(model, "batch").price
        assert price.tier == "batch"
        assert key["model"] == model and key["tier"] == "batch"
        assert key["encoding"] == lc.encoding_name_for_model(model)
        assert key["tokens"] == expected_tokens(line), line
        assert key["cost_usd"] == key["tokens"] * price.input / 1_000_000
        bound = 0 if line["url"] == "/v1/embeddings" else max_output(line["body"])
        assert key.get("max_output_tokens") == bound
        if bound is not None:
            assert (
                key["max_cost_usd"]
                == key["cost_usd"] + bound * (price.output or Decimal(0)) / 10**6
            )
        totals = per_model.setdefault(model, {"lines": 0, "tokens": 0, "usd": 0, "max": 0})
        totals["lines"] += 1
        totals["tokens"] += key["tokens"]
        totals["usd"] += key["cost_usd"]
        totals["max"] = (
            None
            if bound is None or totals["max"] is None
            else totals["max"] + (key["max_cost_usd"] - key["cost_usd"])
        )
    summary = json.loads(done.stderr.decode().splitlines()[-1], parse_float=Decimal)
    assert summary["lines"] == 3000 and summary["failed"] == 0
    assert summary["tokens"] == sum(
        row["llm_cost"]["tokens"] for row in map(json.loads, [r for r in split_lines(done.stdout)])
    )
    assert summary["cost_usd"] == sum(t["usd"] for t in per_model.values())
    assert set(summary["batch_requests"]) == set(per_model)
    for model, totals in per_model.items():
        got = summary["batch_requests"][model]
        assert got["lines"] == totals["lines"]
        assert got["input_tokens"] == totals["tokens"]
        assert got["input_cost_usd"] == totals["usd"]
        assert got["output_cost_usd"] == {"min": 0, "max": totals["max"]}
    # Every endpoint and both encodings were in the file.
    assert {line["url"] for line in lines} == {
        "/v1/chat/completions",
        "/v1/responses",
        "/v1/embeddings",
    }
    assert set(per_model) >= {"gpt-3.5-turbo", "gpt-4o-mini", "text-embedding-3-small"}


def test_completions_prompts_and_token_arrays():
    needs_both()
    enc = lc.get_encoding("cl100k")
    for prompt, tokens in [
        ("hello world", enc.count("hello world")),
        (["a b", "c"], enc.count("a b") + enc.count("c")),
        ([5, 6, 7], 3),
        ([[1], [2, 3]], 3),
    ]:
        line = {"url": "/v1/completions", "body": {"model": "gpt-3.5-turbo-instruct"}}
        line["body"]["prompt"] = prompt
        line["body"]["max_tokens"] = 16
        request = count_request(enc, line)
        assert (request.tokens, request.max_output_tokens) == (tokens, 16)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"url": "/v1/images", "body": {"model": "x"}}, "url '/v1/images' is not one of"),
        ({"url": "/v1/embeddings", "body": []}, "'body' is not an object"),
        ({"url": "/v1/embeddings", "body": {"model": 3}}, "'body.model' is not a model name"),
    ],
)
def test_request_lines_that_are_not_requests(line, message):
    with pytest.raises(RequestError, match=message):
        request_model(line)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"input": [True]}, "'body.input' is not a string, a list of strings, a token array"),
        ({"input": []}, "'body.input' is not a string"),
        ({"input": [-1]}, "'body.input' is not a string"),
    ],
)
def test_embedding_inputs_that_cannot_be_counted(body, message):
    enc = lc.get_encoding(lc.list_encodings()[0])
    line = {"url": "/v1/embeddings", "body": {"model": "m", **body}}
    with pytest.raises(RequestError, match=message):
        count_request(enc, line)


def test_bad_requests_are_passed_through_and_tools_are_flagged():
    needs_both()
    lines = [
        {
            "custom_id": "a",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-9", "messages": []},
        },
        {"custom_id": "b", "url": "/v1/chat/completions", "body": {"model": "gpt-4o"}},
        {
            "custom_id": "c",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "f"}}],
                "max_tokens": "lots",
            },
        },
        {
            "custom_id": "d",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o",
                "messages": [{"role": "user", "content": "x"}],
                "tools": [{"type": "function", "function": {"name": "f"}}],
            },
        },
    ]
    data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    done = run("pipe", stdin=data)
    assert done.returncode == 0
    rows = split_lines(done.stdout)
    assert rows[:3] == split_lines(data)[:3]
    assert done.stderr.decode().splitlines()[0].startswith("line 1: unknown model 'gpt-9'")
    assert done.stderr.decode().splitlines()[1:] == [
        "line 2: not a Batch request that can be counted: 'body.messages' is not a messages list",
        "line 3: not a Batch request that can be counted: 'body.max_tokens' is not a whole "
        "number of tokens",
    ]
    assert json.loads(rows[3])["llm_cost"]["not_counted"] == ["tools"]
