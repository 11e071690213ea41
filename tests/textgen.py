"""Varied, deterministic test text: every script, whitespace and CRLF runs, contractions, digits,
emoji sequences and special-token look-alikes. Shared by the parity and API tests."""

from __future__ import annotations

import random

SCRIPTS = {
    "latin": "The quick brown fox jumps over the lazy dog. Ça, naïve façade, Straße, ǅemal",
    "greek": "Ξεσκεπάζω την ψυχοφθόρα βδελυγμία. ΆΈΉ ᾼ ᾳ",
    "cyrillic": "Съешь же ещё этих мягких французских булок, да выпей чаю. Ґанок",
    "armenian": "Բարեւ աշխարհ, ինչպե՞ս ես",
    "hebrew": "שלום עולם, מה שלומך? בְּרֵאשִׁית",
    "arabic": "مرحبا بالعالم، كيف حالك؟ ١٢٣ ٤٥٦",
    "persian": "سلام دنیا ۱۲۳۴۵",
    "devanagari": "नमस्ते दुनिया, आप कैसे हैं? १२३",
    "bengali": "হ্যালো বিশ্ব, কেমন আছেন? ১২৩",
    "tamil": "வணக்கம் உலகம், எப்படி இருக்கிறீர்கள்? ௧௨௩",
    "telugu": "హలో ప్రపంచం",
    "thai": "สวัสดีชาวโลก คุณเป็นอย่างไรบ้าง ๑๒๓",
    "lao": "ສະບາຍດີໂລກ",
    "tibetan": "བཀྲ་ཤིས་བདེ་ལེགས། ༡༢༣",
    "georgian": "გამარჯობა მსოფლიო",
    "ethiopic": "ሰላም ልዑል ፩፪፫",
    "khmer": "សួស្តីពិភពលោក ១២៣",
    "myanmar": "မင်္ဂလာပါကမ္ဘာလောက",
    "han": "你好，世界！我们今天学习分词。漢字〇一二三",
    "japanese": "こんにちは世界、カタカナとひらがなｶﾀｶﾅ。日本語のテキスト",
    "hangul": "안녕하세요 세계, 한국어 텍스트입니다",
    "mongolian": "ᠮᠣᠩᠭᠣᠯ ᠬᠡᠯᠡ",
    "cherokee": "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ",
    "canadian": "ᐃᓄᒃᑎᑐᑦ",
    "runic": "ᚠᚢᚦᚨᚱᚲ",
    "gothic": "𐌲𐌿𐍄𐌹𐍃𐌺",
    "math": "∀x∈ℝ: x² ≥ 0, ∑ᵢ aᵢ = ∞, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝐁𝐨𝐥𝐝 ½ ⅔ Ⅻ ⑦",
    "fullwidth": "ＡＢＣ　ａｂｃ　１２３！",
    "combining": "e\u0301 a\u0300\u0316 Z\u0351\u036b\u0343 n\u0303o",
    "new_unicode": (  # Unicode 14-16 letters, symbols and CJK extensions
        "\U0001e4d0\U0001e4ea \U00011f04\U00011f05 \U0001f6dc \U0001fa75 \U00031350 \U0002ebf0"
    ),
}

WHITESPACE = [
    " ",
    "  ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\n\r",
    "\r\n\r\n",
    "\n\n\n",
    " \n",
    "\n ",
    " \r\n ",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
    "\xa0",
    "\u1680",
    "\u2000",
    "\u2007",
    "\u200a",
    "\u2028",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000",
    "\u180e",
    "\u200b",
    "\ufeff",
    "\t\t ",
    "   \t\n",
    "\u3000\n",
    "\xa0 ",
]

CONTRACTIONS = [
    "don't",
    "DON'T",
    "Don'T",
    "it's",
    "IT'S",
    "we're",
    "WE'RE",
    "they've",
    "I'm",
    "I'M",
    "you'll",
    "YOU'LL",
    "he'd",
    "HE'D",
    "can’t",
    "it’s",
    "rock 'n' roll",
    "'s",
    "'tis",
    "o'clock",
    "''",
    "'S'",
    "x'LL",
    "ma'am",
    "dogs' ",
    "l'été",
    "l’amour",
    "'ve'",
    "'re'll",
]

NUMBERS = [
    "0",
    "7",
    "42",
    "123",
    "1234",
    "12345",
    "123456789",
    "1234567890",
    "3.14159",
    "1,000,000",
    "1_000",
    "-5",
    "+12",
    "1e10",
    "0x1F",
    "١٢٣٤",
    "۱۲۳۴",
    "१२३४",
    "๑๒๓๔",
    "Ⅻ",
    "ⅷ",
    "½¾",
    "²³",
    "①②③",
    "𝟙𝟚𝟛",
    "๑2٣",
    "2024-05-13",
    "10:30",
    "v1.2.3",
    "$19.99",
    "50%",
]

EMOJI = [
    "😀",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🇫🇷",
    "🇺🇸🇬🇧",
    "1️⃣",
    "#️⃣",
    "❤️",
    "❤︎",
    "🧑🏿‍💻",
    "👩‍❤️‍💋‍👨",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "☺",
    "✌🏻",
    "🫠",
    "🪿",
    "🦀🐍",
    "😀😀😀",
    "🤷‍♀️",
]

SPECIAL_LOOKALIKES = [
    "<|endoftext|>",
    "<|endofprompt|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|im_start|>",
    "<|endoftext",
    "endoftext|>",
    "<|",
    "|>",
    "<||>",
    "<|endoftext|><|endoftext|>",
    " <|endoftext|> ",
    "a<|endoftext|>b",
    "<|ENDOFTEXT|>",
    "<|endoftext |>",
    "<<|endoftext|>>",
]

CODE = [
    "def f(x):\n    return x ** 2\n",
    "for (int i = 0; i < n; ++i) {\r\n\tsum += a[i];\r\n}\r\n",
    '{"key": "value", "list": [1, 2, 3], "nested": {"a": null}}',
    "SELECT * FROM users WHERE id = 42;",
    '<div class="x">Hello &amp; goodbye</div>',
    "https://example.com/path?query=1&b=2#frag",
    "    indented\n        more\n\n\n",
    "// comment\n/* block */\n#include <stdio.h>",
    "a//b///c////d/\n/\n",
    "x = [\n  1,\n  2,\n]\n",
    "!!!???...,,,;;;:::",
    "---\n***\n___\n",
]


def _pieces() -> list[str]:
    return (
        list(SCRIPTS.values())
        + WHITESPACE
        + CONTRACTIONS
        + NUMBERS
        + EMOJI
        + SPECIAL_LOOKALIKES
        + CODE
    )


def varied_texts(count: int = 600, seed: int = 20261128) -> list[str]:
    """`count` distinct texts: each building block alone, then seeded random mixtures of them."""
    rng = random.Random(seed)
    blocks = _pieces()
    texts = list(dict.fromkeys(blocks))
    joiners = ["", " ", "\n", "\r\n", "  ", "\t", "'", "/", ""]
    while len(texts) < count:
        parts = rng.choices(blocks, k=rng.randint(2, 8))
        text = ""
        for part in parts:
            if rng.random() < 0.3:
                start = rng.randrange(len(part))
                part = part[start : start + rng.randint(1, 12)]
            text += part + rng.choice(joiners)
        if rng.random() < 0.2:
            text += rng.choice(WHITESPACE) * rng.randint(1, 5)
        if text not in texts:
            texts.append(text)
    return texts[:count]


def long_runs() -> list[str]:
    """Long single-class runs, where BPE merge order and whitespace branches matter most."""
    return [
        "a" * 3000,
        " " * 3000,
        "\n" * 2000,
        "\r\n" * 1000,
        " \t" * 800 + "x",
        "😀" * 500,
        "👨‍👩‍👧‍👦" * 100,
        "ab" * 1500,
        "1" * 2000,
        "!" * 2000,
        "ह" * 1000,
        "\u0301" * 500,
        "é" * 1000,
        "x" + " " * 1000 + "y",
    ]
