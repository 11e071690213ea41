"""The `llm-cost` command: output, exit codes, and one-line errors, run as users run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.host.registry import Registry, reset_registry

# The console script installed beside this interpreter (the venv under test), else on PATH.
_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"


def run(*args: str, stdin: bytes = b"", env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed console script, in a fresh process."""
    return subprocess.run(
        [LLM_COST, *args], input=stdin, capture_output=True, env={**os.environ, **(env or {})}
    )


def one_error_line(stderr: bytes) -> str:
    lines = stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("llm-cost: error: ")
    assert "Traceback" not in lines[0]
    return lines[0]


def test_counts_stdin_with_each_encoding(encoding_name, reference):
    text = "hello world\r\n  ünïcödé 😀 <|endoftext|>\n"
    done = run("--encoding", encoding_name, stdin=text.encode())
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == f"{len(reference.encode_ordinary(text))}\n"
    assert done.stderr == b""


def test_count_text_with_model(capsys):
    model = next(iter(lc.host.registry.registry().models()), None)
    if model is None:
        pytest.skip("no models installed")
    enc = lc.encoding_for_model(model)
    assert main(["count", "-m", model, "--text", "hello world"]) == 0
    assert capsys.readouterr().out == f"{enc.count('hello world')}\n"


def test_several_files_print_a_table_with_total(encoding_name, tmp_path, capsys):
    enc = lc.get_encoding(encoding_name)
    texts = {"a.txt": "one two three\n", "b.md": "# Title\n\nSome *text*.\n", "c.txt": ""}
    paths = []
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    assert main(["-e", encoding_name, *paths]) == 0
    lines = capsys.readouterr().out.splitlines()
    counts = [enc.count(t) for t in texts.values()]
    assert [line.split()[0] for line in lines] == [str(c) for c in [*counts, sum(counts)]]
    assert lines[-1].endswith(" total")
    assert lines[0].endswith("a.txt")


def test_json_output(encoding_name, tmp_path, capsys):
    enc = lc.get_encoding(encoding_name)
    (tmp_path / "x.txt").write_text("x y z")
    (tmp_path / "y.txt").write_text("hello")
    files = [str(tmp_path / "x.txt"), str(tmp_path / "y.txt")]
    assert main(["count", "-e", encoding_name, "--json", *files]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["encoding"] == encoding_name
    assert out["tokens"] == enc.count("x y z") + enc.count("hello")
    assert [row["input"] for row in out["inputs"]] == files
    assert main(["count", "-e", encoding_name, "--json", "--text", "x y z"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "encoding": encoding_name,
        "tokens": out["inputs"][0]["tokens"],
    }


def test_empty_input_counts_zero(encoding_name):
    done = run("-e", encoding_name)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"0\n", b"")


def test_invalid_utf8_is_replaced_with_a_warning(encoding_name, tmp_path):
    data = b"caf\xc3\xa9 \xff\xfe ok \xe2\x82"
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    done = run("-e", encoding_name, str(path))
    assert done.returncode == 0
    expected = lc.get_encoding(encoding_name).count(data.decode("utf-8", "replace"))
    assert done.stdout.decode() == f"{expected}\n"
    warning = done.stderr.decode().splitlines()
    assert warning == [
        f"llm-cost: warning: {path}: 4 invalid UTF-8 bytes replaced with U+FFFD; "
        "counted as replaced"
    ]


@pytest.mark.parametrize("first_party", ["o200k", "cl100k"])
def test_missing_first_party_plugin_names_its_package(first_party):
    if first_party in lc.list_encodings():
        pytest.skip(f"{first_party} is installed here")
    done = run("-e", first_party, "--text", "hi")
    assert done.returncode == 2
    assert f"pip install llm-cost-{first_party}" in one_error_line(done.stderr)


def test_unknown_encoding_and_model_are_usage_errors():
    done = run("-e", "nosuch", "--text", "hi")
    assert done.returncode == 2
    assert "pip install llm-cost-nosuch" in one_error_line(done.stderr)
    done = run("-m", "no-such-model", "--text", "hi")
    assert done.returncode == 2
    assert "unknown model 'no-such-model'" in one_error_line(done.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-e", "o200k", "-m", "gpt-4o", "--text", "x"], "not both"),
        (["count", "--text", "x", "file.txt"], "FILEs or --text"),
        (["count", "--no-such-flag"], "No such option"),
    ],
)
def test_usage_errors_exit_2_in_one_line(args, message):
    done = run(*args)
    assert done.returncode == 2
    assert message in one_error_line(done.stderr)


def test_missing_file_and_directory_are_runtime_errors(tmp_path):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    done = run(str(tmp_path / "missing.txt"))
    assert done.returncode == 1
    assert "missing.txt: No such file or directory" in one_error_line(done.stderr)
    done = run(str(tmp_path))
    assert done.returncode == 1
    assert "is a directory" in one_error_line(done.stderr)


def test_one_bad_file_among_several_is_reported_and_the_rest_counted(tmp_path):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    (tmp_path / "ok.txt").write_text("fine")
    done = run(str(tmp_path / "ok.txt"), str(tmp_path / "gone.txt"))
    assert done.returncode == 1
    assert "gone.txt" in one_error_line(done.stderr)
    assert done.stdout.decode().splitlines()[0].endswith("ok.txt")


def test_closed_stdout_is_not_a_traceback(tmp_path):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    files = []
    for i in range(3000):
        files.append(tmp_path / f"f{i}.txt")
        files[-1].write_text("x")
    proc = subprocess.Popen(
        [LLM_COST, *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.read(10)
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait() == 1
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr


def test_no_encoding_installed_says_what_to_install(capsys):
    reset_registry(Registry(iter(())))
    try:
        assert main(["--text", "hi"]) == 2
        assert "no encoding plugin is installed; pip install" in capsys.readouterr().err
    finally:
        reset_registry()


def test_encodings_lists_every_installed_one(capsys):
    assert main(["encodings", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == lc.list_encodings()
    for row in rows:
        enc = lc.get_encoding(row["name"])
        assert row["n_vocab"] == enc.n_vocab
        assert row["distribution"].startswith("llm-cost-")
    if rows:
        assert main(["encodings"]) == 0
        table = capsys.readouterr().out.splitlines()
        assert table[0].split() == ["ENCODING", "ALIASES", "PLUGIN", "N_VOCAB"]
        assert len(table) == len(rows) + 1


def test_version_lists_plugins(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"llm-cost {lc.__version__}\n")
    for entry in lc.host.registry.registry().encodings():
        assert entry.plugin.label in out


def test_help_shows_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "count" in out and "encodings" in out


def test_plugin_commands_are_added(tmp_path, monkeypatch, capsys):
    (tmp_path / "toy_cmd.py").write_text(
        "import click, llm_cost_core as lc\n"
        "@lc.hookimpl\n"
        "def register_commands(cli):\n"
        "    @cli.command()\n"
        "    def hello():\n"
        "        click.echo('hello from a plugin')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reset_registry(Registry(iter([EntryPoint("toy_cmd", "toy_cmd", "llm_cost")])))
    try:
        assert main(["hello"]) == 0
        assert capsys.readouterr().out == "hello from a plugin\n"
    finally:
        reset_registry()
        from llm_cost_core.cli.app import cli

        cli.commands.pop("hello", None)
        sys.modules.pop("toy_cmd", None)


def test_encoding_env_var_is_a_default_that_model_overrides(capsys, monkeypatch):
    names = lc.list_encodings()
    models = lc.host.registry.registry().models()
    if not names or not models:
        pytest.skip("no encoding installed")
    monkeypatch.setenv("LLM_COST_ENCODING", names[0])
    assert main(["--text", "hello"]) == 0
    assert capsys.readouterr().out == f"{lc.get_encoding(names[0]).count('hello')}\n"
    model = next(iter(models))
    assert main(["-m", model, "--text", "hello"]) == 0
    assert capsys.readouterr().out == f"{lc.encoding_for_model(model).count('hello')}\n"


def test_text_with_bytes_that_are_not_utf8_is_replaced_with_a_warning():
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    done = subprocess.run(
        [LLM_COST.encode(), b"--text", b"caf\xe9 ok"], capture_output=True, env=os.environ
    )
    assert done.returncode == 0
    from llm_cost_core.models.resolve import default_encoding

    expected = default_encoding().count("caf\ufffd ok")
    assert done.stdout.decode() == f"{expected}\n"
    assert done.stderr.decode().splitlines() == [
        "llm-cost: warning: --text: 1 invalid UTF-8 byte replaced with U+FFFD; counted as replaced"
    ]


def test_debug_flag_zero_means_off(monkeypatch):
    from llm_cost_core.cli import app as cli_module

    monkeypatch.setenv("LLM_COST_DEBUG", "0")
    assert not cli_module._flag("LLM_COST_DEBUG")
    monkeypatch.setenv("LLM_COST_DEBUG", "1")
    assert cli_module._flag("LLM_COST_DEBUG")
