"""The r50k_base scanner (shared by gpt2, p50k_base and p50k_edit), branch by branch.

Each case is `text → pieces` under the branch that must produce one of its pieces. tiktoken
cross-checks every case through ids, for r50k_base and for p50k_base (whose space tokens make
the whitespace branches visible in ids).
"""

from __future__ import annotations

import llm_cost_r50k as plugin
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from llm_cost_r50k import scanner

import llm_cost_core as lc
from llm_cost_core.engine.scanner import compile_pinned
from llm_cost_core.testing import branches, branches_used

SCAN = scanner.make()
BRANCHES = branches(scanner.PATTERN)

CASES: dict[int, list[tuple[str, list[str]]]] = {
    1: [  # '(?:[sdmt]|ll|ve|re)
        ("'s", ["'s"]),
        ("don't", ["don", "'t"]),
        ("they're", ["they", "'re"]),
        ("I'll've", ["I", "'ll", "'ve"]),
        ("'tis", ["'t", "is"]),
        ("y'all'd", ["y", "'", "all", "'d"]),  # 'a is not a suffix: the apostrophe stands alone
        ("1's", ["1", "'s"]),
        ("x\t's", ["x", "\t", "'s"]),
    ],
    2: [  # ' ?\p{L}++'
        ("hello", ["hello"]),
        ("Hello world", ["Hello", " world"]),
        ("HelloWorld", ["HelloWorld"]),
        ("DON'T", ["DON", "'", "T"]),  # contractions are lower case only (cl100k folds case)
        ("it'S", ["it", "'", "S"]),
        ("$hello", ["$", "hello"]),  # no punctuation before letters (cl100k takes one)
        ("\tworld", ["\t", "world"]),
        ("é l'été", ["é", " l", "'", "été"]),
        ("日本語", ["日本語"]),
        (" ǅemal", [" ǅemal"]),
    ],
    3: [  # ' ?\p{N}++'
        ("1", ["1"]),
        ("123456789012", ["123456789012"]),  # one run of any length (cl100k cuts by three)
        (" 42", [" 42"]),
        ("x2", ["x", "2"]),
        ("3.14", ["3", ".", "14"]),
        ("١٢٣٤٥", ["١٢٣٤٥"]),
        ("½²Ⅻ", ["½²Ⅻ"]),
        ("a  1", ["a", " ", " 1"]),
    ],
    4: [  # ' ?[^\s\p{L}\p{N}]++'
        ("!!!", ["!!!"]),
        (" ...", [" ..."]),
        ("it’s", ["it", "’", "s"]),
        ("(world)", ["(", "world", ")"]),
        ("</div>\n", ["</", "div", ">", "\n"]),  # no line breaks after punctuation
        (" 😀", [" 😀"]),
        ("rock 'n' roll", ["rock", " '", "n", "'", " roll"]),
        ("a\x1c\x1cb", ["a", "\x1c\x1c", "b"]),  # isspace() in Python, not White_Space
        ("a  !", ["a", " ", " !"]),
    ],
    5: [  # \s++$
        ("end  ", ["end", "  "]),
        ("a \n", ["a", " \n"]),
        ("x\n   ", ["x", "\n   "]),
        ("...\n\n", ["...", "\n\n"]),
        ("\r\n\r\n", ["\r\n\r\n"]),
        (" ", [" "]),
    ],
    6: [  # \s+(?!\S)
        ("a   b", ["a", "  ", " b"]),
        ("a \t b", ["a", " \t", " b"]),
        ("a  \n  b", ["a", "  \n ", " b"]),  # no line-break branch: one run, less its last space
        ("x\n   y", ["x", "\n  ", " y"]),
        ("a\r\nb", ["a", "\r", "\n", "b"]),
        ("\n\nx", ["\n", "\n", "x"]),
    ],
    7: [  # \s
        ("a\t\tb", ["a", "\t", "\t", "b"]),
        ("a\xa0\xa0b", ["a", "\xa0", "\xa0", "b"]),
        ("a\t1", ["a", "\t", "1"]),
        ("a\t!", ["a", "\t", "!"]),
        ("//\n/", ["//", "\n", "/"]),
        ("a\n1", ["a", "\n", "1"]),
    ],
}

ALL_CASES = [(number, text, pieces) for number, cases in CASES.items() for text, pieces in cases]


def test_seven_branches_in_tiktokens_order():
    assert "|".join(BRANCHES) == scanner.PATTERN == plugin.R50K.pattern
    assert len(BRANCHES) == 7 == len(CASES)
    assert all(spec.pattern == scanner.PATTERN for spec in plugin.SPECS)


@pytest.mark.parametrize(("branch", "text", "pieces"), ALL_CASES, ids=repr)
def test_branch_case(branch, text, pieces):
    assert list(SCAN(text)) == pieces
    assert branch in branches_used(BRANCHES, text, pieces)


@pytest.mark.parametrize("name", ["r50k", "p50k"])
def test_every_case_is_tiktokens(name):
    pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    enc = lc.get_encoding(name)
    reference = reference_encoding(enc)
    for _branch, text, _pieces in ALL_CASES:
        for variant in (text, text * 3, f"x {text} y"):
            assert enc.encode_ordinary(variant) == reference.encode_ordinary(variant), repr(text)
            assert enc.count(variant) == len(reference.encode_ordinary(variant)), repr(text)


def test_scanner_promises_are_declared():
    """Declared here, proved for every installed encoding by core's test_scanner_promises.py."""
    assert SCAN.splits_before_space is True
    assert SCAN.splits_after_newline is True
    assert SCAN.ascii_pattern == scanner.ASCII_PATTERN


def test_space_runs_are_p50k_tokens():
    """p50k_base's one difference from r50k_base: runs of 2 to 25 spaces are single tokens."""
    r50k, p50k = lc.get_encoding("r50k"), lc.get_encoding("p50k")
    for run in range(2, 26):
        text = "x" + " " * (run + 1) + "y"  # the last space goes with the word
        assert p50k.encode_ordinary(text) == [87, 50255 + run, 331]
        assert r50k.encode_ordinary(text) == [87, *[220] * run, 331]
        assert p50k.decode([50255 + run]) == " " * run


def test_long_space_runs_are_tiktokens():
    pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    for name in ("r50k", "p50k"):
        enc = lc.get_encoding(name)
        reference = reference_encoding(enc)
        for run in range(1, 80):
            for text in (" " * run, "a" + " " * run, " " * run + "a", "a" + " " * run + "\n"):
                assert enc.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)


@settings(max_examples=2000, deadline=None)
@given(text=st.text(alphabet=" \t\n\r\xa0\u3000ab1!'", max_size=30) | st.text(max_size=30))
def test_end_anchored_branch_changes_no_piece(text):
    """`\\s++$` is followed by `\\s+(?!\\S)`, which takes the same trailing run at the same place:
    tiktoken added it for speed ("equivalent, but executes faster"), so the pattern without it
    splits every text the same. (That is why the Evil Corpus test lets it change nothing.)"""
    without = compile_pinned("|".join(b for b in BRANCHES if b != r"\s++$"))
    assert without.findall(text) == SCAN(text)
