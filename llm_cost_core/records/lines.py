"""JSONL lines, counted and priced: what the pipe does to each line, and what a run adds up to.

Lines are bytes split on b"\\n" only (JSON text may hold U+2028, which `str.splitlines` would
split). A good line is kept byte for byte: the `"llm_cost"` key is inserted as text before the
object's closing brace instead of re-serialising the object, which would change its number
formats, escapes and spacing. Any other line is written through unchanged, with the reason.
The run loop that reads inputs and hands line batches to workers is `jobs/pipe.py`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from llm_cost_core.models.chat import MessagesError, count_messages
from llm_cost_core.prices.money import exact_sum, per_million, usd
from llm_cost_core.prices.prices import ModelPrice, PriceTable
from llm_cost_core.records.batch import (
    Request,
    RequestError,
    count_request,
    is_request,
    request_model,
)

KEY = "llm_cost"
JSON_WHITESPACE = b" \t\r\n"
BOM = "\ufeff"
# The fields counted when no --field is given, the first one a line has.
AUTO_FIELDS = ("text", "messages")
# How many models' encodings and batch prices a process keeps found (Batch request lines).
MODELS_REMEMBERED = 4096

# One line's result: the bytes to write, its tokens, and why it was passed through (or None).
LineResult = tuple[bytes, int, "str | None"]


@attrs.frozen
class LineBatchResult:
    """A line batch, counted: flat lists (cheap to pickle back from a worker), so that the
    parent handles a batch without a loop over its lines unless a quota or --fail-fast must
    stop inside it."""

    outputs: list[bytes]
    tokens: list[int]
    bad: list[tuple[int, str]]  # (offset in the batch, reason) of each line passed through
    # (offset, what it costs) of each Batch API request line: few, or all of a Batch file.
    requests: list[tuple[int, PricedRequest]] = attrs.field(factory=list)


@attrs.frozen
class PricedRequest:
    """A Batch request line, counted and priced at its model's batch tier (None: no price)."""

    request: Request
    input_usd: Decimal | None
    max_output_usd: Decimal | None  # at the request's output bound; None without one or a price


@attrs.define
class RequestTotals:
    """The Batch requests of one model, added up: the summary's line for that model."""

    lines: int = 0
    input_tokens: int = 0
    input_usd: Decimal | None = None
    max_output_tokens: int = 0
    max_output_usd: Decimal | None = None
    lines_without_max_output: int = 0

    def add(self, priced: PricedRequest) -> None:
        self.lines += 1
        self.input_tokens += priced.request.tokens
        if priced.input_usd is not None:
            self.input_usd = exact_sum((self.input_usd or Decimal(0), priced.input_usd))
        if priced.request.max_output_tokens is None:
            self.lines_without_max_output += 1
        else:
            self.max_output_tokens += priced.request.max_output_tokens
        if priced.max_output_usd is not None:
            self.max_output_usd = exact_sum(
                (self.max_output_usd or Decimal(0), priced.max_output_usd)
            )

    def merge(self, other: RequestTotals) -> None:
        """Add the totals of the same model's requests counted elsewhere (another shard)."""
        self.lines += other.lines
        self.input_tokens += other.input_tokens
        self.max_output_tokens += other.max_output_tokens
        self.lines_without_max_output += other.lines_without_max_output
        for name in ("input_usd", "max_output_usd"):
            amounts = [a for a in (getattr(self, name), getattr(other, name)) if a is not None]
            setattr(self, name, exact_sum(amounts) if amounts else None)


@attrs.frozen
class PipeSettings:
    """How to count a line; small and picklable, so that each worker builds its own
    `LineCounter` from them."""

    encoding: str
    # None: `text`, else `messages` (LineCounter._value), else a Batch API request
    field: str | None = None
    usd_per_million: Decimal | None = None
    # Without --field, a Batch API request line is counted with its own model's encoding and
    # priced at that model's batch tier: the registered prices, with this price file on top.
    prices_file: str | None = None


@attrs.define
class PipeStats:
    """What a run did. `lines` counts input lines handled (a --fail-fast stop included)."""

    lines: int = 0
    failed: int = 0
    tokens: int = 0
    bytes: int = 0
    seconds: float = 0.0
    stopped_by_quota: str | None = None  # the message, when a quota stopped the run
    fail_fast: str | None = None  # `line N: reason` of the line that stopped the run
    requests: dict[str, RequestTotals] = attrs.field(factory=dict)  # Batch requests, by model

    def add_request(self, priced: PricedRequest) -> None:
        self.requests.setdefault(priced.request.model, RequestTotals()).add(priced)

    def merge(self, other: PipeStats) -> None:
        """Add what a run over other input did (a shard counted elsewhere), so that the shards'
        stats, merged in input order, are those of one run over them all. A stop (quota or
        --fail-fast) is kept from the first run that had one."""
        self.lines += other.lines
        self.failed += other.failed
        self.tokens += other.tokens
        self.bytes += other.bytes
        self.seconds += other.seconds
        self.stopped_by_quota = self.stopped_by_quota or other.stopped_by_quota
        self.fail_fast = self.fail_fast or other.fail_fast
        for model, totals in other.requests.items():
            self.requests.setdefault(model, RequestTotals()).merge(totals)


class _BadLine(Exception):
    """A line to pass through unchanged; the message is the reason."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_KINDS = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    Decimal: "a number",  # an integer too long for int (see `LineCounter._decode_big`)
}


def _json_error(exc: json.JSONDecodeError) -> str:
    """The decoder's message, with its column, said plainly."""
    if exc.msg == "Invalid control character at":
        code = ord(exc.doc[exc.pos])
        return (
            f"raw control character U+{code:04X} in a string at column {exc.colno} "
            f"(JSON needs \\u{code:04x})"
        )
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"


def _kind(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


class LineCounter:
    """Counts lines and adds the key, as `settings` say; one per process."""

    def __init__(self, settings: PipeSettings) -> None:
        import llm_cost_core as lc

        self.encoding = lc.get_encoding(settings.encoding)
        self.field = settings.field
        self.path = settings.field.split(".") if settings.field is not None else []
        self.usd_per_million = settings.usd_per_million
        self._encoding_json = json.dumps(self.encoding.name)
        self.prices_file = settings.prices_file
        self._table: PriceTable | None = None
        # model -> (its Encoding, its batch price or None), or the message of why it has none
        self._models: dict[str, Any] = {}
        # One decoder for every line: json.loads with an option builds a new one per call.
        self._decode = json.JSONDecoder(parse_constant=_no_constants).decode
        # For a line with an integer beyond Python's int-string limit (4,300 digits), which is
        # valid JSON: integers read as Decimal, which has no such limit. Only its kind matters
        # here, and the line is written out byte for byte.
        self._decode_big = json.JSONDecoder(parse_constant=_no_constants, parse_int=Decimal).decode

    def count_lines(self, lines: Sequence[bytes], starts_source: bool) -> LineBatchResult:
        """A line batch's output lines, tokens, bad lines and Batch requests; `starts_source`:
        its first line is its input's first, where a UTF-8 BOM is allowed."""
        outputs: list[bytes] = []
        tokens: list[int] = []
        bad: list[tuple[int, str]] = []
        requests: list[tuple[int, PricedRequest]] = []
        line = self._line
        for i, text in enumerate(lines):
            output, count, reason, priced = line(text, starts_source and i == 0)
            outputs.append(output)
            tokens.append(count)
            if reason is not None:
                bad.append((i, reason))
            if priced is not None:
                requests.append((i, priced))
        return LineBatchResult(outputs, tokens, bad, requests)

    def line(self, line: bytes, first: bool = False) -> LineResult:
        """The output line for `line` (which may end with b"\\n"), its tokens, and a reason
        when it is passed through unchanged."""
        output, tokens, reason, _ = self._line(line, first)
        return output, tokens, reason

    def _line(
        self, line: bytes, first: bool
    ) -> tuple[bytes, int, str | None, PricedRequest | None]:
        body = line[:-1] if line.endswith(b"\n") else line
        end = len(body.rstrip(JSON_WHITESPACE))
        try:
            tokens, added, priced = self._count(body[:end], first)
        except _BadLine as exc:
            return line, 0, str(exc), None
        # body[:end] is a JSON object, so it ends with "}"; insert after its last member.
        inner = body[: end - 1].rstrip(JSON_WHITESPACE)
        comma = b"" if inner.endswith(b"{") else b", "
        output = inner + comma + added.encode() + b"}" + body[len(inner) :] + line[len(body) :]
        return output, tokens, None, priced

    def _count(self, data: bytes, first: bool) -> tuple[int, str, PricedRequest | None]:
        """The tokens of a line, the key to add, and the priced request of a Batch line."""
        obj = self._object(data, first)
        if self.field is None and is_request(obj) and not any(f in obj for f in AUTO_FIELDS):
            return self._count_request(obj)
        tokens = self._count_field(obj)
        added = f'"{KEY}": {{"tokens": {tokens}, "encoding": {self._encoding_json}'
        if self.usd_per_million is not None:
            added += f', "cost_usd": {usd(per_million(tokens, self.usd_per_million))}'
        return tokens, added, None

    def _count_request(self, obj: dict[str, Any]) -> tuple[int, str, PricedRequest]:
        """A Batch API request line: counted with its model's encoding, priced at its model's
        batch tier."""
        try:
            model = request_model(obj)
            encoding, price = self._model(model)
            request = count_request(encoding, obj)
        except RequestError as exc:
            raise _BadLine(f"not a Batch request that can be counted: {exc}") from None
        input_usd: Decimal | None = None
        max_output_usd: Decimal | None = None
        added = (
            f'"{KEY}": {{"tokens": {request.tokens}, "encoding": {json.dumps(encoding.name)}, '
            f'"model": {json.dumps(model)}, "tier": "batch"'
        )
        if price is not None:
            input_usd = per_million(request.tokens, price.input)
            added += f', "cost_usd": {usd(input_usd)}'
        if request.max_output_tokens is not None:
            added += f', "max_output_tokens": {request.max_output_tokens}'
            if input_usd is not None and price is not None:
                max_output_usd = per_million(request.max_output_tokens, price.output or Decimal(0))
                added += f', "max_cost_usd": {usd(exact_sum((input_usd, max_output_usd)))}'
        if request.not_counted:
            added += f', "not_counted": {json.dumps(list(request.not_counted))}'
        return request.tokens, added, PricedRequest(request, input_usd, max_output_usd)

    def _model(self, model: str) -> tuple[Any, ModelPrice | None]:
        """The Encoding and batch price of `model`, found once per process; an unknown model or
        an encoding that is not installed makes each of its lines a bad line."""
        found = self._models.get(model)
        if found is None:
            from llm_cost_core.errors import LLMCostError
            from llm_cost_core.models.resolve import encoding_for_model, price_table

            try:
                if self._table is None:
                    self._table = price_table(self.prices_file)
                table = self._table
                entry = table.lookup(model, "batch")
                found = (encoding_for_model(model, table), entry.price if entry else None)
            except LLMCostError as exc:
                found = str(exc).splitlines()[0]
            if len(self._models) < MODELS_REMEMBERED:  # any number of names, bounded memory
                self._models[model] = found
        if isinstance(found, str):
            raise _BadLine(found)
        return found

    def _object(self, data: bytes, first: bool) -> dict[str, Any]:
        """The line's JSON object, or _BadLine saying why it is not one."""
        if not data.strip(JSON_WHITESPACE):
            raise _BadLine("empty line")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _BadLine(f"invalid UTF-8 at byte {exc.start + 1}") from None
        if first and text.startswith(BOM):
            text = text[1:]
        if text.startswith(BOM):  # as json.loads says it
            raise _BadLine("not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1")
        try:
            try:
                obj = self._decode(text)
            except json.JSONDecodeError:
                raise
            except ValueError:  # maybe a huge integer; not a JSON error
                obj = self._decode_big(text)
        except json.JSONDecodeError as exc:
            raise _BadLine(f"not JSON: {_json_error(exc)}") from None
        except RecursionError:
            raise _BadLine("not JSON that can be read: nested too deeply") from None
        except ValueError as exc:
            raise _BadLine(f"not JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise _BadLine(f"not a JSON object ({_kind(obj)})")
        if KEY in obj:
            raise _BadLine(f'already has an "{KEY}" key')
        return obj

    def _count_field(self, obj: dict[str, Any]) -> int:
        field, value = self._value(obj)
        if isinstance(value, str):
            return self.encoding.count(value)
        if isinstance(value, list):
            try:
                return count_messages(self.encoding, value)
            except MessagesError as exc:
                raise _BadLine(f"field {field!r} is not a messages list: {exc}") from None
        raise _BadLine(f"field {field!r} is {_kind(value)}, not a string or a messages list")

    def _value(self, obj: dict[str, Any]) -> tuple[str, Any]:
        """The field to count and its value. Without --field: `text` when the line has one,
        else `messages` (a chat or fine-tuning line), so chat JSONL needs no flag."""
        if self.field is None:
            for name in AUTO_FIELDS:
                if name in obj:
                    return name, obj[name]
            raise _BadLine(f"no field {' or '.join(map(repr, AUTO_FIELDS))}")
        value: Any = obj
        for part in self.path:
            if not isinstance(value, dict) or part not in value:
                raise _BadLine(f"no field {self.field!r}")
            value = value[part]
        return self.field, value


def cost(stats: PipeStats, settings: PipeSettings) -> Decimal | None:
    """The exact cost of the tokens counted, or None without a price: text lines at the
    settings' price, plus each Batch request at its model's batch price."""
    priced = [totals.input_usd for totals in stats.requests.values()]
    text_tokens = stats.tokens - sum(totals.input_tokens for totals in stats.requests.values())
    if settings.usd_per_million is not None:
        priced.append(per_million(text_tokens, settings.usd_per_million))
    known = [amount for amount in priced if amount is not None]
    return exact_sum(known) if known else None
