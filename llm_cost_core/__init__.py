"""llm-cost core: exact token counting for any encoding a plugin registers.

    import llm_cost_core as lc
    enc = lc.get_encoding("o200k")
    enc.encode("hello world")

Importing this package loads no plugin and no vocab; the first call that needs them does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import (
    InputError,
    LLMCostError,
    PluginConflictError,
    PluginError,
    UnknownEncodingError,
    UnknownModelError,
    VocabError,
)

if TYPE_CHECKING:
    from .chat import count_messages
    from .costs import CostEstimate, estimate_cost
    from .encoding import Encoding
    from .hookspecs import hookimpl
    from .spec import EncodingSpec
    from .vocab import TiktokenFile
else:
    _LAZY = {
        "CostEstimate": ".costs",
        "Encoding": ".encoding",
        "EncodingSpec": ".spec",
        "TiktokenFile": ".vocab",
        "hookimpl": ".hookspecs",
        "count_messages": ".chat",
        "estimate_cost": ".costs",
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


__version__ = "0.1.0"

__all__ = [
    "CostEstimate",
    "Encoding",
    "EncodingSpec",
    "InputError",
    "LLMCostError",
    "PluginConflictError",
    "PluginError",
    "TiktokenFile",
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
]


def get_encoding(name: str) -> Encoding:
    """The encoding called `name` (or one of its aliases). Raises UnknownEncodingError."""
    from .plugins import registry

    return registry().get_encoding(name)


def encoding_name_for_model(model: str) -> str:
    """The name of the encoding `model` uses. Raises UnknownModelError."""
    from .plugins import registry

    return registry().encoding_name_for_model(model)


def encoding_for_model(model: str) -> Encoding:
    """The encoding `model` uses. Raises UnknownModelError or UnknownEncodingError."""
    from .plugins import registry

    return registry().encoding_for_model(model)


def list_encodings() -> list[str]:
    """The names of every installed encoding, sorted."""
    from .plugins import registry

    return [entry.spec.name for entry in registry().registered()]
