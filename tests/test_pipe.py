"""`llm-cost pipe`: one line out per line in, in order, nothing lost, any number of workers."""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.jobs.pipe import Source, run_pipe
from llm_cost_core.records.lines import PipeSettings

_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("LLM_COST_")}
CLEAN_ENV["LLM_COST_TODAY"] = "2025-09-01"  # the prices' age check does not follow the clock


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([LLM_COST, *args], input=stdin, capture_output=True, env=CLEAN_ENV)


def split_lines(data: bytes) -> list[bytes]:
    """Lines as the pipe sees them: split after each b"\\n" and nowhere else."""
    return [line for line in re.split(b"(?<=\n)", data) if line]


def needs(*encodings: str) -> None:
    missing = set(encodings) - set(lc.list_encodings())
    if missing:
        pytest.skip(f"needs {', '.join(sorted(missing))}")


# (line, the text its "text" field holds): each must get exactly one key added.
GOOD = [
    (b'{"text": "hello world"}\n', "hello world"),
    (
        b'{ "id": 1.0e3, "text": "caf\\u00e9 \\ud83d\\ude00 \\"q\\"\\/", "x": [1,2] }   \n',
        'café 😀 "q"/',
    ),
    # Raw U+2028, U+0085 and U+2029 are valid inside JSON strings; str.splitlines breaks on them.
    ('{"text": "line\u2028sep\u0085nel\u2029para"}\n'.encode(), "line\u2028sep\u0085nel\u2029para"),
    (b'{"text": "crlf kept"}\r\n', "crlf kept"),
    (b'{"text":""}\n', ""),
    (b'{"text": "lone \\ud800 surrogate"}\n', "lone \ud800 surrogate"),
    (b'{"text": "<|endoftext|> is text"}\n', "<|endoftext|> is text"),
    (b'{"a": {"b": {}}, "text": "tab\\tin", "z": null}\t \n', "tab\tin"),
    (b'{"text": "same", "text": "last one wins"}\n', "last one wins"),
    # Integers beyond Python's int-string limit (4,300 digits) are valid JSON, kept as written.
    (b'{"n": ' + b"9" * 5000 + b', "m": -' + b"1" * 4301 + b', "text": "big"}\n', "big"),
]
# (line, reason on stderr): each must come out unchanged.
BAD = [
    (b"{}\n", "no field 'text' or 'messages'"),
    (b"{ }\r\n", "no field 'text' or 'messages'"),
    (b'{"other": "x"}\n', "no field 'text' or 'messages'"),
    (b"not json\n", "not JSON: Expecting value at column 1"),
    (b'{"text": "x"} trailing\n', "not JSON: Extra data at column 15"),
    (b"[1, 2]\n", "not a JSON object (an array)"),
    (b'"a string"\n', "not a JSON object (a string)"),
    (b"42\n", "not a JSON object (a number)"),
    (b"null\n", "not a JSON object (null)"),
    (b"true\n", "not a JSON object (a boolean)"),
    (b"\n", "empty line"),
    (b"  \t\r\n", "empty line"),
    (b'{"text": 12}\n', "field 'text' is a number, not a string or a messages list"),
    (b'{"text": null}\n', "field 'text' is null, not a string or a messages list"),
    (b'{"text": {"a": 1}}\n', "field 'text' is an object, not a string or a messages list"),
    (b'{"text": "caf\xe9"}\n', "invalid UTF-8 at byte 14"),
    (b'{"text": "x", "v": NaN}\n', "not JSON: NaN is not valid JSON"),
    (b'{"text": "x", "llm_cost": 1}\n', 'already has an "llm_cost" key'),
    (b'{"text": [1, 2]}\n', "field 'text' is not a messages list: item 0 is not a message object"),
    (b'{"text": []}\n', "field 'text' is not a messages list: the list is empty"),
    (b'{"text": [ ]}\n', "field 'text' is not a messages list: the list is empty"),
    (b'{"text": ' + b"[" * 10**5 + b"]" * 10**5 + b"}\n", "not JSON that can be read: nested too"),
    (b'\xef\xbb\xbf{"text": "BOM not on the first line"}\n', "not JSON: Unexpected UTF-8 BOM"),
    (
        b'{"text": "a\x00b"}\n',
        "not JSON: raw control character U+0000 in a string at column 12 (JSON needs \\u0000)",
    ),
    (b'{"text": "a\x1fb"}\n', "not JSON: raw control character U+001F in a string at column 12"),
    (b'{"text": "open}\n', "not JSON: Unterminated string starting at column 10"),
    (b'{"text": ' + b"9" * 5000 + b"}\n", "field 'text' is a number, not a string or a messages"),
]


def pipe(data: bytes | list[bytes], settings: PipeSettings, **options):
    """run_pipe in this process: (output, bad-line messages, stats)."""
    inputs = [data] if isinstance(data, bytes) else data
    sources = [Source(f"in{i}", lambda d=d: io.BytesIO(d)) for i, d in enumerate(inputs)]
    out, messages = io.BytesIO(), []
    stats = run_pipe(sources, out, settings, on_bad_line=messages.append, **options)
    return out.getvalue(), messages, stats


def added(tokens: int, encoding: str, cost: str | None = None) -> bytes:
    key = f', "llm_cost": {{"tokens": {tokens}, "encoding": "{encoding}"'
    return (key + (f', "cost_usd": {cost}' if cost else "") + "}").encode()


def test_every_kind_of_line_comes_out_once_in_order_and_nothing_is_lost(encoding_name, reference):
    rng = random.Random(4)
    cases = [(line, text, None) for line, text in GOOD] + [(line, None, r) for line, r in BAD]
    rng.shuffle(cases)
    cases.append((b'{"text": "no newline at the end"}', "no newline at the end", None))
    data = b"".join(line for line, _, _ in cases)
    out, messages, stats = pipe(data, PipeSettings(encoding_name), batch_bytes=64)
    out_lines = split_lines(out)
    assert len(out_lines) == len(cases)
    expected_messages = []
    for number, ((line, text, reason), got) in enumerate(zip(cases, out_lines, strict=True), 1):
        if reason is not None:
            assert got == line
            expected_messages.append(f"line {number}: {reason}")
            continue
        tokens = len(reference.encode_ordinary(text))
        # Byte for byte the input, with the key added before the closing brace.
        key = added(tokens, encoding_name)
        assert got.replace(key, b"", 1) == line
        parsed = json.loads(got, parse_int=Decimal)  # an int of any length
        assert parsed["llm_cost"] == {"tokens": tokens, "encoding": encoding_name}
    assert [m.split(": ", 1)[0] for m in messages] == [
        m.split(": ", 1)[0] for m in expected_messages
    ]
    for message, expected in zip(messages, expected_messages, strict=True):
        assert message.startswith(expected)
    assert (stats.lines, stats.failed) == (len(cases), len(BAD))
    assert stats.bytes == len(data)


def test_the_key_goes_last_in_the_top_level_object(encoding_name):
    out, messages, _ = pipe(b'{"q": {"text": "x"}}\n', PipeSettings(encoding_name, "q.text"))
    tokens = lc.get_encoding(encoding_name).count("x")
    assert out == b'{"q": {"text": "x"}' + added(tokens, encoding_name) + b"}\n"
    assert messages == []


def test_a_byte_order_mark_is_allowed_on_the_first_line_and_kept(encoding_name):
    line = b'\xef\xbb\xbf{"text": "bom"}\r\n'
    out, messages, _ = pipe(line, PipeSettings(encoding_name))
    tokens = lc.get_encoding(encoding_name).count("bom")
    assert out == b'\xef\xbb\xbf{"text": "bom"' + added(tokens, encoding_name) + b"}\r\n"
    assert messages == []


def test_a_dotted_field_and_a_messages_list(encoding_name):
    enc = lc.get_encoding(encoding_name)
    from llm_cost_core.models.chat import count_messages

    chat = [{"role": "user", "content": "hi there"}]
    lines = [
        json.dumps({"request": {"prompt": "deep text"}}).encode() + b"\n",
        json.dumps({"request": {"prompt": chat}}).encode() + b"\n",
        json.dumps({"request": "flat"}).encode() + b"\n",
        json.dumps({"request": {}}).encode() + b"\n",
    ]
    out, messages, stats = pipe(b"".join(lines), PipeSettings(encoding_name, "request.prompt"))
    got = [json.loads(line).get("llm_cost", {}).get("tokens") for line in split_lines(out)]
    assert got == [enc.count("deep text"), count_messages(enc, chat), None, None]
    assert messages == ["line 3: no field 'request.prompt'", "line 4: no field 'request.prompt'"]
    assert stats.tokens == got[0] + got[1]


def test_several_inputs_never_merge_lines_and_number_each_input(encoding_name):
    out, messages, stats = pipe(
        [b'{"text": "a"}', b"bad\n", b'{"text": "c"}'], PipeSettings(encoding_name)
    )
    lines = split_lines(out)
    assert len(lines) == 3 and lines[1] == b"bad\n" and not lines[2].endswith(b"\n")
    assert messages == ["in1: line 1: not JSON: Expecting value at column 1"]
    assert stats.lines == 3


def test_a_price_adds_an_exact_cost(encoding_name):
    enc = lc.get_encoding(encoding_name)
    text = "hello world " * 7
    line = json.dumps({"text": text}).encode() + b"\n"
    out, _, stats = pipe(line * 3, PipeSettings(encoding_name, usd_per_million=Decimal("0.075")))
    tokens = enc.count(text)
    cost = (Decimal(tokens) * Decimal("0.075") / 1_000_000).normalize()
    assert split_lines(out) == [line[:-2] + added(tokens, encoding_name, f"{cost:f}") + b"}\n"] * 3
    assert stats.tokens == 3 * tokens


def _hello_lines(n: int) -> bytes:
    return b"".join(json.dumps({"i": i, "text": "hello world"}).encode() + b"\n" for i in range(n))


def test_max_tokens_stops_after_the_crossing_line_and_exits_3():
    needs("o200k")
    per_line = lc.get_encoding("o200k").count("hello world")
    limit = per_line * 2 + 1  # line 3 crosses it
    done = run("pipe", "-e", "o200k", "--max-tokens", str(limit), stdin=_hello_lines(10))
    assert done.returncode == 3
    assert len(split_lines(done.stdout)) == 3
    assert done.stderr.decode() == (
        f"llm-cost: error: token quota exceeded at line 3: {per_line * 3} tokens > --max-tokens "
        f"{limit}; the output stops after that line\n"
    )
    exact = run("pipe", "-e", "o200k", "--max-tokens", str(per_line * 10), stdin=_hello_lines(10))
    assert exact.returncode == 0 and len(split_lines(exact.stdout)) == 10


def test_max_cost_stops_after_the_crossing_line_and_exits_3():
    needs("o200k")
    per_line = Decimal(lc.get_encoding("o200k").count("hello world")) * Decimal("2.50") / 10**6
    limit = per_line * 2  # reached, not crossed, by line 2
    done = run(
        "pipe", "-m", "gpt-4o", "--max-cost", f"{limit:f}", "--summary", stdin=_hello_lines(10)
    )
    assert done.returncode == 3
    assert len(split_lines(done.stdout)) == 3
    summary, error = done.stderr.decode().splitlines()
    assert error.startswith("llm-cost: error: cost quota exceeded at line 3: ")
    stats = json.loads(summary, parse_float=Decimal)
    assert stats["stopped_by_quota"] is True
    assert stats["cost_usd"] == per_line * 3
    assert (stats["lines"], stats["failed"]) == (3, 0)


def test_fail_fast_flushes_what_came_before_and_exits_1():
    needs("o200k")
    data = _hello_lines(2) + b"oops\n" + _hello_lines(2)
    for workers in ("1", "2"):
        done = run("pipe", "--fail-fast", "--workers", workers, "--chunk-bytes", "10", stdin=data)
        assert done.returncode == 1
        assert split_lines(done.stdout) == [
            line.replace(b"}\n", added(2, "o200k") + b"}\n") for line in split_lines(data)[:2]
        ]
        assert done.stderr.decode() == (
            "llm-cost: error: line 3: not JSON: Expecting value at column 1 "
            "(stopped by --fail-fast)\n"
        )


def _mixed_jsonl(lines: int, seed: int = 1) -> bytes:
    """Distinct records of varied text, with a bad line of each kind now and then."""
    rng = random.Random(seed)
    words = ["tokens", "ünïcödé", "😀", "東京", "\u2028", "<|endoftext|>", "a", "12345", "  "]
    out = []
    for i in range(lines):
        if i % 37 == 5:
            out.append(BAD[i % len(BAD)][0])
        else:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
            out.append(
                json.dumps({"id": i, "text": text}, ensure_ascii=i % 2 == 0).encode() + b"\n"
            )
    return b"".join(out)


def test_two_workers_give_the_same_bytes_as_one(tmp_path):
    needs("o200k")
    data = _mixed_jsonl(3000)
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    one = run("pipe", "-m", "gpt-4o-mini", "--chunk-bytes", "3000", str(path))
    two = run("pipe", "-m", "gpt-4o-mini", "--chunk-bytes", "3000", "--workers", "2", str(path))
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert len(split_lines(one.stdout)) == 3000
    shown = re.findall(rb"^line [0-9]+: ", one.stderr, re.M)
    summed = re.findall(rb"^\.\.\. and ([0-9,]+) more like it: ", one.stderr, re.M)
    assert len(shown) + sum(int(n.replace(b",", b"")) for n in summed) == len(range(5, 3000, 37))


def test_workers_stream_an_endless_input_in_bounded_memory(encoding_name):
    """A quota stops an endless input: the pipe never reads more than a few line batches ahead."""
    pulled = 0

    class Endless(io.RawIOBase):
        def __iter__(self):
            nonlocal pulled
            for i in itertools.count():
                pulled += 1
                yield json.dumps({"i": i, "text": "hello world"}).encode() + b"\n"

    out = io.BytesIO()
    batch_bytes = 2000
    stats = run_pipe(
        [Source("endless", Endless)],
        out,
        PipeSettings(encoding_name),
        workers=2,
        max_tokens=5000,
        batch_bytes=batch_bytes,
    )
    assert stats.stopped_by_quota
    assert len(split_lines(out.getvalue())) == stats.lines
    lines_per_batch = batch_bytes // 30 + 1
    assert pulled <= stats.lines + 5 * lines_per_batch  # 2 workers x 2 batches in flight, + 1


def test_summary_is_one_json_line_on_stderr():
    needs("o200k")
    data = _hello_lines(4) + b"[]\n"
    done = run("pipe", "--summary", "-m", "gpt-4o", stdin=data)
    assert done.returncode == 0
    bad, summary = done.stderr.decode().splitlines()
    assert bad == "line 5: not a JSON object (an array)"
    stats = json.loads(summary)
    assert set(stats) == {
        "lines", "failed", "tokens", "cost_usd", "bytes", "seconds", "mb_per_s", "workers",
        "stopped_by_quota",
    }  # fmt: skip
    assert (stats["lines"], stats["failed"], stats["tokens"], stats["bytes"]) == (
        5,
        1,
        8,
        len(data),
    )
    assert stats["cost_usd"] == 0.00002 and stats["stopped_by_quota"] is False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_closed_stdout_is_not_a_traceback(workers, tmp_path):
    needs("o200k")
    path = tmp_path / "in.jsonl"
    path.write_bytes(_hello_lines(50_000))
    with open(path, "rb") as stdin:
        proc = subprocess.Popen(
            [LLM_COST, "pipe", "--workers", workers, "--chunk-bytes", "5000"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=CLEAN_ENV,
        )
        proc.stdout.read(100)
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=120) == 1
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-e", "o200k", "--max-cost", "1"], 2, "--max-cost needs -m MODEL with a known price"),
        (["-m", "gpt-4.5", "--max-cost", "1"], 2, "--max-cost needs -m MODEL with a known price"),
        (["--max-cost", "lots"], 2, "'lots' is not an amount in USD"),
        (["--max-cost", "-1"], 2, "'-1' is not an amount in USD"),
        (["--max-cost", "-0"], 2, "'-0' is not an amount in USD"),
        (["--max-cost", "1_000"], 2, "'1_000' is not an amount in USD"),
        (["--max-cost", "\u0661"], 2, "'\u0661' is not an amount in USD"),
        # Its plain form has a billion digits: printing it in the quota message never ended.
        (["-m", "gpt-4o", "--max-cost", "1e-999999999"], 2, "is not an amount in USD"),
        (["--field", "a..b"], 2, "--field 'a..b' is not a dotted path"),
        (["--workers", "-1"], 2, "-1 is not in the range x>=0"),
        (["no-such-file.jsonl"], 1, "no-such-file.jsonl: No such file or directory"),
    ],
)
def test_usage_and_input_errors_are_one_line(args, code, message):
    needs("o200k")
    done = run("pipe", *args, stdin=b'{"text": "x"}\n')
    assert done.returncode == code
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("llm-cost: error: ")
    assert message in lines[0]
    assert done.stdout == b""


# -- inputs opened once: named pipes, files gone or unreadable (issue 13) ---------------------

POSIX = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _write_fifo(path: Path, data: bytes, errors: list[BaseException]) -> threading.Thread:
    """A writer of `data` into the named pipe `path`, in a thread (its open waits for a
    reader)."""

    def write() -> None:
        try:
            with open(path, "wb") as fifo:
                fifo.write(data)
        except BaseException as exc:  # a writer whose reader went away: the data is lost
            errors.append(exc)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _unblock(path: Path) -> None:
    """Let a writer still waiting to open `path` go (it found no reader)."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))


@POSIX
@pytest.mark.parametrize("command", ["pipe", "count"])
def test_a_named_pipe_is_read_once_whether_its_writer_comes_early_or_late(command, tmp_path):
    """`pipe` opened each input once to check it and again to read it: the first open took
    the writer, so a late writer hung the run and an early one lost its data."""
    needs("o200k")
    runs = 20 if command == "pipe" else 4
    data = _hello_lines(300)
    for run in range(runs):
        fifo = tmp_path / f"fifo{run}"
        os.mkfifo(fifo)
        errors: list[BaseException] = []
        early = run % 2 == 0
        if early:
            writer = _write_fifo(fifo, data, errors)
        proc = subprocess.Popen(
            [LLM_COST, command, str(fifo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=CLEAN_ENV,
        )
        if not early:
            time.sleep(0.5)  # the command is waiting for a writer by now, mostly
            writer = _write_fifo(fifo, data, errors)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"{command} on a named pipe with a {'late' * (not early)} writer hung")
        finally:
            _unblock(fifo)
            writer.join(10)
        where = f"run {run} ({'early' if early else 'late'} writer)"
        assert (proc.returncode, err, errors) == (0, b"", []), where
        if command == "pipe":
            assert split_lines(out) == [
                line.replace(b"}\n", added(2, "o200k") + b"}\n") for line in split_lines(data)
            ], where
        else:
            assert int(out) == lc.get_encoding("o200k").count(data.decode()), where


@POSIX
def test_a_file_deleted_before_it_is_reached_is_named(tmp_path):
    needs("o200k")
    fifo, later = tmp_path / "fifo", tmp_path / "later.jsonl"
    os.mkfifo(fifo)
    later.write_bytes(_hello_lines(1))
    proc = subprocess.Popen(
        [LLM_COST, "pipe", str(fifo), str(later)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=CLEAN_ENV,
    )
    deadline = time.monotonic() + 60
    while True:  # opening for writing succeeds once the run has checked both and opened this
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    later.unlink()
    with open(fd, "wb") as writer:
        writer.write(_hello_lines(2))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert len(split_lines(out)) == 2
    assert err.decode() == f"llm-cost: error: {later}: No such file or directory\n"


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="Linux /proc")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_input_that_cannot_be_read_is_named_not_the_output(workers):
    needs("o200k")
    done = run("pipe", "--workers", workers, "/proc/self/mem")
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "llm-cost: error: cannot read /proc/self/mem: Input/output error\n"
    )


def _fine_tuning_jsonl(n: int) -> tuple[bytes, list[list[dict]]]:
    """A fine-tuning file as OpenAI documents it: one {"messages": [...]} object per line."""
    rng = random.Random(17)
    chats = []
    for i in range(n):
        chat = [{"role": "system", "content": "You are terse."}]
        chat.append({"role": "user", "content": f"question {i}: " + "ok " * rng.randrange(9)})
        if i % 3:
            chat.append({"role": "assistant", "name": "bot", "content": "caf\u00e9 \U0001f600"})
        if i % 5 == 0:
            chat.append({"role": "user", "content": [{"type": "text", "text": "part"}]})
        chats.append(chat)
    data = b"".join(json.dumps({"messages": chat}).encode() + b"\n" for chat in chats)
    return data, chats


def test_the_readme_pipe_example_counts_every_chat_line(tmp_path):
    """The README's own `pipe` line, run as written on a chat (fine-tuning) JSONL file."""
    needs("o200k")
    from llm_cost_core.models.chat import count_messages

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    line = next(row for row in readme.splitlines() if row.startswith("$ llm-cost pipe "))
    args = line.removeprefix("$ llm-cost ").split("<")[0].split()
    data, chats = _fine_tuning_jsonl(400)
    done = run(*args, stdin=data)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    out = [json.loads(row) for row in split_lines(done.stdout)]
    enc = lc.get_encoding("o200k")
    assert [row["llm_cost"]["tokens"] for row in out] == [count_messages(enc, c) for c in chats]
    assert [row["messages"] for row in out] == chats


def test_text_wins_over_messages_and_field_still_chooses():
    needs("o200k")
    enc = lc.get_encoding("o200k")
    line = b'{"messages": [{"role": "user", "content": "a b c"}], "text": "hello world"}\n'
    out, messages, _ = pipe(line, PipeSettings("o200k"))
    assert json.loads(out)["llm_cost"]["tokens"] == enc.count("hello world")
    out, messages, _ = pipe(line, PipeSettings("o200k", "messages"))
    assert json.loads(out)["llm_cost"]["tokens"] == 3 + 3 + enc.count("user") + enc.count("a b c")
    _, messages, _ = pipe(b'{"prompt": "x"}\n', PipeSettings("o200k", "text"))
    assert messages == ["line 1: no field 'text'"]


def test_repeated_reasons_are_summed_up_and_no_counted_line_fails():
    needs("o200k")
    data = b'{"prompt": "x"}\n' * 1000 + b"[1]\n"
    done = run("pipe", stdin=data)
    assert done.returncode == 1
    assert done.stdout == data
    assert done.stderr.decode().splitlines() == [
        "line 1: no field 'text' or 'messages'",
        "line 2: no field 'text' or 'messages'",
        "line 3: no field 'text' or 'messages'",
        "line 1001: not a JSON object (an array)",
        "... and 997 more like it: no field 'text' or 'messages'",
        "llm-cost: error: none of the 1,001 lines could be counted; a line needs a 'text' or "
        "'messages' field, or name one with --field PATH",
    ]
    # One countable line is enough for exit 0; an empty input is not an error either.
    assert run("pipe", stdin=data + b'{"text": "x"}\n').returncode == 0
    assert run("pipe", stdin=b"").returncode == 0
