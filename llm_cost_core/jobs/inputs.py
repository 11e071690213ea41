"""Reading the files and streams users name: bytes in, text out, nothing lost without a word."""

from __future__ import annotations

import os
import stat
import sys
import warnings
from collections.abc import Iterator
from types import TracebackType
from typing import BinaryIO

from llm_cost_core.errors import InputError

STDIN = "-"  # the file name that means standard input
STDIN_LABEL = "<stdin>"  # how messages and tables name it
BLOCK = 1 << 20  # bytes read at a time by `TextStream`


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


def check_input(path: str) -> None:
    """Raise an `InputError` naming `path` when it cannot be an input, without opening it: a
    named pipe (FIFO) can be opened for its writer's data once only, so an input is opened
    exactly once, by `open_input`, when it is reached."""
    if path == STDIN:
        return
    try:
        is_dir = stat.S_ISDIR(os.stat(path).st_mode)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the name
        raise InputError(f"{path!r}: not a file name") from None
    if is_dir:
        raise InputError(f"{path}: is a directory; name the files in it (e.g. {path}/*.txt)")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: Permission denied")


def open_input(path: str) -> BinaryIO:
    """`path` opened for reading, or an `InputError` naming it (say it was deleted meanwhile)."""
    try:
        return open(path, "rb")  # the caller closes it
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def read_error(where: str, exc: OSError) -> InputError:
    """The error for an input that breaks off while read (`/proc/self/mem`, a failing disk)."""
    return InputError(f"cannot read {where}: {exc.strerror or exc}")


def warn_replaced(label: str, replaced: int) -> None:
    """Say that `replaced` invalid bytes of input `label` were replaced (nothing when none)."""
    if replaced:
        warnings.warn(
            f"{label}: {replaced} invalid UTF-8 byte{'s' if replaced != 1 else ''} "
            "replaced with U+FFFD; counted as replaced",
            UnicodeWarning,
            stacklevel=2,
        )


def out_of_memory(what: str) -> InputError:
    """The error for an input that took all the memory (`what`: which one, and where), such as
    /dev/zero: no line break for `pipe`, no space or line break for `count` to cut at."""
    return InputError(
        f"out of memory reading {what}; split it into smaller inputs, or use fewer --workers"
    )


class TextStream:
    """The text of one input, read and decoded a block at a time as it is iterated (once), so a
    file of any size is counted in bounded memory. Invalid UTF-8 is replaced exactly as
    `decode_utf8` does on the whole; `replaced_bytes` and `size` are final once iterated."""

    def __init__(self, path: str, stdin: BinaryIO | None = None, label: str | None = None) -> None:
        """`stdin`: the stream read for `-` (standard input when None), which the caller closes;
        `label` names it in messages (a dataset's shard opened elsewhere)."""
        self.label = label or (STDIN_LABEL if path == STDIN else path)
        self._where = "standard input" if path == STDIN and not label else self.label
        self.replaced_bytes = 0
        self.size = 0
        if path == STDIN:
            self._handle = stdin if stdin is not None else sys.stdin.buffer
            self._owned = False
            self.expected_size = _regular_size(self._handle)
            return
        check_input(path)
        self._handle = open_input(path)
        self._owned = True
        self.expected_size = _regular_size(self._handle)
        """The size of a regular file (stdin redirected from one too), None for a pipe."""

    def __enter__(self) -> TextStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._owned:
            self._handle.close()

    def __iter__(self) -> Iterator[str]:
        pending = b""
        while True:
            try:
                data = self._handle.read(BLOCK)
            except OSError as exc:
                raise read_error(self._where, exc) from None
            if not data:
                break
            self.size += len(data)
            if pending:
                data = pending + data
            end = _decodable_end(data)
            pending = data[end:]
            yield self._decode(data[:end])
        if pending:
            yield self._decode(pending)

    def read_bytes(self) -> bytes:
        """The whole input, not decoded: for input that is not text to count (token ids)."""
        try:
            data = self._handle.read()
        except OSError as exc:
            raise InputError(f"cannot read {self._where}: {exc.strerror or exc}") from None
        self.size = len(data)
        return data

    def _decode(self, data: bytes) -> str:
        text, replaced = decode_utf8(data)
        self.replaced_bytes += replaced
        return text


def _regular_size(handle: BinaryIO) -> int | None:
    try:
        status = os.fstat(handle.fileno())
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stdin)
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def _decodable_end(data: bytes) -> int:
    """Where `data` can be cut so that both sides decode as they would together: before a byte
    that is not a continuation byte (no sequence, valid or not, runs on past one), or after four
    continuation bytes in a row (no sequence is that long, so the last is a stray byte alone)."""
    for i in range(len(data) - 1, max(len(data) - 5, -1), -1):
        if not 0x80 <= data[i] <= 0xBF:
            return i
    return len(data) if len(data) >= 4 else 0
