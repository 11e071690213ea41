"""Hook specifications: the whole contract between core and a plugin.

A plugin is a module (or object) named in the ``llm_cost`` entry-point group whose functions
carry ``@llm_cost_core.hookimpl`` and are named like the hooks below. Parameters are passed by
name, so an implementation may accept only the ones it uses. ``docs/reference/hooks.md``
repeats these signatures; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from llm_cost_core.engine.bpe import BPEEngine
    from llm_cost_core.engine.scanner import Scanner
    from llm_cost_core.engine.spec import EncodingSpec, Ranks

PROJECT = "llm_cost"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_encodings(register: Callable[[EncodingSpec], None]) -> None:
    """Register the encodings this plugin provides.

    :param register: call ``register(EncodingSpec(...))`` once per encoding.

    Called once per process, when the registry is first needed, for every plugin. Must not load a
    vocab: ``EncodingSpec.load_ranks`` does that later, on first use. An encoding name or alias
    that another distribution already registered makes that name unusable and is reported as a
    conflict naming both distributions.
    """


@hookspec(firstresult=True)
def make_scanner(spec: EncodingSpec) -> Scanner | None:
    """Return the pre-tokenizer for ``spec``, or None when ``spec`` is not this plugin's.

    :param spec: the encoding being built.
    :return: a callable that takes a ``str`` and returns its pieces, in order, whose
        concatenation is the input (``regex.compile(spec.pattern).findall`` is one). It may
        carry the promises ``splits_before_space`` and ``splits_after_newline``, defined once
        in the scanner contract (``llm_cost_core.Scanner``), which let core count long texts in
        parts and cache segments; ``llm_cost_core.testing`` checks them.

    Stops at the first non-None result. Core's own ``trylast`` implementation compiles
    ``spec.pattern`` with ``regex``, so a plugin only implements this hook to be faster while
    staying exact.
    """


@hookspec(firstresult=True)
def make_bpe(spec: EncodingSpec, ranks: Ranks) -> BPEEngine | None:
    """Return the merge engine for ``spec``, or None to leave it to the next plugin.

    :param spec: the encoding being built.
    :param ranks: its verified BPE ranks, token bytes to rank.
    :return: an object with ``encode(pieces) -> list[int]`` and ``count(pieces) -> int`` (see
        ``llm_cost_core.engine.bpe.BPEEngine``). An engine that knows ``spec.pattern`` exactly
        may also take whole texts (``count_text``, ``encode_text``, ``count_batch``,
        ``encode_batch``: ``llm_cost_core.engine.bpe.WholeTextEngine``); core then hands it
        every text and batch in one call instead of scanning in Python.

    Stops at the first non-None result. Core's ``trylast`` implementation is pure Python.
    Called once per encoding per process, after the ranks are loaded.
    """


@hookspec
def describe_engine(spec: EncodingSpec) -> str | None:
    """Say, in a few words, how this plugin's engine serves ``spec``, or None if it does not.

    :param spec: a registered encoding.
    :return: a short note such as ``"native, whole texts"``, shown by ``llm-cost plugins`` and
        ``llm-cost --version`` next to the encoding; None for an encoding this plugin's
        ``make_scanner`` and ``make_bpe`` leave alone.

    Every implementation is called, once per encoding, when those commands run. Must not load a
    vocab: answer from the spec (its pattern, its name) and the plugin's own settings.
    """


@hookspec
def register_models(register: Callable[..., None]) -> None:
    """Map model names to encoding names.

    :param register: call ``register(model, encoding, prefix=False)``. With ``prefix=True``,
        every model name that starts with ``model`` maps to ``encoding`` (the longest prefix
        wins); an exact name always beats a prefix.

    Called once per process, when a model is first looked up. ``encoding`` may be an alias and
    may belong to another plugin; it is resolved when the model is used.
    """


@hookspec
def register_prices(register: Callable[..., None]) -> None:
    """Register model prices, so that a plugin can bring its own models.

    :param register: call ``register(price)`` with a ``llm_cost_core.ModelPrice``.

    Called once per process, when prices are first needed. A later registration of the same
    model replaces an earlier one; a user's ``--prices`` file replaces both.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``llm-cost`` command line.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or use
        ``@cli.command()``.

    Called once, when the command line starts, before arguments are parsed. Keep imports inside
    the command functions so that ``llm-cost --help`` stays fast.
    """
