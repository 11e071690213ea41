"""Run every fuzz target for FUZZ_SECONDS each (default 300), seeded from the Evil Corpus.

    python tools/fuzz/run.py [TARGET ...]

Work goes to bench-data/fuzz/ (git-ignored): a growing corpus and the findings (crash-*,
timeout-*, oom-*, slow-unit-*) per target, and summary.json with executions, coverage and
findings. Exits 1 if any target found anything. Each finding becomes a regression test and an
Evil Corpus case (see docs/explanation/fuzzing.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
WORK = REPO / "bench-data" / "fuzz"
sys.path.insert(0, str(HERE))

from targets import TARGETS  # noqa: E402

FINDING_PREFIXES = ("crash-", "timeout-", "oom-", "slow-unit-", "leak-")


def seed_texts() -> list[str]:
    """Texts from the Evil Corpus when present, plus the test suite's varied texts."""
    texts: list[str] = []
    corpus = REPO / "testdata" / "evil_corpus_v2.jsonl"
    if corpus.exists():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            texts.append(json.loads(line)["text"][:4096])
    sys.path.insert(0, str(REPO / "tests"))
    from textgen import long_runs, varied_texts

    texts += varied_texts(600) + [t[:4096] for t in long_runs()]
    return list(dict.fromkeys(texts))


def write_seeds(folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    texts = seed_texts()
    for i, text in enumerate(texts):
        (folder / f"seed-{i:05d}").write_bytes(text.encode("utf-8", "surrogatepass"))
    return len(texts)


def run_target(name: str, seconds: int) -> dict:
    base = WORK / name
    corpus, findings, seeds = base / "corpus", base / "findings", WORK / "seeds"
    corpus.mkdir(parents=True, exist_ok=True)
    findings.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in findings.iterdir()}
    command = [
        sys.executable, str(HERE / "fuzz.py"), name,
        f"-max_total_time={seconds}", "-timeout=20", "-rss_limit_mb=8192", "-max_len=4096",
        "-print_final_stats=1", f"-artifact_prefix={findings}/", str(corpus), str(seeds),
    ]  # fmt: skip
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, errors="replace")
    log = done.stdout + done.stderr
    (base / "last-run.log").write_text(log)
    status = re.findall(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", log, re.M)
    executed = re.search(r"stat::number_of_executed_units: (\d+)", log)
    new = sorted(
        p.name
        for p in findings.iterdir()
        if p.name not in before and p.name.startswith(FINDING_PREFIXES)
    )
    return {
        "target": name,
        "seconds": round(time.time() - started, 1),
        "executions": int(executed.group(1)) if executed else (int(status[-1][0]) if status else 0),
        "coverage_edges": int(status[-1][1]) if status else 0,
        "features": int(status[-1][2]) if status else 0,
        "corpus_units": int(status[-1][3]) if status else 0,
        "exit_code": done.returncode,
        "findings": new,
    }


def main() -> int:
    seconds = int(os.environ.get("FUZZ_SECONDS", "300"))
    names = sys.argv[1:] or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        sys.exit(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(TARGETS)}")
    print(f"{write_seeds(WORK / 'seeds')} seeds; {seconds} s per target", flush=True)
    results = []
    for name in names:
        result = run_target(name, seconds)
        results.append(result)
        print(json.dumps(result), flush=True)
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "seconds_per_target": seconds,
        "targets": results,
        "total_seconds": round(sum(r["seconds"] for r in results), 1),
        "total_executions": sum(r["executions"] for r in results),
    }
    (WORK / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    failed = [r for r in results if r["findings"] or r["exit_code"] not in (0,)]
    for r in failed:
        print(f"{r['target']}: exit {r['exit_code']}, findings {r['findings']}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
