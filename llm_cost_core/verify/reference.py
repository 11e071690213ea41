"""tiktoken as the parity reference, run offline on the vocab the plugin itself ships.

tiktoken fetches a rank file by URL and checks it against the SHA-256 it pins. Here its fetch is
answered from the plugin's verified vocab and its cache is switched off for the call, so tiktoken
checks our bytes with its own hash, nothing touches the network and nothing is written.
tiktoken is a test dependency only: importing this module without it raises ImportError.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import tiktoken
import tiktoken.load

from llm_cost_core.engine.spec import TiktokenReference
from llm_cost_core.engine.vocab import dump_tiktoken

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.engine.spec import EncodingSpec

_lock = threading.Lock()
_built: dict[EncodingSpec, tiktoken.Encoding] = {}


def tiktoken_encoding(encoding: Encoding) -> tiktoken.Encoding | None:
    """tiktoken's own Encoding named by `encoding.spec.reference`, or None when it names none.

    With `spec.extends_reference`, the Encoding is built the way tiktoken's README extends
    cl100k_base into cl100k_im: the reference's pattern and ranks, the spec's special tokens.
    A `TiktokenReference` is built from its own pattern, ranks and special tokens.
    """
    spec = encoding.spec
    if spec.reference is None:
        return None
    if isinstance(spec.reference, TiktokenReference):
        reference = spec.reference
        with _lock:
            built = _built.get(spec)
            if built is None:
                built = _built[spec] = tiktoken.Encoding(
                    name=reference.name,
                    pat_str=reference.pattern,
                    mergeable_ranks=dict(reference.load_ranks()),
                    special_tokens=dict(reference.special_tokens),
                )
        return built
    base = _registered(spec, spec.reference)
    if not spec.extends_reference:
        return base
    with _lock:
        extended = _built.get(spec)
        if extended is None:
            extended = _built[spec] = tiktoken.Encoding(
                name=spec.name,
                pat_str=base._pat_str,
                mergeable_ranks=base._mergeable_ranks,
                special_tokens=dict(spec.special_tokens),
            )
    return extended


def _registered(spec: EncodingSpec, name: str) -> tiktoken.Encoding:
    """tiktoken.get_encoding(name), its vocab fetch answered by the plugin's own vocab."""
    if name in tiktoken.registry.ENCODINGS:
        return tiktoken.registry.ENCODINGS[name]
    source = getattr(spec.load_ranks, "read_bytes", None)
    vocab = source() if source is not None else dump_tiktoken(dict(spec.load_ranks()))

    def offline_read_file(blobpath: str) -> bytes:
        # Whatever rank file tiktoken asks for (o200k_harmony reads o200k_base's), it gets the
        # plugin's, and checks it against the hash it pins for that file: a wrong one fails.
        if blobpath.endswith(".tiktoken"):
            return vocab
        raise RuntimeError(f"llm-cost runs tiktoken offline; it asked for {blobpath}")

    with _lock:
        saved_read, saved_env = tiktoken.load.read_file, os.environ.get("TIKTOKEN_CACHE_DIR")
        tiktoken.load.read_file = offline_read_file
        os.environ["TIKTOKEN_CACHE_DIR"] = ""  # tiktoken: empty means no cache
        try:
            return tiktoken.get_encoding(name)
        finally:
            tiktoken.load.read_file = saved_read
            if saved_env is None:
                del os.environ["TIKTOKEN_CACHE_DIR"]
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved_env
