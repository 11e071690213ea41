"""Throughput of `pipe --summary --dask` (a distributed.LocalCluster) against `pipe --workers N` on
the same multi-shard JSONL dataset, on this machine; the totals of every run must be equal.

    python tools/bench_dask.py                       # 200 MB in 16 shards, 1 run each
    python tools/bench_dask.py --size-mb 300 --shards 24 --runs 3

The dataset is real text: the documents of tools/bench.py's corpus (the Python stdlib, the text
under /usr/share/doc, man pages, generated text in many scripts; `--corpus-mb` of distinct
documents), one record per document as in bench.py's Scenario A, repeated in a new order until
`--size-mb`, with bad lines (not JSON, empty, no text field) among them. Past the first
`--corpus-mb` the documents repeat, which favours each process's caches a little: the ratios
between configurations, measured in the same run on the same data, are the figures that count.

Configurations, each a fresh `llm-cost` process, wall time start-up included:
`pipe --workers 1`, `pipe --workers 2`, `pipe --dask local` (starts its own LocalCluster of one
worker process per core), and `pipe --dask ADDRESS` on a LocalCluster of 1 and of 2 worker
processes started beforehand by this tool, whose workers are restarted before every timed run
(fresh processes, as `--workers` has: no vocab loaded, no cache kept from the run before; the
scheduler's start-up is not timed, the workers' is, mostly). Data under
bench-data/dask/, results in bench-results/ (both git-ignored). Needs the dask extra.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import bench  # noqa: E402  (tools/bench.py: the real-text corpus)

DATA = bench.DATA / "dask"
BAD = (b"not json\n", b"\n", b'{"id": 0, "body": "no text field"}\n')


def build(size_mb: float, shards: int, corpus_mb: float, seed: int = 7) -> list[Path]:
    corpus = bench.DATA / f"corpus-v{bench.CORPUS_VERSION}-{corpus_mb:g}mb.jsonl"
    if not corpus.exists():
        bench.build_corpus(corpus, corpus_mb)
    docs = bench.read_corpus(corpus)
    folder = DATA / f"{size_mb:g}mb-{shards}-from-{corpus_mb:g}mb"
    paths = [folder / f"part-{i:05d}.jsonl" for i in range(shards)]
    if all(path.exists() for path in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    per_shard = int(size_mb * 1e6 / shards)
    order: list[int] = []
    number = 0
    for path in paths:
        size = 0
        with open(path, "wb") as out:
            while size < per_shard:
                if not order:
                    order = list(range(len(docs)))
                    rng.shuffle(order)
                doc = docs[order.pop()]
                record = {"id": number, "source": doc["source"], "text": doc["text"]}
                line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
                if rng.random() < 0.002:
                    line = rng.choice(BAD)
                out.write(line)
                size += len(line)
                number += 1
    return paths


def timed(args: list[str], cwd: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).with_name("llm-cost")), *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"llm-cost {' '.join(args[:6])} ...: {done.stderr.strip()}")
    summary = json.loads(done.stderr.splitlines()[-1])
    return seconds, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument("--corpus-mb", type=float, default=12)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("-m", "--model", default="gpt-4o")
    args = parser.parse_args(argv)
    bench.compile_installed()
    from distributed import Client, LocalCluster

    paths = build(args.size_mb, args.shards, args.corpus_mb)
    folder = paths[0].parent
    names = [path.name for path in paths]
    size = sum(path.stat().st_size for path in paths)
    base = ["pipe", "--summary", "-q", "-m", args.model]
    clusters = {
        n: LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        for n in (1, 2)
    }
    configurations = {
        "pipe --workers 1": [*base, "--workers", "1", *names],
        "pipe --workers 2": [*base, "--workers", "2", *names],
        "pipe --dask local": [*base, "--dask", "local", *names],
        **{
            f"pipe --dask (LocalCluster of {n}, started before)": [
                *base,
                "--dask",
                cluster.scheduler_address,
                *names,
            ]
            for n, cluster in clusters.items()
        },
    }
    clients = {n: Client(cluster) for n, cluster in clusters.items()}
    times: dict[str, list[float]] = {name: [] for name in configurations}
    totals = set()
    try:
        for _ in range(args.runs):  # alternating, so that the machine's load hits each alike
            for name, argv_ in configurations.items():
                for client in clients.values():  # fresh workers: no vocab, no cache kept
                    client.restart()
                seconds, summary = timed(argv_, folder)
                times[name].append(seconds)
                for key in ("seconds", "mb_per_s", "workers"):
                    summary.pop(key)
                totals.add(json.dumps(summary, sort_keys=True))
                print(f"{name}: {seconds:.1f} s", file=sys.stderr)
    finally:
        for n, cluster in clusters.items():
            clients[n].close()
            cluster.close()
    if len(totals) != 1:
        raise SystemExit(f"the configurations' totals differ: {sorted(totals)}")
    base_time = statistics.median(times["pipe --workers 2"])
    lines = [
        f"{size / 1e6:.0f} MB in {len(paths)} shards ({folder.relative_to(REPO)}), "
        f"{os.cpu_count()} cores, median of {args.runs} run(s); totals equal: {totals.pop()}",
        "",
        "| configuration | seconds | MB/s | vs pipe --workers 2 |",
        "| --- | --- | --- | --- |",
    ]
    for name, measured in times.items():
        seconds = statistics.median(measured)
        lines.append(
            f"| `{name}` | {seconds:.1f} | {size / 1e6 / seconds:.2f} | {base_time / seconds:.2f} |"
        )
    report = "\n".join(lines)
    print(report)
    results = REPO / "bench-results"
    results.mkdir(exist_ok=True)
    (results / "bench-dask.md").write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
