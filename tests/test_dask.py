"""`--dask` and `llm_cost_core.dask`: a real distributed.LocalCluster of 2 worker processes counts
a generated multi-shard dataset (stretches of real documents, text in many scripts, Batch request
lines, bad lines of every kind; a few MB, or LLM_COST_DASK_DATASET_MB: 300 in the `dask` tox
environment) and gives what one process gives: the same totals, the same bad-line report, the
same bytes in the written shards. A worker killed while it reads a shard is replaced and the
shard counted again; a worker without the encoding's plugin fails the run with core's one-line
"pip install llm-cost-..." error, on the client.

Skipped without the extra (`pip install 'llm-cost-core[dask]'`), except the tests that check
what happens without it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest
from fakedist import toy, write_plugin
from textgen import varied_texts

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.records.lines import LineCounter, PipeSettings

if "o200k" not in lc.list_encodings():  # the plugin-only environments without it
    pytest.skip("the dataset is counted and priced with o200k", allow_module_level=True)

SHARDS = 5
RECORDS_PER_SHARD = 260  # at least
# The dataset's size in MB: a few by default; a few hundred in the `dask` tox environment, which
# sets LLM_COST_DASK_DATASET_MB and installs the native engine to count it in minutes.
DATASET_MB = float(os.environ.get("LLM_COST_DASK_DATASET_MB", "0"))
TIMEOUT = 900.0  # a safety net for the waits below, never a measurement


def llm_cost(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    beside = Path(sys.executable).with_name("llm-cost")
    command = str(beside) if beside.exists() else shutil.which("llm-cost") or "llm-cost"
    return subprocess.Popen(
        [command, *args],
        cwd=cwd,
        env=env or dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finished(process: subprocess.Popen[bytes]) -> tuple[int, bytes, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err.decode()


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    return finished(llm_cost(*args, cwd=cwd, env=env))


def without_speed(stderr: str) -> tuple[list[str], dict[str, object]]:
    """The bad-line report, and the summary without what depends on the run (time, workers)."""
    *report, last = stderr.splitlines()
    summary = json.loads(last)
    for key in ("seconds", "mb_per_s", "workers"):
        summary.pop(key)
    return report, summary


# -- the dataset ------------------------------------------------------------------------------

BAD = [
    b"not json at all\n",
    b"\n",
    b"[1, 2, 3]\n",
    b'{"text": 5}\n',
    b'{"text": "caf\xe9"}\n',  # invalid UTF-8
    b'{"llm_cost": {"tokens": 1}, "text": "counted already"}\n',
    b'{"custom_id": "x", "method": "POST", "url": "/v1/nope", "body": {}}\n',
]


@functools.cache
def documents() -> list[str]:
    """Real documents every machine with Python has, in a fixed order: the standard library's
    modules (code, comments and docstrings)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    found = []
    for path in sorted(root.rglob("*.py")):
        if "site-packages" not in path.parts:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                found.append(path.read_text(encoding="utf-8"))
    return found


def record(rng: random.Random, texts: list[str], index: int) -> bytes:
    """One line: a stretch of a real document or sentences in many scripts, as a text, chat or
    Batch API request record."""
    if rng.random() < 0.5:
        document = rng.choice(documents())
        start = rng.randrange(len(document) or 1)
        text = document[start : start + rng.randint(100, 8000)]
    else:
        text = " ".join(rng.choice(texts) for _ in range(rng.randint(1, 12)))
    roll = rng.random()
    if roll < 0.1:  # an OpenAI Batch request: its own model's encoding and batch price
        body = {
            "model": rng.choice(("gpt-4o-mini", "gpt-4.1", "gpt-4")),
            "messages": [{"role": "user", "content": text}],
        }
        if rng.random() < 0.7:
            body["max_tokens"] = rng.randint(1, 500)
        obj: dict[str, object] = {
            "custom_id": f"r{index}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }
    elif roll < 0.25:
        chat = [{"role": "system", "content": "Be terse."}, {"role": "user", "content": text}]
        obj = {"id": index, "messages": chat}
    else:
        obj = {"id": index, "text": text, "meta": {"score": rng.random()}}
    return json.dumps(obj, ensure_ascii=rng.random() < 0.3).encode() + b"\n"


def shard_bytes(number: int) -> bytes:
    """Shard `number` of the dataset: records of real text in many scripts, bad lines among them
    (one reason in every shard, so that the report sums it up), a BOM at the start of one."""
    rng = random.Random(number)
    texts = varied_texts(200, seed=number)
    lines: list[bytes] = []
    size = 0
    while len(lines) < RECORDS_PER_SHARD or size < DATASET_MB * 1e6 / SHARDS:
        lines.append(record(rng, texts, number * 10_000_000 + len(lines)))
        size += len(lines[-1])
    for bad in [*BAD[number % 3 :: 2], BAD[0]]:
        lines.insert(rng.randrange(len(lines)), bad)
    if number == 1:
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    return b"".join(lines)


NAMES = [f"part-{i}.jsonl" for i in range(SHARDS)]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dataset")
    for number, name in enumerate(NAMES):
        (folder / name).write_bytes(shard_bytes(number))
    return folder


@pytest.fixture(scope="module")
def reference(dataset: Path) -> tuple[bytes, list[str], dict[str, object]]:
    """One process, as without Dask: `llm-cost pipe --summary -m gpt-4o` over the shards."""
    code, out, err = run("pipe", "--summary", "-m", "gpt-4o", *NAMES, cwd=dataset)
    assert code == 0, err
    return out, *without_speed(err)


@pytest.fixture(scope="module")
def cluster():
    """A real LocalCluster: 2 worker processes of one thread, started once for the module."""
    distributed = pytest.importorskip("distributed")
    import logging

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: no clash, no warning
            silence_logs=logging.CRITICAL,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


# -- the same as one process ------------------------------------------------------------------


def test_the_dataset_is_varied(dataset, reference):
    """What the comparisons below rest on: the shards hold every kind of line."""
    _, report, summary = reference
    assert summary["lines"] > SHARDS * RECORDS_PER_SHARD
    assert summary["failed"] >= SHARDS * 3
    assert summary["batch_requests"], "no Batch request lines"
    assert any(line.startswith("... and ") for line in report), report
    assert sum(path.stat().st_size for path in dataset.iterdir()) >= DATASET_MB * 1e6


def test_pipe_on_dask_is_one_process(cluster, dataset, reference, tmp_path):
    local, _ = cluster
    out, report, summary = reference
    code, stdout, err = run(
        "pipe", "--summary", "-m", "gpt-4o", "--dask", local.scheduler_address,
        "--output", str(tmp_path / "out" / "part-"), *NAMES, cwd=dataset,
    )  # fmt: skip
    assert (code, stdout) == (0, b""), err
    assert without_speed(err) == (report, summary)
    written = sorted((tmp_path / "out").iterdir())
    assert [path.name for path in written] == [f"part-{i:05d}.jsonl" for i in range(SHARDS)]
    assert b"".join(path.read_bytes() for path in written) == out
    for path, name in zip(written, NAMES, strict=True):  # each in its own shard, in order
        assert path.read_bytes().count(b"\n") == (dataset / name).read_bytes().count(b"\n")


def test_count_on_dask_is_count(cluster, dataset):
    local, _ = cluster
    for args in (NAMES, ["--json", *NAMES], ["-e", "cl100k", NAMES[1]]):
        alone = run("count", *args, cwd=dataset)
        assert alone[0] == 0, alone[2]
        assert run("count", "--dask", local.scheduler_address, *args, cwd=dataset) == alone
    # a glob Dask expands (the shell did not): the same files, sorted, named as given
    assert run("count", "--dask", local.scheduler_address, "part-*.jsonl", cwd=dataset) == run(
        "count", *NAMES, cwd=dataset
    )


def test_dask_local_starts_a_cluster_of_this_machine(dataset, reference):
    pytest.importorskip("distributed")
    code, stdout, err = run(
        "pipe", "--summary", "-m", "gpt-4o", "--dask", "local", *NAMES, cwd=dataset
    )
    assert (code, stdout) == (0, b""), err
    assert without_speed(err) == reference[1:]
    assert json.loads(err.splitlines()[-1])["workers"] == (os.cpu_count() or 1)


def test_python_api_bag_and_column(cluster, dataset):
    """A dask.bag of lines: each partition a shard; a dataframe column: tokens per row."""
    db = pytest.importorskip("dask.bag")
    from llm_cost_core import dask as lcd

    local, _ = cluster
    lines = b"".join(shard_bytes(i) for i in range(2)).splitlines(keepends=True)
    del lines[2 * RECORDS_PER_SHARD :]  # a small bag: its lines travel in the task graph
    settings = PipeSettings("o200k")
    bag = db.from_sequence(lines, npartitions=3)
    done = lcd.pipe_dataset(bag, settings, address=local.scheduler_address)
    one = LineCounter(settings).count_lines(lines, starts_source=False)
    assert len(done.shards) == bag.npartitions > 1
    assert (done.stats.lines, done.stats.tokens, done.stats.failed) == (
        len(lines),
        sum(one.tokens),
        len(one.bad),
    )
    texts = varied_texts(50)
    assert lcd.count_batch([*texts, None], "o200k") == [
        *(LineCounter(settings).encoding.count(t) for t in texts),
        0,
    ]
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=4)
    with lcd.scheduler(local.scheduler_address):
        tokens = lcd.column_tokens(frame.text, "o200k").compute()
    assert tokens.tolist() == lcd.count_batch(texts, "o200k")


# -- failures ------------------------------------------------------------------------------------


def _wait_for(what: str, condition) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _holders(fifo: Path) -> set[int]:
    """The other processes that have `fifo` open."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == str(fifo) for fd in (proc / "fd").iterdir()):
                found.add(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="named pipes and /proc")
def test_a_worker_killed_mid_shard_is_replaced_and_the_totals_match(
    cluster, dataset, reference, tmp_path
):
    """Deterministic: shard 2 is a named pipe that this test holds open and writes nothing to
    yet, so the worker that reads it waits, mid-task. That worker is killed; Dask runs the task
    again on a worker, which this test then feeds the shard."""
    local, client = cluster
    data = tmp_path / "data"
    data.mkdir()
    for name in NAMES:
        shutil.copy(dataset / name, data / name)
    fifo = data / NAMES[2]
    fifo.unlink()
    os.mkfifo(fifo)
    ours = os.open(fifo, os.O_RDWR)  # a writer is there: a worker's open returns, its read waits
    process = llm_cost(
        "pipe", "--summary", "-m", "gpt-4o", "--dask", local.scheduler_address,
        "--output", str(tmp_path / "out" / "p-"), *NAMES, cwd=data,
    )  # fmt: skip
    workers = set(client.run(os.getpid).values())
    try:
        _wait_for("a worker to open the shard", lambda: _holders(fifo))
        (victim,) = _holders(fifo)
        assert victim in workers
        os.kill(victim, signal.SIGKILL)
        _wait_for("the task to run again", lambda: _holders(fifo) - {victim})
        shard = (dataset / NAMES[2]).read_bytes()
        feeding = threading.Thread(target=_feed, args=(ours, shard))
        feeding.start()
        code, stdout, err = finished(process)
        feeding.join(TIMEOUT)
    finally:
        process.kill()
        client.wait_for_workers(2, timeout=TIMEOUT)
    out, report, summary = reference
    assert (code, stdout) == (0, b""), err
    assert without_speed(err) == (report, summary)
    written = sorted((tmp_path / "out").iterdir())
    assert b"".join(path.read_bytes() for path in written) == out


def _feed(fd: int, data: bytes) -> None:
    """Write the shard into the named pipe, then close it: the reader's end of file."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def test_a_worker_without_the_plugin_fails_on_the_client_in_one_line(cluster, dataset, tmp_path):
    """The client has llm-cost-dasktoy, the workers do not: the workers' UnknownEncodingError,
    core's own message, is the command's one line."""
    local, _ = cluster
    site = write_plugin(tmp_path / "site", "llm-cost-dasktoy", "dasktoy_plugin", toy("dasktoy"))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }
    here = run("count", "-e", "dasktoy", NAMES[0], cwd=dataset, env=env)
    assert here[0] == 0 and here[1].strip().isdigit(), here  # the client can count with it
    for command in (["count"], ["pipe", "--summary"]):
        code, stdout, err = run(
            *command, "-e", "dasktoy", "--dask", local.scheduler_address, *NAMES,
            cwd=dataset, env=env,
        )  # fmt: skip
        assert (code, stdout) == (1, b""), err
        assert err.count("\n") == 1, err
        assert err.startswith("llm-cost: error: unknown encoding 'dasktoy'"), err
        assert err.rstrip().endswith("pip install llm-cost-dasktoy"), err


def test_without_the_extra_dask_is_one_line_naming_it(tmp_path, dataset):
    """Runs with or without Dask installed: a `dask` that cannot be imported stands for none."""
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "dask.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'dask'\", name='dask')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    for command in (["count"], ["pipe", "--summary"]):
        code, stdout, err = run(*command, "--dask", "local", NAMES[0], cwd=dataset, env=env)
        assert (code, stdout) == (1, b""), err
        assert err == (
            "llm-cost: error: --dask needs Dask (dask is missing): "
            "pip install 'llm-cost-core[dask]'\n"
        )


def test_help_and_counting_import_no_dask():
    code = (
        "import sys\n"
        "from llm_cost_core.cli.app import main\n"
        "assert main(['--help']) == 0\n"
        "assert main(['pipe', '--help']) == 0\n"
        "assert main(['--text', 'hello']) == 0\n"
        "heavy = ('dask', 'distributed', 'fsspec', 'pandas')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pipe", "--dask", "local", "a.jsonl"], "give --summary, --output or both"),
        (["pipe", "--summary", "--output", "out/p-", "a.jsonl"], "--output PREFIX writes shards"),
        (["pipe", "--summary", "--dask", "local"], "not standard input"),
        (["pipe", "--summary", "--dask", "local", "--workers", "2", "a"], "leave out --workers"),
        (["pipe", "--summary", "--dask", "local", "--fail-fast", "a"], "leave them out"),
        (["pipe", "--summary", "--dask", "local", "--max-tokens", "9", "a"], "leave them out"),
        (["count", "--dask", "local", "--text", "hi"], "--dask counts FILEs only"),
        (["count", "--dask", "local", "--ids", "a"], "--dask counts FILEs only"),
    ],
)
def test_what_dask_cannot_do_is_a_usage_error(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_bad_line_logs_merged_in_order_are_one_log():
    from llm_cost_core.dask import BadLineLog

    reasons = [f"reason {n}" for n in (1, 2, 1, 1, 3, 1, 2, 1, 2, 2, 1)]
    whole = BadLineLog(keep=2)
    for line, reason in enumerate(reasons, 1):
        whole.add(f"line {line}: {reason}", reason)
    for cut in range(len(reasons) + 1):
        first, second = BadLineLog(keep=2), BadLineLog(keep=2)
        for line, reason in enumerate(reasons, 1):
            (first if line <= cut else second).add(f"line {line}: {reason}", reason)
        first.merge(second)
        assert (first.shown, first.reasons) == (whole.shown, whole.reasons), cut
    assert whole.hidden() == {"reason 1": 4, "reason 2": 2}


# -- Spark: the guide's recipe, run as written -----------------------------------------------------

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guides" / "datasets.md"


def spark_recipe() -> str:
    """The Python block of the guide's Spark section."""
    section = GUIDE.read_text(encoding="utf-8").split("\n## Spark\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_spark_recipe_counts_what_count_batch_counts(tmp_path, monkeypatch):
    pytest.importorskip("pyspark")
    pytest.importorskip("pandas")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java")
    texts = varied_texts(120)
    data = tmp_path / "data"
    data.mkdir()
    for part in range(3):
        lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(texts[part::3])]
        (data / f"part-{part}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # executors: this venv's packages
    namespace: dict[str, object] = {}
    exec(compile(spark_recipe(), str(GUIDE), "exec"), namespace)
    from llm_cost_core.dask import count_batch

    assert namespace["total"] == sum(count_batch(texts, "o200k")) > 0


def test_the_spark_recipe_is_found():
    """The block the Spark test runs is the recipe, whether or not Spark is here."""
    recipe = spark_recipe()
    assert "mapInPandas" in recipe and "count_batch" in recipe and "total =" in recipe
