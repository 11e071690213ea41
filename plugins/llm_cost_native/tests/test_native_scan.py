"""The native pre-tokenizer scanners (src/scan.c) cut exactly tiktoken's pieces.

Each scanner is checked against tiktoken itself (its pieces read off exactly, see
`native_scan_harness.tiktoken_agrees`) and against the pure-Python scanner of the same pattern,
on the Evil Corpus, on hypothesis texts from all of Unicode, on every code point in several
contexts, and on adversarial sizes. The generated property table is checked code point by code
point against the Python tables that come from the same probes of tiktoken.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from native_scan_harness import (
    HERE,
    KINDS,
    PROPS,
    SRC,
    build,
    library,
    native,
    python_scanner,
    tiktoken_agrees,
    tiktoken_pattern,
)

from llm_cost_core.engine import unicode_tables

REPO = HERE.parent.parent.parent
EVERY = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
ALL_KINDS = pytest.mark.parametrize("kind", list(KINDS))


def assert_same_as_python(kind: str, text: str) -> None:
    """The native pieces equal the pure-Python scanner's; on failure, shows where they part."""
    got, want = native(kind)(text), list(python_scanner(kind)(text))
    if got != want:
        i = next(i for i, (a, b) in enumerate(zip([*got, ""], [*want, ""], strict=False)) if a != b)
        near = slice(max(i - 2, 0), i + 3)
        pytest.fail(f"{kind}: native {got[near]!r} != python {want[near]!r}")


def assert_same_as_tiktoken(kind: str, texts: list[str]) -> None:
    bad = tiktoken_agrees(kind, texts, native(kind))
    assert not bad, f"{kind}: {len(bad)} texts cut unlike tiktoken, e.g. {bad[:3]!r}"


# ---- which pattern -------------------------------------------------------------------------


@ALL_KINDS
def test_kind_of_knows_tiktokens_pattern_strings_exactly(kind):
    kind_of = library().lc_scan_kind_of
    pattern = tiktoken_pattern(kind).encode()
    assert kind_of(pattern, len(pattern)) == KINDS[kind]
    for near in (pattern[:-1], pattern + b" ", pattern.replace(b"\\s", b"\\S", 1), b""):
        assert kind_of(near, len(near)) == -1  # LC_SCAN_NONE: the Python scanner
    assert kind_of(None, 0) == -1


def test_kind_of_knows_the_plugins_patterns():
    from llm_cost_cl100k.scanner import PATTERN as CL100K
    from llm_cost_o200k.scanner import PATTERN as O200K

    kind_of = library().lc_scan_kind_of
    for pattern, kind in ((O200K, "o200k"), (CL100K, "cl100k")):
        data = pattern.encode()
        assert kind_of(data, len(data)) == KINDS[kind]


# ---- the property table --------------------------------------------------------------------


def _python_props() -> list[int]:
    """LC_P_* bits for every code point, from engine/unicode_tables.py (and White_Space)."""
    props = [0] * 0x110000

    def mark(classes: tuple[str, ...], bit: int) -> None:
        for name in classes:
            for a, b in unicode_tables.CLASSES[name]:
                for p in range(a, b + 1):
                    props[p] |= bit

    mark(("L",), PROPS["L"])
    mark(("Lu", "Lt", "Lm", "Lo", "M"), PROPS["UP"])
    mark(("Ll", "Lm", "Lo", "M"), PROPS["LO"])
    mark(("N",), PROPS["N"])
    for w in WHITE_SPACE + "\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009":
        props[ord(w)] |= PROPS["WS"]
    props[ord("\r")] |= PROPS["NL"]
    props[ord("\n")] |= PROPS["NL"]
    return props


def test_c_table_agrees_with_the_python_tables_on_every_code_point():
    props = library().lc_test_props
    want = _python_props()
    bad = [p for p in range(0x110000) if props(p) != want[p]]
    assert not bad, [f"U+{p:04X}: C {props(p)} != Python {want[p]}" for p in bad[:10]]
    assert props(0x110000) == 0
    # What the scanners rely on to always make progress: a letter is upper- or lower-case-like
    # to o200k, and nothing is both a letter and a number or White_Space.
    for p in range(0x110000):
        if want[p] & PROPS["L"]:
            assert want[p] & (PROPS["UP"] | PROPS["LO"]) and not want[p] & (
                PROPS["N"] | PROPS["WS"]
            )


def test_white_space_is_tiktokens():
    tiktoken = pytest.importorskip("tiktoken")
    probe = tiktoken.Encoding(
        "probe-s", pat_str=r"\s", mergeable_ranks={bytes([b]): b for b in range(256)},
        special_tokens={},
    )  # fmt: skip
    text = "".join(EVERY)
    spaces = bytes(probe.encode_ordinary(text)).decode("utf-8")
    props = library().lc_test_props
    assert {c for c in EVERY if props(ord(c)) & PROPS["WS"]} == set(spaces)
    assert not props(0x1C) & PROPS["WS"]  # Python's str.isspace() says yes, tiktoken no


def test_c_table_is_what_the_generator_writes_now():
    """Regenerating from the installed tiktoken changes nothing (same version, same probes)."""
    tiktoken = pytest.importorskip("tiktoken")
    if tiktoken.__version__ != unicode_tables.TIKTOKEN_VERSION:
        pytest.skip(f"tables come from tiktoken {unicode_tables.TIKTOKEN_VERSION}")
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import gen_unicode_tables as gen
    finally:
        sys.path.remove(str(REPO / "tools"))
    header = (SRC / "unicode_props.h").read_text()
    assert f'LC_UNICODE_TIKTOKEN_VERSION "{unicode_tables.TIKTOKEN_VERSION}"' in header
    assert gen.c_tables("".join(EVERY)) == header


# ---- pieces --------------------------------------------------------------------------------

# Where each pattern's branches part ways: text -> pieces per pattern (checked against tiktoken
# too). The optional lead of o200k's words is tried taken, then not taken, for the lower-case
# word before the upper-case one; cl100k's lead is possessive; r50k's space is not.
CASES = {
    "o200k": [
        ("\u0301A", ["\u0301", "A"]),  # a mark alone is a lower-case word before A
        (" \u0301A", [" \u0301", "A"]),
        ("日A", ["日", "A"]),
        ("AB\u0301C", ["AB\u0301", "C"]),  # the upper-case run gives back to its last mark
        ("HTTPServer", ["HTTPServer"]),
        ("it'ſ IT'S it'Ll", ["it'ſ", " IT'S", " it'Ll"]),
        ("\u212a'K", ["\u212a", "'K"]),  # the Kelvin sign is Lu; 'k is no contraction
        ("x  \n\n  y", ["x", "  \n\n", " ", " y"]),
        ("x \n", ["x", " \n"]),
        ("a  ", ["a", "  "]),  # \s+(?!\S) at the end of the text takes the whole run
        ("a\x1c\x1cb", ["a", "\x1c\x1c", "b"]),  # not White_Space to tiktoken
        ("!\n/x", ["!\n/", "x"]),
        ("12345", ["123", "45"]),
        ("\r\n\r\n", ["\r\n\r\n"]),
    ],
    "cl100k": [
        ("\u0301A", ["\u0301A"]),  # a mark leads a word, which is \p{L} only
        ("\u0301\u0301A", ["\u0301\u0301", "A"]),
        ("é\u0301", ["é", "\u0301"]),
        ("'sa", ["'s", "a"]),  # the contraction branch comes first
        ("x'ſ x'LL", ["x", "'ſ", " x", "'LL"]),
        (" !", [" !"]),
        ("a  ", ["a", "  "]),
        ("a \n ", ["a", " \n "]),  # \s++$ before \s*[\r\n]
        ("a \n b", ["a", " \n", " b"]),
        ("!!\r\n\r\nx", ["!!\r\n\r\n", "x"]),
        ("12345", ["123", "45"]),
    ],
    "r50k": [
        ("'sa 'S", ["'s", "a", " '", "S"]),  # case-sensitive contractions
        ("x'ſ", ["x", "'", "ſ"]),  # no case folding here
        (" 12345", [" 12345"]),
        ("\u0301A", ["\u0301", "A"]),
        ("a  b", ["a", " ", " b"]),
        ("a \n b", ["a", " \n", " b"]),  # no line-break branch
        ("a\nb", ["a", "\n", "b"]),
        ("a  ", ["a", "  "]),
        ("日本 語", ["日本", " 語"]),
    ],
}


@pytest.mark.parametrize(
    ("kind", "text", "pieces"), [(k, t, p) for k, cases in CASES.items() for t, p in cases]
)
def test_branch_cases(kind, text, pieces):
    assert native(kind)(text) == pieces
    assert_same_as_tiktoken(kind, [text])


def evil_texts() -> list[str]:
    """The corpus's texts, with lone surrogates made U+FFFD as tiktoken does before it scans
    (the scanner's contract is valid UTF-8: the caller does the same)."""
    rows = (json.loads(line) for line in (REPO / "testdata" / "evil_corpus_v2.jsonl").open())
    texts = (
        row["text"].encode("utf-16", "surrogatepass").decode("utf-16", "replace") for row in rows
    )
    return sorted(set(texts))


@ALL_KINDS
def test_evil_corpus_is_cut_as_tiktoken_cuts_it(kind):
    texts = evil_texts()
    assert len(texts) > 2000
    assert_same_as_tiktoken(kind, texts)
    scan, reference = native(kind), python_scanner(kind)
    assert [scan(t) for t in texts] == [list(reference(t)) for t in texts]


# Weight on what the patterns branch on: whitespace and line breaks, apostrophes and the
# contraction letters in every case (and the long s that folds to s), letters of each case,
# marks, digits, emoji and joiners.
SPECIAL = (
    WHITE_SPACE + "\x1c\x1f'’sStTdDmMlLvVeErRſKkK" + "aZ1٣½Ⅻ日ǅʰ\u0301\u20e3\ufe0f\u200d"
    + "👨👩🇫/!.-<|>_\U0003d000\U00010d50\U00010d70\U0001e4d0\u0295"
)  # fmt: skip
CHARS = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(blacklist_categories=("Cs",)),
    st.characters(max_codepoint=0x7F),
)
# Dense texts of those characters only, so that they meet each other often.
TEXTS = st.one_of(
    st.text(CHARS, max_size=40), st.text(st.sampled_from(SPECIAL + "AS"), max_size=20)
)


@ALL_KINDS
@settings(deadline=None)  # the first example builds the library
@given(texts=st.lists(TEXTS, min_size=1, max_size=30))
def test_random_unicode_is_cut_as_tiktoken_cuts_it(kind, texts):
    assert_same_as_tiktoken(kind, texts)
    for text in texts:
        assert_same_as_python(kind, text)


# Each code point where the patterns look at it: inside and around words, after a space, as
# a contraction letter (first or second), before a line break, next to digits and marks.
CONTEXTS = [
    "a{c}b", " {c} ", "'{c}", "x'{c}", "x'r{c}", "x'{c}e", "x'l{c}", "x'{c}l", "{c}\n", "\n{c}",
    "A{c}a", "{c}A", "1{c}2", "{c}\u0301", "{c}{c}  ",
]  # fmt: skip


@ALL_KINDS
def test_every_code_point_in_context_is_cut_as_python_cuts_it(kind):
    for context in ("a{c}b", " {c}'{c}\n"):
        assert_same_as_python(kind, "|".join(context.format(c=c) for c in EVERY))


def _edges() -> list[str]:
    """Every code point whose properties differ from the one before it (the table's range
    edges, where a wrong table would show), every code point below U+3000, and a sample."""
    props = library().lc_test_props
    rng = random.Random(15)
    return [
        c
        for i, c in enumerate(EVERY)
        if ord(c) < 0x3000 or props(ord(c)) != props(ord(EVERY[i - 1])) or rng.random() < 0.01
    ]


@ALL_KINDS
def test_every_range_edge_in_context_is_cut_as_tiktoken_cuts_it(kind):
    edges = _edges()
    for context in CONTEXTS:
        texts = [
            "|".join(context.format(c=c) for c in edges[i : i + 500])
            for i in range(0, len(edges), 500)
        ]
        assert_same_as_tiktoken(kind, texts)


# ---- adversarial sizes ---------------------------------------------------------------------

RUNS = [
    " ", "a", "A", "1", "!", "\n", "\r\n", " \n", "\t", "\u3000", "\u0301", "A\u0301", "日",
    "'s", "'", "a ", "  a", "👨\u200d👩\u200d👧", "\u200d", "🇫🇷", "Aa", "aA", ". ",
]  # fmt: skip


@ALL_KINDS
@pytest.mark.parametrize("run", RUNS)
def test_long_runs_are_cut_as_tiktoken_and_python_cut_them(kind, run):
    # tiktoken's backtracking regex overflows its stack on long whitespace runs: it checks
    # the short size, the pure-Python scanner the long one.
    assert_same_as_tiktoken(kind, [run * 1000, run * 1000 + "x", "x" + run * 1000])
    big = run * (10**6 // len(run))
    assert_same_as_python(kind, big)
    assert_same_as_python(kind, big + "x ")


@pytest.mark.parametrize(
    ("kind", "text", "count"),
    [
        ("o200k", " " * 10**7, 1),  # \s+(?!\S) up to the end
        ("o200k", "a" * 10**7, 1),
        ("o200k", "A" * 10**7 + "\u0301", 1),  # [upper-ish]* gives back to the last mark
        ("o200k", "1" * 10**7 + "0", 10**7 // 3 + 1),
        ("cl100k", " " * 10**7 + "x", 2),  # \s+(?!\S) leaves the last space to x
        ("cl100k", "a" * 10**7, 1),
        ("cl100k", "\n" * 10**7, 1),
        ("r50k", "!" * 10**7, 1),
        ("r50k", " \n" * (10**7 // 2) + "x", 3),  # the last \n alone: \s, not \s+(?!\S)
        ("r50k", "\u0301" * 10**7, 1),
    ],
)
def test_ten_million_characters_are_one_pass(kind, text, count):
    data = text.encode()
    assert library().lc_test_count(KINDS[kind], data, len(data), 1) == count


# ---- memory safety -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sanitized_driver(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("asan") / "scan_driver"
    probe = subprocess.run(
        ["gcc", "-fsanitize=address,undefined", "-x", "c", "-", "-o", str(out)],
        input="int main(void){return 0;}", capture_output=True, text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip("gcc here cannot build with -fsanitize=address,undefined")
    flags = ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    return build(out, *flags, "-DSCAN_DRIVER")


def _inputs() -> list[bytes]:
    rng = random.Random(15)
    valid = ["\n".join(evil_texts())] + [run * 10**5 for run in RUNS]
    raw = [rng.randbytes(10**5), bytes(range(256)) * 10, b"\xf0\x9f", b"a\xe6\x97", b"\xc3"]
    raw += [b"\xf4\x90\x80\x80\xf7\xbf\xbf\xbf 'x" * 100, b"'" + b"\xc5", b"'\xc5\xbf", b" \xc5"]
    return [t.encode() for t in valid] + raw


@ALL_KINDS
def test_under_address_and_undefined_sanitizers(kind, sanitized_driver, tmp_path):
    for i, data in enumerate(_inputs()):
        path = tmp_path / f"input{i}"
        path.write_bytes(data)
        done = subprocess.run([sanitized_driver, str(KINDS[kind]), path], capture_output=True)
        assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
        cuts = [int(line) for line in done.stdout.split()]
        assert cuts == native(kind).cuts(data)  # also for malformed UTF-8: no read past the end
        assert not data or cuts[-1] == len(data)
