"""Counting whole inputs, one after another, for every command that counts files (`count`,
`estimate`, `report`), in this process or spread over workers (`CountPool`)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from llm_cost_core.cli.output import error_line
from llm_cost_core.cli.progress import Progress
from llm_cost_core.errors import InputError
from llm_cost_core.jobs.inputs import TextStream, out_of_memory, warn_replaced

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.jobs.processes import OrderedPool

WORKER_PART_CHARS = 4 << 20  # the parts a worker is given: several engine parts, for fewer tasks

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


class CountPool:
    """Counts inputs with `workers` processes: each is given parts of about `WORKER_PART_CHARS`
    (`Encoding.parts`) and counts them with `Encoding.count_part`, so the parts' counts add up
    to the input's. The processes start with the first input that has more than one part, and
    serve every later one."""

    def __init__(self, encoding: Encoding, workers: int) -> None:
        self.encoding = encoding
        self.workers = workers
        self._pool: OrderedPool | None = None

    def __enter__(self) -> CountPool:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            self._pool.__exit__(kind, exc, tb)

    def count(self, blocks: Iterable[str]) -> int:
        """`encoding.count_stream(blocks)`, spread over the workers. An `InputError` while
        reading (a file that breaks off) drops the parts in flight and leaves the pool usable."""
        parts = self.encoding.parts(blocks, WORKER_PART_CHARS)
        first = next(parts)
        if not first.stand_in:  # one part (or no promised cut): not worth a worker
            return self.encoding.count_part(*first)
        from llm_cost_core.engine.encoding import Encoding

        # Each worker's state is its own Encoding (`get_encoding`), which counts the parts.
        return sum(self._start().map(Encoding.count_part, itertools.chain([first], parts)))

    def _start(self) -> OrderedPool:
        if self._pool is None:
            from llm_cost_core import get_encoding
            from llm_cost_core.jobs.processes import OrderedPool  # multiprocessing: when needed

            self.encoding.count("")  # a vocab that cannot load fails here, once, not in workers
            self._pool = OrderedPool(self.workers, get_encoding, (self.encoding.name,))
        return self._pool
