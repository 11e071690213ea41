"""testdata/evil_corpus_v2.jsonl: well-formed, shipped in the wheel, and evil enough.

"Evil enough" is tested, not claimed: every branch of every installed encoding's pattern is
needed by some case (drop the branch and some case's ids change), and the whitespace,
contraction and long-run cases the issue lists are there.
"""

from __future__ import annotations

import collections
import json

import pytest
from conftest import REPO

import llm_cost_core as lc
from llm_cost_core.engine.scanner import compile_pinned
from llm_cost_core.testing import branches
from llm_cost_core.verify.corpus import CORPUS_NAME, default_corpus, read_corpus

CHECKOUT = REPO / "testdata" / CORPUS_NAME
ENCODINGS = ("o200k", "cl100k")
CATEGORIES = {
    "whitespace", "contractions", "letters", "letters_unicode_15_16", "numbers", "punctuation",
    "emoji", "special_tokens", "long_runs", "multilingual", "code", "unassigned", "regressions",
    "mixed",
}  # fmt: skip
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
PYTHON_ONLY_SPACE = "\x1c\x1d\x1e\x1f"


@pytest.fixture(scope="module")
def lines() -> list[dict]:
    if not CHECKOUT.exists():
        pytest.skip("no testdata/ here (tests run outside a checkout)")
    raw = CHECKOUT.read_bytes()
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.split(b"\n")[:-1]]


@pytest.fixture(scope="module")
def texts(lines) -> dict[str, dict[str, list[str]]]:
    """encoding -> category -> texts."""
    out: dict[str, dict[str, list[str]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    for case in lines:
        out[case["encoding"]][case["category"]].append(case["text"])
    return out


def test_small_enough_to_commit():
    if not CHECKOUT.exists():
        pytest.skip("no testdata/ here")
    assert CHECKOUT.stat().st_size < 1_000_000


def test_every_line_is_a_case_tiktoken_0_14_wrote(lines):
    for case in lines:
        assert set(case) == {"encoding", "category", "text", "ids", "tiktoken_version"}
        assert case["tiktoken_version"] == "0.14.0"
        assert case["encoding"] in ENCODINGS
        assert case["category"] in CATEGORIES
        assert case["text"] and all(type(i) is int for i in case["ids"])


def test_at_least_2000_distinct_cases_per_encoding_in_every_category(texts):
    assert set(texts) == set(ENCODINGS)
    for name in ENCODINGS:
        by_category = texts[name]
        assert set(by_category) == CATEGORIES
        every = [text for category in by_category.values() for text in category]
        assert len(every) == len(set(every)) >= 2000
    assert texts["o200k"] == texts["cl100k"]  # the same texts, each encoding's own ids


def test_the_installed_corpus_is_the_checkout_file():
    """The wheel carries the corpus (hatch force-include), so `llm-cost parity` works installed."""
    if not CHECKOUT.exists():
        pytest.skip("no testdata/ here")
    installed = default_corpus()
    assert installed.read_bytes() == CHECKOUT.read_bytes()


def test_reader_and_file_agree(lines):
    cases = read_corpus(CHECKOUT)
    assert [(c.encoding, c.category, c.text, list(c.ids)) for c in cases] == [
        (d["encoding"], d["category"], d["text"], d["ids"]) for d in lines
    ]


def test_the_public_loader_gives_every_case_or_one_encodings(lines):
    from llm_cost_core.testing import evil_corpus

    every = evil_corpus()
    assert [(c.encoding, c.text, list(c.ids)) for c in every] == [
        (d["encoding"], d["text"], d["ids"]) for d in lines
    ]
    cl100k = evil_corpus("cl100k")
    assert cl100k and {c.encoding for c in cl100k} == {"cl100k"}
    assert len(cl100k) == sum(d["encoding"] == "cl100k" for d in lines)


def test_the_public_reference_is_tiktokens_own_or_none(encoding_name):
    tiktoken = pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    enc = lc.get_encoding(encoding_name)
    reference = reference_encoding(enc)
    if enc.spec.reference is None:
        assert reference is None
        return
    assert isinstance(reference, tiktoken.Encoding)
    assert reference.encode_ordinary("hello  world\n") == enc.encode_ordinary("hello  world\n")


def test_whitespace_cases_cover_what_the_issue_lists(texts):
    cases = set(texts["o200k"]["whitespace"])
    for w in WHITE_SPACE + PYTHON_ONLY_SPACE:
        for context in (w, w * 2, w * 3, f"a{w}b", f"{w}{w}a", f"{w}1", f"{w}!", f"{w}😀"):
            assert context in cases, repr(context)
    for newline in ("\r", "\n", "\r\n", "\n\r"):
        assert {newline, f"a{newline}b", f"{newline}b", f"a{newline}"} <= cases, repr(newline)
    assert len(WHITE_SPACE) == 25


def test_contraction_cases_cover_every_casing_and_both_apostrophes(texts):
    joined = "\n".join(texts["o200k"]["contractions"])
    for suffix in ("s", "t", "re", "ve", "m", "ll", "d"):
        for n in range(1 << len(suffix)):
            cased = "".join(c.upper() if n >> i & 1 else c for i, c in enumerate(suffix))
            for apostrophe in ("'", "’"):
                assert apostrophe + cased in joined, apostrophe + cased


def test_long_runs_reach_ten_thousand_characters(texts):
    runs = texts["o200k"]["long_runs"]
    for unit in ("a", " ", "\n"):
        assert unit * 10000 in runs
    assert any(set(run) == {"😀"} for run in runs)


def mutant_scanner(pattern: str, branch: str):
    """The pattern's scanner with `branch` dropped."""
    return compile_pinned("|".join(b for b in branches(pattern) if b != branch)).findall


def valid(text: str) -> str:
    """Lone surrogates as U+FFFD, as Encoding (and tiktoken) treat them."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


@pytest.fixture
def corpus_cases(encoding):
    """The encoding's Evil Corpus cases: core's file, and its plugin's part (r50k's)."""
    cases = read_corpus(default_corpus())
    if encoding.spec.corpus is not None:
        cases += read_corpus(encoding.spec.corpus)
    cases = [c for c in cases if c.encoding in encoding.spec.names]
    if not cases:
        pytest.skip(f"the corpus has no cases for {encoding.name}")
    return cases


def test_dropping_any_branch_changes_some_cases_pieces(encoding, corpus_cases):
    """Every branch of the pattern decides the split of some case: the corpus covers them all."""
    pattern = encoding.spec.pattern
    scan = encoding.scanner
    texts = [valid(c.text) for c in corpus_cases]
    uncovered = []
    pattern_branches = branches(pattern)
    for branch, after in zip(pattern_branches, [*pattern_branches[1:], None], strict=True):
        if branch == r"\s++$" and after == r"\s+(?!\S)":
            # r50k's: whatever it takes, the next branch takes too (a trailing run, whole); it
            # only makes tiktoken faster. llm_cost_r50k's scanner tests prove it on any text.
            continue
        mutant = mutant_scanner(pattern, branch)
        if all(list(scan(t)) == mutant(t) for t in texts):
            uncovered.append(branch)
    assert uncovered == []


def test_dropping_any_branch_changes_some_cases_ids(encoding, corpus_cases):
    """The same, in ids: a plugin missing any one branch fails parity on the static corpus.

    An end-anchored branch (`\\s++$` in cl100k) is exempt: it differs from what the other
    whitespace branches do only by keeping a trailing run whole after its last line break, and
    when no vocab token holds a line break followed by other whitespace, BPE gives the same ids
    either way. The pieces test above still covers it.
    """
    pattern = encoding.spec.pattern
    invisible = []
    for branch in branches(pattern):
        if branch.endswith("$"):
            continue
        mutant = mutant_scanner(pattern, branch)
        if all(encoding.bpe.encode(mutant(valid(c.text))) == list(c.ids) for c in corpus_cases):
            invisible.append(branch)
    assert invisible == []
