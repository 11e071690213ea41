"""Model prices: exact money, core's embedded table, and users' own price files.

Money is `Decimal` throughout, never float: a price is USD per 1M tokens, a cost is
`tokens * price / 1_000_000`, computed exactly in a context of its own (`_EXACT`, never the
caller's, whose default keeps 28 significant digits and rounds the rest away silently), and it is
printed exactly.

The encoding a price names is data, not code: core learns from it which plugin would count a
model that no installed plugin maps, so that it can say what to install.
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib.resources import files
from typing import Any

import attrs

from .errors import LLMCostError, UnknownEncodingError, UnknownModelError
from .spec import check_name

PER_TOKENS = 1_000_000
PRICES_ENV = "LLM_COST_PRICES"
MAX_PRICES_BYTES = 64 << 20  # a price table is a few KB; a bigger file is a mistake
TABLE_FIELDS = ("as_of", "source", "models")
PRICE_FIELDS = ("model", "encoding", "input", "cached_input", "output", "source", "as_of", "tiers")
TIER_FIELDS = ("input", "cached_input", "output", "source")
# OpenAI's processing tiers: the list price, the Batch API, Flex and Priority processing.
STANDARD = "standard"
TIERS = (STANDARD, "batch", "flex", "priority")
# Prices older than this many days get a warning: list prices change several times a year.
MAX_PRICE_AGE_DAYS = 180
MAX_PRICE_AGE_ENV = "LLM_COST_MAX_PRICE_AGE"
TODAY_ENV = "LLM_COST_TODAY"  # YYYY-MM-DD: "today" for the age check, so that output can be pinned
# A dated snapshot (`gpt-4o-2024-08-06`, `gpt-4-0613`) is priced like its model when it has no
# price of its own; nothing else is guessed (`o3-mini` is not `o3`).
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")
# A price written as text is a JSON number without its sign: ASCII digits, an optional fraction
# and exponent. Decimal() reads more (`1_000`, `+5`, ` 5`, `.5`, digits of any script), none
# of which a price file should mean.
_PRICE_TEXT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# Bounds on a price written out as a plain decimal, as tables print it: `1e999999999` is a valid
# JSON number that has a billion digits once written out. No real price comes near either bound.
MAX_INTEGER_DIGITS = 15
MAX_DECIMAL_PLACES = 30
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Products and sums of bounded prices and any token count, without rounding: with this precision
# they are exact, and Inexact is trapped so that a rounding could never pass silently.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation, decimal.Overflow],
)


class PricesError(LLMCostError):
    """A price file that cannot be used as it is; the message names the file and the entry."""


def _money(value: Any) -> Decimal:
    """A price as an exact Decimal, exactly as written; floats go through their shortest repr,
    so 0.15 is 0.15. Text must be a JSON number; a price is 0 or more, with no sign (not even
    on -0), and bounded (MAX_INTEGER_DIGITS, MAX_DECIMAL_PLACES)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise TypeError(f"a price must be a number, not {type(value).__name__}")
    if isinstance(value, str | float):
        text = value if isinstance(value, str) else repr(value)
        if not _PRICE_TEXT.fullmatch(text.removeprefix("-")):
            raise ValueError(
                f"{_short(text)!r} is not a number written as JSON writes one (such as 0.075 or "
                "7.5e-2)"
            )
        try:
            price = Decimal(text)
        except decimal.InvalidOperation:  # an exponent beyond what Decimal can hold
            raise ValueError(
                f"{_short(text)} is out of range: a price has at most {MAX_INTEGER_DIGITS} digits "
                f"before the decimal point and {MAX_DECIMAL_PLACES} after it"
            ) from None
    else:
        price = Decimal(value)
    if not price.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    shown = value if isinstance(value, str) else str(price)
    if len(shown) > 40:  # a message stays one short line, whatever the price file holds
        shown = format(price, ".6E")
    if price.is_signed():
        if price:
            raise ValueError(f"{shown} is negative")
        raise ValueError(f"{shown} has a minus sign; a price is written without one")
    _, digits, exponent = price.as_tuple()
    assert isinstance(exponent, int)  # finite
    if price and len(digits) + exponent > MAX_INTEGER_DIGITS:
        raise ValueError(
            f"{shown} is too large: a price has at most {MAX_INTEGER_DIGITS} digits before the "
            "decimal point"
        )
    if -exponent > MAX_DECIMAL_PLACES:
        raise ValueError(
            f"{shown} has too many decimal places: a price has at most {MAX_DECIMAL_PLACES}"
        )
    return price


def _short(text: str) -> str:
    """Text for a one-line message: a very long value shown by its ends."""
    return text if len(text) <= 40 else f"{text[:18]}...{text[-18:]}"


def _json_number(text: str) -> Decimal | str:
    """A JSON number as a Decimal; one beyond Decimal's range stays text, for `_money` to refuse
    with a message (json.loads would otherwise raise decimal.InvalidOperation)."""
    try:
        return Decimal(text)
    except decimal.InvalidOperation:
        return text


def parse_money(value: Any) -> Decimal:
    """An amount of USD read as a price is read (a budget, say); ValueError or TypeError says
    why it is not one."""
    return _money(value)


def _optional_money(value: Any) -> Decimal | None:
    return None if value is None else _money(value)


@attrs.frozen
class ModelPrice:
    """What one model costs, in USD per 1M tokens. `cached_input` and `output` may be unknown
    (None): embedding models have no output, older models no cached-input discount."""

    model: str = attrs.field(validator=lambda _i, _a, value: check_name("model", value))
    """See `llm_cost_core.spec.MODEL_NAME` for the characters a model name may hold."""
    encoding: str = attrs.field(
        validator=lambda _i, _a, value: value == NO_ENCODING or check_name("encoding", value)
    )
    """The encoding's name, or NO_ENCODING when the price list does not say (a LiteLLM file)."""
    input: Decimal = attrs.field(converter=_money)
    cached_input: Decimal | None = attrs.field(default=None, converter=_optional_money)
    output: Decimal | None = attrs.field(default=None, converter=_optional_money)
    source: str = ""
    as_of: datetime.date | None = None
    tier: str = STANDARD
    # The same model's prices at other tiers (batch, flex, priority), each a ModelPrice whose
    # `tier` says which; empty when only the standard price is known.
    tiers: Mapping[str, ModelPrice] = attrs.field(factory=dict, eq=False, repr=False)

    def at(self, tier: str) -> ModelPrice | None:
        """This model's price at `tier`, or None when that tier has no known price."""
        return self if tier == self.tier else self.tiers.get(tier)

    def cost(self, input_tokens: int = 0, cached_tokens: int = 0, output_tokens: int = 0) -> Cost:
        """The exact cost of a request. `input_tokens` includes `cached_tokens`, as in OpenAI's
        usage; cached tokens cost `cached_input`, or `input` when the model has no discount."""
        if min(input_tokens, cached_tokens, output_tokens) < 0:
            raise ValueError("token counts cannot be negative")
        if cached_tokens > input_tokens:
            raise ValueError(
                f"cached tokens ({cached_tokens}) cannot exceed input tokens ({input_tokens})"
            )
        if output_tokens and self.output is None:
            raise ValueError(f"{self.model} has no output price (it produces no output tokens)")
        cached_rate = self.input if self.cached_input is None else self.cached_input
        return Cost(
            input_tokens=input_tokens,
            cached_tokens=cached_tokens,
            output_tokens=output_tokens,
            input_usd=per_million(input_tokens - cached_tokens, self.input),
            cached_usd=per_million(cached_tokens, cached_rate),
            output_usd=per_million(output_tokens, self.output or Decimal(0)),
        )


@attrs.frozen
class Cost:
    """A cost broken down. `input_usd` is for the input tokens that were not cached."""

    input_tokens: int
    cached_tokens: int
    output_tokens: int
    input_usd: Decimal
    cached_usd: Decimal
    output_usd: Decimal

    @property
    def total_usd(self) -> Decimal:
        return _EXACT.add(_EXACT.add(self.input_usd, self.cached_usd), self.output_usd)


def per_million(tokens: int, usd_per_million: Decimal) -> Decimal:
    """`tokens` at `usd_per_million`, exactly: an exact product, then scaleb moves the decimal
    point; both in _EXACT, so no digit is rounded away however many there are."""
    return _EXACT.scaleb(_EXACT.multiply(Decimal(tokens), usd_per_million), -6)


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of `amounts` with no digit rounded away (`sum` would round to 28 digits)."""
    total = Decimal(0)
    for amount in amounts:
        total = _EXACT.add(total, amount)
    return total


def usd(amount: Decimal) -> str:
    """Every digit of `amount` and no more: 0.0000025, 12.5, 0 (never 2.5E-6)."""
    text = format(amount.normalize(_EXACT), "f")
    return "0" if text in ("-0", "0") else text


# -- reading price tables --------------------------------------------------------------------


def parse_prices(data: bytes | str, label: str) -> list[ModelPrice]:
    """The prices in a price file's text, validated; errors are one line naming `label`."""
    try:
        table = json.loads(data, parse_float=_json_number, parse_int=_json_number)
    except (ValueError, RecursionError) as exc:
        raise PricesError(f"{label}: not valid JSON: {exc}") from None
    if not isinstance(table, dict):
        raise PricesError(f"{label}: must hold a JSON object with 'as_of' and 'models'")
    if "models" not in table and is_litellm_table(table):
        return parse_litellm_prices(table, label)
    _check_fields(label, table, TABLE_FIELDS, required=("as_of", "models"))
    as_of = _date(label, table["as_of"])
    source = table.get("source", "")
    if not isinstance(source, str):
        raise PricesError(f"{label}: 'source' must be a string")
    models = table["models"]
    if not isinstance(models, list):
        raise PricesError(f"{label}: 'models' must be a list of objects")
    prices: list[ModelPrice] = []
    seen: set[str] = set()
    for index, entry in enumerate(models):
        where = f"{label}: models[{index}]"
        if not isinstance(entry, dict):
            raise PricesError(f"{where}: must be an object")
        if isinstance(entry.get("model"), str):
            where += f" ({_short(ascii(entry['model'])[1:-1])})"
        _check_fields(where, entry, PRICE_FIELDS, required=("model", "encoding", "input"))
        for name in ("model", "encoding", "source"):
            if name in entry and not (isinstance(entry[name], str) and entry[name].strip()):
                raise PricesError(f"{where}: {name!r} must be a non-empty string")
        for name in ("model", "encoding"):
            try:
                check_name(name, entry[name])
            except ValueError as exc:
                raise PricesError(f"{where}: {exc}") from None
        if entry["model"] in seen:
            raise PricesError(f"{where}: model {entry['model']!r} is listed twice")
        seen.add(entry["model"])
        entry_as_of = _date(where, entry["as_of"]) if "as_of" in entry else as_of
        entry_source = entry.get("source", source)
        price = _entry_price(where, entry, entry["model"], entry_source, entry_as_of, STANDARD)
        tiers = entry.get("tiers", {})
        if not isinstance(tiers, dict):
            raise PricesError(f"{where}: 'tiers' must be an object such as {{\"batch\": {{...}}}}")
        found: dict[str, ModelPrice] = {}
        for tier, fields in tiers.items():
            if tier not in TIERS[1:]:
                raise PricesError(
                    f"{where}: unknown tier {tier!r} (allowed: {', '.join(TIERS[1:])})"
                )
            at = f"{where}: tiers.{tier}"
            if not isinstance(fields, dict):
                raise PricesError(f"{at}: must be an object")
            _check_fields(at, fields, TIER_FIELDS, required=("input",))
            if "source" in fields and not (
                isinstance(fields["source"], str) and fields["source"].strip()
            ):
                raise PricesError(f"{at}: 'source' must be a non-empty string")
            found[tier] = _entry_price(
                at,
                {**fields, "encoding": entry["encoding"]},
                entry["model"],
                fields.get("source") or entry_source,
                entry_as_of,
                tier,
            )
        prices.append(attrs.evolve(price, tiers=found) if found else price)
    return prices


def _entry_price(
    where: str,
    entry: Mapping[str, Any],
    model: str,
    source: str,
    as_of: datetime.date,
    tier: str,
) -> ModelPrice:
    """One tier's ModelPrice from its fields; a bad price is a one-line PricesError."""
    try:
        return ModelPrice(
            model=model,
            encoding=entry["encoding"],
            input=entry["input"],
            cached_input=entry.get("cached_input"),
            output=entry.get("output"),
            source=source,
            as_of=as_of,
            tier=tier,
        )
    except (TypeError, ValueError) as exc:
        field = next(
            (
                name
                for name in ("input", "cached_input", "output")
                if name in entry and _bad_money(entry[name])
            ),
            "price",
        )
        raise PricesError(f"{where}: {field!r}: {exc}") from None


def _bad_money(value: Any) -> bool:
    try:
        _optional_money(value)
    except (TypeError, ValueError):
        return True
    return False


def _check_fields(
    where: str, obj: Mapping[str, Any], allowed: tuple[str, ...], required: tuple[str, ...]
) -> None:
    unknown = [name for name in obj if name not in allowed]
    if unknown:
        raise PricesError(f"{where}: unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})")
    missing = [name for name in required if obj.get(name) is None]
    if missing:
        raise PricesError(f"{where}: missing field {missing[0]!r}")


def _date(label: str, value: Any) -> datetime.date:
    """YYYY-MM-DD in ASCII digits and nothing else, on every Python (date.fromisoformat reads
    more forms since 3.11: 20250807, 2025-W32-4, ...)."""
    try:
        match = _DATE.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            raise ValueError
        return datetime.date(*map(int, match.groups()))
    except ValueError:
        raise PricesError(
            f"{label}: 'as_of' must be a date written YYYY-MM-DD, not {json.dumps(str(value))}"
        ) from None


def load_prices(path: str) -> list[ModelPrice]:
    """The prices in the file at `path`, validated."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PRICES_BYTES + 1)  # not all of /dev/zero
    except OSError as exc:
        raise PricesError(f"price file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_PRICES_BYTES:
        raise PricesError(
            f"price file {path}: larger than {MAX_PRICES_BYTES >> 20} MB; is it a price table?"
        )
    return parse_prices(data, path)


def core_prices() -> list[ModelPrice]:
    """Core's embedded table (`llm_cost_core/data/prices.json`), as core's own plugin
    registers it."""
    return parse_prices(
        (files(__package__) / "data" / "prices.json").read_bytes(), "llm_cost_core/data/prices.json"
    )


# -- the table in use ------------------------------------------------------------------------


@attrs.frozen
class PriceEntry:
    """A price and where it came from: a plugin's label or a price file's path."""

    price: ModelPrice
    origin: str


@attrs.frozen
class PriceTable:
    """Every known price by model name: the plugins' (core's included), then a user's file."""

    entries: Mapping[str, PriceEntry]

    def lookup(self, model: str, tier: str = STANDARD) -> PriceEntry | None:
        """The price of `model` at `tier`, or of the model it is a dated snapshot of; None if
        unknown (`tiers_of` tells an unknown model from one without that tier)."""
        entry = self.entries.get(model)
        if entry is None and _SNAPSHOT.search(model):
            entry = self.entries.get(_SNAPSHOT.sub("", model))
        if entry is None or tier == STANDARD:
            return entry
        price = entry.price.at(tier)
        return None if price is None else PriceEntry(price, entry.origin)

    def tiers_of(self, model: str) -> list[str]:
        """The tiers `model` has a price at (its snapshot's model's), standard first."""
        entry = self.lookup(model)
        if entry is None:
            return []
        return [tier for tier in TIERS if entry.price.at(tier) is not None]

    def by_model(self) -> list[PriceEntry]:
        """Every entry, sorted by model name."""
        return [self.entries[name] for name in sorted(self.entries)]


def price_table(path: str | None = None) -> PriceTable:
    """The registered prices, with the user's file (`path`, else $LLM_COST_PRICES) on top."""
    from .plugins import registry

    entries = dict(registry().prices())
    path = path or os.environ.get(PRICES_ENV) or None
    if path:
        for price in load_prices(path):
            entries[price.model] = PriceEntry(price, path)
    return PriceTable(entries)


# -- LiteLLM's price list ----------------------------------------------------------------------

# LiteLLM's `model_prices_and_context_window.json` (which tokencost and other tools share): one
# object per model name, prices in USD per token. Our field <- theirs, per tier.
LITELLM_FIELDS = {
    STANDARD: ("input_cost_per_token", "cache_read_input_token_cost", "output_cost_per_token"),
    "batch": ("input_cost_per_token_batches", None, "output_cost_per_token_batches"),
    "flex": (
        "input_cost_per_token_flex",
        "cache_read_input_token_cost_flex",
        "output_cost_per_token_flex",
    ),
    "priority": (
        "input_cost_per_token_priority",
        "cache_read_input_token_cost_priority",
        "output_cost_per_token_priority",
    ),
}
LITELLM_SOURCE = "LiteLLM model_prices_and_context_window.json"
NO_ENCODING = ""  # a price that names no encoding: only a plugin's mapping can count its text


def is_litellm_table(table: Mapping[str, Any]) -> bool:
    """Whether a JSON object is LiteLLM's price list rather than llm-cost's own format."""
    return any(
        isinstance(entry, dict)
        and any(key.endswith("_cost_per_token") or key == "litellm_provider" for key in entry)
        for entry in table.values()
    )


def parse_litellm_prices(table: Mapping[str, Any], label: str) -> list[ModelPrice]:
    """LiteLLM's prices per token as ours per 1M tokens, exactly: each number is read as the
    decimal it is written as (its shortest repr, as Python's json writes floats) and its point
    moved six places. An entry with no per-token input price (an image or audio model) is left
    out; one with a bad price is left out too, and one warning counts them and names the first.
    The file carries no date, so its prices have none (and no age warning)."""
    prices: list[ModelPrice] = []
    bad: list[str] = []
    for model, entry in table.items():
        if model == "sample_spec":  # LiteLLM's documentation of its own fields
            continue
        if not isinstance(entry, dict):
            bad.append(f"{_short(model)!r}: not an object")
            continue
        if entry.get("input_cost_per_token") is None:
            if entry.get("output_cost_per_token") is not None:
                bad.append(f"{_short(model)!r}: an output price without an input price")
            continue
        try:
            price = _litellm_price(model, entry, STANDARD)
            tiers = {}
            for tier in TIERS[1:]:
                if entry.get(LITELLM_FIELDS[tier][0]) is not None:
                    tiers[tier] = _litellm_price(model, entry, tier)
        except (TypeError, ValueError) as exc:
            bad.append(f"{_short(model)!r}: {exc}")
            continue
        prices.append(attrs.evolve(price, tiers=tiers) if tiers else price)
    if bad:
        import warnings

        warnings.warn(
            f"{label}: skipped {len(bad)} LiteLLM entr{'y' if len(bad) == 1 else 'ies'} "
            f"without a usable price, the first: {bad[0]}",
            stacklevel=2,
        )
    return prices


def _litellm_price(model: str, entry: Mapping[str, Any], tier: str) -> ModelPrice:
    """One tier of a LiteLLM entry; ValueError names the field that is not a price."""
    values: list[Decimal | None] = []
    for name in LITELLM_FIELDS[tier]:
        value = None if name is None else entry.get(name)
        if value is None:
            values.append(None)
            continue
        try:
            per_token = _money(value)
            values.append(_money(_EXACT.scaleb(per_token, 6)))
        except (TypeError, ValueError, decimal.DecimalException) as exc:
            raise ValueError(f"{name}: {exc}") from None
    inp, cached, out = values
    return ModelPrice(
        model=model,
        encoding=NO_ENCODING,
        input=inp,
        cached_input=cached,
        output=out,
        source=LITELLM_SOURCE,
        tier=tier,
    )


def encoding_name_for_model(model: str, table: PriceTable) -> str:
    """The encoding `model` uses: a plugin's mapping, else the one its price names."""
    from .plugins import registry

    try:
        return registry().encoding_name_for_model(model)
    except UnknownModelError:
        entry = table.lookup(model)
        if entry is None:
            raise
        return entry.price.encoding


def encoding_for_model(model: str, table: PriceTable) -> Any:
    """The Encoding for `model`; a priced model whose encoding is missing names its package."""
    from .plugins import registry, uninstalled_encoding_message

    name = encoding_name_for_model(model, table)
    if name == NO_ENCODING:
        raise UnknownEncodingError(
            f"model {model!r} has a price but no installed plugin says which encoding counts "
            "its text: counting it needs a plugin that maps it (see `llm-cost plugins`); its "
            f"cost can be estimated from token counts: llm-cost estimate -m {model} "
            "--input-tokens N"
        )
    try:
        return registry().get_encoding(name)
    except UnknownEncodingError:
        raise UnknownEncodingError(uninstalled_encoding_message(model, name)) from None


# -- how old the prices are ------------------------------------------------------------------


def today() -> datetime.date:
    """Today's date, or $LLM_COST_TODAY's (YYYY-MM-DD) so that tests and golden output do not
    depend on the clock."""
    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return _date(TODAY_ENV, pinned)
        except PricesError:
            raise PricesError(
                f"${TODAY_ENV} must be a date written YYYY-MM-DD, not {pinned!r}"
            ) from None
    return datetime.date.today()


def max_price_age() -> int:
    """The age in days past which prices get a warning: $LLM_COST_MAX_PRICE_AGE, else 180."""
    text = os.environ.get(MAX_PRICE_AGE_ENV, "").strip()
    if not text:
        return MAX_PRICE_AGE_DAYS
    if not text.isascii() or not text.isdigit():
        raise PricesError(f"${MAX_PRICE_AGE_ENV} must be a number of days, not {text!r}")
    return int(text)


def stale_price_warning(
    prices: list[ModelPrice], max_age_days: int, on: datetime.date
) -> str | None:
    """One line saying that the oldest of `prices` is more than `max_age_days` old on `on`,
    or None when all are recent enough (or have no date)."""
    dated = [price for price in prices if price.as_of is not None]
    if not dated:
        return None
    oldest = min(dated, key=lambda price: (price.as_of, price.model))
    assert oldest.as_of is not None
    age = (on - oldest.as_of).days
    if age <= max_age_days:
        return None
    models = sorted({price.model for price in dated if price.as_of == oldest.as_of})
    named = models[0] if len(models) == 1 else f"{models[0]} and {len(models) - 1} more"
    return (
        f"the price of {named} is from {oldest.as_of.isoformat()}, {age} days ago (more than "
        f"{max_age_days}); prices change, so check them or give current ones with --prices FILE "
        "(--max-price-age DAYS or --ignore-price-age to change this check)"
    )
