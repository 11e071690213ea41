"""Build the native scanners (src/scan.c) into a throwaway shared library and call them by ctypes.

The tests need no installed package: they compile scan.c with a small harness
(scan_harness.c) using gcc, once per session, into a temporary directory. They also hold the
references the scanner is checked against (tiktoken itself, and the pure-Python scanners).
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SOURCES = [SRC / "scan.c", HERE / "scan_harness.c"]
# The warnings the scanner must compile without.
CFLAGS = [
    "-std=c11", "-Wall", "-Wextra", "-Wconversion", "-Wsign-conversion", "-Wshadow",
    "-Wpedantic", "-Werror", f"-I{SRC}",
]  # fmt: skip

KINDS = {"o200k": 0, "cl100k": 1, "r50k": 2}
PROPS = {"L": 1, "UP": 2, "LO": 4, "N": 8, "WS": 16, "NL": 32}  # the LC_P_* bits


def compiler() -> str:
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) to build the native scanner with")
    return cc


def build(out: Path, *flags: str) -> Path:
    """Compile the scanner and harness with `flags` into `out`; fails the test on any warning."""
    cmd = [compiler(), *CFLAGS, *flags, *map(str, SOURCES), "-o", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stderr}"
    return out


class NativeScanner:
    """The C scanner for one pattern kind, as a Python scanner: text in, pieces out."""

    def __init__(self, lib: ctypes.CDLL, kind: str) -> None:
        self.lib, self.kind = lib, KINDS[kind]

    def cuts(self, data: bytes) -> list[int]:
        """The end offset of every piece of `data` (UTF-8)."""
        cap = len(data) + 1
        ends = (ctypes.c_size_t * cap)()
        n = self.lib.lc_test_cuts(self.kind, data, len(data), ends, cap)
        assert n != ctypes.c_size_t(-1).value, "a piece was empty or ran past the text"
        return list(ends[:n])

    def pieces_bytes(self, data: bytes) -> list[bytes]:
        out, start = [], 0
        for end in self.cuts(data):
            out.append(data[start:end])
            start = end
        return out

    def __call__(self, text: str) -> list[str]:
        return [p.decode("utf-8") for p in self.pieces_bytes(text.encode("utf-8"))]


@functools.cache
def library() -> ctypes.CDLL:
    out = Path(tempfile.mkdtemp(prefix="llm-cost-scan-")) / "libscan.so"
    lib = ctypes.CDLL(str(build(out, "-O2", "-shared", "-fPIC")))
    lib.lc_test_cuts.restype = ctypes.c_size_t
    lib.lc_test_cuts.argtypes = [
        ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
        ctypes.c_size_t,
    ]  # fmt: skip
    lib.lc_test_count.restype = ctypes.c_size_t
    lib.lc_test_count.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    lib.lc_test_props.restype = ctypes.c_uint
    lib.lc_test_props.argtypes = [ctypes.c_uint32]
    lib.lc_scan_kind_of.restype = ctypes.c_int
    lib.lc_scan_kind_of.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lib


def native(kind: str) -> NativeScanner:
    return NativeScanner(library(), kind)


# ---- references ---------------------------------------------------------------------------


def tiktoken_pattern(kind: str) -> str:
    """The pattern string tiktoken 0.14 gives the encodings of `kind` (read without a vocab)."""
    return _tiktoken_patterns()[kind]


@functools.cache
def _tiktoken_patterns() -> dict[str, str]:
    openai_public = pytest.importorskip("tiktoken_ext.openai_public")
    import inspect

    # The constructors load their vocab first; run them with loaders that return nothing.
    namespace = dict(vars(openai_public))
    namespace["load_tiktoken_bpe"] = lambda *args, **kwargs: {}
    namespace["data_gym_to_mergeable_bpe_ranks"] = lambda *args, **kwargs: {}
    out: dict[str, str] = {}
    for kind, names in {
        "o200k": ["o200k_base", "o200k_harmony"],
        "cl100k": ["cl100k_base"],
        "r50k": ["r50k_base", "gpt2", "p50k_base", "p50k_edit"],
    }.items():
        found = set()
        for name in names:
            function = getattr(openai_public, name)
            exec(compile(inspect.getsource(function), "<tiktoken_ext>", "exec"), namespace)
            found.add(namespace[name]()["pat_str"])
        assert len(found) == 1, f"{names} do not share one pattern"
        out[kind] = found.pop()
    return out


def tiktoken_agrees(kind: str, texts: Iterable[str], scanner: NativeScanner) -> list[str]:
    """The texts whose pieces under tiktoken's own regex differ from `scanner`'s.

    tiktoken does not expose its pieces, but they can be read off exactly: an Encoding with
    tiktoken's pattern whose vocab is the 256 bytes, every piece the scanner produced, and the
    concatenation of every two adjacent ones. If tiktoken cuts the same pieces, each is in the
    vocab and comes back as one token. If the tokens equal the scanner's pieces, tiktoken cut
    nowhere else (a token never crosses a piece), and no piece of tiktoken's holds two of the
    scanner's (BPE would have merged the two adjacent ones, whose concatenation is in the vocab):
    so tokens == pieces exactly when tiktoken's pieces == the scanner's.
    """
    tiktoken = pytest.importorskip("tiktoken")
    texts = list(texts)
    expected = [scanner.pieces_bytes(t.encode("utf-8")) for t in texts]
    vocab: dict[bytes, int] = {bytes([b]): b for b in range(256)}
    for pieces in expected:
        for i, piece in enumerate(pieces):
            vocab.setdefault(piece, len(vocab))
            if i:
                vocab.setdefault(pieces[i - 1] + piece, len(vocab))
    enc = tiktoken.Encoding(
        f"scan-check-{kind}",
        pat_str=tiktoken_pattern(kind),
        mergeable_ranks=vocab,
        special_tokens={},
    )
    got = enc.encode_ordinary_batch(texts, num_threads=1)
    bad = []
    for text, ids, pieces in zip(texts, got, expected, strict=True):
        if [enc.decode_single_token_bytes(i) for i in ids] != pieces:
            bad.append(text)
    return bad


@functools.cache
def python_scanner(kind: str):  # type: ignore[no-untyped-def]
    """The pure-Python scanner for `kind`: the plugins' (proved against tiktoken) for o200k and
    cl100k, core's regex scanner with pinned Unicode classes for r50k."""
    if kind == "o200k":
        from llm_cost_o200k import scanner

        return scanner.make()
    if kind == "cl100k":
        from llm_cost_cl100k import scanner

        return scanner.make()
    from llm_cost_core.engine.scanner import regex_scanner

    return regex_scanner(tiktoken_pattern("r50k"))
