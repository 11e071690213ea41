"""Failure modes found in review: each one a clear line and the right exit, never a hang."""

from __future__ import annotations

import codecs
import os
import subprocess
from importlib.metadata import EntryPoint
from pathlib import Path

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_cli import LLM_COST, one_error_line
from test_plugins import make_plugin, toy  # noqa: F401  (fixture)

import llm_cost_core as lc
import llm_cost_core.cli.app
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry
from llm_cost_core.jobs.inputs import decode_utf8


def counted_replace(data: bytes) -> tuple[str, int]:
    replaced = 0

    def handler(exc: UnicodeError) -> tuple[str, int]:
        nonlocal replaced
        assert isinstance(exc, UnicodeDecodeError)
        replaced += exc.end - exc.start
        return "\ufffd", exc.end

    codecs.register_error("test.counted_replace", handler)
    return data.decode("utf-8", "test.counted_replace"), replaced


@given(st.lists(st.sampled_from([b"a", b"\xef\xbf\xbd", b"\xff", b"\xe2\x82", b"\xc3\xa9",
                                 b"\xed\xa0\x80", b"\xf0\x9f\x98\x80", b"\xef", b"\xbf"]))
       .map(b"".join))  # fmt: skip
def test_decode_counts_exactly_what_replace_replaces(data):
    assert decode_utf8(data) == counted_replace(data)


def test_binary_input_is_linear():
    text, replaced = decode_utf8(b"\xff" * 2_000_000)  # was minutes when quadratic
    assert replaced == 2_000_000 and len(text) == 2_000_000


@pytest.mark.parametrize(
    ("redirect", "message"),
    [
        ("> /dev/full", "cannot write the output: No space left on device"),
        (">&-", "standard output is closed"),
        ("<&-", "standard input is closed"),
    ],
)
def test_broken_standard_streams_are_one_line(tmp_path, redirect, message):
    if not lc.list_encodings() or not Path("/dev/full").exists():
        pytest.skip("needs an encoding and /dev/full")
    (tmp_path / "a.txt").write_text("hello")
    arg = "" if redirect == "<&-" else f"'{tmp_path / 'a.txt'}'"
    done = subprocess.run(
        f"'{LLM_COST}' {arg} {redirect}", shell=True, capture_output=True, env=os.environ
    )
    assert done.returncode == 1
    assert message in one_error_line(done.stderr)


def test_a_plugin_calling_sys_exit_is_a_broken_plugin(make_plugin):  # noqa: F811
    exits = make_plugin("toy_exits", "import sys\nsys.exit(0)\n")
    good = toy(make_plugin, "toy_stays", "stays")
    with pytest.warns(PluginWarning, match="toy_exits.*failed to load"):
        registry = Registry([exits, good])
    assert registry.get_encoding("stays").count("a b") == 3


def test_two_distributions_with_one_entry_point_name_both_load(make_plugin):  # noqa: F811
    first = toy(make_plugin, "toy_first", "first")
    second = toy(make_plugin, "toy_second", "second")
    same = [EntryPoint("same", ep.value, "llm_cost") for ep in (first, second)]
    registry = Registry(same)
    assert {e.spec.name for e in registry.encodings()} == {"first", "second"}


def test_new_plugin_refuses_the_name_of_an_installed_distribution(tmp_path):
    done = subprocess.run(
        [LLM_COST, "new-plugin", "core", "-d", str(tmp_path)], capture_output=True, env=os.environ
    )
    assert done.returncode == 2
    assert "llm-cost-core" in one_error_line(done.stderr)
    assert not any(tmp_path.iterdir())


def test_python_warnings_settings_do_not_turn_warnings_into_errors(tmp_path):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    (tmp_path / "bad.txt").write_bytes(b"ok \xff")
    done = subprocess.run(
        [LLM_COST, str(tmp_path / "bad.txt")],
        capture_output=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert done.returncode == 0
    assert b"1 invalid UTF-8 byte replaced" in done.stderr


# -- out of memory, and errors that name what failed (issue 13) ------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/zero") or resource is None, reason="POSIX")
@pytest.mark.skipif(
    "libasan" in os.environ.get("LD_PRELOAD", ""),
    reason="AddressSanitizer reserves terabytes of shadow memory, which a 1 GB RLIMIT_AS refuses",
)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_pipe_out_of_memory_names_the_input_and_the_line(workers):
    """`pipe /dev/zero` under a 1 GB address-space limit: one line, not `internal error`."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [LLM_COST, "pipe", "--workers", workers, "/dev/zero"],
        capture_output=True,
        preexec_fn=limit,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.decode() == (
        "llm-cost: error: out of memory reading /dev/zero: line 1 is too long to hold; split it "
        "into smaller inputs, or use fewer --workers\n"
    )


def test_count_out_of_memory_names_the_input(tmp_path, capsys, monkeypatch):
    path = tmp_path / "no-spaces.txt"
    path.write_bytes(b"x" * (3 << 20))

    def count_stream(self, blocks):
        for _block in blocks:
            pass
        raise MemoryError

    monkeypatch.setattr(lc.Encoding, "count_stream", count_stream)
    assert lc.cli.app.main([str(path)]) == 1
    assert capsys.readouterr().err == (
        f"llm-cost: error: out of memory reading {path} (after 3 MB); split it into smaller "
        "inputs, or use fewer --workers\n"
    )


def test_any_other_out_of_memory_is_one_line_not_an_internal_error(capsys, monkeypatch):
    def count(self, text):
        raise MemoryError

    monkeypatch.setattr(lc.Encoding, "count", count)
    assert lc.cli.app.main(["--text", "hi"]) == 1
    assert capsys.readouterr().err == (
        "llm-cost: error: out of memory; try fewer --workers, or smaller inputs\n"
    )


def test_a_price_file_that_never_ends_is_refused_before_memory_runs_out(capsys):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    code = lc.cli.app.main(["estimate", "-m", "gpt-4o", "--prices", "/dev/zero", "--text", "hi"])
    assert code == 1
    assert capsys.readouterr().err == (
        "llm-cost: error: price file /dev/zero: larger than 64 MB; is it a price table?\n"
    )


def test_an_os_error_about_a_named_file_names_it_not_the_output(capsys, monkeypatch):
    """A loader's missing file (a plugin's vocab, say) was `cannot write the output`."""

    def count(self, text):
        raise FileNotFoundError(2, "No such file or directory", "/plugins/x/vocab.tiktoken")

    monkeypatch.setattr(lc.Encoding, "count", count)
    assert lc.cli.app.main(["--text", "hi"]) == 1
    assert capsys.readouterr().err == (
        "llm-cost: error: /plugins/x/vocab.tiktoken: No such file or directory\n"
    )
