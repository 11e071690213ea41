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
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "plugins" / "llm_cost_native" / "tests"))

import bench  # noqa: E402
import native_scan_harness as harness  # noqa: E402


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-mb", type=float, default=18.5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tiktoken", action="store_true")
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
        pattern = harness.tiktoken_pattern(kind)
        regex_scan = harness.python_scanner(kind)
        probe = tiktoken.Encoding(
            f"bench-{kind}", pat_str=pattern,
            mergeable_ranks={bytes([b]): b for b in range(256)}, special_tokens={},
        )  # fmt: skip
        for name, group in groups.items():
            texts = [d["text"] for d in group]
            datas = [t.encode() for t in texts]
            size = sum(map(len, datas))
            counts = [lib.lc_test_count(code, d, len(d), 1) for d in datas]
            assert counts == [len(regex_scan(t)) for t in texts], f"{kind}: piece counts differ"

            def run_native() -> None:
                for d in datas:
                    lib.lc_test_count(code, d, len(d), 1)

            def run_regex() -> None:
                for t in texts:
                    regex_scan(t)

            def run_tiktoken() -> None:
                for t in texts:
                    probe.encode_ordinary(t)

            row = []
            for fn in (run_native, run_regex, run_tiktoken):
                if fn is run_tiktoken and args.no_tiktoken:
                    row.append(float("nan"))
                    continue
                row.append(size / 1e6 / statistics.median(cpu(fn) for _ in range(args.runs)))
            print(f"{kind:8} {name:14} {size / 1e6:6.1f} " + " ".join(f"{v:9.1f}" for v in row))


if __name__ == "__main__":
    main()
