"""Plugin loading: isolation of broken plugins, conflicts, hook order and laziness."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from importlib.metadata import EntryPoint

import pytest
from fakedist import TOY as TOY_PLUGIN  # one toy plugin source for every test

import llm_cost_core as lc
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry


@pytest.fixture
def make_plugin(tmp_path, monkeypatch):
    """Write a plugin module and return an entry point for it."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made = []

    def make(module: str, source: str, name: str | None = None) -> EntryPoint:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        made.append(module)
        return EntryPoint(name=name or module, value=module, group="llm_cost")

    yield make
    for module in made:
        sys.modules.pop(module, None)


def toy(make_plugin, module, name, aliases=()):
    return make_plugin(module, TOY_PLUGIN.format(name=name, aliases=tuple(aliases)))


def test_toy_plugin_counts_and_is_lazy(make_plugin):
    registry = Registry([toy(make_plugin, "toy_a", "toya", ["toy_a_base"])])
    module = sys.modules["toy_a"]
    assert [e.spec.name for e in registry.encodings()] == ["toya"]
    enc = registry.get_encoding("toy_a_base")
    assert module.LOADS == []  # registering and building the Encoding read no vocab
    assert enc.encode("ab cd") == [97, 98, 32, 99, 100]
    assert enc.count("ab cd") == 5
    enc.encode("again")
    assert module.LOADS == [1]  # loaded once, on first use


def test_broken_plugin_is_one_warning_and_the_rest_works(make_plugin):
    good = toy(make_plugin, "toy_good", "good")
    bad = make_plugin("toy_broken", "raise RuntimeError('boom at import')")
    with pytest.warns(
        PluginWarning, match=r"plugin 'toy_broken' .* failed to load .*boom at import"
    ):
        registry = Registry([bad, good])
    assert registry.get_encoding("good").count("x y") == 3
    assert [f.name for f in registry.failures] == ["toy_broken"]


def test_strict_mode_re_raises(make_plugin, monkeypatch):
    monkeypatch.setenv("LLM_COST_STRICT_PLUGINS", "1")
    bad = make_plugin("toy_strict", "raise RuntimeError('strict boom')")
    with pytest.raises(RuntimeError, match="strict boom"):
        Registry([bad])


def test_misspelled_hook_is_caught_and_the_plugin_skipped(make_plugin):
    typo = make_plugin(
        "toy_typo",
        """
        import llm_cost_core as lc
        @lc.hookimpl
        def register_encoding(register):
            pass
        """,
    )
    with pytest.warns(PluginWarning, match="register_encoding"):
        registry = Registry([typo])
    assert "toy_typo" not in registry.plugins


def test_hook_that_raises_is_isolated(make_plugin):
    raising = make_plugin(
        "toy_raising",
        """
        import llm_cost_core as lc
        @lc.hookimpl
        def register_encodings(register):
            raise ValueError("cannot register")
        @lc.hookimpl
        def make_scanner(spec):
            raise ValueError("cannot scan")
        """,
    )
    good = toy(make_plugin, "toy_fine", "fine")
    with pytest.warns(PluginWarning, match="raised in register_encodings"):
        registry = Registry([raising, good])
    with pytest.warns(PluginWarning, match="raised in make_scanner"):
        assert registry.get_encoding("fine").encode("a b") == [97, 32, 98]


def test_duplicate_name_is_an_error_naming_both_distributions(make_plugin):
    first = toy(make_plugin, "toy_one", "same", ["one_only"])
    second = toy(make_plugin, "toy_two", "same")
    with pytest.warns(PluginWarning, match="'same' is registered by both toy_one and toy_two"):
        registry = Registry([first, second])
    with pytest.raises(
        lc.PluginConflictError, match="'same' is registered by both toy_one and toy_two"
    ):
        registry.get_encoding("same")
    assert registry.get_encoding("one_only").count("x") == 1  # the rest still works


def test_models_exact_prefix_and_longest_prefix(make_plugin):
    registry = Registry([toy(make_plugin, "toy_m", "mm")])
    assert registry.model_encoding("mm-model") == "mm"
    assert registry.model_encoding("mm-2025-01-01") == "mm"
    assert registry.model_encoding("nn-model") is None


def test_scanner_and_bpe_hooks_override_the_defaults(make_plugin):
    fast = make_plugin(
        "toy_fast",
        """
        import llm_cost_core as lc
        CALLS = []
        class Engine:
            def encode(self, pieces):
                return [len(p) for p in pieces]
            def count(self, pieces):
                return len(list(pieces))
        @lc.hookimpl
        def make_scanner(spec):
            CALLS.append("scanner")
            return str.split
        @lc.hookimpl
        def make_bpe(spec, ranks):
            CALLS.append("bpe")
            return Engine()
        """,
    )
    registry = Registry([toy(make_plugin, "toy_base", "base"), fast])
    enc = registry.get_encoding("base")
    assert enc.encode("aa bbb c") == [2, 3, 1]
    assert sorted(sys.modules["toy_fast"].CALLS) == ["bpe", "scanner"]


def test_import_and_help_load_no_vocab():
    """Run in a fresh process: any vocab read makes it fail."""
    code = textwrap.dedent(
        """
        import llm_cost_core.engine.vocab as vocab
        def refuse(self):
            raise SystemExit("a vocab was read")
        vocab.TiktokenFile.__call__ = refuse
        vocab.TiktokenFile.read_bytes = refuse
        import llm_cost_core as lc
        from llm_cost_core.cli.app import main
        names = lc.list_encodings()
        assert main(["--help"]) == 0
        assert main(["encodings"]) == 0
        assert main(["--version"]) == 0
        print("ok", names)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_warnings_do_not_leak_between_registries(make_plugin):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Registry([toy(make_plugin, "toy_quiet", "quiet")])
