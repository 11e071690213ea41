"""Worst-case microbenchmarks for the merge engine, and start-up cost, side by side with tiktoken.

    python tools/bench_worst.py                    # o200k and cl100k, N = 1e3..1e6 (1e7 for "a")
    python tools/bench_worst.py --max-n 1e5 --encodings o200k r50k
    python tools/bench_worst.py --inputs a space emoji zwj-family --sizes 1e6 1e7
    python tools/bench_worst.py --startup          # cold start, vocab load time and memory
    python tools/bench_worst.py --startup --encodings r50k gpt2 p50k p50k_edit o200k_harmony
    python tools/bench_worst.py --markdown bench-results/worst.md

Engines: `pure` (llm-cost with the native engine off, LLM_COST_NATIVE=0), `native` (llm-cost with
llm-cost-native active, when installed), `tiktoken`, and `toktok` (toktok-rs, when installed).
Every case runs in its own subprocess, per engine, so that a crash (tiktoken 0.14 panics on o200k
and a million spaces, a pyo3 PanicException that `except Exception` does not catch) or a timeout
is recorded instead of ending the run, and so that no cache carries over: inside the subprocess
the encoding is loaded and warmed on unrelated text, then one `count` (llm-cost, toktok) or
`encode_ordinary` (tiktoken) of the input is timed in CPU seconds of the process (all of them
count on one thread; wall time on a shared machine measures the neighbours); the figure is the
median over --repeat such processes. The machine is shared and noisy: compare ratios measured
in the same run, not absolute times across runs. Dev tool: needs tiktoken (`pip install
'.[test]'`), runs offline (tiktoken reads the plugins' own verified vocab).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import resource
import statistics
import string
import subprocess
import sys
import time
from pathlib import Path

from bench import (
    ENCODINGS,
    ENGINES,
    LABELS,
    check_engine,
    compile_installed,
    encoding_name,
    engine_env,
    installed_engines,
    toktok_encoding,
)

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


def worker(engine: str, encoding: str, kind: str, n: int) -> None:
    """Time one count of one case, after warming up on other text; print a JSON line."""
    import llm_cost_core as lc

    enc = lc.get_encoding(encoding)
    text = make_text(kind, n)
    if engine == "tiktoken":
        from llm_cost_core.verify.reference import tiktoken_encoding

        ref = tiktoken_encoding(enc)
        assert ref is not None
        ref.encode_ordinary("warm up")

        def run() -> int:
            return len(ref.encode_ordinary(text))
    elif engine == "toktok":
        run = functools.partial(toktok_encoding(enc).count, text)
        run.func("warm up")
    else:
        enc.count("warm up " + "x" * 70_000)  # load, and let the engine settle on a dict
        check_engine(enc, engine)
        run = functools.partial(enc.count, text)
    start = time.process_time()  # CPU, not wall: the machine is shared
    tokens = run()
    seconds = time.process_time() - start
    print(json.dumps({"seconds": seconds, "tokens": tokens, "bytes": len(text.encode())}))


def run_case(engine: str, encoding: str, kind: str, n: int, repeat: int, timeout: float) -> dict:
    """The median of `repeat` fresh processes, or the first error (crash, timeout)."""
    cmd = [sys.executable, __file__, "--worker", engine, encoding, kind, str(n)]
    times = []
    for _ in range(repeat):
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, env=engine_env(engine)
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timeout > {timeout:.0f} s"}
        if done.returncode != 0:
            lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
            last = lines[-1] if lines else f"exit code {done.returncode}"
            return {"error": last[:160]}
        result = json.loads(done.stdout.strip().splitlines()[-1])
        times.append(result["seconds"])
    return {**result, "times": times, "median": statistics.median(times)}


# -- worst cases -------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> list[dict]:
    rows = []
    engines = installed_engines(args.engines)
    for encoding in args.encodings:
        for kind in args.inputs:
            if args.sizes:
                sizes = [int(n) for n in args.sizes]
            else:
                sizes = [n for n in (*SIZES, *EXTRA_SIZES.get(kind, ())) if n <= args.max_n]
            previous: dict[str, float | None] = dict.fromkeys(engines)
            for n in sizes:
                results = {}
                for engine in engines:
                    repeat = args.repeat if n < 10**7 else 1
                    result = run_case(engine, encoding, kind, n, repeat, args.timeout)
                    t, prev = result.get("median"), previous[engine]
                    result["growth"] = t / prev if t and prev else None
                    previous[engine] = t
                    results[engine] = result
                theirs = results["tiktoken"].get("median")
                for engine, result in results.items():
                    row = {"encoding": encoding, "input": kind, "n": n, "engine": engine, **result}
                    if theirs and result.get("median"):
                        row["vs_tiktoken"] = theirs / result["median"]
                    tokens = {r["tokens"] for r in results.values() if "tokens" in r}
                    row["mismatch"] = len(tokens) > 1
                    rows.append(row)
                    print(format_row(row), flush=True)
    return rows


def table_cells(row: dict) -> list[str]:
    size = f"1e{len(str(row['n'])) - 1}"
    nbytes = row.get("bytes") or len(make_text(row["input"], row["n"]).encode())
    cells = [row["encoding"], row["input"], size, f"{nbytes:,}", LABELS[row["engine"]]]
    if "error" in row:
        return [*cells, "", row["error"], "", "", ""]
    growth = f"{row['growth']:.1f}x" if row.get("growth") else ""
    ratio = f"{row['vs_tiktoken']:.2f}" if "vs_tiktoken" in row else ""
    return [
        *cells,
        str(row["tokens"]) + " MISMATCH" * row["mismatch"],
        f"{row['median']:.4f}",
        growth,
        f"{nbytes / row['median'] / 1e6:.2f}",
        ratio,
    ]


HEADER = [
    "encoding", "input", "N", "bytes", "engine", "tokens",
    "seconds", "growth per 10x N", "MB/s", "x tiktoken (its time / this)",
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
from llm_cost_core.engine import flatvocab
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


def child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall time, CPU time (user + system), peak RSS (MB) and exit status of one process, spawn
    to exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - start, cpu, usage.ru_maxrss / 1024, status


def tiktoken_cache(directory: Path, encodings: list[str]) -> None:
    """A TIKTOKEN_CACHE_DIR from which tiktoken loads each encoding's reference offline, as it
    does for a user whose cache is warm. tiktoken fills it itself, its fetch answered with the
    plugin's verified vocab: so it names the file it reads (o200k_harmony and p50k_edit read
    another encoding's) and checks it against its own pin."""
    import tiktoken
    import tiktoken.load

    import llm_cost_core as lc

    fetch, cache = tiktoken.load.read_file, os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    try:
        for name in encodings:
            spec = lc.get_encoding(name).spec
            if spec.reference is None or not hasattr(spec.load_ranks, "read_bytes"):
                continue
            vocab = spec.load_ranks.read_bytes()
            tiktoken.load.read_file = lambda blobpath, vocab=vocab: vocab
            tiktoken.get_encoding(spec.reference)
    finally:
        tiktoken.load.read_file = fetch
        if cache is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = cache


def startup(args: argparse.Namespace) -> str:
    import llm_cost_core as lc

    out = []
    env = dict(os.environ)
    cache = REPO / "bench-data" / "tiktoken-cache"
    # In a process of its own: a child's peak RSS (ru_maxrss) counts this process's resident
    # memory at fork, which the kernel carries over exec; so this one stays small, and says how
    # small: no peak below reads lower than that floor.
    fill = [sys.executable, __file__, "--tiktoken-cache", str(cache), *args.encodings]
    subprocess.run(fill, check=True)
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.append(f"peak RSS figures read at least this process's own: {floor:.0f} MB")
    print(out[-1], flush=True)
    env["TIKTOKEN_CACHE_DIR"] = str(cache)
    script = Path(sys.executable).with_name("llm-cost")
    native = "native" in installed_engines()
    for encoding in args.encodings:
        first = len(out)
        # gpt2's reference is r50k_base (tiktoken builds gpt2 from files not shipped offline)
        reference = lc.get_encoding(encoding).spec.reference
        ours_cmd = [str(script), "count", "-e", encoding, "--text", "hi"]
        tk_code = f"import tiktoken; tiktoken.get_encoding({reference!r}).encode('hi')"
        theirs = f"tiktoken get_encoding({reference!r})"
        configs = {"llm-cost": (ours_cmd, {**env, **engine_env("native")})}
        if native:  # the plugin on, installed but off, and not loaded at all
            configs["llm-cost, LLM_COST_NATIVE=0"] = (ours_cmd, {**env, **engine_env("pure")})
            without = {**env, "LLM_COST_DISABLE_PLUGINS": "llm-cost-native"}
            configs["llm-cost without the plugin"] = (ours_cmd, without)
        configs[theirs] = ([sys.executable, "-c", tk_code], env)
        for cmd, cmd_env in configs.values():  # warm the flat cache
            subprocess.run(cmd, env=cmd_env, capture_output=True, check=True)
        runs: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in configs}
        for _ in range(args.startup_runs):  # interleaved, so all see the same machine load
            for name, (cmd, cmd_env) in configs.items():
                runs[name].append(child(cmd, cmd_env))
        wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
        cpu = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
        for name in configs:
            # Pair by pair (the runs interleave), so a slow patch of the machine hits both sides.
            pairs = zip(runs[name], runs[theirs], strict=True)
            ratio = statistics.median(a[1] / b[1] for a, b in pairs)
            peak = max(r[2] for r in runs[name])
            failed = sum(1 for r in runs[name] if r[3])
            out.append(
                f"{encoding}: {name}: median wall {wall[name]:.3f} s "
                f"({wall[name] / wall[theirs]:.2f} of tiktoken's), CPU {cpu[name]:.3f} s "
                f"({ratio:.2f} of tiktoken's, median of pairs), peak RSS {peak:.0f} MB "
                f"({args.startup_runs} runs, interleaved; failures {failed})"
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
        print("\n".join(out[first:]), flush=True)
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
        engine, encoding, kind, n = sys.argv[2:6]
        worker(engine, encoding, kind, int(n))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--tiktoken-cache":
        tiktoken_cache(Path(sys.argv[2]), sys.argv[3:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--encodings",
        nargs="+",
        type=encoding_name,
        default=list(ENCODINGS),
        help="any installed encodings (default: o200k cl100k)",
    )
    parser.add_argument("--inputs", nargs="+", default=list(INPUTS), choices=list(INPUTS))
    parser.add_argument("--max-n", type=float, default=1e7, help="largest N (default 1e7)")
    parser.add_argument("--repeat", type=int, default=3, help="processes per case (median)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per case")
    parser.add_argument("--sizes", nargs="+", type=float, help="these N only (e.g. 1e6 1e7)")
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, help="default: every one installed"
    )
    parser.add_argument("--startup", action="store_true", help="only cold start and vocab load")
    parser.add_argument("--startup-runs", type=int, default=11)
    parser.add_argument("--markdown", type=Path, help="also write the results here")
    args = parser.parse_args()
    compile_installed()
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
