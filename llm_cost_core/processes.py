"""Worker processes for the commands that spread their work over cores (`pipe`, `count`).

Workers are spawned (no fork of a parent holding locks or big caches), leave Ctrl-C to the
parent, and are ended at once when the parent fails or is interrupted: waiting for the tasks in
flight could take seconds and hang on a second Ctrl-C.
"""

from __future__ import annotations

import collections
import multiprocessing
import signal
import threading
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .errors import InputError
from .segments import cut_windows, with_stand_ins

PART_CHARS = 4 << 20  # text per task when `count` spreads one input over workers
PARTS_IN_FLIGHT_PER_WORKER = 2


def spawn_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )


def quiet_worker() -> None:
    """In a worker: Ctrl-C is the parent's to handle, and warnings were shown by the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warnings.simplefilter("ignore")


def submit(pool: ProcessPoolExecutor, fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """`pool.submit`; a worker spawned meanwhile is born ignoring Ctrl-C (the parent's to
    handle), since an ignored signal stays ignored across exec."""
    if threading.current_thread() is not threading.main_thread():
        return pool.submit(fn, *args)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return pool.submit(fn, *args)
    finally:
        signal.signal(signal.SIGINT, previous)


def terminate(pool: ProcessPoolExecutor) -> None:
    """End the workers now, without waiting for the tasks in flight."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


# -- count: one input spread over workers -----------------------------------------------------

_encoding: Any = None


def _init_count_worker(name: str) -> None:
    global _encoding
    quiet_worker()
    from . import get_encoding

    _encoding = get_encoding(name)
    _encoding.count("")


def _count_part(text: str, stand_in: str) -> int:
    """The tokens of `text` when it is followed by a cut, for which `stand_in` stands (or by the
    end of the input, when `stand_in` is empty): exact by the scanner's promises."""
    return int(_encoding.count(text + stand_in) - _encoding.count(stand_in))


class CountPool:
    """Counts inputs with `workers` processes, each given parts of about `PART_CHARS` that end
    at a cut (`segments.cut_windows`), so that the parts' counts add up to the input's. The
    processes start with the first input that can be split, and serve every later one."""

    def __init__(self, encoding: Any, workers: int) -> None:
        self.encoding = encoding
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        scanner = encoding.scanner
        self._splits = getattr(scanner, "splits_before_space", False) is True
        self._after_newline = getattr(scanner, "splits_after_newline", False) is True

    def __enter__(self) -> CountPool:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            if exc is None:
                self._pool.shutdown(wait=True)
            else:
                terminate(self._pool)

    def count(self, blocks: Iterable[str]) -> int:
        """`encoding.count_stream(blocks)`, spread over the workers. An `InputError` while
        reading (a file that breaks off) drops the parts in flight and leaves the pool usable."""
        if not self._splits:  # no promise, no parts: counted here, joined
            return int(self.encoding.count_stream(blocks))
        parts = with_stand_ins(cut_windows(blocks, PART_CHARS, after_newline=self._after_newline))
        part, stand_in = next(parts)
        if not stand_in:  # one part: not worth starting (or waiting for) a worker
            return int(self.encoding.count(part))
        pool = self._start()
        pending: collections.deque[Future[int]] = collections.deque()
        total = 0
        try:
            pending.append(submit(pool, _count_part, part, stand_in))
            for part, stand_in in parts:
                if len(pending) >= self.workers * PARTS_IN_FLIGHT_PER_WORKER:
                    total += pending.popleft().result()
                pending.append(submit(pool, _count_part, part, stand_in))
            while pending:
                total += pending.popleft().result()
        except InputError:
            for future in pending:
                future.cancel()
            raise
        return total

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self.encoding.count("")  # a vocab that cannot load fails here, once, not in workers
            self._pool = spawn_pool(self.workers, _init_count_worker, (self.encoding.name,))
        return self._pool
