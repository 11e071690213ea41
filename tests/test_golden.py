"""Golden tests: each cost command's stdout, stderr and exit code, pinned byte for byte.

Each case runs the installed `llm-cost` in tests/golden/ (inputs under tests/golden/inputs/) and
compares with tests/golden/<name>.golden. A case runs only where its encodings are installed, so
the one-plugin tox environments run the cases that fit them. After a deliberate change, rewrite
the files with `LLM_COST_UPDATE_GOLDEN=1 pytest tests/test_golden.py` and review the diff.

File format: the command line, `exit N`, then `stdout N bytes` and `stderr N bytes`, each followed
by exactly that many bytes and a newline, so that output without a final newline, CRLF and
invalid UTF-8 are all kept exactly.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from terminal import run_on_a_terminal

import llm_cost_core as lc

GOLDEN = Path(__file__).parent / "golden"
_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"
O200K = frozenset({"o200k", "o200k_harmony"})  # each plugin's encodings
CL100K = frozenset({"cl100k"})
R50K = frozenset({"r50k", "gpt2", "p50k", "p50k_edit"})
BOTH = O200K | CL100K
EVERY = O200K | CL100K | R50K


@attrs.frozen
class Case:
    name: str
    command: str  # the arguments, as a shell would split them
    needs: frozenset[str] = O200K
    exactly: bool = False  # the installed encodings must be exactly `needs`
    stdin: str | None = None  # a file under inputs/
    env: tuple[tuple[str, str], ...] = ()
    tty: bool = False  # stderr is a pseudo-terminal, as when a person watches
    big: int = 0  # run in a temporary folder holding big.txt, a text of this many bytes

    @property
    def args(self) -> list[str]:
        return shlex.split(self.command)


PRICES_ENV = (("LLM_COST_PRICES", "inputs/prices.json"),)


def completing(words: str) -> tuple[tuple[str, str], ...]:
    """The environment click's bash script sets to ask for the completions of `words`: the last
    word is the one being typed (empty after a space)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    return (
        ("_LLM_COST_COMPLETE", "bash_complete"),
        ("COMP_WORDS", words),
        ("COMP_CWORD", str(cword)),
    )


# "Today" for the prices' age check, so that output does not change with the clock: 25 days
# after the built-in table's date, so no case warns unless it sets a later day.
TODAY = (("LLM_COST_TODAY", "2025-09-01"),)
LATER = (("LLM_COST_TODAY", "2026-02-04"),)  # 181 days after 2025-08-07
CASES = [
    # estimate
    Case("estimate-text", "estimate -m gpt-4o --text 'hello world'"),
    Case(
        "estimate-tokens-json",
        "estimate -m gpt-4o-mini --input-tokens 1000000 --cached-tokens 250000 "
        "--output-tokens 1 --json",
    ),
    Case("estimate-stdin", "estimate -m gpt-5-nano --output-tokens 500", stdin="b.md"),
    Case("estimate-files", "estimate -m o1 inputs/a.txt inputs/b.md"),
    Case("estimate-snapshot", "estimate -m gpt-4-0613 --input-tokens 1234", CL100K),
    Case(
        "estimate-no-cached-price",
        "estimate -m gpt-3.5-turbo --input-tokens 10 --cached-tokens 4 --json",
        CL100K,
    ),
    Case(
        "estimate-user-prices",
        "estimate -m gpt-4o --prices inputs/prices.json --input-tokens 1000 --output-tokens 1000",
    ),
    Case(
        "estimate-env-prices",
        "estimate -m in-house-7b --input-tokens 3 --output-tokens 7",
        env=PRICES_ENV,
    ),
    Case("estimate-invalid-utf8", "estimate -m gpt-4o inputs/bad-utf8.txt"),
    Case("estimate-no-price", "estimate -m gpt-4.5 --text x"),
    Case("estimate-cached-over-input", "estimate -m gpt-4o --input-tokens 1 --cached-tokens 2"),
    Case(
        "estimate-embedding-output",
        "estimate -m text-embedding-3-small --input-tokens 10 --output-tokens 5",
        CL100K,
    ),
    Case(
        "estimate-tier-batch",
        "estimate -m gpt-5 --tier batch --input-tokens 1000000 --cached-tokens 200000 "
        "--output-tokens 1000",
    ),
    Case("estimate-tier-priority-json", "estimate -m gpt-4o --tier priority --text hi --json"),
    Case("estimate-tier-missing", "estimate -m gpt-5-chat-latest --tier batch --text x"),
    Case(
        "estimate-snapshot-own-price",
        "estimate -m gpt-4o-2024-05-13 --input-tokens 1000 --output-tokens 1000",
    ),
    Case("estimate-stale-prices", "estimate -m gpt-4o --text 'hello world'", env=LATER),
    Case(
        "estimate-stale-ignored",
        "estimate -m gpt-4o --ignore-price-age --text 'hello world'",
        env=LATER,
    ),
    Case(
        "estimate-stale-max-age",
        "estimate -m gpt-4o --max-price-age 365 --text 'hello world'",
        env=LATER,
    ),
    Case(
        "estimate-stale-env-max-age",
        "estimate -m gpt-4o --text 'hello world'",
        env=(*LATER, ("LLM_COST_MAX_PRICE_AGE", "30")),
    ),
    Case(
        "estimate-litellm-priced-only",
        "estimate -m claude-haiku-4-5 --prices inputs/litellm-prices.json --input-tokens 1000 "
        "--output-tokens 100 --json",
    ),
    Case(
        "estimate-litellm-needs-plugin",
        "estimate -m claude-haiku-4-5 --prices inputs/litellm-prices.json --text hi",
    ),
    Case(
        "estimate-litellm-batch",
        "estimate -m gpt-4o --prices inputs/litellm-prices.json --tier batch --text 'hello world'",
    ),
    Case(
        "estimate-litellm-string-price",
        "estimate -m in-house-7b --prices inputs/litellm-prices.json --input-tokens 10 "
        "--output-tokens 10",
    ),
    Case("estimate-tokens-and-text", "estimate -m gpt-4o --input-tokens 1 --text x"),
    Case("estimate-no-model", "estimate --text x"),
    Case("estimate-unknown-model", "estimate -m gpt-9 --text x", EVERY, exactly=True),
    Case("estimate-bad-prices", "estimate -m gpt-4o --prices inputs/bad-prices.json --text x"),
    Case(
        "estimate-uninstalled-user-encoding",
        "estimate -m their-model --prices inputs/uninstalled-prices.json --text x",
    ),
    Case("estimate-missing-file", "estimate -m gpt-4o inputs/missing.txt"),
    Case("estimate-uninstalled-encoding", "estimate -m gpt-4 --text x", O200K, exactly=True),
    Case("count-uninstalled-encoding", "count -m gpt-4 --text x", O200K, exactly=True),
    # models
    Case("models", "models", EVERY, exactly=True),
    Case("models-json", "models --json", EVERY, exactly=True),
    Case("models-user-prices", "models --prices inputs/prices.json", EVERY, exactly=True),
    Case("models-o200k-only", "models", O200K, exactly=True),
    Case("models-batch", "models --tier batch", BOTH, exactly=True),
    Case("models-litellm", "models --prices inputs/litellm-prices.json", BOTH, exactly=True),
    Case("models-flex-json", "models --tier flex --json", BOTH, exactly=True),
    # report
    Case("report", "report inputs/a.txt inputs/b.md"),
    Case("report-model-json", "report -m gpt-4 --json inputs/a.txt", CL100K),
    Case("report-model", "report -m gpt-4o-mini inputs/a.txt inputs/bad-utf8.txt"),
    Case("report-stdin", "report -e cl100k_base", CL100K, stdin="b.md"),
    Case("report-unpriced-model", "report -m gpt-4.5 inputs/a.txt"),
    Case("report-missing-file", "report inputs/a.txt inputs/missing.txt"),
    # pipe
    Case("pipe-mixed", "pipe -m gpt-4o inputs/mixed.jsonl"),
    Case("pipe-mixed-cl100k", "pipe -e cl100k", CL100K, stdin="mixed.jsonl"),
    Case(
        "pipe-mixed-two-workers",
        "pipe -m gpt-4o --workers 2 --chunk-bytes 50 inputs/mixed.jsonl",
    ),
    Case("pipe-chat", "pipe --field messages inputs/chat.jsonl"),
    Case("pipe-chat-no-field", "pipe inputs/chat.jsonl"),
    Case("pipe-nested-field", "pipe -m gpt-4.1-nano --field request.prompt inputs/nested.jsonl"),
    Case("pipe-two-files", "pipe inputs/hello.jsonl - inputs/nested.jsonl", stdin="mixed.jsonl"),
    Case("pipe-summary", "pipe --summary -m gpt-4o inputs/mixed.jsonl"),
    Case("pipe-max-tokens", "pipe --max-tokens 5 --summary inputs/hello.jsonl"),
    Case("pipe-max-cost", "pipe -m gpt-4o --max-cost 0.00001 inputs/hello.jsonl"),
    Case("pipe-fail-fast", "pipe --fail-fast inputs/mixed.jsonl"),
    Case(
        "pipe-batch-tier-stale",
        "pipe -m gpt-4o-mini --tier batch --summary inputs/hello.jsonl",
        env=LATER,
    ),
    Case("pipe-batch-requests", "pipe --summary inputs/batch.jsonl", BOTH),
    Case("pipe-batch-requests-stale", "pipe inputs/batch.jsonl", BOTH, env=LATER),
    Case("report-tier-flex", "report -m o3 --tier flex inputs/a.txt", env=LATER),
    Case("pipe-unpriced-model", "pipe -m gpt-4.5 inputs/hello.jsonl"),
    Case("pipe-max-cost-unpriced", "pipe -e o200k --max-cost 1 inputs/hello.jsonl"),
    Case("pipe-missing-file", "pipe inputs/hello.jsonl inputs/missing.jsonl"),
    # count: showing the tokens
    Case("count-ids", "--ids inputs/b.md"),
    Case("count-encode-model", "-m gpt-4 --encode inputs/b.md", CL100K),
    Case("count-ids-json", "count --ids --json --text 'hello world'"),
    Case("count-ids-empty", "--ids --text ''"),
    Case("count-ids-several-inputs", "--ids inputs/a.txt inputs/b.md"),
    Case("count-tokens", "--tokens inputs/b.md"),
    Case("count-tokens-escapes", "--tokens inputs/escapes.txt"),
    Case("count-tokens-bytes", "-e cl100k --tokens --text '😀 é'", CL100K),
    Case("count-tokens-json", "--tokens --json -e cl100k --text '😀 é'", CL100K),
    Case("count-decode-spaces", "--decode", stdin="ids.txt"),
    Case("count-decode-commas-file", "--decode inputs/ids.txt -m gpt-4o"),
    Case("count-decode-json-array", "--decode --text '[24912, 2375]'"),
    Case("count-decode-commas", "--decode --text '24912,2375, 0'"),
    Case("count-decode-invalid-utf8", "--decode --text '94 24912'"),
    Case("count-decode-special", "--decode --text '199999'"),
    Case("count-decode-not-a-number", "--decode --text '24912 hello'"),
    Case("count-decode-out-of-vocab", "--decode --text '24912 200000'"),
    Case("count-decode-bad-json", "--decode --text '[1, 2.5]'"),
    Case("count-decode-json-output", "--decode --json --text '1'"),
    Case("count-truncate", "-t 3 inputs/b.md"),
    Case("count-truncate-inside-a-character", "-e cl100k --truncate 1 --text '😀 é'", CL100K),
    Case("count-truncate-ids", "--truncate 2 --ids inputs/b.md"),
    Case("count-truncate-decode", "-t 1 --decode --text '24912 2375'"),
    Case("count-allow-special", "--allow-special --text 'a<|endoftext|>b'"),
    Case("count-allow-special-tokens", "--tokens --allow-special --text 'a<|endoftext|>b'"),
    Case("count-special-as-text", "--tokens --text 'a<|endoftext|>b'"),
    # suggestions and what is not loaded
    Case("suggest-command", "modles"),
    Case("suggest-model", "-m gpt4o --text x"),
    Case("suggest-encoding", "-e o200 --text x", BOTH, exactly=True),
    Case("unknown-encoding-pip-hint", "-e nosuch --text x", BOTH, exactly=True),
    Case(
        "plugins-not-loaded",
        "--text x",
        BOTH,
        exactly=True,
        env=(("LLM_COST_LOAD_PLUGINS", ""),),
    ),
    Case(
        "plugin-not-loaded-encoding",
        "-e cl100k --text x",
        BOTH,
        exactly=True,
        env=(("LLM_COST_DISABLE_PLUGINS", "cl100k"),),
    ),
    # help and completion
    Case("help", "--help", env=(("COLUMNS", "100"),)),
    Case("completion-bash-source", "", env=(("_LLM_COST_COMPLETE", "bash_source"),)),
    Case("completion-zsh-source", "", env=(("_LLM_COST_COMPLETE", "zsh_source"),)),
    Case("completion-fish-source", "", env=(("_LLM_COST_COMPLETE", "fish_source"),)),
    Case("completion-commands", "", env=completing("llm-cost mo")),
    Case("completion-options", "", env=completing("llm-cost --a")),
    Case("completion-encodings", "", BOTH, exactly=True, env=completing("llm-cost -e ")),
    Case("completion-models", "", BOTH, exactly=True, env=completing("llm-cost pipe -m gpt-4o")),
    # progress, drawn on a terminal only
    Case("progress-count", "big.txt", tty=True, big=5_000_000),
    Case("progress-count-quiet", "--quiet big.txt", tty=True, big=5_000_000),
    Case("progress-count-not-a-terminal", "big.txt", big=5_000_000),
    Case("progress-count-small", "inputs/b.md", tty=True),
    Case("progress-pipe", "pipe --chunk-bytes 300 inputs/mixed.jsonl", tty=True),
    Case("progress-pipe-stdin", "pipe --chunk-bytes 300", tty=True, stdin="mixed.jsonl"),
]

_VARYING = re.compile(rb'"(seconds|mb_per_s)": [0-9.e+-]+')
_RATE = re.compile(rb"[0-9.]+ [kMG]?B/s")
_LEFT = re.compile(rb"[0-9:?]+ left")


def render(case: Case, done: subprocess.CompletedProcess) -> bytes:
    stderr = _VARYING.sub(rb'"\1": "#"', done.stderr)
    if case.tty:  # the speed, and so the time left, differ from run to run
        stderr = _LEFT.sub(b"# left", _RATE.sub(b"#/s", stderr))
    env = "".join(f"{name}={shlex.quote(value)} " for name, value in case.env)
    command = f"$ {env}llm-cost {case.command}"
    if case.stdin:
        command += f" < inputs/{case.stdin}"
    if case.tty:
        command += "  # stderr on a terminal"
    return b"".join(
        [
            f"{command}\nexit {done.returncode}\nstdout {len(done.stdout)} bytes\n".encode(),
            done.stdout,
            f"\nstderr {len(stderr)} bytes\n".encode(),
            stderr,
            b"\n",
        ]
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden(case: Case, tmp_path):
    installed = set(lc.list_encodings())
    if not case.needs <= installed or (case.exactly and installed != case.needs):
        pytest.skip(f"needs {'exactly ' if case.exactly else ''}{', '.join(sorted(case.needs))}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLM_COST_")}
    env.update(TODAY)
    env.update(case.env)
    stdin = (GOLDEN / "inputs" / case.stdin).read_bytes() if case.stdin else b""
    cwd = GOLDEN
    if case.big:
        cwd = tmp_path
        (cwd / "big.txt").write_bytes(big_text(case.big))
    args = [LLM_COST, *case.args]
    if case.tty:
        done = run_on_a_terminal(args, stdin, cwd=cwd, env=env)
    else:
        done = subprocess.run(args, input=stdin, capture_output=True, cwd=cwd, env=env)
    got = render(case, done)
    path = GOLDEN / f"{case.name}.golden"
    if os.environ.get("LLM_COST_UPDATE_GOLDEN"):
        path.write_bytes(got)
        pytest.skip(f"rewrote {path.name}")
    assert path.exists(), f"no {path.name}; run with LLM_COST_UPDATE_GOLDEN=1 to write it"
    assert got.decode("utf-8", "backslashreplace") == path.read_bytes().decode(
        "utf-8", "backslashreplace"
    )
    assert got == path.read_bytes()


def big_text(size: int) -> bytes:
    """`size` bytes of English-like words, the same every time."""
    words = b"the quick brown fox jumps over a lazy dog while seven wizards quietly hex it "
    return (words * (size // len(words) + 1))[:size]


def test_every_golden_file_belongs_to_a_case():
    names = {case.name for case in CASES}
    assert len(names) == len(CASES)
    assert {path.stem for path in GOLDEN.glob("*.golden")} <= names
