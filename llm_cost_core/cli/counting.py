"""Counting whole inputs, one after another, for every command that counts files."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

import click

from llm_cost_core.cli.inputs import TextStream, out_of_memory, warn_replaced
from llm_cost_core.cli.output import error_line
from llm_cost_core.cli.progress import Progress
from llm_cost_core.errors import InputError

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

StreamCounter = Callable[[Iterable[str]], int]
Measure = TypeVar("Measure", bound=Iterable[str])


def count_files(
    enc: Encoding,
    paths: list[str],
    workers: int = 1,
    show_progress: bool = False,
    count_stream: StreamCounter | None = None,
    measure: Callable[[Iterable[str]], Measure] | None = None,
    skip_unreadable: bool = True,
) -> Iterator[tuple[TextStream, int, Measure | None]]:
    """Each input, its tokens, and what `measure` (which sees each block on its way to be
    counted) found in it. Inputs are read a block at a time and counted by
    `Encoding.count_stream` (or `count_stream`), with `workers` processes when more than one.
    An input that cannot be read is the error when it is the only one or `skip_unreadable` is
    false; otherwise it is reported and skipped (the caller's exit code then says so). With
    `show_progress`, a big one shows its progress on stderr."""
    with contextlib.ExitStack() as stack:
        if count_stream is None:
            count_stream = enc.count_stream
            if workers > 1:
                from llm_cost_core.cli.processes import CountPool

                count_stream = stack.enter_context(CountPool(enc, workers)).count
        for path in paths:
            try:
                with (
                    TextStream(path) as stream,
                    Progress(stream.label, stream.expected_size, show_progress) as bar,
                ):
                    blocks: Iterable[str] = bar.track(stream)
                    seen = None if measure is None else measure(blocks)
                    try:
                        n = count_stream(blocks if seen is None else seen)
                    except MemoryError:
                        raise out_of_memory(
                            f"{stream.label} (after {stream.size >> 20} MB)"
                        ) from None
            except InputError as exc:  # a vocab that cannot load is the command's error
                if len(paths) == 1 or not skip_unreadable:
                    raise click.ClickException(str(exc)) from None
                error_line(str(exc))
                continue
            warn_replaced(stream.label, stream.replaced_bytes)
            yield stream, n, seen
