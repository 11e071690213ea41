"""Reading the files and streams users name: bytes in, text out, nothing lost without a word."""

from __future__ import annotations

import os
import sys
from typing import BinaryIO

import attrs

from .errors import InputError

STDIN = "-"


@attrs.frozen
class InputText:
    """Text read from one input, and how many invalid UTF-8 bytes became U+FFFD."""

    label: str
    text: str
    replaced_bytes: int = 0
    size: int = 0


def decode_utf8(data: bytes | memoryview) -> tuple[str, int]:
    """Decode UTF-8, replacing each invalid sequence with U+FFFD as Python's "replace" does.

    Returns the text and the number of bytes replaced, so callers can say what they changed.
    All C-level passes, whatever the number of bad bytes (a binary file is all bad bytes): each
    replaced sequence of k bytes became one U+FFFD (3 bytes once encoded), and a U+FFFD that was
    in the input is the byte sequence EF BF BD, which is always valid where it stands.
    """
    raw = bytes(data)
    try:
        return raw.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
    added = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    return text, len(raw) - len(text.encode("utf-8")) + 3 * added


def read_bytes(path: str, stdin: BinaryIO | None = None) -> bytes:
    """All bytes of `path` (or standard input for "-"), with one-line errors."""
    if path == STDIN:
        stream = stdin if stdin is not None else sys.stdin.buffer
        try:
            return stream.read()
        except OSError as exc:
            raise InputError(f"cannot read standard input: {exc.strerror or exc}") from None
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory; name the files in it (e.g. {path}/*.txt)")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def read_text(path: str, stdin: BinaryIO | None = None) -> InputText:
    """The text of `path` ("-" is standard input); invalid UTF-8 is replaced and counted."""
    data = read_bytes(path, stdin)
    text, replaced = decode_utf8(data)
    label = "<stdin>" if path == STDIN else path
    return InputText(label, text, replaced, len(data))
