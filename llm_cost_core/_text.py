"""Text from outside (a plugin, a price file, package metadata) made safe to print."""

from __future__ import annotations

import re

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
