"""Benchmark `llm-cost pipe` with 1 and 2 workers, against a tiktoken pipe run in the same session.

    python tools/gen_jsonl.py                     # once: bench-data/pipe.jsonl, 64 MB
    python tools/bench_pipe.py [--file F] [--repeat 3] [--workers 1 2] [--encoding o200k]

Each configuration runs the installed `llm-cost pipe -m MODEL --summary` on the file (MODEL the
first priced model that counts with --encoding, as in tools/bench.py; `-e ENC` when none),
`--repeat` times, interleaved, and keeps the best MB/s (the pipe's own figure: input bytes over its
run time, start-up excluded) and the wall time. The baseline is the same job written plainly with
tiktoken (read a line, json.loads, count the "text" field, append the key with json.dumps, write):
the ratio against it is the figure that means something on a shared machine. The outputs of every
worker count are checked to be byte-identical. tiktoken is a dev dependency; it runs offline on the
plugin's own vocab.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import encoding_name, pipe_choice

REPO = Path(__file__).resolve().parent.parent
_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"


def run_pipe(path: Path, workers: int, choice: list[str]) -> tuple[float, float, str]:
    """(MB/s as the pipe reports it, wall seconds, sha256 of stdout)."""
    start = time.perf_counter()
    with open(path, "rb") as stdin:
        done = subprocess.run(
            [LLM_COST, "pipe", *choice, "--workers", str(workers), "--summary"],
            stdin=stdin,
            capture_output=True,
            check=True,
        )
    wall = time.perf_counter() - start
    summary = json.loads(done.stderr.decode().splitlines()[-1])
    return summary["mb_per_s"], wall, hashlib.sha256(done.stdout).hexdigest()


def run_tiktoken(path: Path, encoding: str) -> float:
    """MB/s of a plain tiktoken pipe doing the same job, in this process."""
    import llm_cost_core as lc
    from llm_cost_core.verify.reference import tiktoken_encoding

    enc = tiktoken_encoding(lc.get_encoding(encoding))
    assert enc is not None
    enc.encode_ordinary("warm up")
    size = path.stat().st_size
    out = open("/dev/null", "w")  # noqa: SIM115
    start = time.perf_counter()
    with open(path, "rb") as handle:
        for line in handle:
            obj = json.loads(line)
            tokens = len(enc.encode_ordinary(obj["text"]))
            obj["llm_cost"] = {"tokens": tokens, "encoding": encoding}
            out.write(json.dumps(obj) + "\n")
    seconds = time.perf_counter() - start
    out.close()
    return size / 1e6 / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=REPO / "bench-data" / "pipe.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--encoding", type=encoding_name, default="o200k", help="any installed")
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"{args.file} is missing: run python tools/gen_jsonl.py first", file=sys.stderr)
        return 2
    size_mb = args.file.stat().st_size / 1e6
    choice = pipe_choice(args.encoding)
    best: dict[str, tuple[float, float]] = {}
    digests: set[str] = set()
    for _ in range(args.repeat):
        for workers in args.workers:
            rate, wall, digest = run_pipe(args.file, workers, choice)
            digests.add(digest)
            name = f"llm-cost pipe --workers {workers}"
            old = best.get(name, (0.0, float("inf")))
            best[name] = (max(old[0], rate), min(old[1], wall))
        rate = run_tiktoken(args.file, args.encoding)
        old = best.get("tiktoken baseline", (0.0, float("inf")))
        best["tiktoken baseline"] = (max(old[0], rate), min(old[1], size_mb / rate))
    baseline = best["tiktoken baseline"][0]
    print(f"{args.file}: {size_mb:.1f} MB, llm-cost pipe {' '.join(choice)}, best of {args.repeat}")
    print(f"{'run':<28} {'MB/s':>7} {'wall s':>7} {'vs tiktoken':>12}")
    for name, (rate, wall) in best.items():
        print(f"{name:<28} {rate:>7.2f} {wall:>7.2f} {rate / baseline:>11.2f}x")
    identical = len(digests) == 1
    print(f"outputs byte-identical across worker counts: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
