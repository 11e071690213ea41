"""Worst-case microbenchmarks for the merge engine, and start-up cost, side by side with tiktoken.

    python tools/bench_worst.py                    # both encodings, N = 1e3..1e6 (1e7 for "a")
    python tools/bench_worst.py --max-n 1e5 --encodings o200k
    python tools/bench_worst.py --startup          # cold start, vocab load time and memory
    python tools/bench_worst.py --markdown bench-results/worst.md

Every case runs in its own subprocess, for llm-cost and for tiktoken alike, so that a crash
(tiktoken 0.14 panics on o200k and a million spaces, a pyo3 PanicException that `except
Exception` does not catch) or a timeout is recorded instead of ending the run. Inside the
subprocess the encoding is loaded and warmed first; only `count` (llm-cost) or
`encode_ordinary` (tiktoken) is timed, as the median of --repeat runs, with llm-cost's piece
cache emptied before each. The machine is shared and noisy: compare ratios measured in the same
run, not absolute times across runs. Dev tool: needs tiktoken (`pip install '.[test]'`), runs
offline (tiktoken reads the plugins' own verified vocab).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

INPUTS = {
    "a": "a",
    "space": " ",
    "newline": "\n",
    "emoji": "\U0001f600",
    "zwj-family": "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "letters": None,  # random a-z, no spaces: one long piece of varied content
    "digits": None,  # random 0-9: many three-digit pieces
}
SIZES = (10**3, 10**4, 10**5, 10**6)
EXTRA_SIZES = {"a": (10**7,)}
REPO = Path(__file__).resolve().parent.parent


def make_text(kind: str, n: int) -> str:
    """N repetitions of the unit, or N random characters; the same text on every call."""
    unit = INPUTS[kind]
    if unit is not None:
        return unit * n
    rng = random.Random(f"{kind}-{n}")
    alphabet = string.ascii_lowercase if kind == "letters" else string.digits
    return "".join(rng.choices(alphabet, k=n))


# -- subprocess workers ------------------------------------------------------------------------


def worker(impl: str, encoding: str, kind: str, n: int, repeat: int) -> None:
    """Run one case and print a JSON line: times (s), tokens, bytes."""
    import llm_cost_core as lc

    enc = lc.get_encoding(encoding)
    text = make_text(kind, n)
    if impl == "tiktoken":
        from llm_cost_core.reference import tiktoken_encoding

        ref = tiktoken_encoding(enc)
        assert ref is not None
        ref.encode_ordinary("warm up")

        def run() -> int:
            return len(ref.encode_ordinary(text))
    else:
        enc.count("warm up " + "x" * 70_000)  # load, and let the engine settle on a dict
        bpe = enc.bpe

        def run() -> int:
            cache = getattr(bpe, "_cache", None)
            if cache is not None:
                cache.clear()
            return enc.count(text)

    times = []
    tokens = 0
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times, "tokens": tokens, "bytes": len(text.encode())}))


def run_case(impl: str, encoding: str, kind: str, n: int, repeat: int, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", impl, encoding, kind, str(n), str(repeat)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {timeout:.0f} s"}
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {done.returncode}"
        return {"error": last[:160]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["median"] = statistics.median(result["times"])
    return result


# -- worst cases -------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> list[dict]:
    rows = []
    for encoding in args.encodings:
        for kind in args.inputs:
            sizes = [n for n in (*SIZES, *EXTRA_SIZES.get(kind, ())) if n <= args.max_n]
            previous: dict[str, float | None] = {"ours": None, "tiktoken": None}
            for n in sizes:
                row: dict = {"encoding": encoding, "input": kind, "n": n}
                impls = ["ours"] + ([] if args.no_tiktoken else ["tiktoken"])
                for impl in impls:
                    repeat = args.repeat if n < 10**7 else 1
                    result = run_case(impl, encoding, kind, n, repeat, args.timeout)
                    row[impl] = result
                    t = result.get("median")
                    prev = previous[impl]
                    result["growth"] = t / prev if t and prev else None
                    previous[impl] = t
                ours, theirs = row["ours"], row.get("tiktoken", {})
                if "tokens" in ours and "tokens" in theirs and ours["tokens"] != theirs["tokens"]:
                    row["mismatch"] = f"{ours['tokens']} vs {theirs['tokens']}"
                rows.append(row)
                print(format_row(row), flush=True)
    return rows


def _fmt_side(result: dict | None) -> list[str]:
    if not result:
        return ["-", "-", "-"]
    if "error" in result:
        return [result["error"], "", ""]
    t = result["median"]
    growth = f"{result['growth']:.1f}x" if result.get("growth") else ""
    return [f"{t:.4f}", growth, f"{result['bytes'] / t / 1e6:.2f}"]


def table_cells(row: dict) -> list[str]:
    ours, theirs = row["ours"], row.get("tiktoken")
    ratio = ""
    if ours.get("median") and theirs and theirs.get("median"):
        ratio = f"{ours['median'] / theirs['median']:.1f}"
    size = f"1e{len(str(row['n'])) - 1}"
    nbytes = ours.get("bytes") or len(make_text(row["input"], row["n"]).encode())
    tokens = str(ours.get("tokens", ""))
    cells = [row["encoding"], row["input"], size, f"{nbytes:,}", tokens]
    return [
        *cells,
        *_fmt_side(ours),
        *_fmt_side(theirs),
        ratio + (" MISMATCH" * bool(row.get("mismatch"))),
    ]


HEADER = [
    "encoding", "input", "N", "bytes", "tokens",
    "ours s", "ours growth", "ours MB/s",
    "tiktoken s", "tiktoken growth", "tiktoken MB/s", "ours/tiktoken",
]  # fmt: skip


def format_row(row: dict) -> str:
    return "  ".join(table_cells(row))


def markdown_table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(table_cells(row)) + " |" for row in rows]
    return "\n".join(lines)


# -- start-up ----------------------------------------------------------------------------------

LOAD_WORKER = """
import json, os, sys, time
import llm_cost_core as lc
from llm_cost_core import flatvocab
enc = lc.get_encoding(sys.argv[1])
def rss():  # resident now, in MB (Linux)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
before = rss()
start = time.perf_counter()
if sys.argv[2] == "parse":  # what Encoding loaded before the flat form: ranks and decoder dicts
    ranks = enc.spec.load_ranks()
    decoder = {rank: token for token, rank in ranks.items()}
else:
    ranks = flatvocab.load_ranks(enc.spec)
    assert isinstance(ranks, flatvocab.FlatRanks), "the flat cache is not warm"
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rss_mb": rss() - before}))
"""


def child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall time, peak RSS (MB) and exit status of one process, spawn to exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, status


def tiktoken_cache(directory: Path) -> Path:
    """A TIKTOKEN_CACHE_DIR holding each plugin's verified vocab under tiktoken's cache name, so
    that tiktoken starts as it does for a user whose cache is warm, offline."""
    import hashlib

    import llm_cost_core as lc

    directory.mkdir(parents=True, exist_ok=True)
    for name in lc.list_encodings():
        spec = lc.get_encoding(name).spec
        if spec.reference is None or not hasattr(spec.load_ranks, "read_bytes"):
            continue
        url = f"https://openaipublic.blob.core.windows.net/encodings/{spec.reference}.tiktoken"
        path = directory / hashlib.sha1(url.encode()).hexdigest()
        if not path.exists():
            path.write_bytes(spec.load_ranks.read_bytes())
    return directory


def startup(args: argparse.Namespace) -> str:
    import llm_cost_core as lc

    out = []
    env = dict(os.environ)
    env["TIKTOKEN_CACHE_DIR"] = str(tiktoken_cache(REPO / "bench-data" / "tiktoken-cache"))
    script = Path(sys.executable).with_name("llm-cost")
    for encoding in args.encodings:
        reference = lc.get_encoding(encoding).spec.reference
        ours_cmd = [str(script), "count", "-e", encoding, "--text", "hi"]
        tk_code = f"import tiktoken; tiktoken.get_encoding({reference!r}).encode('hi')"
        tk_cmd = [sys.executable, "-c", tk_code]
        subprocess.run(ours_cmd, env=env, capture_output=True, check=True)  # warm the flat cache
        subprocess.run(tk_cmd, env=env, capture_output=True, check=True)
        runs: dict[str, list[tuple[float, float, int]]] = {"ours": [], "tiktoken": []}
        for _ in range(args.startup_runs):  # interleaved, so both see the same machine load
            runs["ours"].append(child(ours_cmd, env))
            runs["tiktoken"].append(child(tk_cmd, env))
        median = {k: statistics.median(t for t, _, _ in v) for k, v in runs.items()}
        peak = {k: max(r for _, r, _ in v) for k, v in runs.items()}
        failed = {k: sum(1 for _, _, s in v if s) for k, v in runs.items()}
        out.append(
            f"{encoding}: cold start `llm-cost count -e {encoding} --text hi` median "
            f"{median['ours']:.3f} s, peak RSS {peak['ours']:.0f} MB; tiktoken "
            f"`get_encoding({reference!r}).encode('hi')` median {median['tiktoken']:.3f} s, "
            f"peak RSS {peak['tiktoken']:.0f} MB; ratio {median['ours'] / median['tiktoken']:.2f} "
            f"({args.startup_runs} runs each, interleaved; failures {failed})"
        )
        for how in ("parse", "flat"):
            loads = []
            for _ in range(args.startup_runs):
                done = subprocess.run(
                    [sys.executable, "-c", LOAD_WORKER, encoding, how],
                    env=env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                loads.append(json.loads(done.stdout))
            seconds = statistics.median(x["seconds"] for x in loads)
            rss = statistics.median(x["rss_mb"] for x in loads)
            label = {"parse": "parse .tiktoken + decoder (before)", "flat": "open flat (after)"}
            out.append(f"  vocab load, {label[how]}: {seconds * 1000:.1f} ms, +{rss:.1f} MB RSS")
        print("\n".join(out[-3:]), flush=True)
    return "\n".join(out)


def machine() -> str:
    def sh(cmd: str) -> str:
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"

    try:
        import tiktoken

        tk = tiktoken.__version__
    except ImportError:
        tk = "not installed"
    return "\n".join(
        [
            f"nproc: {sh('nproc')}",
            sh("lscpu | head -n 10"),
            f"Python {platform.python_version()} ({platform.python_implementation()}), "
            f"tiktoken {tk}, {time.strftime('%Y-%m-%d')}",
        ]
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        impl, encoding, kind, n, repeat = sys.argv[2:7]
        worker(impl, encoding, kind, int(n), int(repeat))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encodings", nargs="+", default=["o200k", "cl100k"])
    parser.add_argument("--inputs", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--max-n", type=float, default=1e7, help="largest N (default 1e7)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (median)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per case")
    parser.add_argument("--no-tiktoken", action="store_true")
    parser.add_argument("--startup", action="store_true", help="only cold start and vocab load")
    parser.add_argument("--startup-runs", type=int, default=11)
    parser.add_argument("--markdown", type=Path, help="also write the results here")
    args = parser.parse_args()
    sections = ["```", machine(), "```"]
    print(sections[1], flush=True)
    if args.startup:
        sections += ["", startup(args)]
    else:
        print("  ".join(HEADER), flush=True)
        sections += ["", markdown_table(bench(args))]
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(sections) + "\n")


if __name__ == "__main__":
    main()
