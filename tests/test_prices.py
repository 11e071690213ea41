"""The price registry: core's table, exact money, users' price files and plugins' prices."""

from __future__ import annotations

import datetime
import json
import sys
import textwrap
from decimal import Decimal
from importlib.metadata import EntryPoint

import pytest

import llm_cost_core as lc
from llm_cost_core.plugins import PluginWarning, Registry, registry
from llm_cost_core.prices import (
    ModelPrice,
    PriceEntry,
    PricesError,
    PriceTable,
    core_prices,
    parse_prices,
    per_million,
    price_table,
    usd,
)

# USD per 1M tokens: input / cached input / output, as issue 4 lists them.
LISTED = {
    "gpt-4o": ("2.50", "1.25", "10.00"),
    "gpt-4o-mini": ("0.15", "0.075", "0.60"),
    "gpt-4.1": ("2.00", "0.50", "8.00"),
    "gpt-4.1-mini": ("0.40", "0.10", "1.60"),
    "gpt-4.1-nano": ("0.10", "0.025", "0.40"),
    "gpt-5": ("1.25", "0.125", "10.00"),
    "gpt-5-mini": ("0.25", "0.025", "2.00"),
    "gpt-5-nano": ("0.05", "0.005", "0.40"),
    "o3": ("2.00", "0.50", "8.00"),
    "o4-mini": ("1.10", "0.275", "4.40"),
    "o1": ("15.00", "7.50", "60.00"),
    "gpt-4-turbo": ("10.00", None, "30.00"),
    "gpt-4": ("30.00", None, "60.00"),
    "gpt-3.5-turbo": ("0.50", None, "1.50"),
    "text-embedding-3-small": ("0.02", None, None),
    "text-embedding-3-large": ("0.13", None, None),
    "text-embedding-ada-002": ("0.10", None, None),
}


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def test_core_table_holds_the_listed_prices_exactly():
    prices = {price.model: price for price in core_prices()}
    assert set(prices) == set(LISTED)
    for model, (inp, cached, out) in LISTED.items():
        price = prices[model]
        assert (price.input, price.cached_input, price.output) == (
            _dec(inp),
            _dec(cached),
            _dec(out),
        ), model
        assert isinstance(price.input, Decimal)
        assert price.as_of == datetime.date(2025, 8, 7)
        assert price.source
        assert price.encoding in ("o200k", "cl100k")


def test_core_prices_are_registered_through_cores_plugin():
    entries = registry().prices()
    assert set(LISTED) <= set(entries)
    assert entries["gpt-4o"].origin == f"llm-cost-core {lc.__version__}"


def test_each_price_names_the_encoding_its_plugin_maps_the_model_to():
    reg = registry()
    installed = set(lc.list_encodings())
    checked = 0
    for model, entry in reg.prices().items():
        if entry.price.encoding in installed:
            assert reg.encoding_name_for_model(model) == entry.price.encoding, model
            checked += 1
    assert checked or not installed


@pytest.mark.parametrize(
    ("tokens", "rate", "expected"),
    [
        (1, "0.075", "0.000000075"),
        (3, "0.10", "0.0000003"),  # float arithmetic gives 3.0000000000000004e-07
        (1_000_000, "2.50", "2.5"),
        (123_456_789, "0.005", "0.617283945"),
        (0, "60.00", "0"),
    ],
)
def test_money_is_exact(tokens, rate, expected):
    assert usd(per_million(tokens, Decimal(rate))) == expected


def test_cost_breakdown_bills_cached_tokens_at_the_cached_price():
    price = ModelPrice("m", "o200k", input="2.50", cached_input="1.25", output="10.00")
    cost = price.cost(input_tokens=1000, cached_tokens=300, output_tokens=100)
    assert (cost.input_usd, cost.cached_usd, cost.output_usd) == (
        Decimal("0.00175"),
        Decimal("0.000375"),
        Decimal("0.001"),
    )
    assert cost.total_usd == Decimal("0.003125")
    no_discount = ModelPrice("m", "cl100k", input="30", output="60")
    assert no_discount.cost(1000, 1000).cached_usd == Decimal("0.03")


def test_cost_rejects_impossible_counts():
    price = ModelPrice("emb", "cl100k", input="0.02")
    with pytest.raises(ValueError, match="cannot exceed"):
        price.cost(10, 11)
    with pytest.raises(ValueError, match="no output price"):
        price.cost(10, 0, 1)
    with pytest.raises(ValueError, match="negative"):
        price.cost(-1)


def test_model_price_converts_and_validates():
    assert ModelPrice("m", "e", input=0.15).input == Decimal("0.15")  # shortest repr, no drift
    assert ModelPrice("m", "e", input="1e-7").input == Decimal("0.0000001")
    with pytest.raises(ValueError, match="negative"):
        ModelPrice("m", "e", input=-1)
    with pytest.raises(TypeError):
        ModelPrice("m", "e", input=True)
    with pytest.raises(ValueError, match="finite"):
        ModelPrice("m", "e", input="NaN")


def test_usd_never_uses_exponents():
    assert usd(Decimal("2.5E-6")) == "0.0000025"
    assert usd(Decimal("1E+3")) == "1000"
    assert usd(Decimal("0E-9")) == "0"
    assert usd(Decimal("12.50")) == "12.5"


def table(*models: dict, as_of: str = "2025-01-31", **top) -> str:
    return json.dumps({"as_of": as_of, "models": list(models), **top})


GOOD = {"model": "m", "encoding": "o200k", "input": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "p.json: not valid JSON: "),
        ("[]", "p.json: must hold a JSON object with 'as_of' and 'models'"),
        (table(GOOD, extra=1), "p.json: unknown field 'extra' (allowed: as_of, source, models)"),
        (json.dumps({"models": []}), "p.json: missing field 'as_of'"),
        (json.dumps({"as_of": "2025-01-01"}), "p.json: missing field 'models'"),
        (table(GOOD, as_of="2025-13-01"), "'as_of' must be a date written YYYY-MM-DD, not \"2025"),
        (table(GOOD, as_of="yesterday"), "'as_of' must be a date written YYYY-MM-DD"),
        (table({**GOOD, "inptu": 1}), "p.json: models[0] (m): unknown field 'inptu' (allowed: "),
        (table({"model": "m", "encoding": "o200k"}), "models[0] (m): missing field 'input'"),
        (table({"model": "m", "input": 1}), "models[0] (m): missing field 'encoding'"),
        (table({"encoding": "o200k", "input": 1}), "models[0]: missing field 'model'"),
        (table({**GOOD, "input": -0.5}), "models[0] (m): 'input': -0.5 is negative"),
        (table({**GOOD, "output": -1}), "models[0] (m): 'output': -1 is negative"),
        (table({**GOOD, "cached_input": "cheap"}), "'cached_input': 'cheap' is not a number"),
        (table({**GOOD, "input": True}), "'input': a price must be a number, not bool"),
        (table({**GOOD, "model": ""}), "'model' must be a non-empty string"),
        (table(GOOD, GOOD), "models[1] (m): model 'm' is listed twice"),
        (json.dumps({"as_of": "2025-01-01", "models": {"m": {}}}), "'models' must be a list"),
        (table("gpt"), "models[0]: must be an object"),
    ],
)
def test_bad_price_files_get_one_line_errors(text, message):
    with pytest.raises(PricesError) as caught:
        parse_prices(text, "p.json")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_good_price_file_is_read_exactly():
    text = (
        '{"as_of": "2025-02-03", "source": "my invoice", "models": ['
        '{"model": "mine", "encoding": "no-such-encoding", "input": 0.1, "output": "0.30"},'
        '{"model": "cheap", "encoding": "o200k", "input": 0, "source": "free tier"}]}'
    )
    mine, cheap = parse_prices(text, "p.json")
    assert mine == ModelPrice(
        "mine",
        "no-such-encoding",  # an unknown encoding is fine until the model is used
        input=Decimal("0.1"),
        output=Decimal("0.30"),
        source="my invoice",
        as_of=datetime.date(2025, 2, 3),
    )
    assert cheap.source == "free tier" and cheap.input == 0


def test_user_file_replaces_and_adds_prices(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    path.write_text(table({"model": "gpt-4o", "encoding": "o200k", "input": 5}, GOOD))
    prices = price_table(str(path))
    assert prices.lookup("gpt-4o") == PriceEntry(
        ModelPrice("gpt-4o", "o200k", input=5, as_of=datetime.date(2025, 1, 31)), str(path)
    )
    assert prices.lookup("m").origin == str(path)
    assert prices.lookup("gpt-4o-mini").origin.startswith("llm-cost-core")
    monkeypatch.setenv("LLM_COST_PRICES", str(path))
    assert price_table().lookup("gpt-4o").price.input == 5
    with pytest.raises(PricesError, match="price file .*missing.json: No such file"):
        price_table(str(tmp_path / "missing.json"))


def test_snapshots_are_priced_like_their_model_and_nothing_else_is_guessed():
    entry = PriceEntry(ModelPrice("gpt-4o", "o200k", input=1), "t")
    prices = PriceTable({"gpt-4o": entry, "gpt-4": PriceEntry(ModelPrice("gpt-4", "c", 2), "t")})
    assert prices.lookup("gpt-4o-2024-08-06") is entry
    assert prices.lookup("gpt-4-0613").price.model == "gpt-4"
    assert prices.lookup("gpt-4o-mini") is None
    assert prices.lookup("gpt-4o-audio-preview") is None
    assert prices.lookup("gpt-4-turbo-2024-04-09") is None


def _plugin(tmp_path, monkeypatch, name: str, source: str) -> EntryPoint:
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return EntryPoint(name=name, value=name, group="llm_cost")


def test_a_plugin_brings_its_own_prices_and_replaces_cores(tmp_path, monkeypatch):
    plugin = _plugin(
        tmp_path,
        monkeypatch,
        "toy_prices",
        """
        import llm_cost_core as lc
        from llm_cost_core.prices import ModelPrice

        @lc.hookimpl
        def register_prices(register):
            register(ModelPrice("toy-model", "toy", input="0.01", source="toy list"))
            register(ModelPrice("gpt-4o", "o200k", input="9.99"))
        """,
    )
    reg = Registry([plugin])
    prices = reg.prices()
    assert prices["toy-model"].price.input == Decimal("0.01")
    assert prices["toy-model"].origin == "toy_prices"  # no distribution: the entry point value
    assert prices["gpt-4o"].price.input == Decimal("9.99")
    assert prices["gpt-4"].origin.startswith("llm-cost-core")


def test_a_plugin_registering_something_else_is_skipped_with_a_warning(tmp_path, monkeypatch):
    plugin = _plugin(
        tmp_path,
        monkeypatch,
        "toy_bad_prices",
        """
        import llm_cost_core as lc

        @lc.hookimpl
        def register_prices(register):
            register({"model": "x"})
        """,
    )
    reg = Registry([plugin])
    with pytest.warns(PluginWarning, match="raised in register_prices.*takes a ModelPrice"):
        prices = reg.prices()
    assert "x" not in prices and "gpt-4o" in prices


def test_a_priced_model_whose_encoding_is_missing_says_what_to_install():
    reg = Registry(iter(()))  # core only: its prices, no encoding
    assert reg.encoding_name_for_model("gpt-4") == "cl100k"
    with pytest.raises(lc.UnknownEncodingError) as caught:
        reg.encoding_for_model("gpt-4")
    assert str(caught.value) == (
        "model 'gpt-4' uses encoding cl100k, which is not installed: pip install llm-cost-cl100k"
    )
    with pytest.raises(lc.UnknownModelError, match="unknown model 'no-such-model'"):
        reg.encoding_for_model("no-such-model")
