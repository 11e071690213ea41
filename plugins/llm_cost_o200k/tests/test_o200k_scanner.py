"""The o200k_base scanner, branch by branch.

Each case is `text → pieces` under the branch that must produce one of its pieces (the first
branch that matches where the piece starts). tiktoken cross-checks every case through ids, so
the pieces here are tiktoken's too.
"""

from __future__ import annotations

import llm_cost_o200k as plugin
import pytest
from llm_cost_o200k import scanner

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
    1: [  # [^\r\n\p{L}\p{N}]?[upper-ish]*[lower-ish]+ contraction?
        ("hello", ["hello"]),
        ("Hello world", ["Hello", " world"]),
        ("HelloWorld", ["Hello", "World"]),
        ("HTTPServer", ["HTTPServer"]),
        ("CamelCaseHTTPRequest", ["Camel", "Case", "HTTPRequest"]),
        ("iPhone", ["i", "Phone"]),
        ("$hello", ["$hello"]),
        ("(world)", ["(world", ")"]),
        ("\tworld", ["\tworld"]),
        ("\x85x", ["\x85x"]),  # NEL is whitespace but not CR/LF: a word's leading character
        ("a\u2028b", ["a", "\u2028b"]),
        ("😀word", ["😀word"]),
        ("a/b", ["a", "/b"]),
        ("1\ufe0f\u20e3", ["1", "\ufe0f\u20e3"]),  # keycap: VS16 and U+20E3 are marks
        ("\u2764\ufe0f you", ["\u2764\ufe0f", " you"]),  # a symbol, then a mark: a "word"
        ("\u0301A", ["\u0301", "A"]),  # a mark alone is lower-case-like
        ("A\u0301", ["A\u0301"]),
        ("cafe\u0301 naïve", ["cafe\u0301", " naïve"]),
        ("ǅemal", ["ǅemal"]),  # Lt starts a word
        ("aǅb", ["a", "ǅb"]),
        ("ʰA", ["ʰ", "A"]),  # Lm and Lo count as lower case before an upper-case letter
        ("Aʰ", ["Aʰ"]),
        ("日A", ["日", "A"]),
        ("A日", ["A日"]),
        ("日本語のテキスト", ["日本語のテキスト"]),
        ("Ελληνικά ΚΕΙΜΕΝΟ", ["Ελληνικά", " ΚΕΙΜΕΝΟ"]),
        ("ßtraße", ["ßtraße"]),
        ("don't", ["don't"]),
        ("It's", ["It's"]),
        ("it'sx", ["it's", "x"]),
        ("I'll've", ["I'll", "'ve"]),
        ("'tis", ["'tis"]),
        ("y'all'd've", ["y", "'all'd", "'ve"]),
        ("can’t", ["can", "’t"]),  # the typographic apostrophe is a word's leading character
        ("l'été", ["l", "'été"]),
        ("it'ſ", ["it'ſ"]),  # (?i:'s) matches the long s, in tiktoken too
        ("\U0001e4d0\U0001e4ea", ["\U0001e4d0\U0001e4ea"]),  # Nag Mundari, Unicode 15
        ("\U00010d50\U00010d70", ["\U00010d50\U00010d70"]),  # Garay upper then lower, Unicode 16
        ("a\U00010940b", ["a", "\U00010940b"]),  # Sidetic (Unicode 17): unassigned to tiktoken
    ],
    2: [  # [^\r\n\p{L}\p{N}]?[upper-ish]+[lower-ish]*contraction?
        ("HELLO", ["HELLO"]),
        ("HELLO WORLD", ["HELLO", " WORLD"]),
        ("DON'T", ["DON'T"]),
        ("WE'RE", ["WE'RE"]),
        ("'S'", ["'S", "'"]),
        ("aB", ["a", "B"]),
        ("ǅ", ["ǅ"]),
        ("aǅ", ["a", "ǅ"]),
        ("I'm", ["I'm"]),
        (" A", [" A"]),
        ("\U00010d50", ["\U00010d50"]),
    ],
    3: [  # \p{N}{1,3}
        ("1", ["1"]),
        ("12", ["12"]),
        ("123", ["123"]),
        ("1234", ["123", "4"]),
        ("12345", ["123", "45"]),
        ("1234567890", ["123", "456", "789", "0"]),
        ("3.14", ["3", ".", "14"]),
        ("1,000", ["1", ",", "000"]),
        ("-5", ["-", "5"]),
        (" 42", [" ", "42"]),
        ("x2", ["x", "2"]),
        ("2x", ["2", "x"]),
        ("١٢٣٤", ["١٢٣", "٤"]),
        ("१२३", ["१२३"]),
        ("1١۲३", ["1١۲", "३"]),
        ("½²Ⅻ", ["½²Ⅻ"]),
        ("①②③④", ["①②③", "④"]),
        ("𝟙𝟚", ["𝟙𝟚"]),
        ("1's", ["1", "'s"]),
    ],
    4: [  # ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        ("!!!", ["!!!"]),
        (" ...", [" ..."]),
        ("...\n\n", ["...\n\n"]),
        ("?!\r\n", ["?!\r\n"]),
        (".\r\n\r\n", [".\r\n\r\n"]),
        ("//\n/", ["//\n/"]),
        ("!\n/", ["!\n/"]),
        ("</div>\n", ["</", "div", ">\n"]),
        ("http://x.y/z", ["http", "://", "x", ".y", "/z"]),
        ("😀😀", ["😀😀"]),
        (" 😀", [" 😀"]),
        ("👨\u200d👩\u200d👧", ["👨\u200d👩\u200d👧"]),
        ("🇫🇷🇩🇪", ["🇫🇷🇩🇪"]),
        ("rock 'n' roll", ["rock", " '", "n", "'", " roll"]),
        (" 's", [" '", "s"]),
        ("<|endoftext|>", ["<|", "endoftext", "|>"]),
        ("<|endofprompt|>x", ["<|", "endofprompt", "|>", "x"]),  # one leading char at most
        ("a\x1c\x1cb", ["a", "\x1c\x1c", "b"]),  # isspace() in Python, not White_Space
        ("\u200b", ["\u200b"]),
        ("\U0003d000/A", ["\U0003d000/", "A"]),  # CJK ext. after Unicode 16: unassigned
        ("a  !", ["a", " ", " !"]),
    ],
    5: [  # \s*[\r\n]+
        ("\n", ["\n"]),
        ("\r", ["\r"]),
        ("a\r\nb", ["a", "\r\n", "b"]),
        ("a\n\rb", ["a", "\n\r", "b"]),
        ("a\r\r\nb", ["a", "\r\r\n", "b"]),
        ("a\r\n\r\nb", ["a", "\r\n\r\n", "b"]),
        ("a\n\n\nb", ["a", "\n\n\n", "b"]),
        ("\nworld", ["\n", "world"]),
        ("end\n", ["end", "\n"]),
        ("x \r\n", ["x", " \r\n"]),
        ("a \r\n b", ["a", " \r\n", " b"]),
        ("a \r\n\tb", ["a", " \r\n", "\tb"]),
        ("a\n \nb", ["a", "\n \n", "b"]),
        ("a  \n  b", ["a", "  \n", " ", " b"]),
        ("x\n   y", ["x", "\n", "  ", " y"]),
        ("x\n\n  ", ["x", "\n\n", "  "]),
        ("\u3000\n", ["\u3000\n"]),
        ("a\n/b", ["a", "\n", "/b"]),
    ],
    6: [  # \s+(?!\S)
        ("a   b", ["a", "  ", " b"]),
        ("a  ", ["a", "  "]),
        ("  ", ["  "]),
        ("a\t\tb", ["a", "\t", "\tb"]),
        ("a \t b", ["a", " \t", " b"]),
        ("a\xa0\xa0b", ["a", "\xa0", "\xa0b"]),
        ("a\u3000\u3000b", ["a", "\u3000", "\u3000b"]),
        ("x\n   ", ["x", "\n", "   "]),
        ("a  😀", ["a", " ", " 😀"]),
    ],
    7: [  # \s+
        ("a  1", ["a", " ", " ", "1"]),
        ("iPhone 15", ["i", "Phone", " ", "15"]),
        ("a\t1", ["a", "\t", "1"]),
        ("a\u3000\u30001", ["a", "\u3000", "\u3000", "1"]),
        ("a\t!", ["a", "\t", "!"]),
    ],
}

ALL_CASES = [(number, text, pieces) for number, cases in CASES.items() for text, pieces in cases]


def test_seven_branches_in_tiktokens_order():
    assert "|".join(BRANCHES) == scanner.PATTERN == plugin.SPEC.pattern
    assert len(BRANCHES) == 7 == len(CASES)


@pytest.mark.parametrize(("branch", "text", "pieces"), ALL_CASES, ids=repr)
def test_branch_case(branch, text, pieces):
    assert list(SCAN(text)) == pieces
    assert branch in branches_used(BRANCHES, text, pieces)


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("tiktoken")
    from llm_cost_core.testing import reference_encoding

    return reference_encoding(lc.get_encoding("o200k"))


def test_every_case_is_tiktokens(reference):
    enc = lc.get_encoding("o200k")
    for _branch, text, _pieces in ALL_CASES:
        assert enc.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)


# -- edge cases over whole character sets, with the branch each piece comes from ---------------


@pytest.mark.parametrize("w", NOT_BREAKS, ids=lambda w: f"U+{ord(w):04X}")
def test_each_whitespace_character(w, reference):
    enc = lc.get_encoding("o200k")
    expected = {
        f"a{w}{w}{w}b": ["a", w + w, w + "b"],  # branch 6 leaves one for the word (branch 1)
        f"a{w}{w}": ["a", w + w],  # branch 6 at the end of the text
        f"a{w}{w}1": ["a", w, w, "1"],  # branch 6, then branch 7 before a digit
        f"a{w}{w}!": ["a", w, " !"] if w == " " else ["a", w, w, "!"],  # only U+0020 joins
        f"a{w}{w}😀": ["a", w, " 😀"] if w == " " else ["a", w, w, "😀"],
        f"a{w}\n": ["a", w + "\n"],  # branch 5 takes whitespace before a line break
        f"a{w}\r\n{w}b": ["a", w + "\r\n", w + "b"],
        f"\n{w}a": ["\n", w + "a"],
        # A contraction needs letters before it; the apostrophe leads the word "s" instead.
        f"{w}'s": [" '", "s"] if w == " " else [w, "'s"],
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
    assert list(SCAN(f"x'{casing}")) == [f"x'{casing}"]  # branch 1: after a lower-case word
    assert list(SCAN(f"X'{casing}")) == [f"X'{casing}"]  # branch 2: after an upper-case one
    assert list(SCAN(f"x'{casing} y")) == [f"x'{casing}", " y"]
    assert SCAN(f"x’{casing}")[:1] == ["x"]  # typographic: no contraction, a new word
    assert SCAN(f"1'{casing}")[:1] == ["1"]  # after a digit: no contraction, a new word


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
