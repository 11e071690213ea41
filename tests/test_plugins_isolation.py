"""A plugin's registrations are all or nothing, and no plugin replaces another's command.

A hook implementation that raises part-way registers nothing from that call (one warning names
the distribution); a command whose name core or an earlier plugin already uses is not added,
with a warning naming both distributions, and `llm-cost plugins` lists it.
"""

from __future__ import annotations

import warnings

import click
import pytest
from fakedist import entry_points_in, env_with, plugin_site, run_llm_cost, toy, write_plugin

import llm_cost_core as lc
from llm_cost_core.cli.commands.plugins import describe
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry


@pytest.fixture
def site(tmp_path, monkeypatch):
    yield from plugin_site(tmp_path, monkeypatch, "iso_")


def load(site) -> tuple[Registry, list[str]]:
    """A registry of the plugins in `site`, and the warnings building it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = Registry(entry_points_in(site))
    return reg, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


# -- all or nothing ---------------------------------------------------------------------------

HALF_ENCODINGS = """
import llm_cost_core as lc

def spec(name):
    return lc.EncodingSpec(
        name=name, pattern=r"\\S+|\\s+", special_tokens={}, n_vocab=256,
        load_ranks=lambda: {bytes([b]): b for b in range(256)}, vocab_sha256="0" * 64,
    )

@lc.hookimpl
def register_encodings(register):
    register(spec("half-first"))
    register(spec("half-second"))
    raise RuntimeError("gave up after two")
"""

HALF_MODELS = """
import llm_cost_core as lc

@lc.hookimpl
def register_models(register):
    register("half-model", "whole")
    register("half-", "whole", prefix=True)
    register("half-bad")  # a TypeError, after two good calls
"""

HALF_PRICES = """
import llm_cost_core as lc
from llm_cost_core.prices.prices import ModelPrice

@lc.hookimpl
def register_prices(register):
    register(ModelPrice("half-priced", "whole", input="1", output="2", source="test"))
    register("not a price")
"""


def test_encodings_registered_before_a_raise_are_dropped(site):
    write_plugin(site, "llm-cost-half", "iso_half", HALF_ENCODINGS, version="0.2")
    write_plugin(site, "llm-cost-whole", "iso_whole", toy("whole"))
    reg, caught = load(site)
    assert caught == [
        "plugin 'iso_half' (llm-cost-half 0.2) raised in register_encodings and is skipped: "
        "RuntimeError: gave up after two"
    ]
    assert [entry.spec.name for entry in reg.encodings()] == ["whole"]
    assert [entry.plugin.name for entry in reg.offered_encodings] == ["iso_whole"]
    with pytest.raises(lc.UnknownEncodingError):
        reg.lookup("half-first")
    assert reg.get_encoding("whole").count("a b") == 3  # the other plugin is untouched


def test_models_registered_before_a_raise_are_dropped(site):
    write_plugin(site, "llm-cost-half", "iso_half", HALF_MODELS)
    write_plugin(site, "llm-cost-whole", "iso_whole", toy("whole"))
    reg, _ = load(site)
    with pytest.warns(
        PluginWarning, match=r"'iso_half' \(llm-cost-half 1.0\) raised in register_m"
    ):
        models = reg.models()
    assert "half-model" not in models
    assert "half-" not in reg.model_prefixes()
    assert models["whole-model"] == "whole"
    assert [who.name for who, *_ in reg.offered_models] == ["iso_whole", "iso_whole"]
    assert reg.model_encoding("half-model") is None


def test_prices_registered_before_a_raise_are_dropped(site):
    write_plugin(site, "llm-cost-half", "iso_half", HALF_PRICES)
    reg, _ = load(site)
    with pytest.warns(
        PluginWarning, match=r"'iso_half' \(llm-cost-half 1.0\) raised in register_p"
    ):
        prices = reg.prices()
    assert "half-priced" not in prices
    assert prices  # core's own prices are all there


def test_strict_mode_still_raises_and_registers_nothing(site, monkeypatch):
    write_plugin(site, "llm-cost-half", "iso_half", HALF_ENCODINGS)
    monkeypatch.setenv("LLM_COST_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="gave up after two"):
        Registry(entry_points_in(site))


# -- commands ---------------------------------------------------------------------------------

COMMANDS = """
import click
import llm_cost_core as lc

@lc.hookimpl
def register_commands(cli):
    for name in {names!r}:
        @cli.command(name=name)
        def command(name=name):
            click.echo({who!r} + " " + name)
    {then}
"""


def commands(who: str, *names: str, then: str = "pass") -> str:
    """A plugin adding a command per name that prints `who name`, then running `then`."""
    return COMMANDS.format(names=names, who=who, then=then)


def group_and_owner() -> tuple[click.Group, click.Command]:
    """A command line like core's: a group with its own `count` and core's `parity` before any
    plugin adds to it."""
    from llm_cost_core.cli.commands import parity

    @click.group()
    def group() -> None:
        pass

    @group.command()
    def count() -> None:
        click.echo("core count")

    group.add_command(parity.command)
    return group, count


def add_commands(reg: Registry, group: click.Group) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg.add_commands(group)
    return [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def test_a_plugin_cannot_replace_a_core_command(site):
    write_plugin(
        site, "llm-cost-hijack", "iso_hijack", commands("hijack", "count", "parity", "own")
    )
    reg, _ = load(site)
    group, count = group_and_owner()
    parity = group.commands["parity"]
    caught = add_commands(reg, group)
    core = reg.core.label
    assert caught == [
        f"plugin 'iso_hijack' (llm-cost-hijack 1.0) adds command 'count', which {core} already "
        "provides; llm-cost-core's is kept",
        f"plugin 'iso_hijack' (llm-cost-hijack 1.0) adds command 'parity', which {core} "
        "already provides; llm-cost-core's is kept",
    ]
    assert group.commands["count"] is count
    assert group.commands["parity"] is parity
    assert "own" in group.commands  # the plugin's other command is added
    errors = [failure.error for failure in reg.failures if failure.name == "iso_hijack"]
    assert errors == [
        f"command 'count' not added: {core} provides it",
        f"command 'parity' not added: {core} provides it",
    ]


def test_the_first_plugin_keeps_a_contested_command(site):
    write_plugin(site, "llm-cost-first", "iso_a_first", commands("first", "hello"))
    write_plugin(site, "llm-cost-second", "iso_b_second", commands("second", "hello"))
    reg, _ = load(site)
    order = [name for name in reg.plugins if name.startswith("iso_")]
    first, second = (reg.plugins[name] for name in order)
    group, _ = group_and_owner()
    caught = add_commands(reg, group)
    assert caught == [
        f"plugin {second.name!r} ({second.label}) adds command 'hello', which {first.label} "
        f"already provides; {first.distribution}'s is kept"
    ]
    assert group.commands["hello"].callback.__module__ == first.name


def test_a_plugin_cannot_remove_a_command(site):
    write_plugin(site, "llm-cost-rm", "iso_rm", commands("rm", then="del cli.commands['count']"))
    reg, _ = load(site)
    group, count = group_and_owner()
    caught = add_commands(reg, group)
    assert caught == [
        f"plugin 'iso_rm' (llm-cost-rm 1.0) removes command 'count' of {reg.core.label}; it is kept"
    ]
    assert group.commands["count"] is count


def test_commands_added_before_a_raise_are_dropped(site):
    write_plugin(
        site, "llm-cost-half", "iso_half", commands("half", "half-a", then="raise OSError('no')")
    )
    reg, _ = load(site)
    group, _ = group_and_owner()
    caught = add_commands(reg, group)
    assert caught == [
        "plugin 'iso_half' (llm-cost-half 1.0) raised in register_commands and is skipped: "
        "OSError: no"
    ]
    assert "half-a" not in group.commands
    assert "parity" in group.commands  # core's are all there


def test_commands_are_added_once_per_registry_and_a_new_one_starts_clean(site):
    write_plugin(site, "llm-cost-own", "iso_own", commands("own", "mine"))
    reg, _ = load(site)
    group, count = group_and_owner()
    assert add_commands(reg, group) == []
    mine = group.commands["mine"]
    assert add_commands(reg, group) == []  # again: no warning about its own commands
    assert group.commands["mine"] is mine
    assert [f.error for f in reg.failures] == []
    fresh = Registry([])
    assert add_commands(fresh, group) == []
    assert "mine" not in group.commands  # the earlier registry's plugin is not inherited
    assert group.commands["count"] is count


def test_strict_mode_makes_a_command_clash_an_error(site, monkeypatch):
    write_plugin(site, "llm-cost-hijack", "iso_hijack", commands("hijack", "count"))
    reg, _ = load(site)
    monkeypatch.setenv("LLM_COST_STRICT_PLUGINS", "1")
    group, count = group_and_owner()
    with pytest.raises(lc.PluginConflictError, match="adds command 'count'"):
        reg.add_commands(group)
    assert group.commands["count"] is count


def test_what_a_user_sees(site):
    """Fresh processes of the installed command: core's count wins, failures are listed."""
    write_plugin(site, "llm-cost-hijack", "iso_hijack", commands("hijack", "count", "extra"))
    write_plugin(
        site, "llm-cost-half", "iso_half", commands("half", "half-a", then="raise OSError('no')")
    )
    env = env_with(site)
    counted = run_llm_cost("count", "--text", "a b", env=env)
    plain = run_llm_cost("count", "--text", "a b", env=env_with(site / "empty"))
    assert (counted.returncode, counted.stdout) == (0, plain.stdout), counted.stderr
    assert plain.stdout.strip().isdigit()
    assert "Traceback" not in counted.stderr
    assert sorted(counted.stderr.splitlines()) == [
        "llm-cost: warning: plugin 'iso_half' (llm-cost-half 1.0) raised in register_commands "
        "and is skipped: OSError: no",
        f"llm-cost: warning: plugin 'iso_hijack' (llm-cost-hijack 1.0) adds command 'count', "
        f"which llm-cost-core {lc.__version__} already provides; llm-cost-core's is kept",
    ]
    extra = run_llm_cost("extra", env=env)
    assert (extra.returncode, extra.stdout) == (0, "hijack extra\n"), extra.stderr
    half = run_llm_cost("half-a", env=env)  # not a command: a file to count, which is missing
    assert half.returncode == 1
    assert "half-a" in half.stderr.splitlines()[-1]
    listed = run_llm_cost("plugins", env=env)
    assert listed.returncode == 0, listed.stderr
    assert (
        "llm-cost-half 1.0 (plugin iso_half)\n"
        "  hooks      register_commands\n"
        "  error      raised in register_commands: OSError: no\n"
    ) in listed.stdout
    assert (
        "llm-cost-hijack 1.0 (plugin iso_hijack)\n"
        "  hooks      register_commands\n"
        f"  error      command 'count' not added: llm-cost-core {lc.__version__} provides it\n"
    ) in listed.stdout


def test_describe_lists_a_half_registered_plugin_as_loaded_with_its_error(site):
    write_plugin(site, "llm-cost-half", "iso_half", HALF_ENCODINGS)
    reg, _ = load(site)
    (row,) = [row for row in describe(reg)["plugins"] if row["name"] == "iso_half"]
    assert row["status"] == "loaded"
    assert row["encodings"] == []
    assert row["errors"] == ["raised in register_encodings: RuntimeError: gave up after two"]
