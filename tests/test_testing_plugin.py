"""`llm_cost_core.testing`, the pytest plugin a plugin's own suite turns on with one line: each
check fails, readably, for the fault it is there to catch.

Each test scaffolds a plugin (`llm-cost new-plugin`), breaks one thing and runs its suite in a
fresh pytest process.
"""

from __future__ import annotations

import re

import pytest
from fakedist import installed_scaffold, run_pytest

from llm_cost_core.testing import promises_made

NAME = "demo-tok"
PACKAGE = "llm_cost_demo_tok"


@pytest.fixture
def plugin(tmp_path):
    return installed_scaffold(tmp_path, NAME)


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def outcome(stdout: str, check: str) -> str:
    found = re.search(rf"^llm-cost-parity::{check}\[{NAME}\] (\w+)", stdout, re.M)
    assert found, stdout
    return found.group(1)


def test_wrong_ids_in_the_corpus_fail_the_corpus_check(plugin):
    root, env = plugin
    corpus = root / PACKAGE / "parity_corpus.jsonl"
    lines = corpus.read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0].replace('"ids": [', '"ids": [7, ', 1)
    corpus.write_text("\n".join(lines), encoding="utf-8")
    done = run_pytest(root, env)
    assert done.returncode == 1
    assert outcome(done.stdout, "corpus") == "FAILED"
    assert "corpus mismatch, words (parity_corpus.jsonl:1)" in done.stdout
    assert "text      'hello world'" in done.stdout
    assert outcome(done.stdout, "engine") == "PASSED"  # the encoding itself is still right


def test_a_scanner_hook_that_differs_fails_the_engine_check(plugin):
    root, env = plugin
    # The scaffold uses the GPT-2 pattern, which llm-cost-native (when installed) scans itself,
    # whole texts in C, whatever scanner the plugin gives: this is about the plugin's scanner.
    env = {**env, "LLM_COST_NATIVE": "0"}
    with open(root / PACKAGE / "__init__.py", "a", encoding="utf-8") as source:
        source.write(
            "\n\n@lc.hookimpl\ndef make_scanner(spec):\n"
            "    import re\n"
            "    return re.compile(r'\\S+|\\s+').findall if spec == SPEC else None\n"
        )
    done = run_pytest(root, env)
    assert done.returncode == 1
    assert outcome(done.stdout, "engine") == "FAILED"
    assert "tiktoken's engine on this plugin's pattern and vocab" in done.stdout
    assert re.search(r"generated +\d+ examples, 1 mismatch", done.stdout), done.stdout
    assert outcome(done.stdout, "corpus") == "FAILED"


def test_no_corpus_and_no_reference_means_nothing_checks_the_ids(plugin):
    root, env = plugin
    edit(
        root / PACKAGE / "__init__.py",
        'corpus=files(__name__) / "parity_corpus.jsonl"',
        "corpus=None",
    )
    done = run_pytest(root, env)
    assert outcome(done.stdout, "corpus") == "FAILED"
    assert "no corpus case names this encoding and it has no live reference" in done.stdout


def test_a_special_token_id_inside_the_vocab_fails_the_spec_check(plugin):
    root, env = plugin
    edit(root / PACKAGE / "__init__.py", '"<|endoftext|>": 512', '"<|endoftext|>": 300')
    done = run_pytest(root, env)
    assert outcome(done.stdout, "spec") == "FAILED"
    assert "special token ids are also ranks: [300]" in done.stdout
    assert "n_vocab is 513, the largest id + 1 is 512" in done.stdout


def test_the_encodings_come_from_the_rootdir_project_or_the_option(plugin):
    root, env = plugin
    edit(root / "pyproject.toml", 'name = "llm-cost-demo-tok"', 'name = "llm-cost-other"')
    done = run_pytest(root, env)
    assert done.returncode == 4  # a usage error, before any test runs
    assert "no installed encoding comes from llm-cost-other" in done.stderr
    done = run_pytest(root, env, f"--llm-cost-encodings={NAME}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert outcome(done.stdout, "engine") == "PASSED"
    done = run_pytest(root, env, "--llm-cost-encodings=nope")
    assert done.returncode == 4
    assert "unknown encoding 'nope'" in done.stderr


def test_one_test_by_node_id_runs_without_the_parity_checks(plugin):
    root, env = plugin
    done = run_pytest(root, env, "tests/test_plugin.py::test_counts_and_decodes")
    assert done.returncode == 0, done.stdout
    assert "llm-cost-parity" not in done.stdout
    done = run_pytest(root, env, "-k", "corpus")
    assert done.returncode == 0, done.stdout
    assert re.search(r"\b1 passed, 9 deselected\b", done.stdout), done.stdout


def test_live_checks_skip_without_tiktoken_unless_required(plugin, tmp_path):
    root, env = plugin
    blocked = tmp_path / "no-tiktoken"
    blocked.mkdir()
    (blocked / "tiktoken.py").write_text("raise ImportError('tiktoken is not here')\n")
    env = {"PYTHONPATH": f"{blocked}:{env['PYTHONPATH']}"}
    done = run_pytest(root, {**env, "LLM_COST_REQUIRE_TIKTOKEN": ""})
    assert done.returncode == 0, done.stdout
    assert outcome(done.stdout, "engine") == "SKIPPED"
    done = run_pytest(root, {**env, "LLM_COST_REQUIRE_TIKTOKEN": "1"})
    assert done.returncode == 1
    assert outcome(done.stdout, "engine") == "FAILED"
    assert "tiktoken is not installed" in done.stdout


def test_every_installed_encoding_passes_when_named(tmp_path):
    """Core's own encodings (and any other installed) pass the checks a plugin's suite gets."""
    import llm_cost_core as lc

    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "conftest.py").write_text('pytest_plugins = ["llm_cost_core.testing"]\n')
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    names = ",".join(lc.list_encodings())
    done = run_pytest(tmp_path, {}, f"--llm-cost-encodings={names}", "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in lc.list_encodings():
        assert f"llm-cost-parity::round-trip[{name}] PASSED" in done.stdout
        promised = "PASSED" if promises_made(lc.get_encoding(name)) else "SKIPPED"
        assert f"llm-cost-parity::scanner-promises[{name}] {promised}" in done.stdout
