"""The shared parity runner (`llm_cost_core.verify.runner`) and `llm-cost parity`: it passes every
installed encoding, and it fails, readably, for one that is wrong.

Other encodings may be installed beside the shipped ones (tox's example env adds cl100k-im):
what is asserted of every encoding holds for any, and the shipped ones are also held to the
depth of the Evil Corpus.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
import zlib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.host.registry import Registry, registry, reset_registry
from llm_cost_core.testing import branches
from llm_cost_core.verify.corpus import Case, CorpusError, default_corpus, read_corpus
from llm_cost_core.verify.generated import text_strategy
from llm_cost_core.verify.report import format_report
from llm_cost_core.verify.results import CORPUS_IDS, CORPUS_LIVE, GENERATED_LIVE, SHOWN
from llm_cost_core.verify.runner import DEFAULT_EXAMPLES, EXAMPLES_ENV, examples_from_env
from llm_cost_core.verify.runner import run as run_parity

SMALL = 25  # generated examples in unit tests; tox -e parity runs many more
SHIPPED = ("o200k", "cl100k")
"""The encodings of core's own plugins: the Evil Corpus has thousands of cases for each."""
BRANCH = r"\s+(?!\S)"


@pytest.fixture
def make_plugin(tmp_path, monkeypatch):
    """Write a throwaway plugin module and return an entry point for it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(module: str, source: str) -> EntryPoint:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        made.append(module)
        return EntryPoint(name=module, value=module, group="llm_cost")

    yield make
    for module in made:
        sys.modules.pop(module, None)


def write_corpus(path, cases):
    path.write_text("".join(json.dumps(case) + "\n" for case in cases), encoding="utf-8")
    return path


def without_branch(pattern: str, branch: str) -> str:
    alternatives = branches(pattern)
    assert branch in alternatives, alternatives
    return "|".join(b for b in alternatives if b != branch)


def static_cases(name: str) -> tuple[list[Case], list[Case]]:
    """The Evil Corpus cases for an installed encoding, and those of its plugin's own corpus."""
    spec = lc.get_encoding(name).spec
    core = [c for c in read_corpus(default_corpus()) if c.encoding in spec.names]
    own = read_corpus(spec.corpus) if spec.corpus is not None else []
    return core, [c for c in own if c.encoding in spec.names]


def needs_evil_corpus(name: str) -> None:
    """Skip a test of the Evil Corpus for an encoding it has no case for (never a shipped one)."""
    if name not in SHIPPED and not static_cases(name)[0]:
        pytest.skip(f"the Evil Corpus has no case for {name}")


BROKEN_PLUGIN = """
import attrs
import llm_cost_core as lc

SPEC = attrs.evolve(lc.get_encoding({name!r}).spec, pattern={pattern!r}, corpus=None)

@lc.hookimpl
def register_encodings(register):
    register(SPEC)
"""


@pytest.fixture
def broken(encoding_name, make_plugin):
    """A registry whose only plugin registers `encoding_name` with the `\\s+(?!\\S)` branch gone:
    "a  b" then splits as 'a', '  ', 'b' instead of 'a', ' ', ' b'. Without its plugin's own
    corpus, so that the corpus a test passes is all there is."""
    spec = lc.get_encoding(encoding_name).spec
    if encoding_name not in SHIPPED and BRANCH not in branches(spec.pattern):
        pytest.skip(f"{encoding_name}'s pattern has no {BRANCH} branch")
    pattern = without_branch(spec.pattern, BRANCH)
    module = "broken_" + "".join(c if c.isalnum() else "_" for c in encoding_name)
    source = BROKEN_PLUGIN.format(name=encoding_name, pattern=pattern)
    return Registry([make_plugin(module, source)])


# -- the corpus reader ----------------------------------------------------------------------------


def test_read_corpus_reads_plain_and_gzip(tmp_path):
    cases = [{"encoding": "x", "category": "c", "text": "a\u2028b", "ids": [1, 2], "more": 1}]
    plain = write_corpus(tmp_path / "c.jsonl", cases)
    packed = tmp_path / "c.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for source in (plain, packed):
        (case,) = read_corpus(source)
        assert (case.encoding, case.text, case.ids) == ("x", "a\u2028b", (1, 2))
        assert case.source == f"{source.name}:1"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 2: Expecting value"),
        ('["a list"]', "line 2: not a JSON object"),
        ('{"encoding": "x", "category": "c", "text": "t"}', "line 2: 'ids' must be a list"),
        ('{"encoding": "x", "category": "c", "text": 5, "ids": []}', "'text' must be a string"),
        ('{"encoding": "x", "category": "c", "text": "t", "ids": [1.5]}', "ids must be integers"),
    ],
)
def test_read_corpus_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"encoding": "x", "category": "c", "text": "t", "ids": [1]}\n' + line + "\n")
    with pytest.raises(CorpusError, match=message):
        read_corpus(path)


def test_missing_corpus_is_a_one_line_error(tmp_path):
    with pytest.raises(CorpusError, match="cannot read corpus"):
        read_corpus(tmp_path / "absent.jsonl")


GOOD_GZIP = gzip.compress(b'{"encoding": "x", "category": "c", "text": "t", "ids": [1]}\n' * 20)
CORRUPT_GZIP = {
    "bad-block": GOOD_GZIP[:10] + b"\x07" + GOOD_GZIP[11:],  # a deflate block of no known type
    "truncated": GOOD_GZIP[: len(GOOD_GZIP) // 2],
    "bad-crc": GOOD_GZIP[:-8] + bytes(8),
    "not-gzip": b'{"encoding": "x"}\n',
}


def corrupt_gzip(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.jsonl.gz"
    path.write_bytes(CORRUPT_GZIP[kind])
    return path


def test_corrupt_gzip_data_is_what_the_bad_block_case_exercises():
    with pytest.raises(zlib.error):  # not an OSError: the case a reader is likely to miss
        gzip.decompress(CORRUPT_GZIP["bad-block"])


@pytest.mark.parametrize("kind", sorted(CORRUPT_GZIP))
def test_corrupt_gzip_corpus_is_a_corpus_error_naming_the_file(tmp_path, kind):
    path = corrupt_gzip(tmp_path, kind)
    with pytest.raises(CorpusError) as caught:
        read_corpus(path)
    message = str(caught.value)
    assert message.startswith(f"cannot read corpus {path}: not valid gzip: ")
    assert "\n" not in message


@pytest.mark.parametrize("kind", sorted(CORRUPT_GZIP))
def test_cli_corrupt_gzip_corpus_is_one_line(tmp_path, capsys, kind):
    path = corrupt_gzip(tmp_path, kind)
    assert main(["parity", "--corpus", str(path), "--examples", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"llm-cost: error: cannot read corpus {path}: not valid gzip: ")


# -- passing ----------------------------------------------------------------------------------


def test_every_installed_encoding_passes(encoding_name):
    (report,) = run_parity([encoding_name], examples=SMALL)
    assert report.ok, "\n".join(format_report(report))
    assert report.name == encoding_name
    assert report.distribution == registry().lookup(encoding_name).plugin.distribution
    core, own = static_cases(encoding_name)
    assert report.checks[CORPUS_IDS] == len(core) + len(own)
    if encoding_name in SHIPPED:
        assert report.distribution.startswith("llm-cost-")
        assert len(core) >= 2000
    if report.reference and CORPUS_LIVE in report.checks:
        assert report.checks[CORPUS_LIVE] == report.checks[CORPUS_IDS]
        assert report.checks[GENERATED_LIVE] == SMALL


def test_examples_come_from_the_environment(monkeypatch):
    monkeypatch.setenv(EXAMPLES_ENV, "7")
    assert examples_from_env() == 7
    monkeypatch.setenv(EXAMPLES_ENV, "many")
    with pytest.raises(lc.LLMCostError, match="must be a whole number"):
        examples_from_env()
    monkeypatch.delenv(EXAMPLES_ENV)
    assert examples_from_env() == DEFAULT_EXAMPLES


def test_generated_stage_runs_the_examples_asked_for(encoding_name, reference, tmp_path):
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity([encoding_name], corpus=[empty], examples=40)
    assert report.ok, "\n".join(format_report(report))
    own = len(static_cases(encoding_name)[1])  # a plugin's own corpus is read either way
    assert report.checks == {CORPUS_IDS: own, CORPUS_LIVE: own, GENERATED_LIVE: 40}


def test_generated_text_is_seeded():
    import hypothesis
    from hypothesis import given, settings

    def sample(seed: int) -> list[str]:
        seen = []

        @hypothesis.seed(seed)
        @settings(max_examples=30, database=None, deadline=None)
        @given(text_strategy(["ab", "c d"]))
        def collect(text):
            seen.append(text)

        collect()
        return seen

    first = sample(5)
    assert sample(5) == first
    assert len(set(first)) > 10
    assert sample(6) != first


# -- failing ----------------------------------------------------------------------------------


def test_a_plugin_missing_a_branch_fails_with_a_readable_diff(encoding_name, broken, tmp_path):
    good = lc.get_encoding(encoding_name)
    if broken.get_encoding(encoding_name).encode_ordinary("a   b") == good.encode_ordinary("a   b"):
        pytest.skip(f"{encoding_name} has no token for two spaces: the wrong cut gives its ids")
    texts = ["plain words", "a   b"]
    cases = [
        {
            "encoding": encoding_name,
            "category": "whitespace",
            "text": t,
            "ids": good.encode_ordinary(t),
        }
        for t in texts
    ]
    corpus = write_corpus(tmp_path / "small.jsonl", cases)
    (report,) = run_parity(registry=broken, corpus=[corpus], examples=0, live=False)
    assert not report.ok
    assert report.checks == {CORPUS_IDS: 2}
    assert report.mismatch_counts == {CORPUS_IDS: 1}
    (mismatch,) = report.mismatches
    assert mismatch.text == "a   b"
    assert mismatch.source == "small.jsonl:2"
    wrong_pieces = list(broken.get_encoding(encoding_name).scanner("a   b"))
    assert wrong_pieces != ["a", "  ", " b"]
    shown = "\n".join(format_report(report))
    assert "corpus mismatch, whitespace (small.jsonl:2)" in shown
    assert "text      'a   b'" in shown
    assert f"expected  ids {cases[1]['ids']}".replace(",", "") in shown
    assert "expected  pieces ['a' '  ' ' b']" in shown
    assert f"actual    pieces [{' '.join(map(repr, wrong_pieces))}]" in shown
    assert f"scanner   [{' '.join(map(repr, wrong_pieces))}]" in shown
    assert "FAILED" in shown


def test_the_full_corpus_catches_the_missing_branch(encoding_name, broken):
    needs_evil_corpus(encoding_name)
    (report,) = run_parity(registry=broken, examples=0, live=False)
    assert report.mismatch_counts[CORPUS_IDS] > 10
    assert len(report.mismatches) == SHOWN
    assert all(m.actual != m.expected for m in report.mismatches)


def test_generated_text_finds_the_missing_branch_and_shrinks_it(
    encoding_name, reference, broken, tmp_path
):
    good = lc.get_encoding(encoding_name)
    if broken.get_encoding(encoding_name).encode_ordinary("a   b") == good.encode_ordinary("a   b"):
        pytest.skip(f"{encoding_name} has no token for two spaces: the wrong cut gives its ids")
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity(registry=broken, corpus=[empty], examples=500)
    assert report.mismatch_counts == {GENERATED_LIVE: 1}
    (mismatch,) = report.mismatches
    text = mismatch.text
    assert len(text) <= 4, text  # shrunk: a few spaces and a non-space
    assert mismatch.expected == reference.encode_ordinary(text) != mismatch.actual
    wrong = broken.get_encoding(encoding_name)
    for i in range(len(text)):  # minimal: without any one character the two agree
        shorter = text[:i] + text[i + 1 :]
        assert wrong.encode_ordinary(shorter) == reference.encode_ordinary(shorter), shorter
    assert report.checks[GENERATED_LIVE] < 500


def test_cli_exit_status_and_one_line_error(encoding_name, broken, capsys):
    needs_evil_corpus(encoding_name)
    reset_registry(broken)
    try:
        code = main(["parity", "--examples", "0", "--require", encoding_name])
    finally:
        reset_registry()
    out, err = capsys.readouterr()
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(f"llm-cost: error: parity failed: {encoding_name}: ")
    assert "mismatches" in err
    assert "corpus mismatch" in out
    assert "parity: FAILED" in out


def test_encode_that_raises_is_a_mismatch_not_a_crash(make_plugin, tmp_path):
    ep = make_plugin(
        "raising_scanner",
        """
        import llm_cost_core as lc
        SPEC = lc.EncodingSpec(
            name="raiser", pattern=".", special_tokens={}, n_vocab=256,
            load_ranks=lambda: {bytes([b]): b for b in range(256)}, vocab_sha256="0" * 64,
        )
        @lc.hookimpl
        def register_encodings(register):
            register(SPEC)
        @lc.hookimpl
        def make_scanner(spec):
            def scan(text):
                raise RuntimeError("scanner exploded")
            return scan
        """,
    )
    corpus = write_corpus(
        tmp_path / "c.jsonl",
        [{"encoding": "raiser", "category": "c", "text": "ab", "ids": [97, 98]}],
    )
    (report,) = run_parity(registry=Registry([ep]), corpus=[corpus], examples=0)
    assert report.mismatch_counts == {CORPUS_IDS: 1}
    assert report.mismatches[0].error == "RuntimeError: scanner exploded"
    assert "actual    raised RuntimeError: scanner exploded" in "\n".join(format_report(report))


# -- an encoding with no reference: its own corpus only -------------------------------------------

OWN_CORPUS_PLUGIN = """
from pathlib import Path
import llm_cost_core as lc

SPEC = lc.EncodingSpec(
    name="bytes", aliases=("bytes_base",), pattern=r"\\S+|\\s+", special_tokens={{}},
    n_vocab=256, load_ranks=lambda: {{bytes([b]): b for b in range(256)}},
    vocab_sha256="0" * 64, corpus=Path({corpus!r}),
)

@lc.hookimpl
def register_encodings(register):
    register(SPEC)
"""


def test_encoding_without_reference_is_checked_against_its_own_corpus(make_plugin, tmp_path):
    corpus = write_corpus(
        tmp_path / "own.jsonl",
        [
            {"encoding": "bytes", "category": "ok", "text": "ab", "ids": [97, 98]},
            {"encoding": "bytes_base", "category": "wrong", "text": "ab", "ids": [97, 99]},
            {"encoding": "other", "category": "ignored", "text": "ab", "ids": []},
        ],
    )
    ep = make_plugin("own_corpus", OWN_CORPUS_PLUGIN.format(corpus=str(corpus)))
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity(registry=Registry([ep]), corpus=[empty], examples=50)
    assert report.reference is None
    assert report.checks == {CORPUS_IDS: 2}  # no live stage without a reference
    assert report.categories == {"ok": 1, "wrong": 1}
    assert report.mismatch_counts == {CORPUS_IDS: 1}
    assert report.mismatches[0].source == "own.jsonl:2"
    assert any("static corpus only" in note for note in report.notes)


def test_plugin_corpus_that_is_corrupt_gzip_fails_its_encoding_naming_the_file(
    make_plugin, tmp_path, capsys
):
    bad = corrupt_gzip(tmp_path, "bad-block")
    reg = Registry([make_plugin("bad_gzip", OWN_CORPUS_PLUGIN.format(corpus=str(bad)))])
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity(registry=reg, corpus=[empty], examples=0)
    assert report.error is not None
    assert report.error.startswith(f"cannot read corpus {bad}: not valid gzip: ")
    reset_registry(reg)
    try:
        code = main(["parity", "--examples", "0"])
    finally:
        reset_registry()
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(f"llm-cost: error: parity failed: bytes: cannot read corpus {bad}: ")


# -- nothing checked is not a pass ------------------------------------------------------------


def test_a_run_that_checks_nothing_fails(encoding_name, tmp_path, capsys):
    """--examples 0 and a corpus with no case for the encoding: nothing was compared."""
    if static_cases(encoding_name)[1]:
        pytest.skip(f"{encoding_name}'s plugin ships a corpus of its own, read either way")
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    code = main(["parity", "-e", encoding_name, "--examples", "0", "--corpus", str(empty)])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(
        f"llm-cost: error: parity failed: {encoding_name}: nothing was checked (no corpus cases"
    )
    assert out.rstrip().endswith("parity: FAILED, 1 encoding, 0 checks")


def test_examples_0_still_checks_the_corpus_and_passes(encoding_name, capsys):
    assert main(["parity", "-e", encoding_name, "--examples", "0", "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)["encodings"]
    assert report["cases"] == sum(report["checks"].values()) > 0
    assert GENERATED_LIVE not in report["checks"]


def test_encoding_without_reference_or_corpus_fails(make_plugin, tmp_path):
    ep = make_plugin(
        "no_corpus", OWN_CORPUS_PLUGIN.replace(", corpus=Path({corpus!r})", "").format()
    )
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity(registry=Registry([ep]), corpus=[empty], examples=50)
    assert not report.ok
    assert report.checks == {CORPUS_IDS: 0}
    assert report.error == (
        "nothing was checked (no corpus cases name this encoding; "
        "no live reference (EncodingSpec.reference): checked against its static corpus only)"
    )


# -- count must agree with the ids ------------------------------------------------------------

OFF_BY_ONE_PLUGIN = """
import attrs
from pathlib import Path
import llm_cost_core as lc
from llm_cost_core.engine.bpe import PurePythonBPE

SPEC = {spec}

class OffByOne(PurePythonBPE):
    \"\"\"Encodes right and counts one token too many: the count path disagrees.\"\"\"

    def count(self, pieces):
        return super().count(pieces) + 1

@lc.hookimpl
def register_encodings(register):
    register(SPEC)

@lc.hookimpl
def make_bpe(spec, ranks):
    return OffByOne(ranks) if spec == SPEC else None
"""


def test_count_that_disagrees_with_the_ids_fails_the_corpus(make_plugin, tmp_path):
    corpus = write_corpus(
        tmp_path / "own.jsonl",
        [{"encoding": "bytes", "category": "c", "text": "ab", "ids": [97, 98]}],
    )
    spec = (
        'lc.EncodingSpec(name="bytes", pattern=r"\\S+|\\s+", special_tokens={}, n_vocab=256, '
        'load_ranks=lambda: {bytes([b]): b for b in range(256)}, vocab_sha256="0" * 64, '
        f"corpus=Path({str(corpus)!r}))"
    )
    reg = Registry([make_plugin("off_by_one", OFF_BY_ONE_PLUGIN.format(spec=spec))])
    assert reg.get_encoding("bytes").encode_ordinary("ab") == [97, 98]
    assert reg.get_encoding("bytes").count("ab") == 3
    empty = write_corpus(tmp_path / "empty.jsonl", [])
    (report,) = run_parity(registry=reg, corpus=[empty], examples=0)
    assert not report.ok
    assert report.mismatch_counts == {CORPUS_IDS: 1}
    (mismatch,) = report.mismatches
    assert mismatch.actual == mismatch.expected == [97, 98]
    assert mismatch.count == 3
    shown = "\n".join(format_report(report))
    assert "    actual    ids the same\n    count     3 (Encoding.count), not 2\n" in shown
    assert "first difference" not in shown
    assert report.to_json()["mismatches"][0]["count"] == 3


def test_count_that_disagrees_fails_live_and_generated_stages(
    encoding_name, reference, make_plugin, tmp_path
):
    spec = f"attrs.evolve(lc.get_encoding({encoding_name!r}).spec, corpus=None)"
    module = "off_by_one_" + "".join(c if c.isalnum() else "_" for c in encoding_name)
    reg = Registry([make_plugin(module, OFF_BY_ONE_PLUGIN.format(spec=spec))])
    texts = ["hello world", "a  b"]
    corpus = write_corpus(
        tmp_path / "small.jsonl",
        [
            {"encoding": encoding_name, "category": "c", "text": t, "ids": reference.encode(t)}
            for t in texts
        ],
    )
    (report,) = run_parity(registry=reg, corpus=[corpus], examples=SMALL)
    assert report.mismatch_counts == {CORPUS_IDS: 2, CORPUS_LIVE: 2, GENERATED_LIVE: 1}
    for mismatch in report.mismatches:
        assert mismatch.actual == mismatch.expected == reference.encode_ordinary(mismatch.text)
        assert mismatch.count == len(mismatch.expected) + 1
    generated = report.mismatches[-1]
    assert generated.stage == GENERATED_LIVE
    assert len(generated.text) <= 1  # shrunk: any text shows it


# -- the command ------------------------------------------------------------------------------


def test_cli_passes_and_prints_each_encoding(capsys, monkeypatch):
    monkeypatch.setenv(EXAMPLES_ENV, "5")
    installed = lc.list_encodings()
    assert main(["parity", "--require", ",".join(installed)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for name in installed:
        assert f"\n{name}  llm-cost-" in "\n" + out
    assert out.count("  ok\n") == len(installed)
    assert out.rstrip().splitlines()[-1].startswith(f"parity: ok, {len(installed)} encoding")


def test_cli_json(capsys, encoding_name):
    assert main(["parity", "-e", encoding_name, "--examples", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True
    (report,) = out["encodings"]
    assert report["name"] == encoding_name
    assert report["mismatch_count"] == 0
    assert report["checks"]["corpus"] == sum(report["categories"].values())


def test_cli_require_missing_encoding(capsys):
    assert main(["parity", "--require", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--require nosuch: unknown encoding 'nosuch'" in err
    assert "pip install llm-cost-nosuch" in err


def test_cli_unknown_encoding_is_a_usage_error(capsys):
    assert main(["parity", "-e", "nosuch"]) == 2
    assert "unknown encoding 'nosuch'" in capsys.readouterr().err


def test_cli_bad_corpus_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    assert main(["parity", "--corpus", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "bad.jsonl, line 1" in err


def test_cli_writes_no_hypothesis_directory(tmp_path):
    """Run as users run it, in a fresh process: hypothesis must not litter the directory."""
    script = Path(sys.executable).with_name("llm-cost")
    command = [str(script)] if script.exists() else [sys.executable, "-c", CLI]
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    done = subprocess.run(
        [*command, "parity", "--examples", "20"], cwd=tmp_path, env=env, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    assert b"generated" in done.stdout or b"no tiktoken" in done.stdout
    assert list(tmp_path.iterdir()) == []


CLI = "import sys; from llm_cost_core.cli.app import run; sys.argv[0] = 'llm-cost'; run()"
