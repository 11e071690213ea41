"""The registry's plugin selection (LLM_COST_LOAD_PLUGINS / LLM_COST_DISABLE_PLUGINS), strict
mode's on/off parsing, hook wrappers refused at registration, and conflicts listed consistently."""

from __future__ import annotations

import sys
import warnings

import pytest
from fakedist import entry_points_in, env_with, plugin_site, run_llm_cost, toy, write_plugin

import llm_cost_core as lc
from llm_cost_core import _env
from llm_cost_core.host.loading import DISABLE_ENV, LOAD_ENV, STRICT_ENV, PluginWarning
from llm_cost_core.host.registry import Registry

BROKEN = "raise RuntimeError('broken at import')"


@pytest.fixture
def site(tmp_path, monkeypatch):
    yield from plugin_site(tmp_path, monkeypatch, "sel_")


@pytest.fixture
def three(site):
    """Two good plugins and one that raises at import."""
    write_plugin(site, "llm-cost-alpha", "sel_alpha", toy("alpha"))
    write_plugin(site, "llm-cost-beta", "sel_beta", toy("beta"))
    write_plugin(site, "llm-cost-broken", "sel_broken", BROKEN)
    return entry_points_in(site)


def loaded(registry: Registry) -> list[str]:
    return sorted(name for name in registry.plugins if name != "llm_cost_core")


def test_without_selection_every_plugin_is_tried(three):
    with pytest.warns(PluginWarning, match="sel_broken.*broken at import"):
        registry = Registry(three)
    assert loaded(registry) == ["sel_alpha", "sel_beta"]
    assert [entry.spec.name for entry in registry.encodings()] == ["alpha", "beta"]


@pytest.mark.parametrize("value", ["sel_alpha", "llm-cost-alpha", "LLM_Cost.Alpha", " sel_alpha ,"])
def test_load_only_these_by_plugin_or_distribution_name(three, monkeypatch, value):
    monkeypatch.setenv(LOAD_ENV, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the broken plugin is not even imported
        registry = Registry(three)
    assert loaded(registry) == ["sel_alpha"]
    assert "sel_broken" not in sys.modules
    assert sorted(info.name for info in registry.skipped) == ["sel_beta", "sel_broken"]
    assert all(info.error == f"not loaded: {LOAD_ENV}" for info in registry.skipped)
    assert registry.get_encoding("alpha").count("a b") == 3
    with pytest.raises(lc.UnknownEncodingError):
        registry.get_encoding("beta")


def test_load_set_but_empty_loads_only_core(three, monkeypatch):
    monkeypatch.setenv(LOAD_ENV, "")
    registry = Registry(three)
    assert loaded(registry) == []
    assert "llm_cost_core" in registry.plugins  # core's own plugin is always there
    assert registry.encodings() == []


def test_disable_all_but_these(three, monkeypatch):
    monkeypatch.setenv(DISABLE_ENV, "llm-cost-broken,sel_beta")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry = Registry(three)
    assert loaded(registry) == ["sel_alpha"]
    assert "sel_broken" not in sys.modules
    assert {info.name: info.error for info in registry.skipped} == {
        "sel_beta": f"not loaded: {DISABLE_ENV}",
        "sel_broken": f"not loaded: {DISABLE_ENV}",
    }


def test_disable_wins_over_load(three, monkeypatch):
    monkeypatch.setenv(LOAD_ENV, "sel_alpha,sel_beta")
    monkeypatch.setenv(DISABLE_ENV, "sel_beta")
    assert loaded(Registry(three)) == ["sel_alpha"]


def test_a_name_that_is_not_installed_is_a_warning(three, monkeypatch):
    monkeypatch.setenv(LOAD_ENV, "sel_alpha,llm-cost-nope")
    monkeypatch.setenv(DISABLE_ENV, "sel_gone")
    with pytest.warns(PluginWarning) as caught:
        registry = Registry(three)
    messages = [str(w.message) for w in caught]
    assert f"{LOAD_ENV} names llm-cost-nope, which is not an installed plugin" in messages
    assert f"{DISABLE_ENV} names sel-gone, which is not an installed plugin" in messages
    assert loaded(registry) == ["sel_alpha"]


def test_core_cannot_be_disabled(site, monkeypatch):
    monkeypatch.setenv(DISABLE_ENV, "llm-cost-core")
    with pytest.warns(PluginWarning, match="core's own plugin .* is always loaded"):
        registry = Registry(entry_points_in(site))
    assert "llm_cost_core" in registry.plugins


def test_selection_applies_to_the_installed_command(three, site):
    """The console script reads the variables too: the broken plugin is never imported."""
    done = run_llm_cost("plugins", env=env_with(site, **{DISABLE_ENV: "sel_broken"}))
    assert done.returncode == 0, done.stderr
    assert "llm-cost-broken 1.0 (plugin sel_broken) [not loaded: LLM_COST_DISABLE_PLUGINS]\n" in (
        done.stdout
    )
    assert "broken at import" not in done.stdout + done.stderr


# -- strict mode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "on"),
    [("", False), ("0", False), ("false", False), ("No", False), (" FALSE ", False),
     ("1", True), ("yes", True), ("true", True), ("on", True)],
)  # fmt: skip
def test_strict_uses_the_same_on_off_parsing_as_the_cli(site, monkeypatch, value, on):
    write_plugin(site, "llm-cost-broken", "sel_broken", BROKEN)
    monkeypatch.setenv(STRICT_ENV, value)
    assert _env.flag(STRICT_ENV) is on
    from llm_cost_core.cli import app as cli

    assert cli._flag(STRICT_ENV) is on  # one parser for every on/off variable
    if on:
        with pytest.raises(RuntimeError, match="broken at import"):
            Registry(entry_points_in(site))
    else:
        with pytest.warns(PluginWarning, match="broken at import"):
            Registry(entry_points_in(site))


# -- hook wrappers --------------------------------------------------------------------------------

WRAPPER = """
import llm_cost_core as lc
from llm_cost_core.host.registry import registry

CALLED = []

@lc.hookimpl({marker}=True)
def register_encodings(register):
    CALLED.append("wrapper")
    result = yield
    return result

@lc.hookimpl
def register_models(register):
    CALLED.append("models")
    register("wrapped-model", "alpha")
"""


@pytest.mark.parametrize("marker", ["wrapper", "hookwrapper"])
def test_hook_wrappers_are_refused_at_registration_naming_the_plugin(site, marker):
    write_plugin(site, "llm-cost-alpha", "sel_alpha", toy("alpha"))
    write_plugin(site, "llm-cost-wrapping", "sel_wrapping", WRAPPER.format(marker=marker))
    with pytest.warns(
        PluginWarning,
        match=r"plugin 'sel_wrapping' \(llm-cost-wrapping 1\.0\) failed to load and is skipped: "
        r"TypeError: hook wrappers \(wrapper=True, hookwrapper=True\) are not supported: "
        r"register_encodings",
    ):
        registry = Registry(entry_points_in(site))
    assert "sel_wrapping" not in registry.plugins
    assert [failure.name for failure in registry.failures] == ["sel_wrapping"]
    # none of its hooks runs, the wrapper included, and the other plugin works
    assert "wrapped-model" not in registry.models()
    assert sys.modules["sel_wrapping"].CALLED == []
    assert registry.get_encoding("alpha").count("a b") == 3


# -- conflicts ------------------------------------------------------------------------------------


@pytest.fixture
def contested(site):
    """`same` is claimed by two plugins; one of them also has the uncontested alias `one_only`,
    and a third plugin claims `gamma` while another uses it as an alias."""
    write_plugin(site, "llm-cost-one", "sel_one", toy("same", ("one_only", "gamma")))
    write_plugin(site, "llm-cost-two", "sel_two", toy("same"))
    write_plugin(site, "llm-cost-gamma", "sel_gamma", toy("gamma"))
    write_plugin(site, "llm-cost-fine", "sel_fine", toy("fine"))
    return entry_points_in(site)


def test_conflicts_are_reported_when_the_registry_is_built(contested):
    with pytest.warns(PluginWarning) as caught:
        registry = Registry(contested)
    messages = sorted(str(w.message) for w in caught)
    assert any("'gamma' is registered by both" in m for m in messages), messages
    assert any("'same' is registered by both" in m for m in messages), messages
    assert set(registry.conflicts()) == {"gamma", "same"}
    owners = {info.distribution for info in registry.conflicts()["same"]}
    assert owners == {"llm-cost-one", "llm-cost-two"}


def test_listing_names_exactly_what_lookup_selects(contested):
    with pytest.warns(PluginWarning):
        registry = Registry(contested)
    listed = [entry.spec.name for entry in registry.encodings()]
    assert listed == ["fine"]  # `same` and `gamma` are contested names: listed nowhere
    for name in listed:
        assert registry.lookup(name).spec.name == name
    for name in ("same", "gamma"):
        with pytest.raises(lc.PluginConflictError, match="uninstall one of them"):
            registry.lookup(name)
    # an uncontested alias of a contested spec still selects it, as documented
    assert registry.get_encoding("one_only").spec.name == "same"


def test_strict_mode_makes_a_conflict_an_error(contested, monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")
    with pytest.raises(lc.PluginConflictError, match="registered by both"):
        Registry(contested)
