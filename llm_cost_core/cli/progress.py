"""One line of progress on stderr for long work (bytes done, rate, time left), drawn only when
stderr is a terminal, so that nothing extra reaches a pipe, a file or a log."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TextIO

import click

from llm_cost_core.jobs.inputs import TextStream

MIN_BYTES = 4_000_000
"""A count shows progress once it has read this much, or from the start for a file this big."""


def quiet_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """-q/--quiet, for the commands that show progress."""
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Show no progress on stderr (shown only when it is a terminal).",
    )(func)


class Progress:
    """`update(done)` redraws the line; leaving the `with` block erases it. Does nothing when
    `enabled` is false, or until `min_bytes` are done or known to be coming."""

    def __init__(
        self,
        label: str,
        total: int | None,
        enabled: bool,
        min_bytes: int = MIN_BYTES,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.enabled = enabled
        self.min_bytes = min_bytes
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._start = clock()
        self._drawn = False
        self._done = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.clear()

    def update(self, done: int) -> None:
        if not self.enabled or max(done, self.total or 0) < self.min_bytes or done == self._done:
            return
        self._done = done
        self._write("\r" + self._fit(self.line(done, self._clock() - self._start)) + "\x1b[K")
        self._drawn = True

    def clear(self) -> None:
        """Erase the line (before other text is written to stderr, and at the end)."""
        if self._drawn:
            self._write("\r\x1b[K")
            self._drawn = False

    def line(self, done: int, seconds: float) -> str:
        """`big.txt: 12.0 MB of 48.0 MB (25%), 8.1 MB/s, 0:04 left`; without a known total
        `<stdin>: 12.0 MB, 8.1 MB/s`."""
        rate = done / seconds if seconds > 0 else 0.0
        speed = f"{_size(rate)}/s"
        if not self.total:
            return f"{self.label}: {_size(done)}, {speed}"
        left = _duration(max(self.total - done, 0) / rate) if rate > 0 else "?"

        percent = min(100 * done // self.total, 100)
        amount = f"{_size(done)} of {_size(self.total)} ({percent}%)"
        return f"{self.label}: {amount}, {speed}, {left} left"

    def track(self, stream: TextStream) -> Iterator[str]:
        """The blocks of `stream`, with the line redrawn after each."""
        for block in stream:
            yield block
            self.update(stream.size)

    def _fit(self, line: str) -> str:
        try:
            width = os.get_terminal_size(self._stream.fileno()).columns
        except (OSError, ValueError):
            width = 0
        return line[: width - 1] if width > 1 else line

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # stderr gone: progress is not worth an error
            self.enabled = False


def wanted(quiet: bool) -> bool:
    """Progress is for a person watching: not with --quiet, not when stderr is not a terminal."""
    try:
        return not quiet and sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


def _size(count: float) -> str:
    """Bytes as people read them: 512 B, 12.3 kB, 4.5 MB, 1.2 GB (powers of 1000)."""
    for unit in ("B", "kB", "MB"):
        if count < 999.95:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
