"""`llm-cost new-plugin`: the scaffold is complete, its template data is honest, and its own test
suite passes as generated."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re

import pytest
from fakedist import installed_scaffold, run_pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.cli.commands.new_plugin import PATTERN, SPECIAL_TOKEN, TEMPLATE, scaffold
from llm_cost_core.engine.vocab import parse_tiktoken

EXPECTED_FILES = {
    "README.md",
    "pyproject.toml",
    "llm_cost_demo_tok/__init__.py",
    "llm_cost_demo_tok/parity_corpus.jsonl",
    "llm_cost_demo_tok/vocab.tiktoken",
    "tests/conftest.py",
    "tests/test_plugin.py",
}


def test_scaffold_writes_a_complete_distribution(tmp_path):
    root = tmp_path / "out"
    written = scaffold("demo-tok", root)
    assert {str(path.relative_to(root)) for path in written} == EXPECTED_FILES
    for path in written:
        text = path.read_bytes().decode("utf-8")
        assert "{{" not in text, f"{path}: a placeholder is left"
        if path.suffix == ".py":
            compile(text, str(path), "exec")
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "llm-cost-demo-tok"
    assert project["project"]["entry-points"]["llm_cost"] == {"demo_tok": "llm_cost_demo_tok"}
    major, minor = lc.__version__.split(".")[:2]
    assert project["project"]["dependencies"] == [
        f"llm-cost-core>={major}.{minor},<{major}.{int(minor) + 1}"
    ]
    source = (root / "llm_cost_demo_tok" / "__init__.py").read_text()
    vocab = (root / "llm_cost_demo_tok" / "vocab.tiktoken").read_bytes()
    assert f'VOCAB_SHA256 = "{hashlib.sha256(vocab).hexdigest()}"' in source
    assert 'name="demo-tok"' in source


def test_template_corpus_is_tiktokens_engine_on_the_template_vocab():
    """The ids shipped to every new plugin come from tiktoken, not from llm-cost."""
    tiktoken = pytest.importorskip("tiktoken")
    package = TEMPLATE / "PACKAGE"
    ranks = parse_tiktoken(package.joinpath("vocab.tiktoken").read_bytes())
    assert sorted(ranks.values()) == list(range(len(ranks)))
    engine = tiktoken.Encoding(
        name="template",
        pat_str=PATTERN,
        mergeable_ranks=ranks,
        special_tokens={SPECIAL_TOKEN: len(ranks)},
    )
    text = package.joinpath("parity_corpus.jsonl.tmpl").read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if line]  # texts hold U+2028: not splitlines
    assert len(lines) >= 40
    for line in lines:
        case = json.loads(line)
        assert case["encoding"] == "{{name}}"
        assert case["ids"] == engine.encode_ordinary(case["text"]), case["text"]
    source = package.joinpath("__init__.py.tmpl").read_text(encoding="utf-8")
    assert 'PATTERN = r"""{{pattern}}"""' in source


def test_the_scaffolded_test_suite_passes(tmp_path):
    root, env = installed_scaffold(tmp_path)
    done = run_pytest(root, env)
    assert done.returncode == 0, done.stdout + done.stderr
    for check in ("spec", "corpus", "special-tokens", "round-trip", "scanner-promises", "engine"):
        assert f"llm-cost-parity::{check}[demo-tok] PASSED" in done.stdout
    assert re.search(r"\b10 passed\b", done.stdout), done.stdout


def test_the_scaffolded_suite_fails_a_broken_scanner_promise(tmp_path):
    """The shipped promise checks run in the scaffold's own suite and decide: a pattern that
    breaks splits_before_space (a space joins the word before it) fails there."""
    root, env = installed_scaffold(tmp_path)
    init = root / "llm_cost_demo_tok" / "__init__.py"
    source = init.read_text(encoding="utf-8")
    scanner = "lc.regex_scanner(PATTERN, splits_before_space"
    assert scanner in source
    init.write_text(
        source.replace(scanner, r'lc.regex_scanner(r"\S+ ?|\s", splits_before_space'),
        encoding="utf-8",
    )
    # The checks test the scanner core counts with; llm-cost-native, when installed, knows the
    # scaffold's (unchanged) PATTERN and would scan in place of the broken scanner.
    done = run_pytest(root, {**env, "LLM_COST_NATIVE": "0"}, "-k", "scanner-promises")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "llm-cost-parity::scanner-promises[demo-tok] FAILED" in done.stdout
    assert "demo-tok's scanner promises splits_before_space, but " in done.stdout


def test_command_prints_next_steps(tmp_path, capsys):
    assert main(["new-plugin", "acme-v2", "--directory", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"created {tmp_path / 'llm-cost-acme-v2'}/: 7 files")
    assert "pip install -e '.[test]'" in out
    assert (tmp_path / "llm-cost-acme-v2" / "llm_cost_acme_v2" / "__init__.py").is_file()


@pytest.mark.parametrize("name", ["Acme", "acme_v2", "2tok", "acme-", "a--b", "a b", ""])
def test_bad_names_are_a_usage_error(tmp_path, capsys, name):
    assert main(["new-plugin", name, "-d", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"llm-cost: error: {name!r} is not a plugin name")
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_not_overwritten(tmp_path, capsys):
    (tmp_path / "llm-cost-acme").mkdir()
    assert main(["new-plugin", "acme", "-d", str(tmp_path)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert list((tmp_path / "llm-cost-acme").iterdir()) == []


def test_an_installed_encoding_name_is_refused(tmp_path, capsys):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    name = lc.list_encodings()[0]
    assert main(["new-plugin", name, "-d", str(tmp_path)]) == 2
    assert f"already provides encoding {name!r}" in capsys.readouterr().err


def test_a_full_disk_leaves_no_partial_folder(tmp_path, capsys, monkeypatch):
    """Issue 13: a failure half-way through used to leave the half-written plugin behind."""
    from pathlib import Path

    calls = []

    def until_full(write):
        def write_until_full(self, *args, **kwargs):
            calls.append(self)
            if len(calls) > 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return write(self, *args, **kwargs)

        return write_until_full

    monkeypatch.setattr(Path, "write_bytes", until_full(Path.write_bytes))
    monkeypatch.setattr(Path, "write_text", until_full(Path.write_text))
    assert main(["new-plugin", "acme", "-d", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"llm-cost: error: cannot create {tmp_path / 'llm-cost-acme'}: No space left on device\n"
    )
    assert len(calls) == 4  # some files were written before the disk was full
    assert list(tmp_path.iterdir()) == []


def test_a_name_too_long_for_the_file_system_names_the_folder(tmp_path, capsys):
    """Issue 13: this was `cannot write the output: File name too long`."""
    name = "a" * 300
    assert main(["new-plugin", name, "-d", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"llm-cost: error: cannot create {tmp_path / ('llm-cost-' + name)}: File name too long\n"
    )
    assert list(tmp_path.iterdir()) == []
