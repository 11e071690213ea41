"""The one worker pool of the commands that spread their work over cores (`count`, `estimate`
and `report` with --workers: parts of an input; `pipe`: line batches).

`OrderedPool` is a small pool on multiprocessing primitives that this module fully controls,
in place of `concurrent.futures.ProcessPoolExecutor`. The executor's manager thread shares one
result pipe between all workers: a worker killed while writing a result left half a message in
it, the thread waited for the rest forever, and interpreter exit hung joining that thread. Here
each worker has its own pipe, whose far end only that worker holds, so a worker that dies is an
end of file, never a wait; the parent has no thread at all; and ending the pool is terminate,
then join, of processes it started itself.

Workers are forked where that is safe: on Linux, from a parent that runs one thread (so no
other thread can hold a lock at the fork). A forked worker is ready in milliseconds and shares the
parent's loaded modules and vocab copy-on-write, where a spawned one starts an interpreter, imports
core and loads the vocab again (about 0.1 s of CPU each, most of a short run's cost on 2 cores).
Elsewhere (macOS, Windows, a parent with threads) they are spawned. A forked worker first closes
the parent's ends of every pipe, so that each pipe still has exactly one end in each process.
Workers leave Ctrl-C to the parent, and are ended at once when the parent fails or is
interrupted: waiting for the tasks in flight could take seconds and hang on a second Ctrl-C. A
Ctrl-C that arrives while a worker is being started is held back, not lost (see `_sigint_held`).
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import pickle
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from llm_cost_core.errors import WorkerError

TASKS_IN_FLIGHT_PER_WORKER = 2  # one being worked on, one waiting: no worker waits for the next
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


def _start_method() -> str:
    """Fork where forking is safe (see the module docstring), else spawn."""
    one_thread = threading.active_count() == 1
    return "fork" if sys.platform == "linux" and one_thread else "spawn"


class OrderedPool:
    """`workers` processes that run tasks and give their results back in the order the
    tasks were given: task i goes to worker i mod `workers`, whose pipe returns its results in
    its own order. A worker starts with its first task: it first makes its own state with
    `setup(*setup_args)` (say `get_encoding(name)`), which each task is then run with.

    Use it as a context manager: leaving normally lets the workers finish and exit, leaving with
    an exception (Ctrl-C, a failure, a generator closed early) ends them at once."""

    def __init__(
        self, workers: int, setup: Callable[..., Any], setup_args: tuple[Any, ...]
    ) -> None:
        fork = _start_method() == "fork"
        self._context = (
            multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        )
        self._size = max(1, workers)
        self._target = (setup, setup_args)
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
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], in_flight: int | None = None
    ) -> Iterator[Any]:
        """`fn(state, *args)` for each `args` in `tasks`, where `state` is the worker's (see the
        class), in order, with at most `in_flight` tasks given out at once (by default
        `TASKS_IN_FLIGHT_PER_WORKER` per worker), so any number of tasks runs in bounded
        memory. A task's exception is raised here. Tasks left in flight by an earlier `map` that
        stopped early are waited for and dropped first."""
        if in_flight is None:
            in_flight = self._size * TASKS_IN_FLIGHT_PER_WORKER
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
        # A forked worker holds copies of the parent's ends, its own included: it closes them.
        parents = [conn for _, conn in self._workers] + [ours] if self._forks() else []
        process = self._context.Process(
            target=_serve, args=(theirs, *self._target, parents), daemon=True
        )
        try:
            with _sigint_held():
                process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()  # its only holder is the worker now: its death is an end of file
        self._workers.append((process, ours))

    def _forks(self) -> bool:
        return self._context.get_start_method() == "fork"

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


def _serve(
    conn: Connection,
    setup: Callable[..., Any],
    setup_args: tuple[Any, ...],
    parents: list[Connection],
) -> None:
    """A worker's life: make its state, read tasks, run them one at a time with it, send each
    result back (or the exception it raised) until the parent closes the pipe. Tasks are read by
    a thread, so the parent giving a task never waits on a worker busy sending a result it has
    not read yet. `parents`: the parent's pipe ends a forked worker holds copies of; kept open,
    a pipe whose parent end the parent closed would never end."""
    for inherited in parents:
        inherited.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent's to handle
    warnings.simplefilter("ignore")  # the parent showed them
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(conn, tasks), daemon=True).start()
    failure: BaseException | None = None
    state: Any = None
    try:
        state = setup(*setup_args)
    except Exception as exc:
        failure = exc  # the answer to every task: the parent says what went wrong
    for task in iter(tasks.get, None):
        fn, args = task
        try:
            if failure is not None:
                raise failure
            reply: tuple[bool, Any] = (True, fn(state, *args))
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
