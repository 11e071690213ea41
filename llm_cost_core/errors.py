"""Exceptions users can catch. Messages are one line and say what to do next."""

from __future__ import annotations


class LLMCostError(Exception):
    """Base class of every error llm-cost raises on purpose."""

    def __str__(self) -> str:  # KeyError would repr() its message; keep it readable
        return str(self.args[0]) if self.args else ""


class UnknownEncodingError(LLMCostError, KeyError):
    """An encoding name that no installed plugin registers."""


class UnknownModelError(LLMCostError, KeyError):
    """A model name that no installed plugin maps to an encoding."""


class PluginError(LLMCostError):
    """A plugin gave core something it cannot use; the message names the plugin."""


class PluginConflictError(PluginError):
    """Two distributions register the same encoding name or alias."""


class VocabError(LLMCostError):
    """A vocab file is missing, corrupt or not the one the plugin pins."""


class InputError(LLMCostError):
    """A file or stream the user named cannot be read as asked."""


class WorkerError(LLMCostError):
    """A worker process of `--workers` died (killed, or out of memory) before it answered."""
