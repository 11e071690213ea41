"""Price files: core's embedded table, users' own files (ours or LiteLLM's), and their age."""

from __future__ import annotations

import datetime
import json
import os
import re
from collections.abc import Mapping
from importlib.resources import files
from typing import Any

import attrs

from llm_cost_core._text import shorten
from llm_cost_core.engine.spec import check_name
from llm_cost_core.prices.litellm import is_litellm_table, parse_litellm_prices
from llm_cost_core.prices.money import json_number, optional_money
from llm_cost_core.prices.prices import STANDARD, TIERS, ModelPrice, PricesError

PRICES_ENV = "LLM_COST_PRICES"
MAX_PRICES_BYTES = 64 << 20  # a price table is a few KB; a bigger file is a mistake
TABLE_FIELDS = ("as_of", "source", "models")
PRICE_FIELDS = ("model", "encoding", "input", "cached_input", "output", "source", "as_of", "tiers")
TIER_FIELDS = ("input", "cached_input", "output", "source")
# Prices older than this many days get a warning: list prices change several times a year.
MAX_PRICE_AGE_DAYS = 180
MAX_PRICE_AGE_ENV = "LLM_COST_MAX_PRICE_AGE"
TODAY_ENV = "LLM_COST_TODAY"  # YYYY-MM-DD: "today" for the age check, so that output can be pinned
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_prices(data: bytes | str, label: str) -> list[ModelPrice]:
    """The prices in a price file's text, validated; errors are one line naming `label`."""
    try:
        table = json.loads(data, parse_float=json_number, parse_int=json_number)
    except (ValueError, RecursionError) as exc:
        raise PricesError(f"{label}: not valid JSON: {exc}") from None
    if not isinstance(table, dict):
        raise PricesError(f"{label}: must hold a JSON object with 'as_of' and 'models'")
    if "models" not in table and is_litellm_table(table):
        return parse_litellm_prices(table, label)
    _check_fields(label, table, TABLE_FIELDS, required=("as_of", "models"))
    as_of = parse_date(label, table["as_of"])
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
            where += f" ({shorten(ascii(entry['model'])[1:-1])})"
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
        entry_as_of = parse_date(where, entry["as_of"]) if "as_of" in entry else as_of
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
        optional_money(value)
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


def parse_date(label: str, value: Any) -> datetime.date:
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
        (files("llm_cost_core") / "data" / "prices.json").read_bytes(),
        "llm_cost_core/data/prices.json",
    )


# -- how old the prices are ------------------------------------------------------------------


def today() -> datetime.date:
    """Today's date, or $LLM_COST_TODAY's (YYYY-MM-DD) so that tests and golden output do not
    depend on the clock."""
    pinned = os.environ.get(TODAY_ENV)
    if pinned:
        try:
            return parse_date(TODAY_ENV, pinned)
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
