"""Loading plugins, and calling their code so that a broken plugin is skipped, never fatal.

`PluginHost` finds the installed plugins (entry points in the `llm_cost` group, chosen by
LLM_COST_LOAD_PLUGINS and LLM_COST_DISABLE_PLUGINS), loads each one on its own, and calls hook
implementations one at a time: what a plugin registers is applied only when its hook returned
(`staged`), and anything it raises, BaseException included, is isolated with a warning naming
it, except the user's own Ctrl-C. `Registry` (registry.py) builds on it.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import attrs
import pluggy

from llm_cost_core._env import flag, names
from llm_cost_core._text import exception_line
from llm_cost_core._version import __version__
from llm_cost_core.errors import PluginConflictError, PluginError
from llm_cost_core.host import core_plugin, hookspecs

CORE_DISTRIBUTION = "llm-cost-core"
LOAD_ENV = "LLM_COST_LOAD_PLUGINS"
"""Comma-separated plugin or distribution names: load only these (core's own plugin always)."""
DISABLE_ENV = "LLM_COST_DISABLE_PLUGINS"
"""Comma-separated plugin or distribution names: load every plugin but these."""
STRICT_ENV = "LLM_COST_STRICT_PLUGINS"

Finish = Callable[[bool], None]


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


def strict() -> bool:
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
        return not (isinstance(exc, KeyboardInterrupt) and self.seen) and not strict()


def canonical(name: str) -> str:
    """A plugin or distribution name as selection compares it: `LLM_Cost.cl100k` is
    `llm-cost-cl100k` (PEP 503 normalization)."""
    return re.sub(r"[-_.]+", "-", name).lower()


class PluginHost:
    """The plugin manager, the plugins it loaded, and those that failed or were left out."""

    def __init__(self, entry_points_: Iterator[EntryPoint] | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self.failures: list[PluginInfo] = []
        self.skipped: list[PluginInfo] = []
        """Installed plugins left out by LLM_COST_LOAD_PLUGINS or LLM_COST_DISABLE_PLUGINS."""
        self.core = PluginInfo("llm_cost_core", CORE_DISTRIBUTION, __version__)
        self._register(core_plugin, self.core)
        found = entry_points(group=hookspecs.PROJECT) if entry_points_ is None else entry_points_
        for ep in self._selected(found):
            self._load_entry_point(ep)

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
        for impl in sorted(impls, key=lambda impl: impl.plugin is not core_plugin):
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
                if impl.plugin is core_plugin:
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
                    f"returned {short_repr(result)} from {hook_name}, which is skipped: {refused}",
                    f"{hook_name} returned {short_repr(result)}: {refused}",
                    PluginError,
                )
                continue
            if result is not None:
                return result, info
        raise LookupError(f"no plugin implements {hook_name}")  # core's defaults always do

    def hooks(self, plugin_name: str) -> list[str]:
        """The hooks a loaded plugin implements, sorted."""
        plugin = self.pm.get_plugin(plugin_name)
        return sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or [])

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
        if strict():
            raise strict_error(message)
        self.failures.append(attrs.evolve(info, error=error))
        warnings.warn(message, PluginWarning, stacklevel=4)


def short_repr(value: object) -> str:
    text = object.__repr__(value) if not isinstance(value, int | float | str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
