"""Worker processes for the commands that spread their work over cores (`pipe`, `count`).

`OrderedPool` is a small pool on multiprocessing primitives that this module fully controls,
in place of `concurrent.futures.ProcessPoolExecutor`. The executor's manager thread shares one
result pipe between all workers: a worker killed while writing a result left half a message in
it, the thread waited for the rest forever, and interpreter exit hung joining that thread. Here
each worker has its own pipe, whose far end only that worker holds, so a worker that dies is an
end of file, never a wait; the parent has no thread at all; and ending the pool is terminate,
then join, of processes it started itself.

Workers are spawned (no fork of a parent holding locks or big caches), leave Ctrl-C to the
parent, and are ended at once when the parent fails or is interrupted: waiting for the tasks in
flight could take seconds and hang on a second Ctrl-C. A Ctrl-C that arrives while a worker is
being started is held back, not lost (see `_sigint_held`).
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import multiprocessing
import pickle
import queue
import signal
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from llm_cost_core.engine.segments import cut_windows, with_stand_ins
from llm_cost_core.errors import WorkerError

PART_CHARS = 4 << 20  # text per task when `count` spreads one input over workers
PARTS_IN_FLIGHT_PER_WORKER = 2
JOIN_SECONDS = 5.0  # how long a terminated worker gets to go before it is killed

_DIED = "a worker process died (out of memory?); try again with fewer --workers"


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Block Ctrl-C while a worker starts. The worker inherits the blocked signal across fork
    and exec, so a Ctrl-C never interrupts its start-up (the parent handles it); the parent
    gets a Ctrl-C that came meanwhile when the block is lifted. Setting SIGINT to SIG_IGN for
    that time instead, as before, lost such a Ctrl-C."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, no such window
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class OrderedPool:
    """`workers` spawned processes that run tasks and give their results back in the order the
    tasks were given: task i goes to worker i mod `workers`, whose pipe returns its results in
    its own order. A worker starts with its first task and runs `initializer(*initargs)` first.

    Use it as a context manager: leaving normally lets the workers finish and exit, leaving with
    an exception (Ctrl-C, a failure, a generator closed early) ends them at once."""

    def __init__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._size = max(1, workers)
        self._target = (initializer, initargs)
        self._workers: list[tuple[Any, Connection]] = []  # (process, the parent's end)
        self._due: collections.deque[int] = collections.deque()  # worker of each task in flight
        self._next = 0  # the worker that gets the next task

    def __enter__(self) -> OrderedPool:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if exc is None:
            self.close()
        else:
            self.terminate()

    def map(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], in_flight: int
    ) -> Iterator[Any]:
        """`fn(*args)` for each `args` in `tasks`, in order, with at most `in_flight` tasks
        given out at once (so any number of tasks runs in bounded memory). A task's exception
        is raised here. Tasks left in flight by an earlier `map` that stopped early are waited
        for and dropped first."""
        self._drain()
        for args in tasks:
            if len(self._due) >= max(1, in_flight):
                yield self._result()
            self._submit(fn, args)
        while self._due:
            yield self._result()

    def close(self) -> None:
        """Wait for the tasks in flight, then let the workers exit (end of their task pipe)."""
        try:
            self._drain()
            for _process, conn in self._workers:
                conn.close()
            for process, _conn in self._workers:
                process.join(JOIN_SECONDS)
        except BaseException:
            self.terminate()
            raise
        self.terminate()  # none is left alive, unless one would not exit

    def terminate(self) -> None:
        """End every worker now, without waiting for the tasks in flight."""
        workers, self._workers = self._workers, []
        self._due.clear()
        for process, _conn in workers:
            if process.exitcode is None:
                process.terminate()
        for process, conn in workers:
            process.join(JOIN_SECONDS)
            if process.exitcode is None:
                process.kill()
                process.join()
            process.close()
            conn.close()

    def _submit(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        index = self._next
        self._next = (index + 1) % self._size
        if index == len(self._workers):
            self._start()
        conn = self._workers[index][1]
        try:
            conn.send((fn, args))
        except OSError:  # it died: its pipe is broken (not our output's, which BrokenPipe means)
            raise WorkerError(_DIED) from None
        self._due.append(index)

    def _start(self) -> None:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs, *self._target), daemon=True)
        try:
            with _sigint_held():
                process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()  # its only holder is the worker now: its death is an end of file
        self._workers.append((process, ours))

    def _result(self) -> Any:
        process, conn = self._workers[self._due.popleft()]
        try:
            if conn not in wait([conn, process.sentinel]):
                raise EOFError
            ok, value = conn.recv()
        except (EOFError, OSError):
            raise WorkerError(_DIED) from None
        if not ok:
            raise value
        return value

    def _drain(self) -> None:
        """Wait for the tasks nobody waits for any more and drop their results (or errors); a
        worker's death is still one."""
        while self._due:
            try:
                self._result()
            except WorkerError:
                raise
            except Exception:
                continue


def _serve(conn: Connection, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    """A worker's life: read tasks, run them one at a time, send each result back (or the
    exception it raised) until the parent closes the pipe. Tasks are read by a thread, so the
    parent giving a task never waits on a worker busy sending a result it has not read yet."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent's to handle
    warnings.simplefilter("ignore")  # the parent showed them
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(conn, tasks), daemon=True).start()
    failure: BaseException | None = None
    try:
        initializer(*initargs)
    except Exception as exc:
        failure = exc  # the answer to every task: the parent says what went wrong
    for task in iter(tasks.get, None):
        fn, args = task
        try:
            if failure is not None:
                raise failure
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as exc:
            reply = (False, _picklable(exc))
        try:
            conn.send(reply)
        except OSError:  # the parent is gone
            return


def _read_tasks(conn: Connection, tasks: queue.SimpleQueue[Any]) -> None:
    with contextlib.suppress(EOFError, OSError):
        while True:
            tasks.put(conn.recv())
    tasks.put(None)  # the end: the parent closed the pipe, or is gone


def _picklable(exc: BaseException) -> BaseException:
    """`exc`, or a RuntimeError that says what it was when it cannot cross the pipe."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


# -- count: one input spread over workers -----------------------------------------------------

_encoding: Any = None


def _init_count_worker(name: str) -> None:
    global _encoding
    from llm_cost_core import get_encoding

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
        self._pool: OrderedPool | None = None
        scanner = encoding.scanner
        self._splits = getattr(scanner, "splits_before_space", False) is True
        self._after_newline = getattr(scanner, "splits_after_newline", False) is True

    def __enter__(self) -> CountPool:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if self._pool is not None:
            self._pool.__exit__(kind, exc, tb)

    def count(self, blocks: Iterable[str]) -> int:
        """`encoding.count_stream(blocks)`, spread over the workers. An `InputError` while
        reading (a file that breaks off) drops the parts in flight and leaves the pool usable."""
        if not self._splits:  # no promise, no parts: counted here, joined
            return int(self.encoding.count_stream(blocks))
        parts = with_stand_ins(cut_windows(blocks, PART_CHARS, after_newline=self._after_newline))
        first = next(parts)
        if not first[1]:  # one part: not worth starting (or waiting for) a worker
            return int(self.encoding.count(first[0]))
        in_flight = self.workers * PARTS_IN_FLIGHT_PER_WORKER
        return sum(self._start().map(_count_part, itertools.chain([first], parts), in_flight))

    def _start(self) -> OrderedPool:
        if self._pool is None:
            self.encoding.count("")  # a vocab that cannot load fails here, once, not in workers
            self._pool = OrderedPool(self.workers, _init_count_worker, (self.encoding.name,))
        return self._pool
