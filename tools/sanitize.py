"""Build llm-cost-native with AddressSanitizer and UBSan, and run commands under them.

    python tools/sanitize.py install            # build a sanitized llm-cost-native, install it
    python tools/sanitize.py run -- CMD [ARG ...]   # run CMD with the sanitizer runtime loaded

`tox -e native-asan` runs both. The build compiles a copy of plugins/llm_cost_native (never its
own build/ folder, which an ordinary build shares: setuptools would reuse whichever objects are
newer) with CFLAGS and LDFLAGS `-fsanitize=address,undefined -fno-omit-frame-pointer`, installs
it into the running Python, and checks that the installed extension really carries ASan.

A Python that was not built with ASan must load the ASan runtime before anything else, so `run`
sets LD_PRELOAD to gcc's libasan (`gcc -print-file-name=libasan.so`), and every process CMD
starts inherits it. ASAN_OPTIONS gets `detect_leaks=0` (CPython keeps objects alive until exit
by design; a leak report would be noise) and UBSAN_OPTIONS `halt_on_error=1:print_stacktrace=1`
(the first undefined behaviour ends the run with its stack), both ahead of any options already
set. Linux and gcc only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLUGIN = REPO / "plugins" / "llm_cost_native"
FLAGS = "-fsanitize=address,undefined -fno-omit-frame-pointer"
OPTIONS = {
    "ASAN_OPTIONS": "detect_leaks=0",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
}


def libasan() -> str:
    """The path of gcc's ASan runtime; exits when gcc has none."""
    done = subprocess.run(
        ["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True, check=False
    )
    path = done.stdout.strip()
    if done.returncode or not os.path.isabs(path) or not os.path.exists(path):
        sys.exit("sanitize: gcc has no libasan.so (gcc -print-file-name=libasan.so)")
    return os.path.realpath(path)


def install() -> None:
    """Build a copy of the plugin with the sanitizer flags and install it, replacing any other."""
    env = {**os.environ, "CFLAGS": FLAGS, "LDFLAGS": FLAGS}
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "llm_cost_native"
        shutil.copytree(
            PLUGIN, source, ignore=shutil.ignore_patterns("build", "*.so", "*.egg-info", "*.pyd")
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall",
             "--no-cache-dir", str(source)],
            env=env,
            check=True,
        )  # fmt: skip
    # Import it from a directory of its own (not the checkout), in a process that has the ASan
    # runtime, and find the extension that is installed.
    where = run_output(
        [sys.executable, "-c", "import llm_cost_native._native as m; print(m.__file__)"]
    )
    if b"__asan_init" not in Path(where).read_bytes():
        sys.exit(f"sanitize: {where} was built without AddressSanitizer")
    print(f"sanitized extension: {where}")


def sanitized_env() -> dict[str, str]:
    env = dict(os.environ)
    env["LD_PRELOAD"] = " ".join(filter(None, [libasan(), env.get("LD_PRELOAD")]))
    for name, options in OPTIONS.items():
        env[name] = ":".join(filter(None, [options, env.get(name)]))
    return env


def run_output(command: list[str]) -> str:
    done = subprocess.run(
        command, env=sanitized_env(), cwd=tempfile.gettempdir(), capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"sanitize: {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


def main(argv: list[str]) -> int:
    if argv[:1] == ["install"] and len(argv) == 1:
        install()
        return 0
    if argv[:2] == ["run", "--"] and len(argv) > 2:
        return subprocess.run(argv[2:], env=sanitized_env()).returncode
    sys.exit("usage: sanitize.py install | sanitize.py run -- CMD [ARG ...]")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
