"""The cl100k_base scanner, branch by branch.

Each case is `text → pieces` under the branch that must produce one of its pieces (the first
branch that matches where the piece starts). tiktoken cross-checks every case through ids, so
the pieces here are tiktoken's too.
"""

from __future__ import annotations

import llm_cost_cl100k as plugin
import pytest
from llm_cost_cl100k import scanner

import llm_cost_core as lc
from llm_cost_core.testing import branches, branches_used

SCAN = scanner.make()
BRANCHES = branches(scanner.PATTERN)
WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
NOT_BREAKS = [w for w in WHITE_SPACE if w not in "\r\n"]
SUFFIXES = ("s", "t", "re", "ve", "m", "ll", "d")
CASINGS = sorted(
    {
        "".join(c.upper() if n >> i & 1 else c for i, c in enumerate(suffix))
        for suffix in SUFFIXES
        for n in range(1 << len(suffix))
    }
)

CASES: dict[int, list[tuple[str, list[str]]]] = {
    1: [  # '(?i:[sdmt]|ll|ve|re)
        ("'s", ["'s"]),
        ("don't", ["don", "'t"]),
        ("DON'T", ["DON", "'T"]),
        ("they're", ["they", "'re"]),
        ("It's", ["It", "'s"]),
        ("it'sx", ["it", "'s", "x"]),
        ("I'll've", ["I", "'ll", "'ve"]),
        ("'tis", ["'t", "is"]),
        ("y'all'd've", ["y", "'all", "'d", "'ve"]),
        ("1's", ["1", "'s"]),
        ("'S'", ["'S", "'"]),
        ("it'ſ", ["it", "'ſ"]),  # (?i:s) matches the long s, in tiktoken too
        ("日本's", ["日本", "'s"]),
    ],
    2: [  # [^\r\n\p{L}\p{N}]?+\p{L}++
        ("hello", ["hello"]),
        ("Hello world", ["Hello", " world"]),
        ("HelloWorld", ["HelloWorld"]),
        ("CamelCaseHTTPRequest", ["CamelCaseHTTPRequest"]),
        ("HELLO WORLD", ["HELLO", " WORLD"]),
        ("$hello", ["$hello"]),
        ("(world)", ["(world", ")"]),
        ("\tworld", ["\tworld"]),
        ("\x85x", ["\x85x"]),  # NEL is whitespace but not CR/LF: a word's leading character
        ("a\u2028b", ["a", "\u2028b"]),
        ("😀word", ["😀word"]),
        ("a/b", ["a", "/b"]),
        ("can’t", ["can", "’t"]),  # the typographic apostrophe is a word's leading character
        ("l'été", ["l", "'été"]),
        ("ǅemal ʰʲʷ", ["ǅemal", " ʰʲʷ"]),
        ("Ελληνικά", ["Ελληνικά"]),
        ("日本語のテキスト", ["日本語のテキスト"]),
        ("\U0001e4d0\U0001e4ea", ["\U0001e4d0\U0001e4ea"]),  # Nag Mundari, Unicode 15
        ("\U00010d50\U00010d70", ["\U00010d50\U00010d70"]),  # Garay, Unicode 16
        ("a\U00010940b", ["a", "\U00010940b"]),  # Sidetic (Unicode 17): unassigned to tiktoken
    ],
    3: [  # \p{N}{1,3}+
        ("1", ["1"]),
        ("123", ["123"]),
        ("1234", ["123", "4"]),
        ("1234567890", ["123", "456", "789", "0"]),
        ("3.14", ["3", ".", "14"]),
        ("-5", ["-", "5"]),
        (" 42", [" ", "42"]),
        ("x2", ["x", "2"]),
        ("١٢٣٤", ["١٢٣", "٤"]),
        ("1١۲३", ["1١۲", "३"]),
        ("½²Ⅻ", ["½²Ⅻ"]),
        ("①②③④", ["①②③", "④"]),
    ],
    4: [  # ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        ("!!!", ["!!!"]),
        (" ...", [" ..."]),
        ("...\n\n", ["...\n\n"]),
        ("?!\r\n", ["?!\r\n"]),
        (".\r\n\r\n", [".\r\n\r\n"]),
        ("//\n/", ["//\n", "/"]),  # no slash after the line break (o200k takes it)
        ("</div>\n", ["</", "div", ">\n"]),
        ("http://x.y/z", ["http", "://", "x", ".y", "/z"]),
        ("😀😀", ["😀😀"]),
        (" 😀", [" 😀"]),
        ("👨\u200d👩\u200d👧", ["👨\u200d👩\u200d👧"]),
        ("1\ufe0f\u20e3", ["1", "\ufe0f\u20e3"]),  # keycap marks are not letters here
        ("cafe\u0301", ["cafe", "\u0301"]),  # nor is a combining accent
        ("rock 'n' roll", ["rock", " '", "n", "'", " roll"]),
        (" 's", [" '", "s"]),
        ("<|endoftext|>", ["<|", "endoftext", "|>"]),
        ("a\x1c\x1cb", ["a", "\x1c\x1c", "b"]),  # isspace() in Python, not White_Space
        ("\U0003d000/A", ["\U0003d000/", "A"]),  # CJK ext. after Unicode 16: unassigned
        ("a  !", ["a", " ", " !"]),
    ],
    5: [  # \s++$
        ("end  ", ["end", "  "]),
        ("a \n", ["a", " \n"]),
        ("x\n   ", ["x", "\n   "]),
        ("x\n\n  ", ["x", "\n\n  "]),
        ("\r\n\r\n", ["\r\n\r\n"]),
        ("x\r\n", ["x", "\r\n"]),
        (" ", [" "]),
    ],
    6: [  # \s*[\r\n]
        ("a\r\nb", ["a", "\r\n", "b"]),
        ("a\n\rb", ["a", "\n\r", "b"]),
        ("a\r\r\nb", ["a", "\r\r\n", "b"]),
        ("a\r\n\r\nb", ["a", "\r\n\r\n", "b"]),
        ("a\n\n\nb", ["a", "\n\n\n", "b"]),
        ("\nworld", ["\n", "world"]),
        ("a \r\n b", ["a", " \r\n", " b"]),
        ("a \r\n\tb", ["a", " \r\n", "\tb"]),
        ("a\n \nb", ["a", "\n \n", "b"]),
        ("a  \n  b", ["a", "  \n", " ", " b"]),
        ("x\n   y", ["x", "\n", "  ", " y"]),
        ("a\n/b", ["a", "\n", "/b"]),
    ],
    7: [  # \s+(?!\S)
        ("a   b", ["a", "  ", " b"]),
        ("a\t\tb", ["a", "\t", "\tb"]),
        ("a \t b", ["a", " \t", " b"]),
        ("a\xa0\xa0b", ["a", "\xa0", "\xa0b"]),
        ("a\u3000\u3000b", ["a", "\u3000", "\u3000b"]),
        ("a  😀", ["a", " ", " 😀"]),
    ],
    8: [  # \s
        ("a  1", ["a", " ", " ", "1"]),
        ("iPhone 15", ["iPhone", " ", "15"]),
        ("a\t1", ["a", "\t", "1"]),
        ("a\t!", ["a", "\t", "!"]),
        ("x\t's", ["x", "\t", "'s"]),  # a space would go with the apostrophe (branch 4)
    ],
}

ALL_CASES = [(number, text, pieces) for number, cases in CASES.items() for text, pieces in cases]


def test_eight_branches_in_tiktokens_order():
    assert "|".join(BRANCHES) == scanner.PATTERN == plugin.SPEC.pattern
    assert len(BRANCHES) == 8 == len(CASES)


@pytest.mark.parametrize(("branch", "text", "pieces"), ALL_CASES, ids=repr)
def test_branch_case(branch, text, pieces):
    assert list(SCAN(text)) == pieces
    assert branch in branches_used(BRANCHES, text, pieces)


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    return reference_encoding(lc.get_encoding("cl100k"))


def test_every_case_is_tiktokens(reference):
    enc = lc.get_encoding("cl100k")
    for _branch, text, _pieces in ALL_CASES:
        assert enc.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)


# -- edge cases over whole character sets --------------------------------------------------------


@pytest.mark.parametrize("w", NOT_BREAKS, ids=lambda w: f"U+{ord(w):04X}")
def test_each_whitespace_character(w, reference):
    enc = lc.get_encoding("cl100k")
    expected = {
        f"a{w}{w}{w}b": ["a", w + w, w + "b"],  # branch 7 leaves one for the word (branch 2)
        f"a{w}{w}": ["a", w + w],  # branch 5 at the end of the text
        f"a{w}{w}1": ["a", w, w, "1"],  # branch 7, then branch 8 before a digit
        f"a{w}{w}!": ["a", w, " !"] if w == " " else ["a", w, w, "!"],  # only U+0020 joins
        f"a{w}{w}😀": ["a", w, " 😀"] if w == " " else ["a", w, w, "😀"],
        f"a{w}\nb": ["a", w + "\n", "b"],  # branch 6 takes whitespace before a line break
        f"a{w}\r\n{w}b": ["a", w + "\r\n", w + "b"],
        f"a{w}\n{w}": ["a", w + "\n" + w],  # branch 5: trailing whitespace, breaks and all
        f"\n{w}a": ["\n", w + "a"],
        f"{w}'s": [" '", "s"] if w == " " else [w, "'s"],  # the contraction, after branch 8
    }
    for text, pieces in expected.items():
        assert list(SCAN(text)) == pieces, repr(text)
        assert enc.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)


@pytest.mark.parametrize("c", "\x1c\x1d\x1e\x1f", ids=lambda c: f"U+{ord(c):04X}")
def test_python_only_whitespace_is_punctuation(c):
    assert list(SCAN(f"a{c}{c}b")) == ["a", c + c, "b"]
    assert list(SCAN(f"a {c}\n")) == ["a", f" {c}\n"]


@pytest.mark.parametrize("casing", CASINGS)
def test_contraction_in_every_casing(casing):
    assert list(SCAN(f"x'{casing}")) == ["x", f"'{casing}"]
    assert list(SCAN(f"X'{casing} y")) == ["X", f"'{casing}", " y"]
    assert list(SCAN(f"1'{casing}")) == ["1", f"'{casing}"]
    assert list(SCAN(f"'{casing}")) == [f"'{casing}"]
    assert list(SCAN(f"x’{casing}")) == ["x", f"’{casing}"]  # typographic: a word, not branch 1


@pytest.mark.parametrize(
    ("unit", "length", "pieces"),
    [
        ("a", 10000, None),
        (" ", 10000, None),
        ("\n", 10000, None),
        ("😀", 2000, None),
        ("1", 10, ["111", "111", "111", "1"]),
    ],
)
def test_long_runs_are_one_piece_or_groups_of_three(unit, length, pieces):
    text = unit * length
    assert list(SCAN(text)) == (pieces or [text])


def test_pieces_always_join_back_into_the_text():
    for _branch, text, _pieces in ALL_CASES:
        assert "".join(SCAN(text * 3)) == text * 3


# -- why branch 5 (\s++$) changes pieces but never ids -------------------------------------------

_WS = [c.encode() for c in WHITE_SPACE]
_NOT_BREAK = [w for w in _WS if w not in (b"\r", b"\n")]


def _inside_whitespace(data: bytes, chars: list[bytes], *, at_start: bool) -> bool:
    """Whether `data` can be the start (or end) of the UTF-8 of a run of `chars`."""
    while data:
        step = next((w for w in chars if (data.startswith if at_start else data.endswith)(w)), None)
        if step is None:
            return any((w.startswith if at_start else w.endswith)(data) for w in chars)
        data = data[len(step) :] if at_start else data[: -len(step)]
    return True


def test_no_token_spans_the_last_line_break_of_a_whitespace_run():
    """Branch 5 keeps `'\\n   '` at the end of the text whole where branches 6 and 7 would cut it
    after the break. BPE could only tell the two apart through a token holding a line break and
    then non-break whitespace; cl100k has none, so the branch never changes ids (the docs say so).
    """
    decoder = lc.get_encoding("cl100k").decoder
    spanning = [
        token
        for token in decoder.values()
        for i, byte in enumerate(token)
        if byte in b"\r\n"
        and token[i + 1 :]
        and _inside_whitespace(token[i + 1 :], _NOT_BREAK, at_start=True)
        and _inside_whitespace(token[: i + 1], _WS, at_start=False)
    ]
    assert spanning == []
    assert b"\n\n" in decoder.values() and b"  \n" in decoder.values()  # the check can see tokens
