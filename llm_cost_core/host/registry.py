"""Finding plugins, loading each safely, and the registry of what they provide."""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
import warnings
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, cast

import attrs
import pluggy

from llm_cost_core._env import flag, names
from llm_cost_core._text import did_you_mean, exception_line
from llm_cost_core._version import __version__
from llm_cost_core.engine.bpe import BPEEngine
from llm_cost_core.engine.checks import CheckedEngine
from llm_cost_core.engine.encoding import Encoding
from llm_cost_core.engine.scanner import Scanner
from llm_cost_core.engine.spec import ENCODING_NAME, EncodingSpec, Ranks, check_name
from llm_cost_core.errors import PluginConflictError, PluginError, UnknownEncodingError
from llm_cost_core.host import core_plugin as _defaults
from llm_cost_core.host import hookspecs

if TYPE_CHECKING:
    import click

    from llm_cost_core.prices.prices import PriceEntry

CORE_DISTRIBUTION = "llm-cost-core"
LOAD_ENV = "LLM_COST_LOAD_PLUGINS"
"""Comma-separated plugin or distribution names: load only these (core's own plugin always)."""
DISABLE_ENV = "LLM_COST_DISABLE_PLUGINS"
"""Comma-separated plugin or distribution names: load every plugin but these."""
STRICT_ENV = "LLM_COST_STRICT_PLUGINS"
DEFAULT_DISTRIBUTION = "llm-cost-o200k"
"""What to install when nothing is: the GPT-4o family's encoding, the command's default."""

Finish = Callable[[bool], None]
"""Ends one implementation's call: True when it returned (apply what it registered), False when
it raised (drop it)."""


class PluginWarning(UserWarning):
    """A plugin failed to load or a hook of it raised; the other plugins go on working."""


@attrs.frozen
class PluginInfo:
    """One loaded (or failed) plugin and the distribution it came from."""

    name: str
    distribution: str
    version: str
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.distribution} {self.version}".strip()


def staged(register: Callable[..., Callable[[], None]]) -> tuple[dict[str, Any], Finish]:
    """The `register` argument of one registration call, and its `Finish`.

    `register(*args)` checks its arguments and returns what applying them does; that runs only
    once the implementation has returned, so a plugin that raises part-way registers nothing.
    """
    pending: list[Callable[[], None]] = []

    def call(*args: Any, **kwargs: Any) -> None:
        pending.append(register(*args, **kwargs))

    def finish(ok: bool) -> None:
        if ok:
            for apply in pending:
                apply()

    return {"register": call}, finish


@attrs.frozen
class EncodingEntry:
    """An encoding spec and the plugin that registered it."""

    spec: EncodingSpec
    plugin: PluginInfo


def _strict() -> bool:
    return flag(STRICT_ENV)


class _CtrlC:
    """Whether a real Ctrl-C arrived while plugin code ran.

    A plugin may raise KeyboardInterrupt itself (or any BaseException): that is a broken
    plugin, to be skipped like any other. A Ctrl-C is the user's, and must still stop the
    command. Python raises KeyboardInterrupt from its SIGINT handler, so while plugin code runs
    that handler is wrapped to note the signal first. Outside the main thread no signal handler
    runs, so a KeyboardInterrupt there is always the plugin's own.
    """

    def __init__(self) -> None:
        self.seen = False

    @contextlib.contextmanager
    def watching(self) -> Generator[_CtrlC, None, None]:
        handler = None
        if threading.current_thread() is threading.main_thread():
            handler = signal.getsignal(signal.SIGINT)
        if not callable(handler):  # SIG_IGN, SIG_DFL, or not ours to wrap
            yield self
            return

        def noting(signum: int, frame: Any) -> Any:
            self.seen = True
            return handler(signum, frame)

        signal.signal(signal.SIGINT, noting)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, handler)

    def plugins_fault(self, exc: BaseException) -> bool:
        """True when `exc`, raised by plugin code, is the plugin's failure (to isolate), not
        the user's Ctrl-C (to let through)."""
        return not (isinstance(exc, KeyboardInterrupt) and self.seen) and not _strict()


def canonical(name: str) -> str:
    """A plugin or distribution name as selection compares it: `LLM_Cost.cl100k` is
    `llm-cost-cl100k` (PEP 503 normalization)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Registry:
    """The plugin manager and everything the plugins registered, built once per process."""

    def __init__(self, entry_points_: Iterator[EntryPoint] | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginInfo] = []
        self.skipped: list[PluginInfo] = []
        """Installed plugins left out by LLM_COST_LOAD_PLUGINS or LLM_COST_DISABLE_PLUGINS."""
        self.core = PluginInfo("llm_cost_core", CORE_DISTRIBUTION, __version__)
        self._register(_defaults, self.core)
        found = entry_points(group=hookspecs.PROJECT) if entry_points_ is None else entry_points_
        for ep in self._selected(found):
            self._load_entry_point(ep)
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

    # -- loading -----------------------------------------------------------------------------

    @staticmethod
    def _info(ep: EntryPoint) -> PluginInfo:
        dist = (ep.dist.metadata["Name"] or ep.dist.name or ep.value) if ep.dist else ep.value
        return PluginInfo(ep.name, dist, (ep.dist.version or "") if ep.dist else "")

    def _selected(self, found: Iterable[EntryPoint]) -> Iterator[EntryPoint]:
        """The entry points LLM_COST_LOAD_PLUGINS and LLM_COST_DISABLE_PLUGINS leave in, unloaded
        until taken, so that a plugin that breaks at import can be switched off."""
        only, disabled = names(LOAD_ENV), names(DISABLE_ENV) or frozenset()
        only = None if only is None else frozenset(map(canonical, only))
        disabled = frozenset(map(canonical, disabled))
        core = {canonical(name) for name in (CORE_DISTRIBUTION, *self.plugins)}
        seen = set(core)
        for ep in found:
            info = self._info(ep)
            keys = {canonical(info.name), canonical(info.distribution)}
            seen |= keys
            if keys & disabled:
                self.skipped.append(attrs.evolve(info, error=f"not loaded: {DISABLE_ENV}"))
            elif only is not None and not keys & only:
                self.skipped.append(attrs.evolve(info, error=f"not loaded: {LOAD_ENV}"))
            else:
                yield ep
        for variable, wanted in ((LOAD_ENV, only or frozenset()), (DISABLE_ENV, disabled)):
            if unknown := sorted(wanted - seen):
                warnings.warn(
                    f"{variable} names {', '.join(unknown)}, which is not an installed plugin",
                    PluginWarning,
                    stacklevel=3,
                )
        if cannot := sorted(disabled & core):
            warnings.warn(
                f"{DISABLE_ENV}: core's own plugin ({', '.join(cannot)}) is always loaded",
                PluginWarning,
                stacklevel=3,
            )

    def _load_entry_point(self, ep: EntryPoint) -> None:
        info = self._info(ep)
        if self.pm.has_plugin(info.name):  # two distributions chose one entry-point name
            info = attrs.evolve(info, name=f"{info.name}[{info.distribution}]")
        ctrl_c = _CtrlC()
        try:
            with ctrl_c.watching():
                plugin = ep.load()
            self._register(plugin, info)
        except BaseException as exc:  # sys.exit(), KeyboardInterrupt, ...: a broken plugin
            if not ctrl_c.plugins_fault(exc):
                raise
            self._fail(info, "failed to load", exc)

    def _register(self, plugin: object, info: PluginInfo) -> None:
        self.pm.register(plugin, name=info.name)
        try:
            self.pm.check_pending()
            wrappers = [
                caller.name
                for caller in self.pm.get_hookcallers(plugin) or []
                for impl in caller.get_hookimpls()
                if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper)
            ]
            if wrappers:
                # call_each and first_result call each implementation on its own, so a wrapper
                # would be taken for a plain function and its generator for a result.
                raise TypeError(
                    f"hook wrappers (wrapper=True, hookwrapper=True) are not supported: "
                    f"{', '.join(sorted(wrappers))}"
                )
        except Exception:
            self.pm.unregister(name=info.name)
            raise
        self.plugins[info.name] = info

    def _fail(self, info: PluginInfo, what: str, exc: BaseException) -> None:
        reason = exception_line(exc)
        failed = attrs.evolve(info, error=f"{what}: {reason}")
        self.failures.append(failed)
        warnings.warn(
            f"plugin {info.name!r} ({info.label}) {what} and is skipped: {reason}",
            PluginWarning,
            stacklevel=2,
        )

    def call_each(
        self, hook_name: str, begin: Callable[[PluginInfo], tuple[dict[str, Any], Finish]]
    ) -> None:
        """Call every implementation of a registration hook, each one all or nothing.

        `begin(plugin)` gives the arguments for one plugin's implementation, so that what it
        registers can be traced back to it, and the `Finish` that applies what it registered
        when it returned, or drops it when it raised: a half-registered plugin would work in
        part and be reported as broken. Core's own plugin goes first, whatever the others'
        `tryfirst`/`trylast`, so that its commands and prices are there before any plugin's.
        """
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        for impl in sorted(impls, key=lambda impl: impl.plugin is not _defaults):
            info = self.plugins[impl.plugin_name]
            kwargs, finish = begin(info)
            ctrl_c = _CtrlC()
            try:
                with ctrl_c.watching():
                    impl.function(**{name: kwargs[name] for name in impl.argnames})
            except BaseException as exc:
                finish(False)
                if not ctrl_c.plugins_fault(exc):
                    raise
                self._fail(info, f"raised in {hook_name}", exc)
            else:
                finish(True)

    def first_result(
        self,
        hook_name: str,
        accepts: Callable[[Any], str | None],
        spec_owner: PluginInfo,
        **kwargs: Any,
    ) -> tuple[Any, PluginInfo]:
        """A firstresult hook, in pluggy's call order, and the plugin whose result it is.

        An implementation that raises, or whose result `accepts(result)` refuses (it says why),
        is skipped with a warning naming it. Core's own defaults come last and only use the
        spec, so when one of them fails the spec is at fault: a PluginError names `spec_owner`,
        the plugin that registered it.
        """
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            info = self.plugins[impl.plugin_name]
            ctrl_c = _CtrlC()
            try:
                with ctrl_c.watching():
                    result = impl.function(**{name: kwargs[name] for name in impl.argnames})
                refused = None if result is None else accepts(result)
            except BaseException as exc:
                if not ctrl_c.plugins_fault(exc):
                    raise
                if impl.plugin is _defaults:
                    why = str(exc) if type(exc) is ValueError else exception_line(exc)
                    raise PluginError(
                        f"encoding {kwargs['spec'].name!r} of plugin {spec_owner.name!r} "
                        f"({spec_owner.label}) cannot be built: {why}"
                    ) from None
                self._fail(info, f"raised in {hook_name}", exc)
                continue
            if refused is not None:
                self._refuse(
                    info,
                    f"returned {_short_repr(result)} from {hook_name}, which is skipped: {refused}",
                    f"{hook_name} returned {_short_repr(result)}: {refused}",
                    PluginError,
                )
                continue
            if result is not None:
                return result, info
        raise LookupError(f"no plugin implements {hook_name}")  # core's defaults always do

    # -- encodings ---------------------------------------------------------------------------

    def _collect_encodings(self) -> None:
        def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
            def register(spec: EncodingSpec) -> Callable[[], None]:
                if not isinstance(spec, EncodingSpec):
                    raise TypeError(f"register() takes an EncodingSpec, not {type(spec).__name__}")
                return functools.partial(self._add_encoding, EncodingEntry(spec, info))

            return staged(register)

        self.call_each("register_encodings", begin)
        for name in sorted(self._conflicts):
            if _strict():
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
                    if _strict():
                        raise
                    self._fail(self.plugins[impl.plugin_name], "raised in describe_engine", exc)
                    continue
                if note:
                    notes.setdefault(impl.plugin_name, []).append((entry.spec.name, str(note)))
        return notes

    def hooks(self, plugin_name: str) -> list[str]:
        """The hooks a loaded plugin implements, sorted."""
        plugin = self.pm.get_plugin(plugin_name)
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

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
        return _defaults.make_bpe(spec, ranks)

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

    # -- commands ----------------------------------------------------------------------------

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

    def _refuse(
        self,
        info: PluginInfo,
        warning: str,
        error: str,
        strict_error: type[PluginError] = PluginConflictError,
    ) -> None:
        """Report a change a plugin made, or a result it gave, that was undone or skipped
        (listed by `llm-cost plugins`)."""
        message = f"plugin {info.name!r} ({info.label}) {warning}"
        if _strict():
            raise strict_error(message)
        self.failures.append(attrs.evolve(info, error=error))
        warnings.warn(message, PluginWarning, stacklevel=4)

    # -- models ------------------------------------------------------------------------------

    def _collect_models(self) -> dict[str, str]:
        if self._models is None:
            models: dict[str, str] = {}

            def begin(info: PluginInfo) -> tuple[dict[str, Any], Finish]:
                def register(model: str, encoding: str, prefix: bool = False) -> Callable[[], None]:
                    check_name("model", model)
                    check_name("encoding", encoding)
                    if not isinstance(prefix, bool):
                        raise TypeError(f"prefix must be True or False, not {_short_repr(prefix)}")

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

    # -- prices ------------------------------------------------------------------------------

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


def _short_repr(value: object) -> str:
    text = object.__repr__(value) if not isinstance(value, int | float | str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
