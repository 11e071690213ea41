"""Text from outside (a plugin, a price file, package metadata) made safe to print."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, DEL (ESC among them), line and paragraph separators, and the marks and
overrides that reorder text: what could move the cursor, set a terminal's title, or make printed
text read other than it is."""


def printable(text: str) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\u202e`), so that
    a name or a message from a plugin or a price file cannot drive the terminal it is printed
    on. Everything a command prints that it did not write itself goes through here."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def exception_line(exc: BaseException) -> str:
    """`Type: message`, the first line only, for a one-line message about a plugin's
    exception (whose `__str__` may itself fail)."""
    try:
        message = str(exc).strip()
    except Exception:
        message = "(its message cannot be shown)"
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text.splitlines()[0]


SIMILAR = 0.85
"""How alike (difflib's ratio) a misspelt name and a known one must be to suggest it: `gpt4o`
and `gpt-4o` are (0.91), `gpt-9` and `gpt-4` are not (0.8)."""


def did_you_mean(name: str, names: Iterable[str], similar: float = SIMILAR) -> str | None:
    """`did you mean 'x'?` for the known name closest to a misspelt one, or None."""
    close = difflib.get_close_matches(name, sorted(set(names)), n=1, cutoff=similar)
    return f"did you mean {close[0]!r}?" if close else None


def shorten(text: str) -> str:
    """Text for a one-line message: a very long value shown by its ends."""
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]}"
