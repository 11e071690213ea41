"""What helps a person at the command line: --help, shell completion, "did you mean", the errors
about plugins that are not loaded, and progress on a terminal."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import run_on_a_terminal

import llm_cost_core as lc
from llm_cost_core._text import did_you_mean
from llm_cost_core.cli.app import cli, main
from llm_cost_core.cli.progress import Progress, wanted
from llm_cost_core.engine import flatvocab
from llm_cost_core.errors import UnknownEncodingError, UnknownModelError
from llm_cost_core.host.registry import Registry, reset_registry

_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"


def test_help_shows_counts_options_and_whole_summaries(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    count = cli.commands["count"]
    for param in count.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("-"):
                assert opt in out, opt
    commands = out.split("\nCommands:\n", 1)[1]
    assert "..." not in commands
    for name, command in cli.commands.items():
        first = command.get_short_help_str(limit=10**6)
        assert " ".join(first.split()) in " ".join(commands.split()), name


def test_completion_script_for_each_shell():
    for shell, marker in [("bash", b"complete -o"), ("zsh", b"compdef"), ("fish", b"complete")]:
        done = subprocess.run(
            [LLM_COST],
            env={**os.environ, "_LLM_COST_COMPLETE": f"{shell}_source"},
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0
        assert marker in done.stdout and b"_LLM_COST_COMPLETE" in done.stdout


def complete(words: str, monkeypatch, capsys) -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    monkeypatch.setenv("_LLM_COST_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(cword))
    assert main([]) == 0
    return capsys.readouterr().out.splitlines()


def test_completion_loads_no_vocab(monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("completion loaded a vocab")

    monkeypatch.setattr(flatvocab, "load_ranks", refuse)
    names = [n for entry in lc.host.registry.registry().encodings() for n in entry.spec.names]
    assert complete("llm-cost -e ", monkeypatch, capsys) == [f"plain,{n}" for n in names]
    models = sorted({*lc.host.registry.registry().models(), *lc.host.registry.registry().prices()})
    assert complete("llm-cost report -m ", monkeypatch, capsys) == [f"plain,{m}" for m in models]


def test_completion_of_commands_options_and_files(monkeypatch, capsys):
    assert complete("llm-cost es", monkeypatch, capsys) == ["file,es", "plain,estimate"]
    assert complete("llm-cost --to", monkeypatch, capsys) == ["plain,--tokens"]
    assert "plain,--field" in complete("llm-cost pipe --", monkeypatch, capsys)
    assert complete("llm-cost a.txt ", monkeypatch, capsys) == ["file,"]


def test_did_you_mean():
    assert did_you_mean("gpt4o", ["gpt-4o", "gpt-4", "o1"]) == "did you mean 'gpt-4o'?"
    assert did_you_mean("gpt-9", ["gpt-4", "gpt-5"]) is None
    assert did_you_mean("xyz", []) is None


def test_python_api_suggests_close_names():
    names = lc.list_encodings()
    if "o200k" not in names:
        pytest.skip("needs o200k")
    with pytest.raises(UnknownEncodingError, match="did you mean 'o200k'") as info:
        lc.get_encoding("o200")
    assert "pip install" not in str(info.value)
    with pytest.raises(UnknownModelError, match="did you mean 'gpt-4o'"):
        lc.encoding_for_model("gpt4o")


@pytest.mark.parametrize("word", ["modles", "Estimat", "plugin"])
def test_a_misspelt_command_is_a_usage_error(word, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = subprocess.run([LLM_COST, word], capture_output=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert b"is neither a command nor a file; did you mean" in done.stderr


def test_a_file_named_like_a_misspelt_command_is_counted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "modles").write_text("hello world")
    done = subprocess.run([LLM_COST, "modles"], capture_output=True)
    assert (done.returncode, done.stderr) == (0, b"")


def test_core_alone_names_the_package_once(capsys):
    reset_registry(Registry(iter(())))
    try:
        assert main(["--text", "hi"]) == 2
        err = capsys.readouterr().err
        assert err.count("llm-cost-o200k") == 1, err
        assert main(["-e", "cl100k", "--text", "hi"]) == 2
        assert "pip install llm-cost-cl100k (or llm-cost-o200k)" in capsys.readouterr().err
    finally:
        reset_registry()


def test_plugins_left_out_are_named_with_the_variable(monkeypatch):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    monkeypatch.setenv("LLM_COST_LOAD_PLUGINS", "")
    reg = Registry()
    assert reg.encodings() == []
    with pytest.raises(UnknownEncodingError) as info:
        reg.get_encoding("o200k")
    message = str(info.value)
    assert "installed but not loaded" in message and "LLM_COST_LOAD_PLUGINS" in message
    assert "pip install" not in message
    assert "LLM_COST_LOAD_PLUGINS" in reg.no_encoding_message()


# -- progress --------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_line_with_and_without_a_total():
    clock, out = Clock(), io.StringIO()
    with Progress("big.txt", 48_000_000, True, stream=out, clock=clock) as bar:
        clock.now += 1.5
        bar.update(12_000_000)
        assert out.getvalue() == "\rbig.txt: 12.0 MB of 48.0 MB (25%), 8.0 MB/s, 0:04 left\x1b[K"
    assert out.getvalue().endswith("\r\x1b[K")  # erased at the end
    clock, out = Clock(), io.StringIO()
    with Progress("<stdin>", None, True, stream=out, clock=clock) as bar:
        bar.update(1000)  # below the threshold, with no total to say it will pass it
        assert out.getvalue() == ""
        clock.now += 2
        bar.update(5_000_000)
        assert out.getvalue() == "\r<stdin>: 5.0 MB, 2.5 MB/s\x1b[K"


def test_no_progress_when_disabled_or_small():
    out = io.StringIO()
    with Progress("x", 10**9, False, stream=out) as bar:
        bar.update(10**8)
    with Progress("x", 1000, True, stream=out) as bar:
        bar.update(1000)
    assert out.getvalue() == ""


def test_progress_is_wanted_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not wanted(False)


def test_progress_on_a_terminal_and_never_on_stdout(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"lorem ipsum dolor sit amet " * 200_000)  # 5.4 MB
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    shown = run_on_a_terminal([LLM_COST, str(path)], b"")
    assert shown.returncode == 0
    assert b"MB/s" in shown.stderr and b"(100%)" in shown.stderr
    assert shown.stdout.strip().isdigit()
    quiet = run_on_a_terminal([LLM_COST, "-q", str(path)], b"")
    assert (quiet.stdout, quiet.stderr) == (shown.stdout, b"")
    piped = subprocess.run([LLM_COST, str(path)], capture_output=True)
    assert (piped.stdout, piped.stderr) == (shown.stdout, b"")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_with_the_script_it_is_given():
    """The install guide's line, in a real bash: the function it defines offers the names."""
    if "o200k" not in lc.list_encodings():
        pytest.skip("needs o200k")
    script = (
        'eval "$(_LLM_COST_COMPLETE=bash_source llm-cost)"\n'
        "COMP_WORDS=(llm-cost -e o200); COMP_CWORD=2\n"
        "_llm_cost_completion llm-cost\n"
        'echo "${COMPREPLY[@]}"\n'
    )
    path = f"{Path(LLM_COST).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, env={**os.environ, "PATH": path}
    )
    assert done.returncode == 0, done.stderr
    names = [
        n for e in lc.host.registry.registry().encodings() for n in (e.spec.name, *e.spec.aliases)
    ]
    offered = [name.encode() for name in names if name.startswith("o200")]
    assert done.stdout.split() == sorted(offered)
