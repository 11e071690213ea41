"""`llm-cost plugins`: every distribution, its hooks, encodings, models, errors and conflicts."""

from __future__ import annotations

import json

import pytest
from fakedist import entry_points_in, env_with, plugin_site, run_llm_cost, toy, write_plugin

from llm_cost_core.cli.app import main
from llm_cost_core.cli.commands.plugins import describe
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry, reset_registry

BROKEN = "raise ImportError('cannot import name Thing from somewhere')"
RAISES_IN_MODELS = """
import llm_cost_core as lc

@lc.hookimpl
def register_models(register):
    raise ValueError("no models today")
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    yield from plugin_site(tmp_path, monkeypatch, "cmd_")


@pytest.fixture
def registry(site):
    write_plugin(site, "llm-cost-alpha", "cmd_alpha", toy("alpha", ("alpha_base",)), version="2.1")
    write_plugin(site, "llm-cost-broken", "cmd_broken", BROKEN, version="0.3")
    write_plugin(site, "llm-cost-moody", "cmd_moody", RAISES_IN_MODELS)
    write_plugin(site, "llm-cost-same-a", "cmd_same_a", toy("same"))
    write_plugin(site, "llm-cost-same-b", "cmd_same_b", toy("same", ("b_only",)))
    with pytest.warns(PluginWarning):
        reg = Registry(entry_points_in(site))
    reset_registry(reg)
    return reg


def by_name(out):
    return {row["name"]: row for row in out["plugins"]}


def test_describe_lists_each_plugin_with_what_it_brings(registry):
    with pytest.warns(PluginWarning, match="cmd_moody.*raised in register_models"):
        out = describe(registry)
    rows = by_name(out)
    assert set(rows) == {
        "llm_cost_core", "cmd_alpha", "cmd_broken", "cmd_moody", "cmd_same_a", "cmd_same_b",
    }  # fmt: skip
    alpha = rows["cmd_alpha"]
    assert (alpha["distribution"], alpha["version"], alpha["status"]) == (
        "llm-cost-alpha", "2.1", "loaded",
    )  # fmt: skip
    assert alpha["hooks"] == ["register_encodings", "register_models"]
    assert alpha["encodings"] == [{"name": "alpha", "aliases": ["alpha_base"], "contested": []}]
    assert alpha["models"] == [
        {"model": "alpha-model", "encoding": "alpha", "prefix": False},
        {"model": "alpha-", "encoding": "alpha", "prefix": True},
    ]
    assert alpha["errors"] == []
    core = rows["llm_cost_core"]  # core's own plugin, listed like any other
    assert core["distribution"] == "llm-cost-core"
    assert {"make_bpe", "make_scanner", "register_prices"} <= set(core["hooks"])
    assert core["prices"] > 0
    broken = rows["cmd_broken"]
    assert broken["status"] == "failed"
    assert broken["errors"] == [
        "failed to load: ImportError: cannot import name Thing from somewhere"
    ]
    moody = rows["cmd_moody"]
    assert moody["status"] == "loaded"
    assert moody["errors"] == ["raised in register_models: ValueError: no models today"]
    assert out["conflicts"] == [
        {
            "name": "same",
            "plugins": [
                {"name": "cmd_same_a", "distribution": "llm-cost-same-a", "version": "1.0"},
                {"name": "cmd_same_b", "distribution": "llm-cost-same-b", "version": "1.0"},
            ],
        }
    ]
    assert rows["cmd_same_b"]["encodings"][0]["contested"] == ["same"]


def test_table_output(registry, capsys):
    assert main(["plugins"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    warning = "llm-cost: warning: plugin 'cmd_moody' (llm-cost-moody 1.0) raised in register_models"
    assert warning in captured.err
    assert "llm-cost-alpha 2.1 (plugin cmd_alpha)\n" in out
    assert "  encodings  alpha (alpha_base)\n" in out
    assert "  models     alpha: alpha-model, alpha-*\n" in out
    assert (
        "llm-cost-broken 0.3 (plugin cmd_broken) [failed]\n"
        "  error      failed to load: ImportError: cannot import name Thing from somewhere\n"
    ) in out
    assert "  encodings  same (b_only) [contested: same]\n" in out
    assert out.endswith(
        "conflicts (these names select no encoding; uninstall one of the plugins):\n"
        "  same: llm-cost-same-a 1.0 and llm-cost-same-b 1.0\n"
    )


def test_json_output_is_describe(registry, capsys):
    assert main(["plugins", "--json"]) == 0  # warnings go to stderr, one line each
    out = json.loads(capsys.readouterr().out)
    assert by_name(out)["cmd_broken"]["status"] == "failed"
    assert [conflict["name"] for conflict in out["conflicts"]] == ["same"]


def test_encodings_command_lists_only_names_that_select_an_encoding(registry, capsys):
    assert main(["encodings", "--json"]) == 0
    names = [row["name"] for row in json.loads(capsys.readouterr().out)]
    assert "same" not in names
    assert "alpha" in names


def test_broken_plugin_is_reported_and_counting_with_the_others_works(site):
    """What a user sees, in fresh processes of the installed command."""
    write_plugin(site, "llm-cost-broken", "cmd_broken", BROKEN, version="0.3")
    write_plugin(site, "llm-cost-alpha", "cmd_alpha", toy("alpha"))
    env = env_with(site)
    listed = run_llm_cost("plugins", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "llm-cost-broken 0.3 (plugin cmd_broken) [failed]" in listed.stdout
    assert "failed to load: ImportError: cannot import name Thing" in listed.stdout
    assert listed.stderr.splitlines() == [
        "llm-cost: warning: plugin 'cmd_broken' (llm-cost-broken 0.3) failed to load and is "
        "skipped: ImportError: cannot import name Thing from somewhere"
    ]
    counted = run_llm_cost("-e", "alpha", "--text", "a b", env=env)
    assert (counted.returncode, counted.stdout) == (0, "3\n"), counted.stderr
    assert "failed to load" in counted.stderr  # one warning line, not a traceback
    assert "Traceback" not in counted.stderr
