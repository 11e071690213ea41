"""The price registry: core's table, exact money, users' price files and plugins' prices."""

from __future__ import annotations

import datetime
import json
import sys
import textwrap
from decimal import Decimal
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import llm_cost_core as lc
from llm_cost_core.host.loading import PluginWarning
from llm_cost_core.host.registry import Registry, registry, reset_registry
from llm_cost_core.models.resolve import price_table
from llm_cost_core.prices.money import per_million, usd
from llm_cost_core.prices.price_files import core_prices, parse_prices
from llm_cost_core.prices.prices import ModelPrice, PriceEntry, PricesError, PriceTable

# USD per 1M tokens: input / cached input / output, as issue 4 lists them, and issue 17 adds.
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
    # issue 17: every current text model and the snapshots priced differently from their model
    "gpt-5-chat-latest": ("1.25", "0.125", "10.00"),
    "gpt-4o-2024-05-13": ("5.00", None, "15.00"),
    "chatgpt-4o-latest": ("5.00", None, "15.00"),
    "o1-mini": ("1.10", "0.55", "4.40"),
    "o1-pro": ("150.00", None, "600.00"),
    "o3-mini": ("1.10", "0.55", "4.40"),
    "o3-pro": ("20.00", None, "80.00"),
    "o3-deep-research": ("10.00", "2.50", "40.00"),
    "o4-mini-deep-research": ("2.00", "0.50", "8.00"),
    "codex-mini-latest": ("1.50", "0.375", "6.00"),
    "gpt-4.5-preview": ("75.00", "37.50", "150.00"),
    "gpt-4-turbo-preview": ("10.00", None, "30.00"),
    "gpt-4-0125-preview": ("10.00", None, "30.00"),
    "gpt-4-1106-preview": ("10.00", None, "30.00"),
    "gpt-4-32k": ("60.00", None, "120.00"),
    "gpt-3.5-turbo-1106": ("1.00", None, "2.00"),
    "gpt-3.5-turbo-0613": ("1.50", None, "2.00"),
    "gpt-3.5-turbo-16k": ("3.00", None, "4.00"),
    "gpt-3.5-turbo-0301": ("1.50", None, "2.00"),
    "gpt-3.5-turbo-instruct": ("1.50", None, "2.00"),
}
# Other tiers, as OpenAI's pricing page lists them: (model, tier) -> input / cached / output.
LISTED_TIERS = {
    ("gpt-5", "batch"): ("0.625", "0.0625", "5.00"),
    ("gpt-5", "flex"): ("0.625", "0.0625", "5.00"),
    ("gpt-5", "priority"): ("2.50", "0.25", "20.00"),
    ("gpt-5-mini", "priority"): ("0.45", "0.045", "3.60"),
    ("gpt-5-nano", "flex"): ("0.025", "0.0025", "0.20"),
    ("gpt-4.1", "batch"): ("1.00", None, "4.00"),
    ("gpt-4.1", "priority"): ("3.50", "0.875", "14.00"),
    ("gpt-4o", "batch"): ("1.25", None, "5.00"),
    ("gpt-4o", "priority"): ("4.25", "2.125", "17.00"),
    ("gpt-4o-2024-05-13", "batch"): ("2.50", None, "7.50"),
    ("gpt-4o-2024-05-13", "priority"): ("8.75", None, "26.25"),
    ("gpt-4o-mini", "batch"): ("0.075", None, "0.30"),
    ("o3", "flex"): ("1.00", "0.25", "4.00"),
    ("o4-mini", "flex"): ("0.55", "0.1375", "2.20"),
    ("o1-pro", "batch"): ("75.00", None, "300.00"),
    ("o3-pro", "batch"): ("10.00", None, "40.00"),
    ("gpt-4", "batch"): ("15.00", None, "30.00"),
    ("gpt-3.5-turbo", "batch"): ("0.25", None, "0.75"),
    ("text-embedding-3-small", "batch"): ("0.01", None, None),
    ("text-embedding-3-large", "batch"): ("0.065", None, None),
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


def test_core_table_holds_the_listed_tier_prices_exactly():
    table = PriceTable({p.model: PriceEntry(p, "core") for p in core_prices()})
    for (model, tier), (inp, cached, out) in LISTED_TIERS.items():
        entry = table.lookup(model, tier)
        assert entry is not None, (model, tier)
        price = entry.price
        assert (price.tier, price.input, price.cached_input, price.output) == (
            tier,
            _dec(inp),
            _dec(cached),
            _dec(out),
        ), (model, tier)
        assert price.as_of == datetime.date(2025, 8, 7) and price.source
    # A snapshot takes its model's tiers; a model without a tier has no price there.
    assert table.lookup("gpt-4o-2024-08-06", "batch").price.input == Decimal("1.25")
    assert table.lookup("gpt-5-chat-latest", "batch") is None
    assert table.tiers_of("gpt-5-chat-latest") == ["standard"]
    assert table.tiers_of("gpt-5") == ["standard", "batch", "flex", "priority"]
    assert table.tiers_of("no-such-model") == []


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
            assert lc.encoding_name_for_model(model) == entry.price.encoding, model
            checked += 1
    priced = {entry.price.encoding for entry in reg.prices().values()}
    assert checked or not installed & priced  # llm-cost-r50k alone: no priced model uses it


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
    with pytest.raises(ValueError, match="'NaN' is not a number"):
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
        from llm_cost_core.prices.prices import ModelPrice

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
    reset_registry(Registry(iter(())))  # core only: its prices, no encoding
    try:
        assert lc.encoding_name_for_model("gpt-4") == "cl100k"
        with pytest.raises(lc.UnknownEncodingError) as caught:
            lc.encoding_for_model("gpt-4")
        assert str(caught.value) == (
            "model 'gpt-4' uses encoding cl100k, which is not installed: "
            "pip install llm-cost-cl100k"
        )
        with pytest.raises(lc.UnknownModelError, match="unknown model 'no-such-model'"):
            lc.encoding_for_model("no-such-model")
    finally:
        reset_registry()


# -- what a price may be ---------------------------------------------------------------------


def _price_file(value: str) -> str:
    """A price file whose one model's input price is `value`, written as JSON text."""
    model = f'{{"model": "m", "encoding": "o200k", "input": {value}}}'
    return f'{{"as_of": "2025-01-31", "models": [{model}]}}'


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # Absurd magnitudes: valid JSON numbers whose plain decimal form would not fit anywhere.
        ("1e999999999", "1E+999999999 is too large: a price has at most 15 digits before the"),
        ('"1e999999999"', "1e999999999 is too large: a price has at most 15 digits before"),
        ("1e15", "1E+15 is too large"),
        ("1e-999999999", "1E-999999999 has too many decimal places: a price has at most 30"),
        ("0.0000000000000000000000000000001", "has too many decimal places"),
        ("0." + "0" * 1000 + "1", "1E-1001 has too many decimal places"),
        ("9" * 1000, "1.000000E+1000 is too large"),  # a thousand digits, shown short
        # Exponents beyond what Decimal holds (it raises InvalidOperation, not ValueError).
        ("1e99999999999999999999", "1e99999999999999999999 is out of range: a price has at most"),
        ('"1e-99999999999999999999"', "1e-99999999999999999999 is out of range"),
        ('"' + "x" * 300 + '"', "'xxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxx' is not a number"),
        # A price is 0 or more, written without a sign.
        ("-0", "-0 has a minus sign; a price is written without one"),
        ("-0.0", "-0.0 has a minus sign"),
        ('"-0"', "-0 has a minus sign"),
        ('"-2.50"', "-2.50 is negative"),
        # Only what a JSON number is: ASCII digits, an optional fraction and exponent.
        ('"1_000"', "'1_000' is not a number written as JSON writes one"),
        ('"\u0661\u0662"', "is not a number written as JSON writes one"),  # Arabic-Indic 12
        ('"\uff15"', "is not a number written as JSON writes one"),  # fullwidth 5
        ('"+5"', "'+5' is not a number"),
        ('" 5"', "' 5' is not a number"),
        ('"5\\n"', "is not a number"),
        ('".5"', "'.5' is not a number"),
        ('"5."', "'5.' is not a number"),
        ('"0x10"', "'0x10' is not a number"),
        ('"Infinity"', "'Infinity' is not a number"),
        ('"NaN"', "'NaN' is not a number"),
        ('""', "'' is not a number"),
    ],
)
def test_a_price_is_a_plain_bounded_non_negative_decimal(value, reason):
    with pytest.raises(PricesError) as caught:
        parse_prices(_price_file(value), "p.json")
    message = str(caught.value)
    assert message.startswith("p.json: models[0] (m): 'input': ")
    assert reason in message
    assert "\n" not in message and len(message) < 200


@pytest.mark.parametrize(
    "value",
    [
        "0",
        "2.50",
        '"0.075"',
        "7.5e-2",
        '"1E-7"',
        "999999999999999",  # 15 digits before the point
        "0.000000000000000000000000000001",  # 30 after it
        '"123456789012345.123456789012345678901234567890"',  # 45 significant digits
    ],
)
def test_good_prices_are_read_exactly_as_written(value):
    (price,) = parse_prices(_price_file(value), "p.json")
    assert price.input.as_tuple() == Decimal(value.strip('"')).as_tuple()


def test_model_price_checks_plugins_prices_the_same_way():
    with pytest.raises(ValueError, match="not a number written as JSON writes one"):
        ModelPrice("m", "e", input="1_000")
    with pytest.raises(ValueError, match="minus sign"):
        ModelPrice("m", "e", input=-0.0)
    with pytest.raises(ValueError, match="minus sign"):
        ModelPrice("m", "e", input=Decimal("-0"))
    with pytest.raises(ValueError, match=r"^1\.000000E\+400 is too large"):
        ModelPrice("m", "e", input=10**400)
    with pytest.raises(ValueError, match=r"^1\.000000E\+5000 is too large"):
        ModelPrice("m", "e", input=10**5000)  # beyond what str(int) converts
    with pytest.raises(ValueError, match="finite"):
        ModelPrice("m", "e", input=Decimal("Infinity"))
    assert ModelPrice("m", "e", input=1e-05).input == Decimal("0.00001")


def test_an_absurd_price_in_a_file_is_one_error_line_exit_1(tmp_path, capsys):
    from llm_cost_core.cli.app import main

    path = tmp_path / "p.json"
    path.write_text(_price_file("1e999999999"))
    assert main(["estimate", "-m", "m", "--prices", str(path), "--input-tokens", "3"]) == 1
    assert capsys.readouterr().err == (
        f"llm-cost: error: {path}: models[0] (m): 'input': 1E+999999999 is too large: "
        "a price has at most 15 digits before the decimal point\n"
    )


# -- exact money, whatever the digits ---------------------------------------------------------

LONG = Decimal("1.234567890123456789012345678901")  # 31 significant digits


def test_money_keeps_every_digit_beyond_28():
    # Decimal's default context keeps 28 significant digits and rounds the rest away silently.
    assert per_million(3, LONG) == Decimal("0.000003703703670370370367037037036703")
    assert usd(per_million(3, LONG)) == "0.000003703703670370370367037037036703"
    assert per_million(10**30, Decimal("0.15")) == Decimal("150000000000000000000000")
    big = 123_456_789_012_345_678_901
    assert per_million(big, Decimal("2.50")) == Decimal(big) * 5 / 2 / 10**6
    price = ModelPrice(
        "m", "e", input="123456789012345.000000000000000000000000000001", cached_input=LONG
    )
    cost = price.cost(input_tokens=2_000_000, cached_tokens=1_000_000)
    assert cost.input_usd == Decimal("123456789012345.000000000000000000000000000001")
    assert cost.cached_usd == LONG
    assert cost.total_usd == Decimal("123456789012346.234567890123456789012345678902")


def test_money_does_not_depend_on_the_callers_decimal_context():
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        assert per_million(123_456_789, Decimal("0.005")) == Decimal("0.617283945")
        assert usd(Decimal("1234567.891")) == "1234567.891"
        assert ModelPrice("m", "e", input="0.015").cost(123_456_789).total_usd == Decimal(
            "1.851851835"
        )
    assert decimal.getcontext().prec == 28


# -- as_of: YYYY-MM-DD and nothing else, on every Python version -----------------------------


@pytest.mark.parametrize(
    "text", ["2025-08-07", "2024-02-29", "0001-01-01", "9999-12-31", "2025-12-31"]
)
def test_as_of_reads_yyyy_mm_dd(text):
    (price,) = parse_prices(table(GOOD, as_of=text), "p.json")
    assert price.as_of == datetime.date(*map(int, text.split("-")))


@pytest.mark.parametrize(
    "text",
    [
        "20250807",  # date.fromisoformat reads these since Python 3.11, not on 3.10
        "2025-W32-4",
        "2025W324",
        "2025-08-07T00:00",
        "2025-08-07 00:00",
        "2025-8-7",
        "2025-08-7",
        "25-08-07",
        "+2025-08-07",
        " 2025-08-07",
        "2025-08-07 ",
        "2025-08-07\n",
        "2025-02-29",  # not a leap year
        "2025-13-01",
        "0000-01-01",
        "\u0662\u0660\u0662\u0665-\u0660\u0668-\u0660\u0667",  # Arabic-Indic digits
        "\uff12\uff10\uff12\uff15-08-07",  # fullwidth digits
        "2025/08/07",
        "",
    ],
)
def test_as_of_refuses_every_other_form_on_every_python(text):
    with pytest.raises(PricesError) as caught:
        parse_prices(table(GOOD, as_of=text), "p.json")
    assert str(caught.value) == (
        f"p.json: 'as_of' must be a date written YYYY-MM-DD, not {json.dumps(text)}"
    )


def test_as_of_must_be_a_string():
    with pytest.raises(PricesError, match="'as_of' must be a date written YYYY-MM-DD, not \"20"):
        parse_prices(table(GOOD, as_of=20250807), "p.json")


def test_a_price_file_with_tiers_and_its_own_dates():
    prices = parse_prices(
        json.dumps(
            {
                "as_of": "2025-01-01",
                "models": [
                    {"model": "a", "encoding": "o200k", "input": 1},
                    {
                        "model": "b",
                        "encoding": "o200k",
                        "input": "2.00",
                        "output": 8,
                        "as_of": "2025-06-30",
                        "source": "b's page",
                        "tiers": {
                            "batch": {"input": "1.00", "output": "4.00"},
                            "priority": {"input": 3.5, "cached_input": 0.875, "source": "p"},
                        },
                    },
                ],
            }
        ),
        "p.json",
    )
    a, b = prices
    assert a.as_of == datetime.date(2025, 1, 1) and a.tiers == {}
    assert b.as_of == datetime.date(2025, 6, 30)
    assert b.at("batch") == ModelPrice(
        "b", "o200k", "1.00", None, "4.00", "b's page", datetime.date(2025, 6, 30), "batch"
    )
    assert b.at("priority").source == "p" and b.at("priority").output is None
    assert b.at("flex") is None and b.at("standard") is b


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"tiers": []}, "models[0] (m): 'tiers' must be an object"),
        ({"tiers": {"cheap": {"input": 1}}}, "unknown tier 'cheap' (allowed: batch, flex"),
        ({"tiers": {"batch": 1}}, "models[0] (m): tiers.batch: must be an object"),
        ({"tiers": {"batch": {}}}, "tiers.batch: missing field 'input'"),
        ({"tiers": {"batch": {"input": -1}}}, "tiers.batch: 'input': -1 is negative"),
        ({"tiers": {"batch": {"input": 1, "model": "x"}}}, "tiers.batch: unknown field 'model'"),
        ({"as_of": "2025-8-1"}, "models[0] (m): 'as_of' must be a date written YYYY-MM-DD"),
    ],
)
def test_bad_tiers_and_dates_are_one_line_errors(entry, message):
    table = {"as_of": "2025-01-01", "models": [{"model": "m", "encoding": "o200k", "input": 1}]}
    table["models"][0].update(entry)
    with pytest.raises(PricesError) as info:
        parse_prices(json.dumps(table), "p.json")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_stale_prices_get_one_warning_measured_against_the_given_day():
    from llm_cost_core.prices.price_files import stale_price_warning

    old = ModelPrice("m", "o200k", "1", as_of=datetime.date(2025, 1, 1))
    new = ModelPrice("n", "o200k", "1", as_of=datetime.date(2025, 6, 1))
    on = datetime.date(2025, 6, 30)  # 180 days after 2025-01-01
    assert stale_price_warning([old, new], 180, on) is None
    message = stale_price_warning([new, old], 180, on + datetime.timedelta(days=1))
    assert message.startswith("the price of m is from 2025-01-01, 181 days ago (more than 180)")
    assert stale_price_warning([new], 28, on) is not None  # 29 days old
    assert stale_price_warning([new], 29, on) is None
    assert stale_price_warning([ModelPrice("x", "o200k", "1")], 0, on) is None  # no date


LITELLM_FILE = Path(__file__).parent / "golden" / "inputs" / "litellm-prices.json"


def test_a_litellm_price_list_is_read_per_1m_exactly():
    with pytest.warns(UserWarning) as caught:
        prices = {p.model: p for p in parse_prices(LITELLM_FILE.read_bytes(), "l.json")}
    gpt = prices["gpt-4o"]
    assert (gpt.input, gpt.cached_input, gpt.output) == (
        Decimal("2.5"),
        Decimal("1.25"),
        Decimal("10"),
    )
    assert gpt.encoding == "" and gpt.as_of is None and "LiteLLM" in gpt.source
    assert gpt.at("batch").input == Decimal("1.25") and gpt.at("priority").output == Decimal("17")
    mini = prices["o4-mini"]
    assert mini.at("flex").cached_input == Decimal("0.1375")  # 1.375e-07 per token
    assert prices["in-house-7b"].input == Decimal("0.3")  # a string, "3e-07"
    assert prices["free-model"].input == 0 and prices["tiny-price"].input == Decimal("0.000001")
    assert "sample_spec" not in prices and "dall-e-3" not in prices  # no per-token price
    assert not any(name.startswith("bad-") for name in prices)
    (warning,) = caught
    message = str(warning.message)
    assert message == (
        "l.json: skipped 10 LiteLLM entries without a usable price, the first: 'bad-negative': "
        "input_cost_per_token: -0.000001 is negative"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-1e-06", "is negative"),
        ('"cheap"', "is not a number written as JSON writes one"),
        ("1e300", "too large"),
        ("1e999999999", "1E+999999999 is too large"),
        ("NaN", "is not a number"),
        ("true", "a price must be a number, not bool"),
        ("1e-40", "too many decimal places"),
        ("[1]", "a price must be a number, not list"),
        ("{}", "a price must be a number, not dict"),
    ],
)
def test_each_hostile_litellm_price_is_skipped_with_a_one_line_warning(value, reason):
    bad = '{"input_cost_per_token": ' + value + "}"
    text = '{"good": {"input_cost_per_token": 1e-06}, "bad": ' + bad + "}"
    with pytest.warns(UserWarning) as caught:
        prices = parse_prices(text, "l.json")
    assert [p.model for p in prices] == ["good"]
    (warning,) = caught
    assert "'bad': input_cost_per_token: " in str(warning.message)
    assert reason in str(warning.message) and "\n" not in str(warning.message)


def test_litellm_models_are_priced_but_need_a_plugin_to_be_counted(tmp_path):
    from llm_cost_core.models.resolve import encoding_for_model

    path = tmp_path / "l.json"
    path.write_text('{"their-model": {"input_cost_per_token": 3e-06, "litellm_provider": "x"}}')
    table = price_table(str(path))
    assert table.lookup("their-model").price.input == Decimal("3")
    with pytest.raises(lc.UnknownEncodingError, match="needs a plugin that maps it"):
        encoding_for_model("their-model", table)


def test_today_is_the_clock_unless_pinned(monkeypatch):
    from llm_cost_core.prices.price_files import max_price_age, today

    monkeypatch.delenv("LLM_COST_TODAY")
    before = datetime.date.today()
    got = today()
    assert before <= got <= datetime.date.today()
    monkeypatch.setenv("LLM_COST_TODAY", "2030-01-02")
    assert today() == datetime.date(2030, 1, 2)
    monkeypatch.setenv("LLM_COST_TODAY", "tomorrow")
    with pytest.raises(
        PricesError, match=r"\$LLM_COST_TODAY must be a date written YYYY-MM-DD, not 'tomorrow'"
    ):
        today()
    monkeypatch.delenv("LLM_COST_MAX_PRICE_AGE", raising=False)
    assert max_price_age() == 180
    monkeypatch.setenv("LLM_COST_MAX_PRICE_AGE", "-3")
    with pytest.raises(PricesError, match="must be a number of days"):
        max_price_age()
