"""Write the static parity corpora: testdata/evil_corpus_v2.jsonl (o200k and cl100k), and the
plugins' own parts of it (plugins/llm_cost_*/llm_cost_*/parity_corpus.jsonl): the r50k family's
and o200k_harmony's.

Each line is one case, `{"encoding", "category", "text", "ids", "tiktoken_version"}`, where `ids` is
tiktoken's `encode_ordinary(text)`. tiktoken (pinned 0.14.0) runs offline on the vocab each plugin
ships (`llm_cost_core.verify.reference`), so nothing is downloaded.

Texts come from Unicode data as tiktoken itself sees it: a probe Encoding whose pattern is one class
(`\\p{Lu}`, `\\p{Script=Greek}`, `\\p{Age=16.0}`) and whose vocab is the 256 single bytes returns
exactly the code points in that class. Python's `unicodedata` (Unicode 13 to 15.1 across Python
3.10-3.13) and the `regex` module (whatever Unicode its release carries) would each give another
answer; tiktoken's answer is the one parity is about, and it makes the output the same everywhere.
Hand-written sentences, code and emoji sequences fill in what tables cannot.

Deterministic: a fixed seed, sorted iteration, no clock. Re-running writes the same bytes.
The corpus is the regression suite: a parity bug found anywhere adds its text to REGRESSIONS.

The GPT-2-era encodings (r50k and p50k; gpt2 and p50k_edit give the same ids as they do on ordinary
text) get every text up to LEGACY_MAX_CHARS characters plus the `r50k_branches` category, which
aims at their pattern (lower-case-only contractions, digit runs of any length, punctuation
without line breaks, space runs that p50k makes single tokens); LEGACY_ENCODINGS says which
categories each gets. o200k_harmony gets a few categories (HARMONY_ENCODINGS). These live in
the plugins' packages (their `EncodingSpec.corpus`, which the parity runner reads), so that
each file stays under 1 MB and a plugin's cases ship with the plugin.

    python tools/gen_evil_corpus.py            # write both files
    python tools/gen_evil_corpus.py --check    # exit 1 if a committed file is not what it writes
    python tools/gen_evil_corpus.py --stats    # cases per encoding and category
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import random
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import regex
import tiktoken

import llm_cost_core as lc
from llm_cost_core.verify.reference import tiktoken_encoding

SEED = 20261128
TIKTOKEN_VERSION = "0.14.0"
ENCODINGS = ("o200k", "cl100k")
REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "testdata" / "evil_corpus_v2.jsonl"
LEGACY_OUT = REPO / "plugins" / "llm_cost_r50k" / "llm_cost_r50k" / "parity_corpus.jsonl"
LEGACY_MAX_CHARS = 1200
HARMONY_OUT = REPO / "plugins" / "llm_cost_o200k" / "llm_cost_o200k" / "parity_corpus.jsonl"
# The categories each encoding gets (None: all). p50k differs from r50k only in runs of spaces,
# so it gets the categories that have them; gpt2, p50k_edit and o200k_harmony give the ids of
# r50k, p50k and o200k on ordinary text, so a few categories check each end to end.
LEGACY_ENCODINGS: dict[str, set[str] | None] = {
    "r50k": None,
    "p50k": {"whitespace", "long_runs", "code", "mixed", "multilingual", "r50k_branches"},
    "gpt2": {"r50k_branches", "regressions"},
    "p50k_edit": {"r50k_branches", "regressions"},
}
HARMONY_ENCODINGS: dict[str, set[str] | None] = {
    "o200k_harmony": {"special_tokens", "regressions", "contractions", "code"},
}

# Unicode 16 scripts as tiktoken 0.14.0's Rust regex names them (Script=...), sorted.
SCRIPTS = [
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma",
    "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot",
    "Cypro_Minoan", "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
    "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Garay", "Georgian", "Glagolitic",
    "Gothic", "Grantha", "Greek", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Gurung_Khema",
    "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana",
    "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian",
    "Javanese", "Kaithi", "Kannada", "Katakana", "Kawi", "Kayah_Li", "Kharoshthi",
    "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi", "Kirat_Rai", "Lao", "Latin",
    "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani",
    "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
    "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi",
    "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari", "Nandinagari",
    "New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki",
    "Ol_Onal", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian",
    "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya",
    "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi",
    "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham",
    "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese", "Sunuwar",
    "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri",
    "Tamil", "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta",
    "Todhri", "Toto", "Tulu_Tigalari", "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Warang_Citi",
    "Yezidi", "Yi", "Zanabazar_Square",
]  # fmt: skip

# Code points that tiktoken 0.14.0 (Unicode 16) leaves unassigned, or classes differently, and that
# later Unicode versions (as the `regex` module 2026.11 carries them) make letters, marks or
# digits. A scanner that takes its classes from a newer table splits these differently.
ASSIGNED_AFTER_UNICODE_16 = [
    (0x295, 0x295), (0x558, 0x558), (0x58B, 0x58C), (0x5C8, 0x5C9), (0x88F, 0x88F),
    (0xB53, 0xB54), (0xC5C, 0xC5C), (0xCDC, 0xCDC), (0x1ACF, 0x1AF0), (0x208F, 0x208F),
    (0x209D, 0x209F), (0xA7CE, 0xA7CF), (0xA7D2, 0xA7D2), (0xA7D4, 0xA7D4), (0xA7DD, 0xA7DD),
    (0xA7E2, 0xA7E2), (0xA7F1, 0xA7F1), (0xAB6C, 0xAB6D), (0x107BB, 0x107BF), (0x10940, 0x10959),
    (0x10EC5, 0x10EC7), (0x10ECB, 0x10ECF), (0x10ED9, 0x10EEE), (0x10EF0, 0x10EFB),
    (0x11B0A, 0x11B0A), (0x11B60, 0x11B67), (0x11DB0, 0x11DDB), (0x11DE0, 0x11DE9),
    (0x11DF0, 0x11DF1), (0x1246F, 0x1246F), (0x12475, 0x1247F), (0x12550, 0x12686),
    (0x16EA0, 0x16EB8), (0x16EBB, 0x16ED3), (0x16FF2, 0x16FF6), (0x187F8, 0x187FF),
    (0x18CD6, 0x18CDA), (0x18D09, 0x18D20), (0x18D80, 0x18DF2), (0x18E00, 0x19191),
    (0x191A0, 0x191D2), (0x1B123, 0x1B128), (0x1B168, 0x1B168), (0x1D127, 0x1D128),
    (0x1D250, 0x1D252), (0x1D25B, 0x1D25C), (0x1D25F, 0x1D25F), (0x1D280, 0x1D281),
    (0x1D6A6, 0x1D6A6), (0x1DF1F, 0x1DF24), (0x1DF2B, 0x1DF81), (0x1DF90, 0x1DF96),
    (0x1DFCD, 0x1DFFF), (0x1E6C0, 0x1E6DE), (0x1E6E0, 0x1E6F5), (0x1E6FE, 0x1E6FF),
    (0x2B73A, 0x2B73F), (0x2B81E, 0x2B81E), (0x2CEA2, 0x2CEAD), (0x323B0, 0x33479),
    (0x3D000, 0x3FC3F),
]  # fmt: skip

# Every parity bug found adds its text here (with a comment saying what it was).
REGRESSIONS = [
    # U+0295 is Ll to tiktoken 0.14 (Unicode 16) and Lo from Unicode 17 on.
    "ʕ", "Aʕ", "ʕA", "aʕb", "Aʕ's", " ʕʔ", "ʕ'S",
    # Unicode 17 letters that newer `regex` releases class as \p{L}: tiktoken 0.14 does not.
    "a\U00010940b", " \U00011db0", "\U00016ea0\U00016ebb", "x\U000323b0y", "\ua7ce\ua7cfz",
    # Long s folds to s: (?i:'s) matches "'ſ" in both engines.
    "it'ſ", "IT'ſ", "'ſ", "ſ'ſ",
    # Kelvin sign and other non-ASCII case folds next to contractions.
    "\u212a's", "ﬀ'll", "İ'D",
]  # fmt: skip

CONTRACTION_SUFFIXES = ("s", "t", "re", "ve", "m", "ll", "d")
APOSTROPHES = ("'", "’", "ʼ", "‘", "＇", "`", "´", "′")


class Unicode:
    """Character classes as tiktoken's regex engine sees them."""

    def __init__(self) -> None:
        self.every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x110000)))
        self.bytes_ranks = {bytes([b]): b for b in range(256)}

    @functools.cache  # noqa: B019 - one instance per run
    def chars(self, pattern: str) -> str:
        """Every code point that `pattern` (one character wide) matches, in code point order."""
        probe = tiktoken.Encoding(
            "probe", pat_str=pattern, mergeable_ranks=self.bytes_ranks, special_tokens={}
        )
        return probe.decode_bytes(probe.encode_ordinary(self.every)).decode("utf-8")

    def by_script(self, category: str) -> dict[str, str]:
        """The code points of `category` in each script that has any."""
        out = {}
        members = set(self.chars(rf"\p{{{category}}}"))
        for script in SCRIPTS:
            found = "".join(c for c in self.chars(rf"\p{{Script={script}}}") if c in members)
            if found:
                out[script] = found
        return out

    def added_in(self, version: str, previous: str) -> str:
        """Code points first assigned in `version` (tiktoken's Age is cumulative)."""
        earlier = set(self.chars(rf"\p{{Age={previous}}}"))
        return "".join(c for c in self.chars(rf"\p{{Age={version}}}") if c not in earlier)


def spread(rng: random.Random, chars: str, k: int) -> list[str]:
    """`k` characters from `chars`, spread over the whole range, in order."""
    if len(chars) <= k:
        return list(chars)
    return [chars[i] for i in sorted(rng.sample(range(len(chars)), k))]


def in_contexts(rng: random.Random, run: str, contexts: list[str], k: int) -> list[str]:
    return [context.replace("{c}", run) for context in rng.sample(contexts, min(k, len(contexts)))]


# -- categories ---------------------------------------------------------------------------------


def whitespace(u: Unicode, rng: random.Random) -> list[str]:
    """Every White_Space character, the ones only Python's isspace takes, look-alikes, and CRLF."""
    spaces = list(u.chars(r"\s"))
    assert len(spaces) == 25, spaces
    python_only = ["\x1c", "\x1d", "\x1e", "\x1f"]  # str.isspace() but not Unicode White_Space
    lookalikes = ["\u200b", "\u180e", "\ufeff", "\u2060", "\u200c", "\u200d", "\u00ad", "\u3164"]
    # Every character: alone, doubled (end of text), before a letter, a digit, punctuation and
    # an emoji (one and two of it), and around newlines. Then a seeded few more contexts each.
    contexts = [
        "{c}", "{c}{c}", "{c}{c}{c}", "a{c}b", "a{c}{c}b", "{c}{c}a", "{c}1", "{c}{c}7", "{c}!",
        "{c}{c}?", "{c}😀", "{c}{c}😀", "a{c}", "{c}\n", "{c}{c}\n", "\n{c}a", "{c}\r\na",
    ]  # fmt: skip
    more = [
        "{c}" * 6, "a{c}{c}{c}b", "{c}a", "a{c}{c}", "!{c}", "\n{c}", "{c}\r\n", " {c}a", "{c} a",
        "'{c}", "{c}'s", "{c}\u0301", "{c}日本", "1{c}2", "{c}{c}\n\n",
    ]  # fmt: skip
    texts = []
    for w in spaces + python_only:
        texts += [context.replace("{c}", w) for context in contexts]
        texts += in_contexts(rng, w, more, 2)
    for w in lookalikes:  # not whitespace to either engine: a few contexts suffice
        texts += in_contexts(rng, w, contexts + more, 6)
    newlines = [
        "\r",
        "\n",
        "\r\n",
        "\n\r",
        "\r\r",
        "\n\n",
        "\r\n\r\n",
        "\n\r\n",
        "\r\n\n",
        "\r\r\n",
    ]
    crlf_contexts = [
        "{c}", "a{c}b", "a{c}", "{c}b", " {c} b", "a {c}", "a{c}  b", "!{c}b", ".{c}/",
        "\t{c}\t", "{c} ", "a{c} ", "  {c}  ", "x  {c}", "{c}1", "{c}😀", ")\t{c}",
        "a{c}    ", "a{c}    b", "{c}\t\t",
    ]  # fmt: skip
    for seq in newlines:
        texts += [context.replace("{c}", seq) for context in crlf_contexts]
    alphabet = [*spaces, *python_only, "\r", "\n", "\r\n", " ", " ", "\t"]
    endings = ["", "a", "1", "!", "😀", " a", "\u3042", "\n", "'s", "\u0301"]
    for _ in range(50):
        run = "".join(rng.choices(alphabet, k=rng.randint(2, 9)))
        texts.append(rng.choice(["", "a", "!", "1"]) + run + rng.choice(endings))
    return texts


def contractions(u: Unicode, rng: random.Random) -> list[str]:
    """Suffixes in every casing after ASCII and typographic apostrophes; non-contractions."""
    casings = sorted(
        {
            "".join(c.upper() if n >> i & 1 else c for i, c in enumerate(s))
            for s in CONTRACTION_SUFFIXES
            for n in range(1 << len(s))
        }
    )
    bases = ["it", "DON", "x", "I", "é", "Ω", "日本", "1", " ", "", "we ", "A"]
    texts = []
    for suffix in casings:
        for apostrophe in ("'", "’"):
            for base in rng.sample(bases, 2):
                texts.append(base + apostrophe + suffix)
            texts.append(f"x{apostrophe}{suffix}y")  # followed by a letter: not a suffix alone
            texts.append(f"{apostrophe}{suffix} ")
    for apostrophe in APOSTROPHES[2:]:
        for suffix in CONTRACTION_SUFFIXES:
            texts.append(f"it{apostrophe}{suffix}")
    texts += [
        "don't", "DON'T", "Don'T", "can't've", "y'all'd've", "'tis", "'twas", "o'clock",
        "O'Neil", "rock 'n' roll", "'quoted'", "\"it's\"", "''", "'''", "'''s", "'", "' s",
        "'s", "x'", "dogs'", "dogs' ", "l'été", "l’amour", "aujourd'hui", "'ve'", "'re'll",
        "'LL'D", "ma'am", "ne'er", "'90s", "90's", "1's", "it''s", "it' s", "it 's", "'s's's",
        "don‛t", "it\u2019s\u2019s", "Ĳ's", "ǅ'S", "ß't", "ﬁ'd", "’", "’’", "x’’s",
        "can't\n", "won't!", "she'd've", "I'm'n", "'M", "'mm", "'ss", "'tt", "'lls", "'ve1",
        " 'll", "\n're", "\t'd", "  'S", "A'B'C'D", "'a'b'c", "it'sIT'S", "WE'REn't", "ё's",
    ]  # fmt: skip
    return texts


LETTER_CONTEXTS = {
    "Lu": ["{c}", "{c}abc", "abc{c}", " {c}", "{c}'S", "A{c}b", "1{c}", "{c}ABCdef", "!{c}"],
    "Ll": ["{c}", "A{c}", "ABC{c}d", " {c}", "{c}'s", "{c}A", "!{c}", "Ab{c}Cd", "1{c}"],
    "Lt": ["{c}", "{c}a", "A{c}", "{c}A", " {c}b", "{c}'ll", "{c}{c}", "a{c}"],
    "Lm": ["{c}", "A{c}", "{c}A", "a{c}b", "A{c}B", " {c}", "{c}'ll", "{c}{c}a"],
    "Lo": ["{c}", "A{c}", "{c}a", "A{c}b", " {c}", "{c}'re", "{c}1", "aB{c}Cd"],
    "Mn": ["{c}", "e{c}", "A{c}", "a{c}B", " {c}", "1{c}", "!{c}", "\n{c}", "'{c}s", "{c}a"],
    "Mc": ["{c}", "e{c}", "A{c}", "a{c}B", " {c}", "1{c}", "!{c}", "{c}a"],
    "Me": ["{c}", "e{c}", "A{c}", " {c}", "1{c}", "!{c}", "😀{c}"],
}


def letters(u: Unicode, rng: random.Random) -> list[str]:
    """Each letter and mark category the patterns name, in every script that has it."""
    texts = []
    for category, contexts in LETTER_CONTEXTS.items():
        for script, chars in u.by_script(category).items():
            run = "".join(spread(rng, chars, rng.randint(1, 4)))
            texts += in_contexts(rng, run, contexts, 1)
            if script in ("Latin", "Greek", "Cyrillic", "Common", "Inherited"):
                texts.append("".join(spread(rng, chars, 12)))
    texts += [
        "HelloWorld", "helloWorld", "HTTPServer", "ABCdefGHI", "getHTTPResponseCode", "iPhone",
        "McDonald's", "ǅemal ǈubljana ǋenjaš", "ᾈᾉᾊ", "ΆΈΉ", "ʰʲʷ", "aʰb", "Aʰ", "ʰA",
        "日本語Text", "TEXT日本語", "ÀÉÎõü", "ǄǅǆǇǈǉ", "𝐀𝐁𝐂𝐚𝐛𝐜", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "ⒶⓐⓏⓩ",
        "e\u0301\u0301\u0301", "A\u030a", "\u0301\u0301", "é̃", "ग्र", "क्षत्रिय", "நீ",
    ]  # fmt: skip
    return texts


def letters_new(u: Unicode, rng: random.Random) -> list[str]:
    """Letters, marks and digits added in Unicode 15.0, 15.1 and 16.0."""
    wanted = set(u.chars(r"[\p{L}\p{M}\p{N}]"))
    contexts = ["{c}", " {c}", "A{c}", "{c}a", "a{c}b", "{c}'s", "1{c}", "{c}{c}", "!{c}"]
    texts = []
    for version, previous in (("15.0", "14.0"), ("15.1", "15.0"), ("16.0", "15.1")):
        added = "".join(c for c in u.added_in(version, previous) if c in wanted)
        # CJK extensions are thousands of Lo in a row: sample the rest more densely.
        han = set(u.chars(r"\p{Script=Han}"))
        for chars, k in (
            ("".join(c for c in added if c not in han), 60),
            (
                "".join(c for c in added if c in han),
                6,
            ),
        ):
            for c in spread(rng, chars, k):
                texts += in_contexts(rng, c, contexts, 1)
    return texts


def numbers(u: Unicode, rng: random.Random) -> list[str]:
    """Every \\p{N} kind in every script, runs of 1 to 10, separators."""
    texts = []
    ascii_contexts = ["{c}", " {c}", "a{c}", "{c}a", "{c}\n", "-{c}", "{c}.{c}"]
    digits = "0123456789"
    for length in range(1, 11):
        for context in ascii_contexts:
            texts.append(context.replace("{c}", "".join(rng.choices(digits, k=length))))
    for category in ("Nd", "Nl", "No"):
        for _script, chars in u.by_script(category).items():
            for _ in range(1 if category == "Nd" else 2):
                run = "".join(rng.choices(chars, k=rng.randint(1, 10)))
                texts.append(
                    rng.choice(["{c}", " {c}", "a{c}", "{c}a", "1{c}"]).replace("{c}", run)
                )
    texts += [
        "1,000", "1.5", "1_000", "1 000", "1\u00a0000", "1\u202f000", "1'000", "1’000",
        "12:30", "-1", "+1", "1e-5", "1E+10", "0x1F", "0b1010", "3/4", "1/2/2024", "2024-05-13",
        "1.2.3", "10%", "$1,234.56", "€5", "1,234,567.89", "0.000001", "٣٫١٤", "١٬٠٠٠",
        "๑,๒๓๔", "1١۲३", "१२३४५६७८९०", "½¾⅓", "²³¹", "①②③④", "ⅠⅡⅢⅣ", "ⅰⅱⅲ", "〇一二三",
        "𝟙𝟚𝟛", "𝟎𝟏𝟐", "１２３４", "1st", "2nd", "3rd", "10km", "a1b2c3", "1a2b3c", "v1.2.3",
        "192.168.0.1", "+1 (555) 123-4567", "1e10", "3.14159265358979", "9" * 10, "0" * 7,
        "12345678901234567890", "1 2 3", "1\n2\n3", "1\r\n2", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹",
    ]  # fmt: skip
    return texts


def punctuation(u: Unicode, rng: random.Random) -> list[str]:
    """Punctuation and symbol runs, with a leading space, trailing newlines and slashes."""
    contexts = [
        "{c}", " {c}", "{c}\n", " {c}\n\n", "{c}\r\n", "{c}/", "{c}/\n", " {c}{c}", "a{c}",
        "{c}a", "a {c}\n", "{c}\n/", "{c}//\n\n", "{c}\r\n/", "  {c}", "{c} ", "{c}\n ",
        "{c}1", "1{c}", "{c}'s",
    ]  # fmt: skip
    texts = []
    for category in ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"):
        chars = u.chars(rf"\p{{{category}}}")
        ascii_chars = "".join(c for c in chars if c.isascii())
        for _ in range(10):
            pool = ascii_chars if ascii_chars and rng.random() < 0.5 else chars
            run = "".join(rng.choices(pool, k=rng.randint(1, 4)))
            texts += in_contexts(rng, run, contexts, 1)
    texts += [
        "!!!", "???", "...", "!?!?", ",,,", ";;;", ":::", "---", "***", "___", "###", "@@@",
        "!!!\n", "...\n\n", "?\r\n", ".\r\n\r\n", " .\n", " ...\n\n\n", "//", "///", "a//b",
        "a///c////d/\n/\n", "http://", "https://x.y/z", "</div>\n", "/>\n", "<br/>", "*/\n/",
        "?/", "./\r\n/", "/\n", "\n/", " /", "/ ", "//\n//", "// comment\n", "#!/bin/sh\n",
        "«»", "„“", "‹›", "—", "–", "…", "¡¿", "※", "·", "‽", "⁂", "〜", "。、", "！？",
        "{}", "[]", "()", "<>", "{{}}", "[[]]", "(((", ")))", "=>", "->", "::", "!=", "===",
        "<|", "|>", "||", "&&", "+=", "%s", "\\n", "\\\\", "~/", "$$", "^^", "''", '""', "``",
    ]  # fmt: skip
    return texts


def emoji(u: Unicode, rng: random.Random) -> list[str]:
    """ZWJ sequences, skin tones, flags, keycaps, variation selectors, emoji next to text."""
    pictographic = u.chars(r"\p{Extended_Pictographic}")
    tones = u.chars(r"\p{Emoji_Modifier}")
    indicators = u.chars(r"\p{Regional_Indicator}")
    texts = [
        "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🏳‍🌈", "🇫🇷", "🇺🇸🇬🇧", "1️⃣", "#️⃣", "*️⃣", "1⃣",
        "❤️", "❤︎", "❤", "🧑🏿‍💻", "👩‍❤️‍💋‍👨", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "☺", "☺️", "✌🏻", "🫠", "🪿",
        "🦀🐍", "😀😀😀", "🤷‍♀️", "🤷🏽‍♂️", "👁️‍🗨️", "🧔🏻‍♀️", "🫱🏼‍🫲🏿", "🐕‍🦺", "🐈‍⬛", "‍", "‍‍",
        "😀\u200d", "\u200d😀", "a\ufe0f", "1\ufe0f", "A\ufe0e", "\ufe0f", "\ufe0f\ufe0f",
        "🇦", "🇦🇧🇨", "🇿🇿", "👋 hello", "hello 👋", "👋\n", "\n👋", "a😀b", "1😀2", "😀's",
        " 😀", "  😀", "😀 ", "😀\r\n", "!😀", "😀!", "😀/", "©️", "®", "™️", "🔟", "🆗",
    ]  # fmt: skip
    for _ in range(40):
        base = rng.choice(pictographic)
        texts.append(base + rng.choice(tones))
    for _ in range(30):
        parts = rng.sample(pictographic, rng.randint(2, 4))
        texts.append("\u200d".join(parts))
    for _ in range(30):
        texts.append("".join(rng.choices(indicators, k=rng.randint(1, 5))))
    for key in "0123456789#*":
        texts.append(key + "\ufe0f\u20e3")
    for _ in range(40):
        run = "".join(rng.choices(pictographic, k=rng.randint(1, 5)))
        texts.append(
            rng.choice(["{c}", " {c}", "a{c}", "{c}a", "{c}\n", "{c}\ufe0f"]).replace("{c}", run)
        )
    return texts


def special_tokens(u: Unicode, rng: random.Random) -> list[str]:
    """Special-token text (encoded as ordinary text) and near misses."""
    names = ["endoftext", "endofprompt", "fim_prefix", "fim_middle", "fim_suffix", "im_start",
             "im_end", "im_sep", "pad"]  # fmt: skip
    texts = []
    for name in names:
        token = f"<|{name}|>"
        texts += [token, f" {token}", f"{token} ", f"a{token}b", f"{token}\n", f"{token}{token}",
                  f"<|{name}", f"{name}|>", f"<|{name.upper()}|>", f"<| {name} |>"]  # fmt: skip
    texts += [
        "<|", "|>", "<||>", "<|endoftext|><|endofprompt|>", "<<|endoftext|>>", "<|endoftext|>|>",
        "<|<|endoftext|>", "<|endof text|>", "<\n|endoftext|>", "<|endoftext|\n>",
        "<|endoftext|>'s", "<|endoftext|>1", "<|endoftext|>😀", "\r\n<|endoftext|>\r\n",
        "<|endoftext|>" * 5, "</s>", "<s>", "[CLS]", "[SEP]", "<unk>", "<pad>", "<|user|>",
        "<|assistant|>", "<|system|>", "<think>", "</think>",
    ]  # fmt: skip
    return texts


def long_runs(u: Unicode, rng: random.Random) -> list[str]:
    """Long single-class runs, where merge order and the whitespace branches matter most."""
    texts = [unit * 10000 for unit in ("a", " ", "\n")] + ["😀" * 600]
    texts += [
        "a" * 100, " " * 100, "\n" * 100, "😀" * 100, "\r\n" * 200, " \t" * 300 + "x",
        "ab" * 150, "1" * 500, "!" * 500, "é" * 200, "\u0301" * 200, "ह" * 200,
        "x" + " " * 1000 + "y", "x" + "\n" * 500 + "y", "a " * 500, "\n " * 300, "日本" * 100,
        "'s" * 100, "👨‍👩‍👧‍👦" * 20, "A" * 300, "aA" * 150, " " * 999 + "\n",
        "\u3000" * 200, "\t" * 500,
    ]  # fmt: skip
    return texts


MULTILINGUAL = [
    "The quick brown fox jumps over the lazy dog.",
    "Portez ce vieux whisky au juge blond qui fume. C'est l'été, n'est-ce pas ?",
    "Falsches Üben von Xylophonmusik quält jeden größeren Zwerg. Straße, Maß, Fuß.",
    "El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia y frío. ¿Qué tal? ¡Olé!",
    "À noite, vovô Kowalsky vê o ímã cair no pé do pinguim queixoso e vovó põe açúcar.",
    "Pranzo d'acqua fa volti sghembi. Perché l'anno è così lungo?",
    "Pijamalı hasta yağız şoföre çabucak güvendi. İstanbul'da ılık bir gün.",
    "Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig.",
    "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Árvíztűrő tükörfúrógép. Öt szép szűz lány őrült írót nyúz.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Щастям б'єш жук їх глицю в фон й ґедзь пріч. Ґанок, Їжак, Є.",
    "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. Ἐν ἀρχῇ ἦν ὁ λόγος.",
    "Բարեւ աշխարհ, ինչպե՞ս ես։",
    "გამარჯობა მსოფლიო, როგორ ხარ?",
    "שלום עולם, מה שלומך? בְּרֵאשִׁית בָּרָא אֱלֹהִים",
    "مرحبا بالعالم، كيف حالك؟ هذا نصٌّ عربيٌّ مُشَكَّل. ١٢٣",
    "سلام دنیا، حال شما چطور است؟ ۱۴۰۳",
    "ہیلو دنیا، آپ کیسے ہیں؟",
    "नमस्ते दुनिया, आप कैसे हैं? हिन्दी में लिखा गया वाक्य। १२३",
    "হ্যালো বিশ্ব, কেমন আছেন? আমি বাংলায় লিখছি।",
    "வணக்கம் உலகம், எப்படி இருக்கிறீர்கள்?",
    "హలో ప్రపంచం, మీరు ఎలా ఉన్నారు?",
    "ನಮಸ್ಕಾರ ಜಗತ್ತು, ನೀವು ಹೇಗಿದ್ದೀರಿ?",
    "ഹലോ ലോകം, സുഖമാണോ?",
    "ආයුබෝවන් ලෝකය",
    "สวัสดีชาวโลก คุณเป็นอย่างไรบ้าง ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "ສະບາຍດີໂລກ ເຈົ້າສະບາຍດີບໍ່",
    "བཀྲ་ཤིས་བདེ་ལེགས། འཛམ་གླིང་།",
    "မင်္ဂလာပါကမ္ဘာလောက",
    "សួស្តីពិភពលោក តើអ្នកសុខសប្បាយទេ?",
    "ሰላም ልዑል፣ እንዴት ነህ?",
    "你好，世界！我们今天学习分词。这是一个没有空格的句子。",
    "這是繁體中文的句子，包含「引號」與『書名號』。",
    "こんにちは世界、カタカナとひらがなと漢字。ｶﾀｶﾅも半角で。",
    "안녕하세요 세계, 한국어 텍스트입니다. 띄어쓰기가 있어요.",
    "Xin chào thế giới, bạn có khỏe không? Tiếng Việt có nhiều dấu.",
    "Habari dunia, habari yako? Ninafurahi kukuona.",
    "Sawubona mhlaba, unjani?",
    "Kia ora te ao, kei te pēhea koe?",
    "Aloha kākou, pehea ʻoe?",
    "Dia duit a dhomhain, conas atá tú?",
    "Helo byd, sut wyt ti? Llanfairpwllgwyngyll.",
    "Halló heimur, hvernig hefurðu það? Þetta er íslenska.",
    "Tere maailm, kuidas läheb? Jää ääres öö.",
    "Sveika pasaule, kā tev klājas? Ķēķis, ģērbies.",
    "Labas pasauli, kaip sekasi? Ąžuolas, ėjimas.",
    "Здраво свете, како си? Ђаво, ћерка, џеп.",
    "Salamu ᐃᓄᒃᑎᑐᑦ ᏣᎳᎩ ᚠᚢᚦᚨᚱᚲ 𐌲𐌿𐍄𐌹𐍃𐌺 ᠮᠣᠩᠭᠣᠯ",
    "∀x∈ℝ: x² ≥ 0, ∑ᵢ aᵢ = ∞, ∫₀¹ f(x)dx ≈ ½",
    "ＡＢＣ　ａｂｃ　１２３！全角の文字。",
]

CODE = [
    "def f(x):\n    return x ** 2\n",
    "class Foo(Bar):\n    '''Docstring.'''\n\n    def __init__(self, *args, **kwargs) -> None:\n"
    "        super().__init__(*args, **kwargs)\n        self._cache: dict[str, int] = {}\n",
    "for (int i = 0; i < n; ++i) {\r\n\tsum += a[i];\r\n}\r\n",
    '#include <stdio.h>\n\nint main(void) {\n    printf("Hello, world!\\n");\n    return 0;\n}\n',
    "fn main() {\n    let v: Vec<u8> = (0..10).map(|x| x * 2).collect();\n"
    '    println!("{:?}", v);\n}\n',
    'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
    "const add = (a, b) => a + b;\nexport default { add };\n// TODO: don't forget\n",
    "function isEven(n) {\n  return n % 2 === 0 ? true : false;\n}\n",
    '{"key": "value", "list": [1, 2, 3], "nested": {"a": null, "b": true}}',
    "SELECT id, name FROM users WHERE id = 42 AND name LIKE '%o''brien%';",
    '<div class="x">Hello &amp; goodbye</div>\n<script>alert("x")</script>\n',
    "https://example.com/path/to/page?query=1&b=2#frag",
    "    indented\n        more\n\n\n",
    "// comment\n/* block */\n#include <stdio.h>",
    "a//b///c////d/\n/\n",
    "x = [\n  1,\n  2,\n]\n",
    "---\ntitle: Doc\ntags: [a, b]\n---\n# Heading\n\n- item\n- item\n",
    '#!/usr/bin/env bash\nset -euo pipefail\nfor f in *.txt; do echo "$f"; done\n',
    "^(?:[a-z0-9!#$%&'*+/=?^_`{|}~-]+)@(?:[a-z0-9-]+\\.)+[a-z]{2,}$",
    "\\begin{equation}\n  E = mc^2 \\quad \\forall x \\in \\mathbb{R}\n\\end{equation}\n",
    "if x != None and y >= 10:\r\n    print(f'{x!r:>10}')\r\n",
    "<?xml version=\"1.0\"?>\n<root attr='1'><child/></root>\n",
    "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old\n+new\n",
    "\tif (err != nil) {\n\t\treturn err\n\t}\n",
    "   \n\t\n  \r\n",
    "a = 1;;;\nb = 2 ;\n",
    "x=1 # it's a comment\ny='don''t'\n",
    'printf("%d%%\\n", 100);',
    "[![Build](https://img.shields.io/badge/x-y-green.svg)](https://ci/)\n",
    "SELECT 'ÄÖÜ', N'日本語' FROM dual;\r\n",
]


def multilingual(u: Unicode, rng: random.Random) -> list[str]:
    """Real sentences in many scripts, alone and with line endings and trailing whitespace."""
    texts = list(MULTILINGUAL)
    for sentence in MULTILINGUAL:
        texts.append(
            rng.choice([" ", "\n", "\r\n", "  ", "\t"])
            + sentence
            + rng.choice(["\n", "\r\n", " ", "\n\n", "  \n"])
        )
    return texts


def code(u: Unicode, rng: random.Random) -> list[str]:
    """Source code, JSON, markup and shell, with LF and CRLF line endings."""
    texts = list(CODE)
    texts += [snippet.replace("\n", "\r\n") for snippet in CODE if "\r\n" not in snippet]
    return texts


def unassigned(u: Unicode, rng: random.Random) -> list[str]:
    """What tiktoken 0.14 leaves unassigned: later Unicode letters, noncharacters, private use,
    lone surrogates (which both sides replace with U+FFFD)."""
    contexts = ["{c}", "a{c}b", " {c}", "A{c}", "{c}a", "1{c}", "{c}'s", "{c}{c}", "!{c}"]
    texts = []
    for start, end in ASSIGNED_AFTER_UNICODE_16:
        picks = {chr(start), chr(end), chr(rng.randint(start, end))}
        for c in sorted(picks):
            texts += in_contexts(rng, c, contexts, 1)
    texts += [
        "\ufdd0", "\ufffe", "\uffff", "a\U0010ffffb", "\U000e0001", "\ue000", "a\uf8ffb",
        "\U000f0000", "\U00100000x", "\ud800", "a\udfffb", "\udc00\ud800", "\ud83d",
        "x\ud83d\ude00",
        "\x00", "a\x00b", "\x01\x02", "\x7f", "\x80\x9f", "\ufffd", "\ufffd\ufffd", " \ufffd",
    ]  # fmt: skip
    return texts


def r50k_branches(u: Unicode, rng: random.Random) -> list[str]:
    """The r50k pattern's own edges: contractions in lower case only, ` ?\\p{N}++` (runs of any
    length), punctuation that keeps no line break, and space runs before every kind of piece
    (p50k_base has a token for each run of 2 to 25 spaces; Codex indents code with them)."""
    texts = []
    for suffix in CONTRACTION_SUFFIXES:
        for cased in dict.fromkeys([suffix, suffix.upper(), suffix.capitalize()]):
            texts += [f"x'{cased}", f"X'{cased} y", f"'{cased}", f" '{cased}", f"1'{cased}"]
    digit_runs = ["1234567890" * 3, "١٢٣٤٥٦٧٨٩٠١٢", "०१२३४५६७८९", "½¾⅓⅔", "①②③④⑤", "ⅫⅫⅫ"]
    for run in digit_runs:
        texts += [run, f" {run}", f"a{run}", f"a {run}b", f"{run}.{run}", f"  {run}"]
    for punct in ("...", "!?", "😀😀", "</", "'", "-->", "\u00bf"):
        texts += [f"{punct}\n", f" {punct}\r\n", f"a{punct}\n\nb", f"{punct}\n/"]
    for before in ("\t", "\u3000", "\xa0", "$", "(", "\n"):
        texts += [f"{before}word", f"x{before}word", f"{before} word"]
    for k in range(1, 31):
        spaces = " " * k
        texts += [
            spaces, f"a{spaces}b", f"{spaces}x", f"x{spaces}", f"x{spaces}\n", f"x{spaces}1",
            f"x{spaces}!", f"\n{spaces}def", f"def f():\n{spaces}return 1\n",
        ]  # fmt: skip
    alphabet = [" ", " ", " ", "\t", "\n", "\r\n", "\xa0"]
    for _ in range(40):
        run = "".join(rng.choices(alphabet, k=rng.randint(2, 12)))
        texts.append(rng.choice(["", "a", "1", "!"]) + run + rng.choice(["", "a", "1", "!", "'s"]))
    return texts


def regressions(u: Unicode, rng: random.Random) -> list[str]:
    return list(REGRESSIONS)


BUILDERS: list[tuple[str, Callable[[Unicode, random.Random], list[str]]]] = [
    ("whitespace", whitespace),
    ("contractions", contractions),
    ("letters", letters),
    ("letters_unicode_15_16", letters_new),
    ("numbers", numbers),
    ("punctuation", punctuation),
    ("emoji", emoji),
    ("special_tokens", special_tokens),
    ("long_runs", long_runs),
    ("multilingual", multilingual),
    ("code", code),
    ("unassigned", unassigned),
    ("regressions", regressions),
]


def mixed(texts: list[str], rng: random.Random, count: int) -> list[str]:
    """Seeded mixtures of short cases from every category, where branches meet."""
    short = [text for text in texts if len(text) <= 40]
    joiners = ["", "", " ", "\n", "\r\n", "  ", "\t", "'", "/", "'s ", "1"]
    out = []
    for _ in range(count):
        parts = rng.sample(short, rng.randint(2, 4))
        out.append("".join(part + rng.choice(joiners) for part in parts).rstrip("\t"))
    return out


def build_texts(legacy: bool = False) -> list[tuple[str, str]]:
    """(category, text) pairs, each text once, in a fixed order; with `legacy`, those of the
    GPT-2-era encodings (short texts and their own category)."""
    unicode = Unicode()
    seen: set[str] = set()
    out: list[tuple[str, str]] = []

    def add(category: str, texts: Iterable[str]) -> None:
        for text in texts:
            if text and text not in seen:
                seen.add(text)
                out.append((category, text))

    for category, build in BUILDERS:
        add(category, build(unicode, random.Random(f"{SEED}:{category}")))
    add("mixed", mixed([text for _, text in out], random.Random(f"{SEED}:mixed"), 120))
    if not legacy:
        return out
    out = [(category, text) for category, text in out if len(text) <= LEGACY_MAX_CHARS]
    add("r50k_branches", r50k_branches(unicode, random.Random(f"{SEED}:r50k_branches")))
    return out


# -- output -------------------------------------------------------------------------------------


@functools.cache
def _visible() -> frozenset[str]:
    """Characters written as themselves; the rest are \\u escapes, so the file can be read."""
    return frozenset(Unicode().chars(r"[\p{L}\p{N}\p{P}\p{S}]")) - frozenset('\\"')


def _escape(match: regex.Match[str]) -> str:
    char = match.group()
    if char in _visible():
        return char
    return json.dumps(char)[1:-1]  # \uXXXX, or a surrogate pair


def dump_line(case: dict[str, object]) -> str:
    """One JSON line; non-ASCII stays readable except invisible and combining characters."""
    line = json.dumps(case, ensure_ascii=False, separators=(",", ":"))
    return regex.sub(r"[^\x20-\x7e]", _escape, line)


def build_lines(
    encodings: dict[str, set[str] | None] | tuple[str, ...] = ENCODINGS, legacy: bool = False
) -> list[str]:
    """The corpus lines for `encodings` (a name, or a name and the categories it gets)."""
    wanted = encodings if isinstance(encodings, dict) else dict.fromkeys(encodings)
    if tiktoken.__version__ != TIKTOKEN_VERSION:
        sys.exit(f"tiktoken {tiktoken.__version__} installed; the corpus pins {TIKTOKEN_VERSION}")
    references = {}
    for name in encodings:
        reference = tiktoken_encoding(lc.get_encoding(name))
        if reference is None:
            sys.exit(f"{name} names no tiktoken reference")
        references[name] = reference
    texts = build_texts(legacy)
    lines = []
    for name in encodings:
        for category, text in texts:
            categories = wanted[name]
            if categories is not None and category not in categories:
                continue
            case = {
                "encoding": name,
                "category": category,
                "text": text,
                "ids": references[name].encode_ordinary(text),
                "tiktoken_version": TIKTOKEN_VERSION,
            }
            lines.append(dump_line(case))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--legacy-output", type=Path, default=LEGACY_OUT)
    parser.add_argument("--harmony-output", type=Path, default=HARMONY_OUT)
    parser.add_argument("--check", action="store_true", help="compare with the files; write none")
    parser.add_argument("--stats", action="store_true", help="print cases per category")
    args = parser.parse_args(argv)
    outputs = [
        (args.output, ENCODINGS, build_lines()),
        (args.legacy_output, tuple(LEGACY_ENCODINGS), build_lines(LEGACY_ENCODINGS, legacy=True)),
        (args.harmony_output, tuple(HARMONY_ENCODINGS), build_lines(HARMONY_ENCODINGS)),
    ]
    status = 0
    for output, encodings, lines in outputs:
        data = ("\n".join(lines) + "\n").encode("utf-8")
        if args.stats:
            print_stats(data, encodings)
        if args.check:
            current = output.read_bytes() if output.exists() else b""
            if current != data:
                print(f"{output} is not what {Path(__file__).name} writes; re-run it")
                status = 1
            else:
                print(f"{output} is up to date")
            continue
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        print(f"wrote {output} ({len(data):,} bytes)")
    return status


def print_stats(data: bytes, encodings: tuple[str, ...]) -> None:
    counts = collections.Counter(
        (case["encoding"], case["category"])
        for case in map(json.loads, data.decode("utf-8").split("\n")[:-1])
    )
    for name in encodings:
        total = sum(n for (enc, _), n in counts.items() if enc == name)
        print(f"{name}: {total} cases")
        for (enc, category), n in counts.items():
            if enc == name:
                print(f"  {category:24} {n}")
    print(f"{len(data):,} bytes")


if __name__ == "__main__":
    sys.exit(main())
