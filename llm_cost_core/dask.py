"""Count and price whole datasets on Dask: the same counting as `pipe` and `count`, one task per
shard, run where the data is (a LocalCluster, HPC, Kubernetes, any fsspec filesystem).

Each shard (a file, or a `dask.bag` partition) is one task that runs core's own single-process
pipe (`pipe.run_pipe`) or count (`Encoding.count_stream` over an `inputs.TextStream`) and sends
back a small summary; the summaries are merged on the client in input order, so the totals, the
bad-line report and the written shards are those of one process reading the shards one after
another. Workers get the encoding by name: the plugin that provides it must be installed there,
and a worker without it raises core's own `UnknownEncodingError` ("... pip install llm-cost-X"),
which Dask raises again on the client. A task whose worker dies is run again by Dask.

Needs the extra: `pip install 'llm-cost-core[dask]'`. Dask is imported only when a function here
is called, never by `import llm_cost_core` or the command line's start-up.
"""

from __future__ import annotations

import collections
import contextlib
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs

from llm_cost_core.errors import InputError, LLMCostError
from llm_cost_core.jobs.inputs import open_input
from llm_cost_core.jobs.pipe import Source, run_pipe
from llm_cost_core.records.lines import PipeSettings, PipeStats, cost

INSTALL = "pip install 'llm-cost-core[dask]'"
SHOWN_PER_REASON = 3  # bad lines kept word for word per reason, as the pipe command shows them


class DaskMissingError(LLMCostError):
    """Dask (or fsspec) is not installed: the extra is needed."""


def require_dask() -> None:
    """Raise `DaskMissingError`, one line that says what to install, unless the extra is here."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import fsspec  # noqa: F401
    except ImportError as exc:
        raise DaskMissingError(f"--dask needs Dask ({exc.name} is missing): {INSTALL}") from None


# -- what a shard gives back ------------------------------------------------------------------


@attrs.define
class BadLineLog:
    """The bad lines of a run: how many of each reason, and the first `keep` of each word for
    word (`label: line N: reason`), in input order. Two logs merged in input order keep what one
    log over both inputs would, so a dataset of millions of bad lines sends back little."""

    keep: int = SHOWN_PER_REASON
    shown: list[tuple[str, str]] = attrs.field(factory=list)  # (message, reason)
    reasons: collections.Counter[str] = attrs.field(factory=collections.Counter)

    def add(self, message: str, reason: str) -> None:
        self.reasons[reason] += 1
        if self.reasons[reason] <= self.keep:
            self.shown.append((message, reason))

    def merge(self, other: BadLineLog) -> None:
        taken: collections.Counter[str] = collections.Counter()
        for message, reason in other.shown:
            taken[reason] += 1
            if self.reasons[reason] + taken[reason] <= self.keep:
                self.shown.append((message, reason))
        self.reasons.update(other.reasons)

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.shown]

    def hidden(self) -> collections.Counter[str]:
        """How many lines of each reason are not among `messages`."""
        return self.reasons - collections.Counter(reason for _, reason in self.shown)


@attrs.define
class ShardSummary:
    """One shard piped: its label, what `run_pipe` did with it, its bad lines, and where its
    counted lines were written (None: nowhere)."""

    label: str
    stats: PipeStats
    bad_lines: BadLineLog
    output: str | None = None


@attrs.define
class DatasetSummary:
    """A dataset piped: each shard's summary in input order, and all of them merged."""

    shards: list[ShardSummary]
    stats: PipeStats  # seconds: the wall time of the whole run, on the client
    bad_lines: BadLineLog
    workers: int  # the worker threads the scheduler had when the run started

    def cost_usd(self, settings: PipeSettings) -> Decimal | None:
        """The exact cost, as `pipe --summary` computes it: text lines at `settings`' price,
        Batch request lines at their own model's batch price; None without any price."""
        return cost(self.stats, settings)


@attrs.frozen
class ShardCount:
    """One file counted as `llm-cost count` counts it: tokens, or why it could not be read."""

    label: str
    tokens: int | None
    replaced_bytes: int = 0  # invalid UTF-8 bytes counted as U+FFFD (count warns about them)
    error: str | None = None


# -- shards ------------------------------------------------------------------------------------


@attrs.frozen
class Shard:
    """A file of the dataset: its label in messages, and what a worker opens where it runs: a
    local path, opened as the pipe command opens its files, or an fsspec `OpenFile` (picklable),
    for another filesystem or a compressed file (compression taken from the name, as fsspec
    infers it: `.gz`, `.bz2`, `.xz`, `.zst`, ...)."""

    label: str
    file: Any


def shards(patterns: str | Sequence[str]) -> list[Shard]:
    """The files that paths, globs or fsspec URLs (`s3://bucket/logs/*.jsonl.gz`) name, each
    pattern's matches sorted by name, checked here so that a missing one is one error now, not
    a failed task later."""
    require_dask()
    import fsspec
    from fsspec.core import url_to_fs
    from fsspec.implementations.local import LocalFileSystem
    from fsspec.utils import infer_compression

    from llm_cost_core.jobs.inputs import check_input

    found: list[Shard] = []
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        fs, path = url_to_fs(pattern)
        local = isinstance(fs, LocalFileSystem)
        if not any(char in path for char in "*?["):
            if local:
                check_input(pattern)
            elif not fs.isfile(path):
                raise InputError(f"{pattern}: No such file")
            matches = [(pattern, path)]
        else:
            names = sorted(name for name in fs.glob(path) if not fs.isdir(name))
            if not names:
                raise InputError(f"{pattern}: no file matches")
            matches = [(_label(fs, name, local, pattern), name) for name in names]
        for label, name in matches:
            compression = infer_compression(name)
            if local and compression is None:
                found.append(Shard(label, name))
            else:
                found.append(Shard(label, fsspec.core.OpenFile(fs, name, "rb", compression)))
    return found


def _label(fs: Any, name: str, local: bool, pattern: str) -> str:
    """A glob's match named as the pattern was: relative to here, absolute, or as a URL."""
    if not local:
        return str(fs.unstrip_protocol(name))
    return name if os.path.isabs(pattern) or "://" in pattern else os.path.relpath(name)


def output_name(prefix: str, index: int) -> str:
    """Where shard `index`'s counted lines go: `PREFIX00000.jsonl` (`out/part-` gives
    `out/part-00000.jsonl`)."""
    return f"{prefix}{index:05d}.jsonl"


# -- tasks (run on the workers) -----------------------------------------------------------------


def _pipe_shard(
    label: str,
    data: Any,
    settings: PipeSettings,
    output: str | None,
    named: bool,
    keep: int,
) -> ShardSummary:
    """Pipe one shard, a `Shard.file` or a bag partition's lines, with core's single-process
    pipe; its bad lines are named `label: line N: reason` when the dataset has several shards,
    as `pipe` names them for several files."""
    import io

    import fsspec

    log = BadLineLog(keep)

    def on_bad_line(message: str) -> None:  # "line N: reason", run_pipe's words for one source
        log.add(f"{label}: {message}" if named else message, message.partition(": ")[2])

    if isinstance(data, list):  # a bag partition: one line per item, str or bytes
        lines = (item.encode() if isinstance(item, str) else item for item in data)
        body = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
        source = Source(label, lambda: io.BytesIO(body))
    else:
        source = Source(label, lambda: _open(label, data))
    with contextlib.ExitStack() as stack:
        if output is None:
            out = stack.enter_context(open(os.devnull, "wb"))
        else:
            out = stack.enter_context(fsspec.open(output, "wb", auto_mkdir=True))
        stats = run_pipe([source], out, settings, on_bad_line=on_bad_line)
    return ShardSummary(label, stats, log, output)


def _open(label: str, file: Any) -> Any:
    if isinstance(file, str):
        return open_input(file)
    try:
        return file.open()
    except OSError as exc:
        raise InputError(f"{label}: {exc.strerror or exc}") from None


def _count_shard(label: str, file: Any, encoding: str) -> ShardCount:
    """Count one file as `count` does (read a block at a time, invalid UTF-8 replaced); a file
    that cannot be read is reported, not raised, as `count` reports one among several."""
    import llm_cost_core as lc
    from llm_cost_core.jobs.inputs import STDIN, TextStream

    enc = lc.get_encoding(encoding)  # no plugin here: UnknownEncodingError, raised on the client
    try:
        with _open(label, file) as handle:
            stream = TextStream(STDIN, stdin=handle, label=label)
            tokens = enc.count_stream(stream)
    except InputError as exc:
        return ShardCount(label, None, error=str(exc))
    return ShardCount(label, int(tokens), stream.replaced_bytes)


# -- running ------------------------------------------------------------------------------------


@contextlib.contextmanager
def scheduler(address: str | None) -> Iterator[int]:
    """Run the `dask.compute` calls inside on `address`: `local` starts a LocalCluster of one
    single-threaded worker process per core of this machine (for the time inside), another
    value is a scheduler's address (`tcp://host:8786`), None keeps Dask's current scheduler.
    Gives the number of worker threads (0 when unknown)."""
    require_dask()
    if address is None:
        yield 0
        return
    import logging

    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if address == "local":
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port: no clash, no warning
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(address, timeout="30s"))
            except OSError as exc:
                raise InputError(f"cannot reach the Dask scheduler {address}: {exc}") from None
        # Dask reruns the task of a worker that died; its client's log line about that
        # ("Couldn't gather 1 keys, rescheduling") is not the user's to read. Errors still show.
        client_log = logging.getLogger("distributed.client")
        stack.callback(client_log.setLevel, client_log.level)
        client_log.setLevel(logging.ERROR)
        workers = client.scheduler_info().get("workers", {}).values()
        yield sum(int(worker.get("nthreads", 0)) for worker in workers)


def pipe_dataset(
    data: Any,
    settings: PipeSettings,
    *,
    output: str | None = None,
    address: str | None = None,
    keep: int = SHOWN_PER_REASON,
) -> DatasetSummary:
    """Pipe a dataset on Dask and say what was done, exactly as `run_pipe` over its shards one
    after another would (one `pipe --summary` over the files).

    `data`: a path, glob or fsspec URL, a list of them, a list of `Shard`, or a `dask.bag` of
    JSONL lines (str or bytes; each partition is a shard). With `output`, shard i's counted
    lines are written to `output_name(output, i)`, in order. `address`: see `scheduler`."""
    require_dask()
    import dask

    parts: list[tuple[str, Any]]
    if hasattr(data, "to_delayed") and hasattr(data, "npartitions"):  # a dask.bag
        parts = [(f"partition {i}", part) for i, part in enumerate(data.to_delayed())]
    else:
        found = data if _is_shards(data) else shards(data)
        parts = [(shard.label, shard.file) for shard in found]
    named = len(parts) > 1
    task = dask.delayed(_pipe_shard, pure=False)
    tasks = [
        task(label, part, settings, None if output is None else output_name(output, i), named, keep)
        for i, (label, part) in enumerate(parts)
    ]
    start = time.perf_counter()
    with scheduler(address) as workers:
        results: Sequence[ShardSummary] = dask.compute(*tasks)
    stats = PipeStats()
    log = BadLineLog(keep)
    for result in results:
        stats.merge(result.stats)
        log.merge(result.bad_lines)
    stats.seconds = time.perf_counter() - start
    return DatasetSummary(list(results), stats, log, workers)


def count_dataset(
    data: str | Sequence[str] | Sequence[Shard], encoding: str, *, address: str | None = None
) -> list[ShardCount]:
    """Each file's tokens, as `llm-cost count` gives them, counted on Dask, in input order."""
    require_dask()
    import dask

    found: list[Shard] = list(data) if _is_shards(data) else shards(data)  # type: ignore[arg-type]
    task = dask.delayed(_count_shard, pure=False)
    tasks = [task(shard.label, shard.file, encoding) for shard in found]
    with scheduler(address):
        return list(dask.compute(*tasks))


def _is_shards(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(isinstance(s, Shard) for s in data)


# -- columns: dask.dataframe, Spark ----------------------------------------------------------------


def count_batch(texts: Iterable[str | None], encoding: str) -> list[int]:
    """The tokens of each text (None, or pandas' missing value, counts 0), as `Encoding.count`
    gives them: for a pandas UDF, `mapInPandas` or `map_partitions`. Needs no Dask."""
    import llm_cost_core as lc

    enc = lc.get_encoding(encoding)
    return [enc.count(text) if isinstance(text, str) else 0 for text in texts]


def column_tokens(column: Any, encoding: str) -> Any:
    """A `dask.dataframe` column of texts -> a column of their tokens (int64), lazily: sum it
    for the total (`column_tokens(df.text, "o200k").sum().compute()`)."""
    require_dask()
    name = column.name if column.name is not None else "tokens"
    return column.map_partitions(_tokens_of_partition, encoding, meta=(name, "int64"))


def _tokens_of_partition(partition: Any, encoding: str) -> Any:
    import pandas as pd

    return pd.Series(
        count_batch(partition, encoding), index=partition.index, name=partition.name, dtype="int64"
    )
