"""What every command prints besides its result: one-line errors and warnings, and tables."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import click

from llm_cost_core._text import printable

EXIT_RUNTIME, EXIT_USAGE, EXIT_QUOTA = 1, 2, 3
"""Exit codes: a runtime error, a usage error, a budget or quota reached (and 130, Ctrl-C)."""


def stderr_line(text: str) -> None:
    """Write `text` as exactly one line on stderr, even if stderr itself is gone; any other
    control character (from a plugin's message, a name in a file) is escaped."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(printable(text.replace("\r", " ").replace("\n", " ")) + "\n")
        sys.stderr.flush()


def error_line(message: str) -> None:
    """`llm-cost: error: message`, for an error the command reports and goes on after."""
    stderr_line(f"llm-cost: error: {message}")


def warning_line(message: Any, category: Any, *_: Any, **__: Any) -> None:
    """`warnings.showwarning` while a command runs: `llm-cost: warning: message`."""
    stderr_line(f"llm-cost: warning: {message}")


def silence_stdout() -> None:
    """After the reader went away (`| head`), send the rest of our output nowhere."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Left-aligned columns, two spaces apart, header first; control characters in a cell (a
    name from a plugin or a price file) are escaped."""
    table = [header, *[tuple(map(printable, row)) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
