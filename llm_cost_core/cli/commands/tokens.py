"""`count`'s ways of showing the tokens instead of counting them: --ids, --tokens, --decode,
--truncate, and --allow-special for special-token text.

The ids are the output of `Encoding.encode`, the text is the bytes the ids stand for, written as
bytes: ids picked by hand may stand for invalid UTF-8, and `--ids FILE | --decode` gives the file
back byte for byte.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import click

from llm_cost_core.errors import InputError
from llm_cost_core.jobs.inputs import STDIN, TextStream, decode_utf8, warn_replaced

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

IDS, TOKENS, DECODE, TEXT = "ids", "tokens", "decode", "text"
_SEPARATORS = re.compile(r"[\s,]+")
_FLAGS = {IDS: "--ids", TOKENS: "--tokens", DECODE: "--decode", TEXT: "--truncate"}
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def token_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options of `count` that show tokens, passed as `ids`, `tokens`, `decode` (flags, at
    most one: see `mode`), `truncate` and `allow_special`."""
    options = [
        click.option(
            "--ids",
            "--encode",
            "ids",
            is_flag=True,
            help="Print the token ids, separated by spaces, on one line.",
        ),
        click.option(
            "--tokens",
            is_flag=True,
            help="Print each token on its own line: its id, a tab, its text (escaped).",
        ),
        click.option(
            "--decode",
            is_flag=True,
            help="Read token ids (spaces or commas between them, or a JSON array) and print "
            "the text they stand for, byte for byte.",
        ),
        click.option(
            "-t",
            "--truncate",
            type=click.IntRange(min=0),
            metavar="N",
            help="Only the first N tokens: print their text, or with --ids, --tokens or "
            "--decode, only those.",
        ),
        click.option(
            "--allow-special",
            is_flag=True,
            help="Count special-token text such as <|endoftext|> as the special token, not as "
            "ordinary text.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def mode(
    flags: dict[str, bool], truncate: int | None, allow_special: bool, as_json: bool
) -> str | None:
    """What the options ask for: None to count, IDS, TOKENS or DECODE (the one of `flags`, by
    those names, that is set), TEXT for --truncate alone; or a usage error."""
    chosen = [name for name, value in flags.items() if value]
    if len(chosen) > 1:
        raise click.UsageError(f"give one of {', '.join(_FLAGS[name] for name in chosen)}")
    mode = chosen[0] if chosen else (TEXT if truncate is not None else None)
    if mode == DECODE and allow_special:
        raise click.UsageError("--allow-special is for text; --decode reads ids")
    if mode in (DECODE, TEXT) and as_json:
        raise click.UsageError(
            f"--json does not go with {'--decode' if mode == DECODE else '--truncate alone'}"
        )
    return mode


def encode(enc: Encoding, text: str, allow_special: bool) -> list[int]:
    """The ids of `text`: special-token text is ordinary text unless `allow_special`."""
    if allow_special:
        return enc.encode(text, allowed_special="all", disallowed_special=())
    return enc.encode_ordinary(text)


def run(
    enc: Encoding,
    mode: str,
    texts: tuple[str, ...],
    files: tuple[str, ...],
    truncate: int | None,
    allow_special: bool,
    as_json: bool,
) -> None:
    """Read the one input (a --text, a FILE or stdin) and write what `mode` asks for."""
    if len(texts) + len(files) > 1:
        raise click.UsageError(f"{_FLAGS[mode]} takes one input: a FILE, stdin or one --text")
    if texts:
        data, label = texts[0].encode("utf-8", "surrogateescape"), "--text"
    else:
        with TextStream(files[0] if files else STDIN) as stream:
            data, label = stream.read_bytes(), stream.label
    out = sys.stdout.buffer
    if mode == DECODE:
        out.write(enc.decode_bytes(parse_ids(data, enc)[:truncate]))
        return
    text, replaced = decode_utf8(data)
    warn_replaced(label, replaced)
    if mode == TEXT:
        assert truncate is not None
        out.write(truncated(enc, text, truncate, allow_special).encode("utf-8"))
        return
    ids = encode(enc, text, allow_special)[:truncate]
    if as_json:
        result: dict[str, Any] = {"encoding": enc.name, "tokens": len(ids), "ids": ids}
        if mode == TOKENS:
            result["pieces"] = [escape(enc.decode_single_token_bytes(i)) for i in ids]
        out.write(json.dumps(result).encode() + b"\n")
    elif mode == IDS:
        out.write(" ".join(map(str, ids)).encode() + b"\n")
    else:
        out.write(
            b"".join(f"{i}\t{escape(enc.decode_single_token_bytes(i))}\n".encode() for i in ids)
        )


def truncated(enc: Encoding, text: str, n: int, allow_special: bool) -> str:
    """The text of the first `n` tokens, less a character they end inside of, so that it is a
    prefix of `text`; if that prefix would count more than `n` tokens again (its end is
    scanned without what followed it), fewer tokens, until it does not."""
    ids = encode(enc, text, allow_special)
    if len(ids) <= n:
        return text
    for kept in range(n, -1, -1):
        prefix = _whole_characters(enc.decode_bytes(ids[:kept]))
        if len(encode(enc, prefix, allow_special)) <= n:
            return prefix
    return ""  # not reached: the empty prefix counts 0


def _whole_characters(data: bytes) -> str:
    """`data` decoded, less the incomplete character it may end with (a cut inside one)."""
    for end in range(len(data), max(len(data) - 4, 0), -1):
        try:
            return data[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return ""


def count_special(enc: Encoding, text: str) -> int:
    """The tokens of `text` with special-token text as the special tokens (--allow-special)."""
    return len(encode(enc, text, allow_special=True))


def count_special_stream(enc: Encoding, blocks: Iterable[str]) -> int:
    """`count_special` of text read in blocks: joined, as a special token may straddle two."""
    return count_special(enc, "".join(blocks))


def parse_ids(data: bytes, enc: Encoding) -> list[int]:
    """Token ids written as `--ids` writes them, or separated by commas, or a JSON array; an
    InputError for anything else or an id `enc` does not have."""
    text = data.decode("utf-8", "replace").strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError as exc:
            raise InputError(f"--decode: not a JSON array of token ids: {exc}") from None
        if not isinstance(values, list) or not all(
            type(value) is int for value in values
        ):  # bool is an int, 1.0 is not an id
            raise InputError("--decode: the JSON array must hold only integer token ids")
        ids: Sequence[int] = values
    else:
        words = _SEPARATORS.split(text) if text else []
        for word in words:
            if not re.fullmatch(r"-?[0-9]+", word):
                shown = word if len(word) <= 20 else word[:20] + "..."
                raise InputError(f"--decode: {shown!r} is not a token id (ids are integers)")
        ids = [int(word) for word in words]
    decoder = enc.decoder
    for token in ids:
        if token not in decoder:
            raise InputError(
                f"--decode: {token} is not a token id of {enc.name} "
                f"(ids go from 0 to {enc.max_token_value})"
            )
    return list(ids)


def escape(data: bytes) -> str:
    """A token's bytes as one printable line, without ambiguity: UTF-8 text as it is, except
    backslash (\\\\), line breaks and tabs (\\n, \\r, \\t), other unprintable characters
    (\\xNN below 0x80, else \\uNNNN or \\UNNNNNNNN), and bytes that are not UTF-8 (\\xNN,
    always 0x80 or more)."""
    parts = []
    for char in data.decode("utf-8", "surrogateescape"):
        code = ord(char)
        if char in _ESCAPES:
            parts.append(_ESCAPES[char])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8
            parts.append(f"\\x{code - 0xDC00:02x}")
        elif char.isprintable():
            parts.append(char)
        elif code < 0x80:
            parts.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    return "".join(parts)
