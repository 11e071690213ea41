"""Environment variables read in more than one place, parsed one way."""

from __future__ import annotations

import os


def flag(name: str) -> bool:
    """An on/off environment variable: unset, empty, 0, false and no (any case) are off."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def names(name: str) -> frozenset[str] | None:
    """A comma-separated list of names, or None when the variable is unset.

    Set but empty is the empty set, so `LLM_COST_LOAD_PLUGINS=` selects no plugin at all.
    """
    value = os.environ.get(name)
    if value is None:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())
