"""Generate a large JSONL file of distinct records for benchmarking `llm-cost pipe`.

    python tools/gen_jsonl.py                      # bench-data/pipe.jsonl, 64 MB, seed 0
    python tools/gen_jsonl.py --size-mb 200 --seed 7 --out bench-data/big.jsonl

Seeded and offline: the same arguments give the same bytes. Each record has a distinct `id` and
a `text` field of prose-like words, numbers, code, accented and CJK text, emoji and the odd
U+2028 (which must not split a line); some also carry a chat `messages` list. Records vary in
size (a few bytes to a few KB) and in JSON style (escaped or raw non-ASCII, compact or spaced).
The output goes under bench-data/, which git ignores; never commit it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

_PROSE = (
    "the of and to in is that for it as was with be by on not he this are or his from at which "
    "but have an they you were her she there been one all we their has would when if more no "
    "out so said what up its about into than them can only other new some could time these two "
    "may then do first any my now such like our over man me even most made after also did many "
    "before must through back years where much your way well down should because each just "
    "those people how too little state good very make world still own see men work long get "
    "here between both life being under never day same another know while last might us great "
    "old year off come since against go came right used take three token tokens encoding model "
    "price budget latency throughput prompt completion embedding dataset evaluation inference"
)
WORDS = _PROSE.split()
EXOTIC = (
    "café", "naïve", "Zürich", "façade", "smörgåsbord", "東京", "日本語のテキスト", "数据集",
    "토큰", "Привет", "мир", "مرحبا", "שלום", "नमस्ते", "😀", "🚀", "👩‍💻", "🇫🇷", "\u2028",
    "\t", "<|endoftext|>", "e\u0301", "ﬁ", "ǅ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
)  # fmt: skip
CODE = (
    "def f(x):\n    return x * 2\n",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "SELECT id, name FROM users WHERE age > 30;",
    '{"nested": {"json": [1, 2, 3]}}',
    "https://example.com/path?query=1&x=y#frag",
)


def sentence(rng: random.Random) -> str:
    words = []
    for _ in range(rng.randint(4, 24)):
        roll = rng.random()
        if roll < 0.86:
            words.append(rng.choice(WORDS))
        elif roll < 0.93:
            words.append(str(rng.randint(0, 10 ** rng.randint(1, 9))))
        else:
            words.append(rng.choice(EXOTIC))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".!?;")


def text(rng: random.Random) -> str:
    parts = []
    for _ in range(max(1, int(rng.expovariate(1 / 6)))):
        parts.append(rng.choice(CODE) if rng.random() < 0.05 else sentence(rng))
    return rng.choice((" ", "\n", "\n\n")).join(parts)


def record(rng: random.Random, index: int) -> bytes:
    obj: dict = {"id": index, "text": text(rng)}
    if rng.random() < 0.3:
        obj["meta"] = {"source": rng.choice(("web", "chat", "docs")), "score": rng.random()}
    if rng.random() < 0.2:
        obj["messages"] = [
            {"role": "system", "content": sentence(rng)},
            {"role": "user", "content": text(rng)},
        ]
    ensure_ascii = rng.random() < 0.3
    separators = (",", ":") if rng.random() < 0.3 else None
    return json.dumps(obj, ensure_ascii=ensure_ascii, separators=separators).encode() + b"\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=64, help="stop at this size (MB)")
    parser.add_argument("--seed", type=int, default=0)
    default_out = Path(__file__).resolve().parent.parent / "bench-data" / "pipe.jsonl"
    parser.add_argument("--out", default=str(default_out))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    limit = int(args.size_mb * 1e6)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    size = lines = 0
    with open(out, "wb") as handle:
        while size < limit:
            line = record(rng, lines)
            handle.write(line)
            size += len(line)
            lines += 1
    print(f"{out}: {lines} records, {size / 1e6:.1f} MB, seed {args.seed}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
