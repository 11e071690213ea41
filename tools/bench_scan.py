"""Scanner-only throughput: the native C pre-tokenizers against the regex ones, in one run.

    python tools/bench_scan.py [--corpus-mb 18.5] [--runs 3]

Builds tools/bench.py's Scenario C corpus (real, distinct documents: licences and docs, man
pages, the Python standard library, translated man pages, generated text in 28+ scripts) into
bench-data/, and times, per pattern and per kind of document, CPU seconds to cut every document
into pieces:
- native: src/scan.c, built with -O2 by the scanner tests' harness and called through ctypes
  once per document (the call costs about a microsecond);
- regex: the pure-Python scanner (the plugins' for o200k and cl100k, core's pinned regex for
  r50k), `findall` per document;
- tiktoken: tiktoken's encode_ordinary with the pattern and a vocab of the 256 single bytes,
  i.e. its regex plus a merge step that finds nothing to merge (an upper bound on its regex).
MB/s is UTF-8 input bytes per CPU second, the median of --runs. Piece counts must agree.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "plugins" / "llm_cost_native" / "tests"))

import bench  # noqa: E402
import native_scan_harness as harness  # noqa: E402


def mb_per_cpu_second(scan: Callable[[], object], size: int, runs: int) -> float:
    """MB of input per CPU second of `scan()`, the median of `runs` timings."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        scan()
        times.append(time.process_time() - start)
    return size / 1e6 / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-mb", type=float, default=18.5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = bench.DATA / f"scan-corpus-{args.corpus_mb:g}mb.jsonl"
    if not path.exists():
        bench.build_corpus(path, args.corpus_mb)
    docs = bench.read_corpus(path)
    groups = {"all": docs}
    for doc in docs:
        groups.setdefault(doc["kind"], []).append(doc)
    lib = harness.library()
    import tiktoken

    print(f"{'pattern':8} {'documents':14} {'MB':>6} {'native':>9} {'regex':>9} {'tiktoken':>9}")
    for kind, code in harness.KINDS.items():
        regex_scan = harness.python_scanner(kind)
        probe = tiktoken.Encoding(
            f"bench-{kind}", pat_str=harness.tiktoken_pattern(kind),
            mergeable_ranks={bytes([b]): b for b in range(256)}, special_tokens={},
        )  # fmt: skip
        for name, group in groups.items():
            texts = [d["text"] for d in group]
            datas = [t.encode() for t in texts]
            size = sum(map(len, datas))
            counts = [lib.lc_test_count(code, d, len(d), 1) for d in datas]
            assert counts == [len(regex_scan(t)) for t in texts], f"{kind}: piece counts differ"
            scans = [
                functools.partial(_each, functools.partial(lib.lc_test_count, code), datas, True),
                functools.partial(_each, regex_scan, texts, False),
                functools.partial(_each, probe.encode_ordinary, texts, False),
            ]
            row = [mb_per_cpu_second(scan, size, args.runs) for scan in scans]
            print(f"{kind:8} {name:14} {size / 1e6:6.1f} " + " ".join(f"{v:9.1f}" for v in row))


def _each(scan: Callable[..., object], inputs: list, with_length: bool) -> None:  # type: ignore[type-arg]
    for item in inputs:
        if with_length:
            scan(item, len(item), 1)
        else:
            scan(item)


if __name__ == "__main__":
    main()
