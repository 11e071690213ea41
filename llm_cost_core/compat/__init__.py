"""tiktoken's API over llm-cost's encodings, offline: `import llm_cost_core.compat as tiktoken`.

Code written for tiktoken runs unchanged: the same top-level functions, tiktoken's encoding names
(`get_encoding("o200k_base").name == "o200k_base"`), and an `Encoding` with tiktoken's methods,
semantics and error types, over core's `Encoding` (its scanner, BPE engine and vocab cache).
An encoding built directly, `Encoding(name, pat_str=..., mergeable_ranks=...,
special_tokens=...)`, gets core's default plugin path: the plugins' `make_scanner` (core's regex
scanner when none claims the spec) and `make_bpe`.

Batch methods run on a thread pool of `num_threads`, as tiktoken's do: an engine that releases
the GIL makes them scale; with the pure-Python engine they are correct, not faster.
"""

from __future__ import annotations

from llm_cost_core.compat.encoding import Encoding, get_encoding, tiktoken_name
from llm_cost_core.errors import UnknownEncodingError

__all__ = [
    "Encoding",
    "encoding_for_model",
    "encoding_name_for_model",
    "get_encoding",
    "list_encoding_names",
]


def encoding_name_for_model(model_name: str) -> str:
    """The tiktoken name of the encoding `model_name` uses; KeyError if it is unknown or its
    encoding is not installed."""
    from llm_cost_core.host.registry import registry
    from llm_cost_core.models import resolve

    name = resolve.encoding_name_for_model(model_name)
    try:
        return tiktoken_name(registry().lookup(name).spec)
    except UnknownEncodingError:
        message = resolve.uninstalled_encoding_message(model_name, name)
        raise UnknownEncodingError(message) from None


def encoding_for_model(model_name: str) -> Encoding:
    """The encoding `model_name` uses; KeyError if it is unknown or not installed."""
    return get_encoding(encoding_name_for_model(model_name))


def list_encoding_names() -> list[str]:
    """The tiktoken name of every installed encoding, sorted."""
    from llm_cost_core.host.registry import registry

    return sorted(tiktoken_name(entry.spec) for entry in registry().encodings())
