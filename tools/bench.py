"""Throughput benchmark: llm-cost (pure Python and native) against tiktoken 0.14 and toktok-rs,
in the same run, on this machine.

    python tools/bench.py                          # build inputs if missing, run C, A, B and F
    python tools/bench.py --scenarios C --runs 5   # only the count scenario
    python tools/bench.py --scenarios ABW          # the pipe on real text, and the cache-warm one
    python tools/bench.py --corpus-mb 18 --runs 3 --engines pure native tiktoken

Engines, each in a fresh process per run: `pure` is llm-cost with the native engine turned off
(LLM_COST_NATIVE=0, so core's pure-Python engine and the plugins' scanners count), `native` is
llm-cost with llm-cost-native active (skipped when it is not installed), `tiktoken` is tiktoken
0.14 (the reference every ratio is measured against), and `toktok` is toktok-rs (Rust, its
vocabularies compiled in, so it runs offline; skipped when it is not installed).

Scenario C (count): a mixed corpus of distinct documents (English prose, source code,
multilingual text) built from files every machine of this kind has (the Python stdlib, the text
under /usr/share/doc and /usr/share/common-licenses, the English and translated man pages) plus
seeded generated text for scripts no local file covers. Each run counts every document once in a
fresh process (so caches start cold and nothing repeats a document), for each encoding asked
(--encodings: o200k and cl100k by default, any installed one by name or alias), with
`Encoding.count`, tiktoken's `encode_ordinary` and toktok's `count`; the per-document counts must
agree. Timed: CPU seconds of the counting loop (vocab loaded before), MB/s of UTF-8 input per CPU
second.

Scenarios A and B (pipe, real text): `llm-cost pipe -m MODEL` over a JSONL file with one record
per document of the Scenario C corpus, with one worker (A) and with 2, 4, ... workers up to the
core count (B), side by side with a tiktoken script doing the same job (json.loads,
`encode_ordinary_batch` at each thread count tried, json.dumps) whose best thread count is the
baseline, and the same script with toktok's `batch_count`. MODEL is the first priced model that
counts with --pipe-encoding (o200k by default), so the pipe prices as a user's would; with no
such model the pipe is given `-e ENC`. Wall time of the whole process,
start-up included; the pipe's outputs must be byte-identical across engines and worker counts,
and every script's token counts must equal the pipe's.

Scenario W (pipe, cache-warm, not in the default run): the same on tools/gen_jsonl.py's generated
JSONL, whose text is drawn from about 150 words: after the first records every piece is cached,
so it measures the caches, not counting. Reported under its own cache-warm heading, never as a
target.

Scenario F (one big file): `llm-cost -e ENC < FILE`, and with `--workers` = the core count, on
a 100 MB text file (the corpus's documents, repeated: the repeats favour caches, so this scenario
is about memory and the command-line path, not cold speed) against tiktoken and toktok scripts
that read standard input and print the count. Wall time and peak RSS of the whole process; the
counts must agree.

Scenario C also times a bound, not a result: a fresh pure-Python process whose merges were all
done beforehand (untimed), to show what the rest of a cold count costs (`--no-bound` skips it).

Every configuration runs `--runs` times, alternating, and the median is reported: the machine is
shared, so single timings are noisy, and the ratios measured in the same run are the figures that
mean something. Peak RSS: the process's own (C), and for the pipe the sum over the process tree,
sampled every 50 ms. Results go to bench-results/ (JSON and a markdown table; git-ignored),
inputs to bench-data/ (git-ignored). Dev tool: needs tiktoken (`pip install '.[test]'`), and
optionally toktok-rs (`pip install toktok-rs`); runs offline, tiktoken reads the plugins' own
verified vocab.
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import hashlib
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench-data"
RESULTS = REPO / "bench-results"
ENCODINGS = ("o200k", "cl100k")
"""The default run's; every scenario takes any installed encoding (`llm-cost encodings`)."""
SEED = 20261128
CORPUS_VERSION = 1
DOC_CAP = 128 * 1024  # a longer file is cut at the last line break before this many bytes
_BESIDE = Path(sys.executable).with_name("llm-cost")
LLM_COST = str(_BESIDE) if _BESIDE.exists() else shutil.which("llm-cost") or "llm-cost"

NATIVE_ENV = "LLM_COST_NATIVE"
"""llm-cost-native's off switch: 0 turns the native engine off, leaving core's pure Python."""
OURS = ("pure", "native")
ENGINES = (*OURS, "tiktoken", "toktok")
LABELS = {
    "pure": "llm-cost, pure Python",
    "native": "llm-cost, native",
    "tiktoken": "tiktoken",
    "toktok": "toktok-rs",
    "merge-free": "merge-free bound (pure Python)",
}


PACKAGES = (
    "llm_cost_core",
    "llm_cost_native",
    "llm_cost_o200k",
    "llm_cost_cl100k",
    "llm_cost_r50k",
)


def compile_installed() -> None:
    """Write the bytecode a user's install has before anything is timed. pip compiles what it
    installs, but an editable install compiles its sources in every process that imports them
    when PYTHONDONTWRITEBYTECODE is set (tox sets it, so may a shell): 60 to 80 ms of compiling
    in every start-up, which no user pays. py_compile writes regardless of that setting."""
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def installed_engines(wanted: list[str] | None = None) -> list[str]:
    """The engines this environment can run, in ENGINES order (tiktoken always: the baseline)."""
    have = {
        "pure": True,
        "native": importlib.util.find_spec("llm_cost_native") is not None,
        "tiktoken": True,
        "toktok": importlib.util.find_spec("toktok") is not None,
    }
    chosen = [e for e in ENGINES if have[e] and (wanted is None or e in wanted)]
    return chosen if "tiktoken" in chosen else [*chosen, "tiktoken"]


def engine_env(engine: str) -> dict[str, str]:
    """The environment of a process of `engine`: the native engine off for `pure` (and for the
    merge-free bound, which is pure Python), on (the variable unset) otherwise."""
    env = {k: v for k, v in os.environ.items() if k != NATIVE_ENV}
    if engine in ("pure", "merge-free"):
        env[NATIVE_ENV] = "0"
    return env


def native_active(enc) -> bool:
    """Whether llm-cost-native counts for `enc` in this process."""
    return type(enc.engine).__module__.partition(".")[0] == "llm_cost_native"


def check_engine(enc, engine: str) -> None:
    """Stop a worker whose process does not run the engine it is timing."""
    if native_active(enc) != (engine == "native"):
        raise SystemExit(f"{engine}: the native engine is {'on' if native_active(enc) else 'off'}")


def encoding_name(name: str) -> str:
    """argparse type: an installed encoding's name, from its name or an alias."""
    import llm_cost_core as lc

    try:
        return lc.get_encoding(name).name
    except lc.UnknownEncodingError as exc:
        raise argparse.ArgumentTypeError(exc.args[0]) from None


def pipe_choice(encoding: str) -> list[str]:
    """The pipe's option for `encoding`: `-m` with the first priced model that counts with it
    (the pipe then prices too, as a user's would), else `-e` with the encoding itself."""
    import llm_cost_core as lc
    from llm_cost_core.host.registry import registry

    for model in registry().prices():
        if lc.encoding_name_for_model(model) == encoding:
            return ["-m", model]
    return ["-e", encoding]


def toktok_encoding(enc):
    """toktok's full tokenizer for `enc`'s reference encoding (vocab compiled in, offline)."""
    import toktok

    return toktok._encoding(enc.spec.reference)


# -- the corpus ----------------------------------------------------------------------------------


def _read_text(path: Path) -> str | None:
    """A file's text (gunzipped), or None when it is not UTF-8 text."""
    try:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if b"\0" in data or not data.strip():
        return None
    if len(data) > DOC_CAP:
        cut = data.rfind(b"\n", 0, DOC_CAP)
        data = data[: cut + 1 if cut > 0 else DOC_CAP]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _files(root: Path, pattern: str) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob(pattern) if p.is_file() and not p.is_symlink())


def _sources() -> dict[str, list[Path]]:
    """Candidate files per kind of document, sorted (the seed then decides the order)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    doc = Path("/usr/share/doc")
    man = Path("/usr/share/man")
    text_suffixes = {".txt", ".md", ".rst", ".gz", ""}
    prose = _files(Path("/usr/share/common-licenses"), "*")
    prose += [
        p
        for p in _files(doc, "*")
        if p.suffix in text_suffixes and not p.name.endswith((".html.gz", ".png.gz"))
    ]
    prose += [p for p in _files(man, "*.gz") if p.parent.parent == man]
    code = [p for p in _files(stdlib, "*.py") if "site-packages" not in p.parts]
    code += [p for p in _files(doc, "*") if p.suffix in {".c", ".h", ".sh", ".pl", ".py", ".awk"}]
    translated = [p for p in _files(man, "*.gz") if p.parent.parent.parent == man]
    return {"prose": prose, "code": code, "multilingual": translated}


def _markov(rng: random.Random, sample: str, length: int) -> str:
    """`length` characters in the style of `sample`: an order-2 character Markov chain, so most
    words are new but follow the script's letters, spacing and punctuation."""
    order = 2
    table: dict[str, list[str]] = {}
    cycle = sample + " "
    padded = cycle * 2
    for i in range(len(cycle)):
        table.setdefault(padded[i : i + order], []).append(padded[i + order])
    state = sample[:order]
    out = [state]
    size = order
    while size < length:
        state = state[1:] + rng.choice(table[state])
        out.append(state[-1])
        size += 1
        if state[-1] in " .,?!。，" and rng.random() < 0.03:
            out.append(rng.choice(("\n", "\n\n", "\n  ")))
    return "".join(out)


def _generated(rng: random.Random, budget: int) -> Iterator[str]:
    """Documents in the scripts of the Evil Corpus's multilingual sentences (Arabic, Devanagari,
    Thai, Han, Hangul, Georgian, ...), a few KB each, seeded."""
    sentences: list[str] = []
    corpus = REPO / "testdata" / "evil_corpus_v2.jsonl"
    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            case = json.loads(line)
            wanted = case["encoding"] == "o200k" and case["category"] == "multilingual"
            if wanted and len(case["text"]) >= 20 and case["text"] not in sentences:
                sentences.append(case["text"])
    size = 0
    while size < budget:
        sample = rng.choice(sentences)
        text = _markov(rng, sample, rng.randint(500, 8000))
        size += len(text.encode())
        yield text


def build_corpus(path: Path, megabytes: float) -> dict:
    """Write the corpus (JSONL, one document a line: kind, source, text) and return its summary."""
    rng = random.Random(SEED)
    budget = int(megabytes * 1e6)
    shares = {"prose": 0.36, "code": 0.36, "multilingual": 0.20, "generated": 0.08}
    seen: set[str] = set()
    docs: list[dict] = []
    for kind, files in _sources().items():
        rng.shuffle(files)
        want, got = int(budget * shares[kind]), 0
        for file in files:
            if got >= want:
                break
            text = _read_text(file)
            if text is None:
                continue
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            docs.append({"kind": kind, "source": str(file), "text": text})
            got += len(text.encode())
    remaining = budget - sum(len(d["text"].encode()) for d in docs)
    for i, text in enumerate(_generated(rng, max(remaining, int(budget * shares["generated"])))):
        docs.append({"kind": "multilingual", "source": f"generated:{i}", "text": text})
    rng.shuffle(docs)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return corpus_summary(path)


def corpus_summary(path: Path) -> dict:
    kinds: dict[str, list[int]] = {}
    for doc in read_corpus(path):
        entry = kinds.setdefault(doc["kind"], [0, 0, 0])
        entry[0] += 1
        entry[1] += len(doc["text"].encode())
        entry[2] += not doc["text"].isascii()
    return {
        "path": str(path.relative_to(REPO)),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "documents": sum(v[0] for v in kinds.values()),
        "bytes": sum(v[1] for v in kinds.values()),
        "kinds": {
            k: {"documents": v[0], "bytes": v[1], "non_ascii_docs": v[2]} for k, v in kinds.items()
        },
    }


def read_corpus(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


# -- Scenario C: one fresh process per engine, encoding and run --------------------------------


def count_worker(engine: str, encoding: str, corpus: str) -> None:
    """Count every document once; print CPU and wall seconds, bytes, counts and peak RSS."""
    import llm_cost_core as lc

    texts = [doc["text"] for doc in read_corpus(Path(corpus))]
    enc = lc.get_encoding(encoding)
    if engine == "tiktoken":
        from llm_cost_core.verify.reference import tiktoken_encoding

        tk = tiktoken_encoding(enc)
        assert tk is not None
        tk.encode_ordinary("")

        def count(text: str) -> int:
            return len(tk.encode_ordinary(text))
    elif engine == "toktok":
        count = toktok_encoding(enc).count
        count("")
    elif engine == "merge-free":
        check_engine(enc, "pure")
        count = _merge_free(enc, texts).count
        count("")
    else:
        enc.count("")  # loads the vocab; caches stay empty
        check_engine(enc, engine)
        count = enc.count
    cpu, wall = time.process_time(), time.perf_counter()
    counts = [count(text) for text in texts]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # Not the figure that counts: the same documents again, with every cache warm.
    warm = time.process_time()
    for text in texts:
        count(text)
    warm = time.process_time() - warm
    size = sum(len(text.encode()) for text in texts)
    result = {"cpu": cpu, "wall": wall, "warm_cpu": warm, "bytes": size, "counts": counts}
    print(json.dumps({**result, "rss_mb": own_peak_rss_mb()}))


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started its program (VmHWM, Linux). Not ru_maxrss: a
    child's counts the parent's resident memory at fork, which the kernel carries over exec."""
    with open("/proc/self/status") as handle:
        kb = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
    return kb / 1024


def _merge_free(enc, texts: list[str]):
    """A bound, not a result: a fresh Encoding like `enc` whose engine knows beforehand (untimed)
    the token count of every piece in `texts`, so its count does everything ours does (cutting,
    look-ups, scanning the first-seen chunks, attributing their pieces) except merging."""
    from llm_cost_core.engine.encoding import Encoding

    real = enc.bpe
    known: dict[str, int] = {}
    for text in texts:
        for piece in enc.scanner(text):
            if piece not in known:
                known[piece] = real.count((piece,))

    class Known(dict):
        def __missing__(self, piece: str) -> int:  # the stand-in's pieces, say
            return real.count((piece,))

    class MergeFree:
        def __init__(self) -> None:
            self.piece_count = Known(known).__getitem__

        def count(self, pieces) -> int:
            return sum(map(self.piece_count, pieces))

        def encode(self, pieces) -> list[int]:
            return real.encode(pieces)

    scanner = enc.scanner
    return Encoding(enc.spec, lambda spec: scanner, lambda spec, ranks: MergeFree())


def scenario_c(
    corpus: Path, runs: int, encodings: list[str], engines: list[str], bound: bool = True
) -> list[dict]:
    engines = [*engines, "merge-free"] if bound else list(engines)
    samples: dict[tuple[str, str], list[dict]] = {}
    for run in range(runs):
        for encoding in encodings:
            # Each goes first in turn, so that a slow patch of the machine hits them all.
            shift = run % len(engines)
            for engine in engines[shift:] + engines[:shift]:
                done = subprocess.run(
                    [sys.executable, __file__, "_count", engine, encoding, str(corpus)],
                    capture_output=True,
                    text=True,
                    env=engine_env(engine),
                )
                if done.returncode:
                    raise SystemExit(f"{engine} {encoding} failed: {done.stderr[-2000:]}")
                result = json.loads(done.stdout)
                samples.setdefault((encoding, engine), []).append(result)
                print(
                    f"  C run {run + 1} {encoding} {engine}: {result['cpu']:.2f} CPU s, "
                    f"{result['bytes'] / 1e6 / result['cpu']:.2f} MB/s",
                    file=sys.stderr,
                )
    rows = []
    for encoding in encodings:
        theirs = samples[(encoding, "tiktoken")]
        size = theirs[0]["bytes"]
        baseline = statistics.median(r["cpu"] for r in theirs)
        row: dict = {"encoding": encoding, "bytes": size, "runs": runs, "engines": {}}
        for engine in engines:
            results = samples[(encoding, engine)]
            cpu = statistics.median(r["cpu"] for r in results)
            row["engines"][engine] = {
                "cpu_s": cpu,
                "cpu_s_all": [r["cpu"] for r in results],
                "wall_s": statistics.median(r["wall"] for r in results),
                "mb_per_s": size / 1e6 / cpu,
                "warm_mb_per_s": size / 1e6 / statistics.median(r["warm_cpu"] for r in results),
                "peak_rss_mb": max(r["rss_mb"] for r in results),
                "tokens": sum(results[0]["counts"]),
                "vs_tiktoken": baseline / cpu,
                "documents_with_other_counts": sum(
                    a != b for a, b in zip(results[0]["counts"], theirs[0]["counts"], strict=True)
                ),
            }
        rows.append(row)
    return rows


# -- Scenarios A, B and W: the pipe and scripts doing the same job ------------------------------


def script_pipe_worker(engine: str, encoding: str, threads: int, batch: int) -> None:
    """JSONL from stdin to stdout; per batch: json.loads, count the texts on `threads` threads
    (tiktoken's `encode_ordinary_batch` or toktok's `batch_count`), json.dumps."""
    import llm_cost_core as lc

    enc = lc.get_encoding(encoding)
    if engine == "tiktoken":
        from llm_cost_core.verify.reference import tiktoken_encoding

        tk = tiktoken_encoding(enc)
        assert tk is not None

        def counts(texts: list[str]) -> list[int]:
            return list(map(len, tk.encode_ordinary_batch(texts, num_threads=threads)))
    else:
        import toktok

        reference = enc.spec.reference

        def counts(texts: list[str]) -> list[int]:
            return toktok.batch_count(texts, reference, threads=threads)

    name = enc.name
    out = sys.stdout
    lines: list[bytes] = []

    def flush() -> None:
        objs = list(map(json.loads, lines))
        for obj, tokens in zip(objs, counts([obj["text"] for obj in objs]), strict=True):
            obj["llm_cost"] = {"tokens": tokens, "encoding": name}
        out.write("".join(json.dumps(obj) + "\n" for obj in objs))
        lines.clear()

    for line in sys.stdin.buffer:
        lines.append(line)
        if len(lines) >= batch:
            flush()
    if lines:
        flush()
    out.flush()


def script_file_worker(engine: str, encoding: str) -> None:
    """Count standard input as one text, as a script would: read, decode, count."""
    import llm_cost_core as lc

    enc = lc.get_encoding(encoding)
    text = sys.stdin.buffer.read().decode("utf-8", "replace")
    if engine == "tiktoken":
        from llm_cost_core.verify.reference import tiktoken_encoding

        tk = tiktoken_encoding(enc)
        assert tk is not None
        print(len(tk.encode_ordinary(text)))
    else:
        print(toktok_encoding(enc).count(text))


def build_pipe_jsonl(path: Path, corpus: Path) -> None:
    """One record per document of the corpus: real, distinct, first-seen text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for i, doc in enumerate(read_corpus(corpus)):
            record = {"id": i, "source": doc["source"], "text": doc["text"]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


class TreeRss:
    """Peak of the summed RSS of a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self, pid: int) -> list[int]:
        out = [pid]
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    for child in handle.read().split():
                        out += self._tree(int(child))
        except OSError:
            pass
        return out

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            total = 0
            for pid in self._tree(self.pid):
                try:
                    with open(f"/proc/{pid}/status") as handle:
                        for line in handle:
                            if line.startswith("VmRSS:"):
                                total += int(line.split()[1])
                except OSError:
                    pass
            self.peak_kb = max(self.peak_kb, total)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_kb / 1024


def timed_process(
    argv: list[str], stdin: Path, stdout: Path, env: dict[str, str] | None = None
) -> dict:
    """Run argv with stdin and stdout on files; wall, CPU (process and waited children), RSS."""
    with open(stdin, "rb") as src, open(stdout, "wb") as dst:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=src, stdout=dst, stderr=subprocess.PIPE, env=env)
        tree = TreeRss(proc.pid)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "tree_rss_mb": tree.stop(),
        "max_process_rss_mb": usage.ru_maxrss / 1024,
    }


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _token_counts(path: Path) -> list[int]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["llm_cost"]["tokens"] for line in handle]


def scenario_pipe(
    jsonl: Path,
    runs: int,
    workers: list[int],
    threads: list[int],
    encoding: str,
    engines: list[str],
    kind: str,
) -> dict:
    """The pipe with each of our engines at each worker count, and each script at each thread
    count; `kind` names the input (real text, or cache-warm generated text)."""
    size = jsonl.stat().st_size
    out = DATA / "bench-pipe-out.jsonl"
    choice = pipe_choice(encoding)
    configs: list[tuple[str, str, list[str]]] = []
    for engine in (e for e in engines if e in OURS):
        for n in workers:
            argv = [LLM_COST, "pipe", *choice, "--workers", str(n)]
            configs.append((f"llm-cost pipe ({engine}) --workers {n}", engine, argv))
    for engine in (e for e in engines if e not in OURS):
        for k in threads:
            argv = [sys.executable, __file__, "_script_pipe", engine, encoding, str(k)]
            configs.append((f"{LABELS[engine]} script, {k} thread{'s' * (k > 1)}", engine, argv))
    samples: dict[str, list[dict]] = {name: [] for name, _, _ in configs}
    digests: set[str] = set()
    counts: dict[str, list[int]] = {}
    for run in range(runs):
        order = configs if run % 2 == 0 else configs[::-1]
        for name, engine, argv in order:
            result = timed_process(argv, jsonl, out, engine_env(engine))
            if engine in OURS:
                digests.add(_digest(out))
            if name not in counts:
                counts[name] = _token_counts(out)
            samples[name].append(result)
            print(f"  pipe ({kind}) run {run + 1} {name}: {result['wall']:.2f} s", file=sys.stderr)
    out.unlink(missing_ok=True)
    first = next(iter(counts.values()))
    rows = {}
    for name, engine, _ in configs:
        results = samples[name]
        wall = statistics.median(r["wall"] for r in results)
        rows[name] = {
            "engine": engine,
            "wall_s": wall,
            "wall_s_all": [r["wall"] for r in results],
            "cpu_s": statistics.median(r["cpu"] for r in results),
            "mb_per_s": size / 1e6 / wall,
            "peak_tree_rss_mb": max(r["tree_rss_mb"] for r in results),
            "peak_process_rss_mb": max(r["max_process_rss_mb"] for r in results),
            "same_counts": counts[name] == first,
        }
    best_tk = min(
        (r for r in rows.values() if r["engine"] == "tiktoken"), key=lambda r: r["wall_s"]
    )
    for row in rows.values():
        row["vs_best_tiktoken"] = best_tk["wall_s"] / row["wall_s"]
        if row["engine"] in OURS:
            one = rows[f"llm-cost pipe ({row['engine']}) --workers {workers[0]}"]
            row["scaling"] = one["wall_s"] / row["wall_s"]
    return {
        "file": str(jsonl.relative_to(REPO)),
        "kind": kind,
        "bytes": size,
        "records": len(first),
        "encoding": encoding,
        "command": " ".join(["llm-cost pipe", *choice]),
        "runs": runs,
        "outputs_identical": len(digests) <= 1,
        "rows": rows,
    }


# -- Scenario F: one big file through the command line -------------------------------------------


def build_file(path: Path, corpus: Path, megabytes: float) -> None:
    """The corpus's documents one after another, repeated until the file has `megabytes`."""
    texts = [doc["text"] for doc in read_corpus(corpus)]
    budget, size = int(megabytes * 1e6), 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        while size < budget:
            for text in texts:
                out.write(text + "\n")
                size += len(text.encode()) + 1
                if size >= budget:
                    break


def scenario_f(path: Path, runs: int, encodings: list[str], engines: list[str]) -> dict:
    out = DATA / "bench-file-out.txt"
    rows: dict[str, dict] = {}
    cores = os.cpu_count() or 1
    for encoding in encodings:
        theirs = f"tiktoken script, {encoding}"
        configs: list[tuple[str, str, list[str]]] = []
        for engine in (e for e in engines if e in OURS):
            argv = [LLM_COST, "-e", encoding]
            configs.append((f"llm-cost ({engine}) -e {encoding} < FILE", engine, argv))
            if cores > 1:
                name = f"llm-cost ({engine}) -e {encoding} --workers {cores} < FILE"
                configs.append((name, engine, [*argv, "--workers", str(cores)]))
        for engine in (e for e in engines if e not in OURS):
            argv = [sys.executable, __file__, "_script_file", engine, encoding]
            configs.append((f"{LABELS[engine]} script, {encoding}", engine, argv))
        samples: dict[str, list[dict]] = {name: [] for name, _, _ in configs}
        answers: dict[str, set[str]] = {name: set() for name, _, _ in configs}
        for run in range(runs):
            for name, engine, argv in configs if run % 2 == 0 else configs[::-1]:
                result = timed_process(argv, path, out, engine_env(engine))
                answers[name].add(out.read_text().strip())
                samples[name].append(result)
                print(f"  F run {run + 1} {name}: {result['wall']:.2f} s", file=sys.stderr)
        for name, _, _ in configs:
            results = samples[name]
            rows[name] = {
                "wall_s": statistics.median(r["wall"] for r in results),
                "cpu_s": statistics.median(r["cpu"] for r in results),
                "peak_rss_mb": max(r["max_process_rss_mb"] for r in results),
                "peak_tree_rss_mb": max(r["tree_rss_mb"] for r in results),
                "tokens": sorted(answers[name]),
            }
        for name, _, _ in configs:
            if name != theirs:
                rows[name]["ratio"] = rows[theirs]["wall_s"] / rows[name]["wall_s"]
                same = answers[name] == answers[theirs] and len(answers[name]) == 1
                rows[name]["same_count"] = same
    return {"file": str(path.relative_to(REPO)), "bytes": path.stat().st_size, "runs": runs,
            "rows": rows}  # fmt: skip


# -- report ----------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    import importlib.metadata

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "tiktoken": version("tiktoken"),
        "toktok-rs": version("toktok-rs"),
        "llm-cost-native": version("llm-cost-native"),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_average_at_start": os.getloadavg(),
        "commit": subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
    }


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _pipe_markdown(p: dict) -> list[str]:
    title = {
        "real": "Scenarios A and B (pipe, real text)",
        "cache-warm": "Scenario W (pipe, CACHE-WARM: generated text from about 150 words; it "
        "measures the caches, not counting, and is no target)",
    }[p["kind"]]
    lines = [
        f"{title}: `{p['command']}` over {p['file']}, {p['records']} records, "
        f"{p['bytes'] / 1e6:.1f} MB, {p['encoding']}, median of {p['runs']} alternating runs, "
        "wall time of the whole process (start-up included); pipe outputs byte-identical across "
        "engines and worker counts: "
        f"{'yes' if p['outputs_identical'] else 'NO'}.",
        "",
        _row(
            "run",
            "wall s",
            "MB/s",
            "CPU s",
            "vs best tiktoken",
            "scaling",
            "peak RSS (tree / largest process)",
            "counts as the pipe's",
        ),
        _row(*["---"] * 8),
    ]
    for name, row in p["rows"].items():
        scaling = f"{row['scaling']:.2f}x" if "scaling" in row else ""
        lines.append(
            _row(
                name,
                f"{row['wall_s']:.2f}",
                f"{row['mb_per_s']:.2f}",
                f"{row['cpu_s']:.2f}",
                f"**{row['vs_best_tiktoken']:.2f}**",
                scaling,
                f"{row['peak_tree_rss_mb']:.0f} / {row['peak_process_rss_mb']:.0f} MB",
                "yes" if row["same_counts"] else "NO",
            )
        )
    return [*lines, ""]


def markdown(result: dict) -> str:
    m = result["machine"]
    versions = ", ".join(
        f"{name} {m[name]}" for name in ("tiktoken", "toktok-rs", "llm-cost-native") if m.get(name)
    )
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['python']}, {versions}, "
        f"{m['date']}, commit {m['commit']}; load average at the start "
        f"{', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}, at the end "
        f"{', '.join(f'{x:.2f}' for x in result['load_average_at_end'])}.",
        "",
    ]
    if "count" in result:
        c = result["corpus"]
        kinds = ", ".join(f"{k} {v['bytes'] / 1e6:.1f} MB" for k, v in c["kinds"].items())
        lines += [
            f"Scenario C (cold count, real text): {c['documents']} documents, "
            f"{c['bytes'] / 1e6:.1f} MB ({kinds}), median of {result['count'][0]['runs']} "
            "alternating runs, each a fresh process, CPU time of the count loop."
            + (
                " The merge-free bound is not a result: pure Python with every merge done "
                "beforehand, untimed."
                if "merge-free" in result["count"][0]["engines"]
                else ""
            ),
            "",
            _row(
                "encoding",
                "engine",
                "CPU s",
                "MB/s",
                "x tiktoken (its time / this)",
                "peak RSS",
                "documents counted differently",
                "second pass, warm caches, MB/s",
            ),
            _row(*["---"] * 8),
        ]
        for row in result["count"]:
            for engine, e in row["engines"].items():
                lines.append(
                    _row(
                        row["encoding"],
                        LABELS[engine],
                        f"{e['cpu_s']:.2f}",
                        f"{e['mb_per_s']:.2f}",
                        f"**{e['vs_tiktoken']:.2f}**",
                        f"{e['peak_rss_mb']:.0f} MB",
                        str(e["documents_with_other_counts"]),
                        f"{e['warm_mb_per_s']:.1f}",
                    )
                )
        lines.append("")
    for key in ("pipe", "pipe_cache_warm"):
        if key in result:
            lines += _pipe_markdown(result[key])
    if "file" in result:
        f = result["file"]
        lines += [
            f"Scenario F: {f['file']}, {f['bytes'] / 1e6:.1f} MB (the corpus's documents, "
            "repeated: cache-friendly), counted as one input from standard input; median of "
            f"{f['runs']} alternating runs, wall time of the whole process.",
            "",
            _row(
                "run",
                "wall s",
                "CPU s",
                "peak RSS (tree / largest process)",
                "ratio (tiktoken time / this)",
                "tokens",
            ),
            _row(*["---"] * 6),
        ]
        for name, row in f["rows"].items():
            ratio = f"**{row['ratio']:.2f}**" if "ratio" in row else ""
            lines.append(
                _row(
                    name,
                    f"{row['wall_s']:.2f}",
                    f"{row['cpu_s']:.2f}",
                    f"{row['peak_tree_rss_mb']:.0f} / {row['peak_rss_mb']:.0f} MB",
                    ratio,
                    ", ".join(row["tokens"]),
                )
            )
        lines.append("")
    return "\n".join(lines)


def save(result: dict, out: Path) -> str:
    """Write the results so far (JSON and markdown), so that a run cut short keeps them."""
    result["load_average_at_end"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    table = markdown(result)
    out.with_suffix(".md").write_text(table)
    return table


def _pipe_workers(scenarios: str, cores: int) -> list[int]:
    workers = [1] if "B" not in scenarios else [1] + [n for n in (2, 4, 8, 16, 32) if n <= cores]
    return workers if "A" in scenarios or "W" in scenarios else workers[1:] or [1]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_count"]:
        count_worker(*argv[1:4])
        return 0
    if argv[:1] == ["_script_file"]:
        script_file_worker(argv[1], argv[2])
        return 0
    if argv[:1] == ["_script_pipe"]:
        script_pipe_worker(argv[1], argv[2], int(argv[3]), 2048)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios", default="CABF", help="any of C, A, B, F and W (cache-warm; default CABF)"
    )
    parser.add_argument("--runs", type=int, default=3, help="alternating runs per configuration")
    parser.add_argument(
        "--encodings",
        nargs="+",
        type=encoding_name,
        default=list(ENCODINGS),
        help="for C and F: any installed encodings (default: o200k cl100k)",
    )
    parser.add_argument(
        "--engines", nargs="+", choices=ENGINES, help="default: every one installed"
    )
    parser.add_argument(
        "--pipe-encoding", type=encoding_name, default="o200k", help="for A, B and W"
    )
    parser.add_argument("--corpus-mb", type=float, default=12.0, help="for C, A, B and F")
    parser.add_argument("--jsonl-mb", type=float, default=100.0, help="for W (cache-warm)")
    parser.add_argument("--file-mb", type=float, default=100.0, help="for Scenario F")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the inputs")
    parser.add_argument("--threads", type=int, nargs="+", help="script thread counts to try")
    parser.add_argument("--out", type=Path, default=RESULTS / "bench")
    parser.add_argument(
        "--no-bound", dest="bound", action="store_false", help="skip the merge-free bound in C"
    )
    args = parser.parse_args(argv)
    scenarios = args.scenarios.upper()
    cores = os.cpu_count() or 1
    compile_installed()
    engines = installed_engines(args.engines)
    print(f"engines: {', '.join(engines)}", file=sys.stderr)
    result: dict = {
        "machine": machine(),
        "engines": engines,
        "commands": " ".join(["python", "tools/bench.py", *argv]),
    }
    corpus = DATA / f"corpus-v{CORPUS_VERSION}-{args.corpus_mb:g}mb.jsonl"
    if set(scenarios) - {"W"} and (args.rebuild or not corpus.exists()):
        print(f"building {corpus} ...", file=sys.stderr)
        build_corpus(corpus, args.corpus_mb)
    if "C" in scenarios:
        result["corpus"] = corpus_summary(corpus)
        result["count"] = scenario_c(corpus, args.runs, args.encodings, engines, args.bound)
        save(result, args.out)
    workers = _pipe_workers(scenarios, cores)
    threads = args.threads or sorted({1, *(n for n in (2, 4, 8) if n <= 2 * cores)})
    if "A" in scenarios or "B" in scenarios:
        jsonl = DATA / f"pipe-real-v{CORPUS_VERSION}-{args.corpus_mb:g}mb.jsonl"
        if args.rebuild or not jsonl.exists():
            build_pipe_jsonl(jsonl, corpus)
        result["pipe"] = scenario_pipe(
            jsonl, args.runs, workers, threads, args.pipe_encoding, engines, "real"
        )
        save(result, args.out)
    if "W" in scenarios:
        jsonl = DATA / f"pipe-{args.jsonl_mb:g}mb.jsonl"
        if args.rebuild or not jsonl.exists():
            generator = REPO / "tools" / "gen_jsonl.py"
            subprocess.run(
                [sys.executable, str(generator), "--size-mb", str(args.jsonl_mb), "--out", jsonl],
                check=True,
            )
        result["pipe_cache_warm"] = scenario_pipe(
            jsonl, args.runs, workers, threads, args.pipe_encoding, engines, "cache-warm"
        )
        save(result, args.out)
    if "F" in scenarios:
        big = DATA / f"file-{args.file_mb:g}mb.txt"
        if args.rebuild or not big.exists():
            build_file(big, corpus, args.file_mb)
        result["file"] = scenario_f(big, args.runs, args.encodings, engines)
        save(result, args.out)
    table = save(result, args.out)
    print(table)
    ok = all(
        e["documents_with_other_counts"] == 0
        for row in result.get("count", [])
        for e in row["engines"].values()
    )
    for key in ("pipe", "pipe_cache_warm"):
        pipe = result.get(key, {})
        ok = ok and pipe.get("outputs_identical", True)
        ok = ok and all(r["same_counts"] for r in pipe.get("rows", {}).values())
    ok = ok and all(
        r.get("same_count", True) for r in result.get("file", {}).get("rows", {}).values()
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
