"""Run one fuzz target under atheris: python tools/fuzz/fuzz.py TARGET [libFuzzer flags] [DIRS].

tools/fuzz/run.py runs every target with seeds, time limits and a summary; use this directly to
reproduce a finding: python tools/fuzz/fuzz.py scanner path/to/crash-file
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(
    include=["llm_cost_core", "llm_cost_o200k", "llm_cost_cl100k", "llm_cost_native"]
):
    import targets

    # Plugins and lazily imported modules load here, inside the instrumented block; this also
    # keeps vocab loading out of the first fuzz iteration.
    targets.check_text("warm up: café 😀 \U0003d000 <|endoftext|>")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in targets.TARGETS:
        sys.exit(f"usage: fuzz.py {{{','.join(targets.TARGETS)}}} [libFuzzer args]")
    target = targets.TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
