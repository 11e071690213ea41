"""Build, check and checksum a release of every distribution: `tox -e release` runs this.

Steps, each one stopping the release on failure:
1. build sdist and wheel of llm-cost-core, llm-cost-o200k, llm-cost-cl100k,
   llm-cost-r50k and llm-cost-native
   with `python -m build`, SOURCE_DATE_EPOCH set to the commit time, into dist/ (the native
   wheel is this platform's; CI builds the others with cibuildwheel, see release.yml);
2. build them all again into a scratch folder and require byte-identical artifacts;
3. install the wheels but the native one (and nothing else of ours) into a fresh venv,
   smoke-test the command (`llm-cost -e o200k --text 'hello world'` prints 2, the same for
   cl100k and r50k), run the test suite against those installed wheels, and run the parity gate
   (`llm-cost parity --require` all seven of tiktoken's encodings): any mismatch stops the release;
4. add the native wheel to that venv, check that its engine is the one counting, and run the
   smoke test, the test suite (with the native plugin's own tests) and the parity gate again;
5. write a CycloneDX SBOM per distribution (the environment its wheel installs into);
6. write dist/SHA256SUMS over artifacts and SBOMs and verify it.

Usage: python tools/release.py [--skip-tests]   (--skip-tests only for trying the build steps)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist"
PROJECTS = {
    "llm-cost-core": REPO,
    "llm-cost-o200k": REPO / "plugins" / "llm_cost_o200k",
    "llm-cost-cl100k": REPO / "plugins" / "llm_cost_cl100k",
    "llm-cost-r50k": REPO / "plugins" / "llm_cost_r50k",
    "llm-cost-native": REPO / "plugins" / "llm_cost_native",
}
NATIVE = "llm-cost-native"
CLAMPED = {NATIVE}
"""Built with setuptools, whose sdists stamp files with the build or checkout time, not
SOURCE_DATE_EPOCH: their times are set to it afterwards."""
SMOKE = {"o200k": "2", "cl100k": "2", "r50k": "2"}  # `--text 'hello world'` with each encoding
TESTS = [
    "tests",
    "plugins/llm_cost_o200k/tests",
    "plugins/llm_cost_cl100k/tests",
    "plugins/llm_cost_r50k/tests",
]
TIKTOKEN_NAMES = "o200k_base,o200k_harmony,cl100k_base,p50k_base,p50k_edit,r50k_base,gpt2"
"""Every encoding tiktoken 0.14 ships: the parity gate requires them all."""
NATIVE_TESTS = "plugins/llm_cost_native/tests"
ACTIVE = (
    "import llm_cost_core as lc; "
    "e = [lc.get_encoding(n).engine for n in ('o200k', 'cl100k')]; "
    "print(*{type(b).__module__ for b in e})"
)


def step(message: str) -> None:
    print(f"\n== {message}", flush=True)


def run(*command: str | Path, env: dict[str, str] | None = None, cwd: Path = REPO) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"release stopped: {' '.join(map(str, command))} exited {done.returncode}")
    return done.stdout


def source_date_epoch() -> str:
    return run("git", "log", "-1", "--format=%ct").strip()


def build_all(outdir: Path, epoch: str) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    for name, folder in PROJECTS.items():
        run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", outdir, folder,
            env={"SOURCE_DATE_EPOCH": epoch})  # fmt: skip
        if name in CLAMPED:
            clamp_sdist(outdir / f"{name.replace('-', '_')}-{version(folder)}.tar.gz", int(epoch))
    return sorted(p for p in outdir.iterdir() if p.suffix in (".whl", ".gz"))


def version(folder: Path) -> str:
    import tomllib

    return tomllib.loads((folder / "pyproject.toml").read_text())["project"]["version"]


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes | None:
    handle = archive.extractfile(member) if member.isfile() else None
    return handle.read() if handle is not None else None


def clamp_sdist(path: Path, epoch: int) -> None:
    """Rewrite an sdist with every time `epoch` (as hatchling writes ours), owners anonymous,
    members in order and a gzip header without a time: the same files, the same bytes on every
    build of the commit, wherever it is checked out."""
    with tarfile.open(path) as old:
        members = [(m, _read(old, m)) for m in old]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as new:
        for member, data in sorted(members, key=lambda item: item[0].name):
            member.mtime = epoch
            member.pax_headers = {}  # setuptools writes the build's exact times there too
            member.uid = member.gid = 0
            member.uname = member.gname = ""
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    path.write_bytes(gzip.compress(buffer.getvalue(), mtime=0))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_venv(where: Path) -> Path:
    venv.create(where, with_pip=True, clear=True)
    return where / "bin" / "python"


def check(python: Path, label: str, engine: str, skip_tests: bool, tests: list[str]) -> None:
    """Smoke test, the test suite and the parity gate in a venv, whose engine must be `engine`."""
    cli = python.with_name("llm-cost")
    active = run(python, "-c", ACTIVE).split()
    if active != [engine]:
        raise SystemExit(f"release stopped: {label}: the engine is {active}, not {engine}")
    for encoding, expected in SMOKE.items():
        got = run(cli, "-e", encoding, "--text", "hello world").strip()
        if got != expected:
            raise SystemExit(f"release stopped: {encoding} counted {got!r}, not {expected}")
        print(f"  {label}: llm-cost -e {encoding} --text 'hello world' -> {got}")
    if skip_tests:
        return
    step(f"{label}: test suite against the installed wheels")
    run(python, "-m", "pip", "install", "--quiet", "pytest", "hypothesis", "tiktoken==0.14.0")
    print(run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests,
              env={"LLM_COST_REQUIRE_TIKTOKEN": "1"}).splitlines()[-1])  # fmt: skip
    step(f"{label}: parity gate")
    print(run(cli, "parity", "--require", TIKTOKEN_NAMES))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-tests", action="store_true", help="skip the test and parity gate")
    args = parser.parse_args()
    epoch = source_date_epoch()
    if run("git", "status", "--porcelain", "--untracked-files=no").strip():
        print("warning: the work tree has uncommitted changes; the release is not of a commit")

    step(f"build (SOURCE_DATE_EPOCH={epoch})")
    shutil.rmtree(DIST, ignore_errors=True)
    artifacts = build_all(DIST, epoch)
    for path in artifacts:
        print(f"  {path.name}  {path.stat().st_size:,} bytes")
    if len(artifacts) != 2 * len(PROJECTS):
        raise SystemExit(f"release stopped: expected {2 * len(PROJECTS)} artifacts")

    step("rebuild and compare: builds must be reproducible")
    with tempfile.TemporaryDirectory() as scratch:
        again = build_all(Path(scratch), epoch)
        differ = [a.name for a, b in zip(artifacts, again, strict=True) if sha256(a) != sha256(b)]
        if [a.name for a in artifacts] != [b.name for b in again] or differ:
            raise SystemExit(f"release stopped: not byte-identical on rebuild: {differ}")
    print(f"  {len(artifacts)} artifacts byte-identical")

    wheels = [p for p in artifacts if p.suffix == ".whl"]
    native = [w for w in wheels if w.name.startswith(NATIVE.replace("-", "_") + "-")]
    with tempfile.TemporaryDirectory() as scratch:
        python = make_venv(Path(scratch) / "venv")
        step("install the wheels but the native one into a fresh venv and smoke-test")
        run(python, "-m", "pip", "install", "--quiet", *(w for w in wheels if w not in native))
        check(python, "pure Python", "llm_cost_core.engine.bpe", args.skip_tests, TESTS)
        step("add the native wheel and smoke-test again")
        run(python, "-m", "pip", "install", "--quiet", *native)
        tests = [*TESTS, *([NATIVE_TESTS] if (REPO / NATIVE_TESTS).is_dir() else [])]
        check(python, "native", "llm_cost_native._native", args.skip_tests, tests)

    step("SBOM per distribution (CycloneDX)")
    sboms = []
    for name in PROJECTS:
        with tempfile.TemporaryDirectory() as scratch:
            python = make_venv(Path(scratch) / "venv")
            mine = [w for w in wheels if w.name.startswith(name.replace("-", "_") + "-")]
            core = [w for w in wheels if w.name.startswith("llm_cost_core-")]
            run(python, "-m", "pip", "install", "--quiet", *dict.fromkeys(core + mine))
            wheel = mine[0]
            out = DIST / (wheel.name.removesuffix(".whl") + ".cdx.json")
            pyproject = PROJECTS[name] / "pyproject.toml"
            run(sys.executable, "-m", "cyclonedx_py", "environment", "--pyproject", pyproject,
                "--mc-type", "library", "--output-reproducible", "-o", out, python)  # fmt: skip
            sboms.append(out)
            print(f"  {out.name}")

    step("checksums")
    sums = DIST / "SHA256SUMS"
    sums.write_text("".join(f"{sha256(p)}  {p.name}\n" for p in [*artifacts, *sboms]))
    print(run("sha256sum", "-c", sums.name, cwd=DIST))
    print(f"release artifacts are in {DIST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
