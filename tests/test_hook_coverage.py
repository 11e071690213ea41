"""Every hook in hookspecs.py has a test: this one.

One toy plugin implements every hook, and each hook is reached the way users reach it (counting,
a model lookup, prices, the command line), not by calling the hook directly; each
implementation records that it ran and what it returned must show in the result. A hook added to
hookspecs.py fails `test_every_hook_spec_is_implemented_by_the_toy` until the toy implements it,
and `test_every_hook_is_reached_through_core` until core calls it.
"""

from __future__ import annotations

import inspect
import sys
import textwrap

import pluggy
import pytest

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.host import hookspecs
from llm_cost_core.host.registry import Registry, reset_registry

EVERY_HOOK = """
import click
import llm_cost_core as lc

CALLS = []

SPEC = lc.EncodingSpec(
    name="every", pattern=r"\\S+|\\s+", special_tokens={"<|end|>": 256}, n_vocab=257,
    load_ranks=lambda: {bytes([b]): b for b in range(256)}, vocab_sha256="0" * 64,
)


class Engine:
    # ids the byte-level vocab would not give: 255 - the first byte of each piece
    def encode(self, pieces):
        return [255 - piece.encode()[0] for piece in pieces]

    def count(self, pieces):
        return len(self.encode(pieces))


@lc.hookimpl
def register_encodings(register):
    CALLS.append("register_encodings")
    register(SPEC)


@lc.hookimpl
def make_scanner(spec):
    if spec != SPEC:
        return None
    CALLS.append("make_scanner")
    return list  # one piece per character


@lc.hookimpl
def make_bpe(spec, ranks):
    if spec != SPEC:
        return None
    CALLS.append("make_bpe")
    assert len(ranks) == 256
    return Engine()


@lc.hookimpl
def describe_engine(spec):
    CALLS.append("describe_engine")
    return "toy engine" if spec == SPEC else None


@lc.hookimpl
def register_models(register):
    CALLS.append("register_models")
    register("every-model", "every")


@lc.hookimpl
def register_prices(register):
    from llm_cost_core.prices.prices import ModelPrice

    CALLS.append("register_prices")
    register(ModelPrice("every-priced", "every", input="1.25", output="5"))


@lc.hookimpl
def register_commands(cli):
    CALLS.append("register_commands")

    @cli.command(name="every-hello")
    def hello():
        click.echo("hello from every")
"""


def spec_names() -> set[str]:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return {name for name, caller in vars(pm.hook).items() if getattr(caller, "spec", None)}


@pytest.fixture
def toy(tmp_path, monkeypatch):
    (tmp_path / "every_hook.py").write_text(textwrap.dedent(EVERY_HOOK))
    monkeypatch.syspath_prepend(str(tmp_path))
    from importlib.metadata import EntryPoint

    registry = Registry([EntryPoint("every_hook", "every_hook", "llm_cost")])
    reset_registry(registry)
    yield registry, sys.modules["every_hook"]
    reset_registry()
    sys.modules.pop("every_hook", None)


def test_every_hook_spec_is_implemented_by_the_toy(toy):
    registry, _module = toy
    implemented = set(registry.hooks("every_hook"))
    missing = spec_names() - implemented
    assert not missing, (
        f"hooks with no test: {sorted(missing)}; implement them in EVERY_HOOK "
        "(tests/test_hook_coverage.py) and reach them through core below"
    )
    marked = {
        name
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and hasattr(value, f"{hookspecs.PROJECT}_spec")
    }
    assert marked == spec_names()


def test_every_hook_is_reached_through_core(toy, capsys):
    registry, module = toy
    # register_encodings: the name is listed and selects the toy's spec
    assert "every" in lc.list_encodings()
    enc = lc.get_encoding("every")
    assert enc.spec is module.SPEC
    # make_scanner (one piece per character) and make_bpe (255 - first byte)
    assert enc.encode("ab c") == [158, 157, 223, 156]
    assert enc.count("ab c") == 4
    # register_models
    assert lc.encoding_for_model("every-model") is enc
    # register_prices
    assert str(registry.prices()["every-priced"].price.input) == "1.25"
    assert lc.encoding_name_for_model("every-priced") == "every"  # a priced model's encoding
    # register_commands
    assert main(["every-hello"]) == 0
    assert capsys.readouterr().out == "hello from every\n"
    # describe_engine: its note shows in `llm-cost plugins` and `--version`
    assert main(["plugins"]) == 0
    assert "engines    every: toy engine" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert "(plugin every_hook): every: toy engine" in capsys.readouterr().out
    not_reached = spec_names() - set(module.CALLS)
    assert not not_reached, f"hooks core never called: {sorted(not_reached)}"
