"""Regenerate the toy vocab and parity corpus of `llm-cost new-plugin`'s template.

The scaffolded plugin needs a vocab small enough to read and a corpus whose ids come from an
independent engine, not from llm-cost. This script learns 256 byte-pair merges from TRAINING
(deterministically: the most frequent pair, ties to the smallest bytes) over GPT-2's
pre-tokenizer pattern, writes them as a `.tiktoken` file, then encodes CORPUS with tiktoken's
own engine on that vocab. `tests/test_new_plugin.py` checks the committed files against tiktoken
again. Writes into this checkout; needs core installed from it, with tiktoken
(`pip install '.[test]'`):

    python tools/make_plugin_template.py
"""

from __future__ import annotations

import collections
import itertools
import json
from pathlib import Path

import regex
import tiktoken

from llm_cost_core.cli.commands.new_plugin import PATTERN, SPECIAL_TOKEN
from llm_cost_core.engine.vocab import dump_tiktoken, parse_tiktoken

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "llm_cost_core" / "templates" / "plugin" / "PACKAGE"
MERGES = 256

TRAINING = """\
A tokenizer cuts text into pieces and maps each piece to numbers. Byte pair encoding starts
from the 256 single bytes and learns merges: the pair of tokens that occurs most often in the
training text becomes a new token, and the process repeats until the vocabulary is as large as
wanted. The pre-tokenizer runs first. It splits the text into words, numbers, punctuation and
whitespace, so that a merge never joins the end of one word to the start of the next. Then each
piece is merged on its own, the lowest ranked pair first, until no pair of the piece is in the
vocabulary. The ids of all pieces, in order, are the encoding of the text.

This is the toy vocabulary of a new llm-cost plugin. It is small on purpose: you can read all of
it, and the tests that come with the plugin run in a moment. Replace it with the real vocabulary
of your encoding, then write the parity corpus again with your reference tokenizer, so that the
ids in it are the ones your users expect. The counting, the model names and the prices work the
same way for any vocabulary. It's the one file you must change; don't forget its hash.

The quick brown fox jumps over the lazy dog. They're here, we've seen them, and I'll count them:
one, two, three, 1, 22, 333, 4444 and 55555 tokens. Numbers, names and new lines all count.
"""

CORPUS = {
    "words": [
        "hello world",
        "The quick brown fox jumps over the lazy dog.",
        "tokenizer tokens tokenization",
        "Replace the vocabulary, then the corpus.",
        "unseenwordsplitsintobytes",
    ],
    "contractions": ["they're", "we've", "I'll", "it's", "don't", "DON'T", "y'all'd"],
    "numbers": ["1", "22", "333", "4444", "55555", "3.14159", "1,000,000", "٣٤٥"],
    "whitespace": [
        " ",
        "  ",
        "a  b",
        "a\tb",
        "\n",
        "a\n\nb",
        "a\r\nb",
        "  leading",
        "trailing  ",
        "\u3000\u2028 unusual",
    ],
    "punctuation": ["Hello, world!", "(a) [b] {c}", "...", "a/b\\c", "#!@$%^&*"],
    "unicode": ["naïve café", "Straße", "日本語のテキスト", "😀👍🏽", "🇫🇷", "e\u0301"],
    "special_tokens": [SPECIAL_TOKEN, f"a{SPECIAL_TOKEN}b", "<|endoftext", "<|"],
    "code": ["def f(x):\n    return x ** 2\n", 'print("hi")  # comment'],
}


def train(text: str, merges: int) -> dict[bytes, int]:
    """Ranks: the 256 bytes, then one token per learned merge."""
    ranks = {bytes([b]): b for b in range(256)}
    words = collections.Counter(
        tuple(bytes([b]) for b in piece.encode()) for piece in regex.findall(PATTERN, text)
    )
    for _ in range(merges):
        pairs: collections.Counter[tuple[bytes, bytes]] = collections.Counter()
        for word, count in words.items():
            for pair in itertools.pairwise(word):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        ranks[best[0] + best[1]] = len(ranks)
        merged: collections.Counter[tuple[bytes, ...]] = collections.Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    return ranks


def main() -> None:
    package = PACKAGE
    vocab = dump_tiktoken(train(TRAINING, MERGES))
    (package / "vocab.tiktoken").write_bytes(vocab)
    ranks = parse_tiktoken(vocab)
    engine = tiktoken.Encoding(
        name="template",
        pat_str=PATTERN,
        mergeable_ranks=ranks,
        special_tokens={SPECIAL_TOKEN: len(ranks)},
    )
    lines = [
        json.dumps(
            {
                "encoding": "{{name}}",
                "category": category,
                "text": text,
                "ids": engine.encode_ordinary(text),
            },
            ensure_ascii=False,
        )
        for category, texts in CORPUS.items()
        for text in texts
    ]
    (package / "parity_corpus.jsonl.tmpl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(ranks)} ranks, {len(lines)} corpus cases in {package}")


if __name__ == "__main__":
    main()
