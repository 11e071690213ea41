"""Write llm_cost_cl100k_im/parity_corpus.jsonl: ChatML texts and their ids from tiktoken.

The ids come from the reference, not from llm-cost: tiktoken's cl100k_base pattern and ranks
with this plugin's special tokens, built as tiktoken's README builds cl100k_im and run offline
on the vocab llm-cost-cl100k ships (llm_cost_core.testing.reference_encoding). Run it after
changing TEXTS:

    pip install 'llm-cost-core[test]' llm-cost-cl100k .
    python tools/make_corpus.py

Copy it only for an encoding whose spec names a tiktoken `reference`. For one that does not,
`reference_encoding` returns None; do not build a tiktoken.Encoding from your own spec's pattern
and ranks instead: ids written that way compare llm-cost with your spec, not with the tokenizer
you are matching. Write such a corpus with that tokenizer itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import tiktoken

import llm_cost_core as lc
from llm_cost_core.testing import reference_encoding

OUT = Path(__file__).resolve().parent.parent / "llm_cost_cl100k_im" / "parity_corpus.jsonl"

TEXTS = {
    "chatml": [
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n",
        "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
        "<|im_start|>assistant\nHi there, how can I help?<|im_end|>",
        "<|im_start|>user\r\nWhat's 2+2?<|im_end|>\r\n",
        "<|im_start|>system name=example_user\nNew synergies will help.<|im_end|>",
        "<|im_start|>user\n  indented\n\n\ttabbed  <|im_end|>",
        "<|im_start|><|im_end|>",
        "<|im_end|><|im_start|>",
        "<|im_start|>user\n日本語で答えてください。<|im_end|>\n",
        "<|im_start|>user\nEmoji 😀👍🏽 and a flag 🇫🇷<|im_end|>",
    ],
    "fragments": [
        "<|im_start|",
        "|im_end|>",
        "<|im_",
        "<|im_start|>x",
        "x<|im_end|>",
        "<<|im_start|>>",
        "< |im_start| >",
        "<|IM_START|>",
        "<|im_start|><|endoftext|><|im_end|>",
        "<|endofprompt|><|fim_prefix|><|fim_middle|><|fim_suffix|>",
        "im_start im_end",
    ],
    "text": [
        "hello world",
        "Don't you think they'll've left?",
        "  leading spaces and trailing  ",
        "line one\nline two\r\nline three\n\n",
        "1234567 + 89 = 1234656",
        "naïve café, Straße, ǅemal",
        "def f(x):\n    return x ** 2  # square\n",
        "\u2028\u2029\x85\u3000 unusual whitespace",
    ],
}


def main() -> None:
    reference = reference_encoding(lc.get_encoding("cl100k-im"))
    assert reference is not None
    lines = [
        json.dumps(
            {
                "encoding": "cl100k-im",
                "category": category,
                "text": text,
                "ids": reference.encode_ordinary(text),
                "tiktoken_version": tiktoken.__version__,
            },
            ensure_ascii=False,
        )
        for category, texts in TEXTS.items()
        for text in texts
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lines)} cases")


if __name__ == "__main__":
    main()
