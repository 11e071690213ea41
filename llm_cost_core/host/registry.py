"""The registry: what the loaded plugins registered, and the encodings built from it."""

from __future__ import annotations

import functools
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from typing import TYPE_CHECKING, Any, cast

import attrs

from llm_cost_core._text import did_you_mean
from llm_cost_core.engine.bpe import BPEEngine
from llm_cost_core.engine.checks import CheckedEngine
from llm_cost_core.engine.encoding import Encoding
from llm_cost_core.engine.scanner import Scanner
from llm_cost_core.engine.spec import ENCODING_NAME, EncodingSpec, Ranks, check_name
from llm_cost_core.errors import PluginConflictError, PluginError, UnknownEncodingError
from llm_cost_core.host import core_plugin
from llm_cost_core.host.loading import (
    Finish,
    PluginHost,
    PluginInfo,
    PluginWarning,
    short_repr,
    staged,
    strict,
)

if TYPE_CHECKING:
    import click

    from llm_cost_core.prices.prices import PriceEntry

DEFAULT_DISTRIBUTION = "llm-cost-o200k"
"""What to install when nothing is: the GPT-4o family's encoding, the command's default."""


@attrs.frozen
class EncodingEntry:
    """An encoding spec and the plugin that registered it."""

    spec: EncodingSpec
    plugin: PluginInfo


class Registry(PluginHost):
    """Everything the plugins registered (encodings, models, prices, commands), and the
    encodings built from it, once per process. It reports; models.resolve decides."""

    def __init__(self, entry_points_: Iterator[EntryPoint] | None = None) -> None:
        super().__init__(entry_points_)
        self._encodings: dict[str, EncodingEntry] = {}
        self._conflicts: dict[str, list[PluginInfo]] = {}
        self.offered_encodings: list[EncodingEntry] = []
        """Every `register_encodings` call that succeeded, contested ones included, in order."""
        self.offered_models: list[tuple[PluginInfo, str, str, bool]] = []
        """(plugin, model, encoding, prefix) for every `register_models` call, once collected."""
        self._models: dict[str, str] | None = None
        self._prefixes: dict[str, str] = {}
        self._prices: dict[str, PriceEntry] | None = None
        self._built: dict[str, Encoding] = {}
        self._lock = threading.Lock()
        self._collect_encodings()

    def _collect_encodings(self) -> None:
        def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
            def register(spec: EncodingSpec) -> Callable[[], None]:
                if not isinstance(spec, EncodingSpec):
                    raise TypeError(f"register() takes an EncodingSpec, not {type(spec).__name__}")
                return functools.partial(self._add_encoding, EncodingEntry(spec, info))

            return staged(register)

        self.call_each("register_encodings", begin)
        for name in sorted(self._conflicts):
            if strict():
                raise PluginConflictError(self._conflict_message(name))
            warnings.warn(self._conflict_message(name), PluginWarning, stacklevel=3)

    def _add_encoding(self, entry: EncodingEntry) -> None:
        self.offered_encodings.append(entry)
        for name in entry.spec.names:
            if name in self._conflicts:
                self._conflicts[name].append(entry.plugin)
            elif name in self._encodings:
                self._conflicts[name] = [self._encodings.pop(name).plugin, entry.plugin]
            else:
                self._encodings[name] = entry

    def _conflict_message(self, name: str) -> str:
        owners = " and ".join(info.label for info in self._conflicts[name])
        return f"encoding name {name!r} is registered by both {owners}; uninstall one of them"

    def encodings(self) -> list[EncodingEntry]:
        """Each encoding that its own name selects, once, in name order.

        An encoding whose name is contested is left out (its uncontested aliases still select
        it); `conflicts()` says which names are contested and by whom.
        """
        own = [entry for name, entry in self._encodings.items() if name == entry.spec.name]
        return sorted(own, key=lambda entry: entry.spec.name)

    def conflicts(self) -> dict[str, list[PluginInfo]]:
        """Each encoding name or alias registered by more than one plugin, and by which."""
        return {name: list(owners) for name, owners in sorted(self._conflicts.items())}

    def engine_notes(self) -> dict[str, list[tuple[str, str]]]:
        """Per plugin name, the (encoding, note) pairs its `describe_engine` gave for each
        registered encoding; a plugin that raises is reported like any failing hook."""
        notes: dict[str, list[tuple[str, str]]] = {}
        impls = self.pm.hook.describe_engine.get_hookimpls()
        for entry in self.encodings():
            for impl in reversed(impls):
                try:
                    note = impl.function(**{name: entry.spec for name in impl.argnames})
                except (Exception, SystemExit) as exc:
                    if strict():
                        raise
                    self._fail(self.plugins[impl.plugin_name], "raised in describe_engine", exc)
                    continue
                if note:
                    notes.setdefault(impl.plugin_name, []).append((entry.spec.name, str(note)))
        return notes

    def lookup(self, name: str) -> EncodingEntry:
        if name in self._conflicts:
            raise PluginConflictError(self._conflict_message(name))
        try:
            return self._encodings[name]
        except KeyError:
            raise UnknownEncodingError(self._unknown_encoding_message(name)) from None

    def get_encoding(self, name: str) -> Encoding:
        entry = self.lookup(name)
        with self._lock:
            built = self._built.get(entry.spec.name)
            if built is None:
                built = self.build(entry.spec, entry.plugin)
                self._built[entry.spec.name] = built
        return built

    def build(self, spec: EncodingSpec, owner: PluginInfo | None = None) -> Encoding:
        """An `Encoding` for `spec`, with the scanner and engine the plugins offer for it;
        `owner` is the plugin blamed for a spec that cannot be built (core for one made in
        memory, such as `compat.Encoding(...)`)."""
        owner = owner or self.core
        return Encoding(
            spec,
            make_scanner=functools.partial(self._make_scanner, owner),
            make_bpe=functools.partial(self._make_bpe, owner),
            distribution=owner.label if owner is not self.core else "",
            plugin=owner.name if owner is not self.core else "",
        )

    def _make_scanner(self, owner: PluginInfo, spec: EncodingSpec) -> Scanner:
        scanner, _ = self.first_result("make_scanner", _not_scanner, owner, spec=spec)
        return cast("Scanner", scanner)

    def _make_bpe(self, owner: PluginInfo, spec: EncodingSpec, ranks: Ranks) -> BPEEngine:
        """The first engine offered. One that a plugin (not core) made has its results checked
        (`CheckedEngine`), so that an impossible count is an error naming it, never printed;
        one that fails a first small check is not used: core's engine is, with a warning."""
        engine, maker = self.first_result("make_bpe", _not_engine, owner, spec=spec, ranks=ranks)
        if maker is self.core:
            return cast("BPEEngine", engine)
        checked = CheckedEngine(engine, f"plugin {maker.name!r} ({maker.label})", spec)
        problem = checked.problem()
        if problem is None:
            return checked
        self._refuse(
            maker,
            f"made an engine (make_bpe) for encoding {spec.name!r} that core does not use: "
            f"{problem}; core's engine counts instead",
            f"make_bpe for {spec.name!r} not used: {problem}",
            PluginError,
        )
        return core_plugin.make_bpe(spec, ranks)

    def _unknown_encoding_message(self, name: str) -> str:
        installed = ", ".join(entry.spec.name for entry in self.encodings())
        close = did_you_mean(name, self._encodings)
        if close:
            return f"unknown encoding {name!r} (installed: {installed or 'none'}); {close}"
        if self.skipped:  # a plugin left out may be the one that provides it
            return f"unknown encoding {name!r} (loaded: {installed or 'none'}); {self._left_out()}"
        dist = distribution_for(name)
        if not installed:
            also = "" if dist in (None, DEFAULT_DISTRIBUTION) else f" (or {DEFAULT_DISTRIBUTION})"
            return f"unknown encoding {name!r}: {self.no_encoding_message(dist or '')}{also}"
        if dist is None:
            return f"unknown encoding {name!r} (installed: {installed})"
        return (
            f"unknown encoding {name!r} (installed: {installed}); "
            f"if a plugin provides it, pip install {dist}"
        )

    def no_encoding_message(self, dist: str = "") -> str:
        """What to say when no encoding is registered: what to install, or, when plugins were
        left out by LLM_COST_LOAD_PLUGINS or LLM_COST_DISABLE_PLUGINS, that they were."""
        if self.skipped:
            return f"no encoding is loaded; {self._left_out()}"
        return f"no encoding plugin is installed; pip install {dist or DEFAULT_DISTRIBUTION}"

    def _left_out(self) -> str:
        labels = ", ".join(info.label for info in self.skipped)
        # each one's error is "not loaded: VARIABLE" (see _selected)
        variables = sorted({(info.error or "").rpartition(" ")[2] for info in self.skipped})
        return f"installed but not loaded: {labels}, left out by {' and '.join(variables)}"

    def add_commands(self, group: click.Group) -> None:
        """Let every plugin add its commands to `group` (`register_commands`), all or nothing.

        A command whose name `group` already has, core's or an earlier plugin's, is not
        replaced (nor removed): the first stays, and a warning names both distributions. Done
        once per registry: the group goes back to the commands it had before any registry added
        to it, so that a new registry (as tests make) does not inherit the last one's.
        """
        if _commands_added_by.get(group) is self:
            return
        base = _base_commands.setdefault(group, dict(group.commands))
        group.commands.clear()
        group.commands.update(base)
        owners = dict.fromkeys(base, self.core)

        def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
            before = dict(group.commands)

            def finish(ok: bool) -> None:
                after = dict(group.commands)
                group.commands.clear()
                group.commands.update(before)
                if not ok:
                    return
                for name, command in after.items():
                    if name not in before:
                        group.commands[name] = command
                        owners[name] = info
                    elif command is not before[name]:
                        self._refuse(
                            info,
                            f"adds command {name!r}, which {owners[name].label} already "
                            f"provides; {owners[name].distribution}'s is kept",
                            f"command {name!r} not added: {owners[name].label} provides it",
                        )
                for name in before.keys() - after.keys():
                    self._refuse(
                        info,
                        f"removes command {name!r} of {owners[name].label}; it is kept",
                        f"command {name!r} of {owners[name].label} not removed",
                    )

            return {"cli": group}, finish

        self.call_each("register_commands", begin)
        _commands_added_by[group] = self

    def _collect_models(self) -> dict[str, str]:
        if self._models is None:
            models: dict[str, str] = {}

            def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
                def register(model: str, encoding: str, prefix: bool = False) -> Callable[[], None]:
                    check_name("model", model)
                    check_name("encoding", encoding)
                    if not isinstance(prefix, bool):
                        raise TypeError(f"prefix must be True or False, not {short_repr(prefix)}")

                    def apply() -> None:
                        (self._prefixes if prefix else models)[model] = encoding
                        self.offered_models.append((info, model, encoding, prefix))

                    return apply

                return staged(register)

            self.call_each("register_models", begin)
            self._models = models
        return self._models

    def models(self) -> dict[str, str]:
        """Exact model names to encoding names."""
        return dict(self._collect_models())

    def model_prefixes(self) -> dict[str, str]:
        self._collect_models()
        return dict(self._prefixes)

    def model_encoding(self, model: str) -> str | None:
        """The encoding a plugin maps `model` to: its exact name's, else its longest prefix's;
        None when no plugin maps it (models.resolve then asks the prices)."""
        models = self._collect_models()
        if model in models:
            return models[model]
        matches = [prefix for prefix in self._prefixes if model.startswith(prefix)]
        return self._prefixes[max(matches, key=len)] if matches else None

    def _collect_prices(self) -> dict[str, PriceEntry]:
        if self._prices is None:
            from llm_cost_core.prices.prices import ModelPrice, PriceEntry

            prices: dict[str, PriceEntry] = {}

            def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
                def register(price: ModelPrice) -> Callable[[], None]:
                    if not isinstance(price, ModelPrice):
                        kind = type(price).__name__
                        raise TypeError(f"register() takes a ModelPrice, not {kind}")
                    return functools.partial(
                        prices.__setitem__, price.model, PriceEntry(price, info.label)
                    )

                return staged(register)

            self.call_each("register_prices", begin)
            self._prices = prices
        return self._prices

    def prices(self) -> dict[str, PriceEntry]:
        """Every registered price by model name, with the plugin it came from."""
        return dict(self._collect_prices())


def _not_scanner(result: Any) -> str | None:
    return None if callable(result) else "a scanner is a callable that takes a str"


def _not_engine(result: Any) -> str | None:
    if callable(getattr(result, "encode", None)) and callable(getattr(result, "count", None)):
        return None
    return "an engine has encode(pieces) and count(pieces) methods"


def distribution_for(encoding: str) -> str | None:
    """The distribution that would bring `encoding`, named as first-party plugins are
    (`o200k_base` -> `llm-cost-o200k`); None for a name that is not a valid encoding name, so
    that no install hint is ever built from other text."""
    if ENCODING_NAME.fullmatch(encoding) is None:
        return None
    return "llm-cost-" + encoding.removesuffix("_base").replace("_", "-").lower()


_registry: Registry | None = None
_registry_lock = threading.Lock()
_base_commands: weakref.WeakKeyDictionary[click.Group, dict[str, click.Command]] = (
    weakref.WeakKeyDictionary()
)
"""Each group's own commands, before any registry added plugins' to it."""
_commands_added_by: weakref.WeakKeyDictionary[click.Group, Registry] = weakref.WeakKeyDictionary()
"""The registry whose plugins' commands each group holds."""


def registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = Registry()
    return _registry


def reset_registry(new: Registry | None = None) -> None:
    """Forget the registry (tests install plugins at run time), or use `new` instead."""
    global _registry
    with _registry_lock:
        _registry = new
