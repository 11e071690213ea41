"""Failure modes found in review: each one a clear line and the right exit, never a hang."""

from __future__ import annotations

import codecs
import os
import subprocess
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_cli import LLM_COST, one_error_line
from test_plugins import make_plugin, toy  # noqa: F401  (fixture)

import llm_cost_core as lc
from llm_cost_core.inputs import decode_utf8
from llm_cost_core.plugins import PluginWarning, Registry


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
    assert {e.spec.name for e in registry.registered()} == {"first", "second"}


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
