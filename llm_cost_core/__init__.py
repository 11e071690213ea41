"""llm-cost core: exact token counting for any encoding a plugin registers.

    import llm_cost_core as lc
    enc = lc.get_encoding("o200k")
    enc.encode("hello world")

Importing this package loads no plugin and no vocab; the first call that needs them does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from llm_cost_core._version import __version__
from llm_cost_core.errors import (
    InputError,
    LLMCostError,
    PluginConflictError,
    PluginError,
    UnknownEncodingError,
    UnknownModelError,
    VocabError,
)

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.engine.scanner import Scanner, regex_scanner
    from llm_cost_core.engine.spec import EncodingSpec, TiktokenReference
    from llm_cost_core.engine.vocab import TiktokenFile
    from llm_cost_core.host.hookspecs import hookimpl
    from llm_cost_core.models.chat import count_messages
    from llm_cost_core.models.costs import CostEstimate, estimate_cost
    from llm_cost_core.prices.prices import ModelPrice
else:
    _LAZY = {
        "CostEstimate": ".models.costs",
        "Encoding": ".engine.encoding",
        "EncodingSpec": ".engine.spec",
        "ModelPrice": ".prices.prices",
        "Scanner": ".engine.scanner",
        "TiktokenFile": ".engine.vocab",
        "TiktokenReference": ".engine.spec",
        "hookimpl": ".host.hookspecs",
        "count_messages": ".models.chat",
        "estimate_cost": ".models.costs",
        "regex_scanner": ".engine.scanner",
    }

    def __getattr__(name: str) -> object:
        """Names from modules that import pluggy, attrs or regex, imported on first use: so
        `import llm_cost_core` imports nothing else, and the console script (which it runs
        before any of the script's own code) is quick to reach the point where it can catch
        Ctrl-C."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value


__all__ = [
    "CostEstimate",
    "Encoding",
    "EncodingSpec",
    "InputError",
    "LLMCostError",
    "ModelPrice",
    "PluginConflictError",
    "PluginError",
    "Scanner",
    "TiktokenFile",
    "TiktokenReference",
    "UnknownEncodingError",
    "UnknownModelError",
    "VocabError",
    "__version__",
    "count_messages",
    "encoding_for_model",
    "encoding_name_for_model",
    "estimate_cost",
    "get_encoding",
    "hookimpl",
    "list_encodings",
    "regex_scanner",
]


def get_encoding(name: str) -> Encoding:
    """The encoding called `name` (or one of its aliases). Raises UnknownEncodingError."""
    from llm_cost_core.host.registry import registry

    return registry().get_encoding(name)


def encoding_name_for_model(model: str) -> str:
    """The name of the encoding `model` uses. Raises UnknownModelError."""
    from llm_cost_core.models import resolve

    return resolve.encoding_name_for_model(model)


def encoding_for_model(model: str) -> Encoding:
    """The encoding `model` uses. Raises UnknownModelError or UnknownEncodingError."""
    from llm_cost_core.models import resolve

    return resolve.encoding_for_model(model)


def list_encodings() -> list[str]:
    """The names of every installed encoding, sorted."""
    from llm_cost_core.host.registry import registry

    return [entry.spec.name for entry in registry().encodings()]
