"""OpenAI Batch API input lines: the prompt each request sends, counted, and its output bound.

A Batch input file holds one request per line, `{"custom_id", "method", "url", "body"}`, whose
`body` is what the endpoint at `url` takes. What is counted, per endpoint:

- `/v1/chat/completions`: `messages`, as `chat.count_messages` counts a chat prompt (OpenAI's
  documented per-message overhead; an estimate).
- `/v1/responses`: `input` (a string, or a list of messages whose content is a string or
  `input_text`/`output_text` parts, counted as a chat prompt) and `instructions` (counted as one
  more message); an estimate too, since OpenAI documents no overhead for this endpoint.
- `/v1/embeddings`: `input`; `/v1/completions`: `prompt`. Each a string, a list of strings, a
  token array or a list of token arrays: text is counted, token arrays are their length. Exact.

Tool and function definitions, `response_format` schemas, images, audio and files add tokens that
OpenAI does not document how to count; they are not counted, and the request says which of its
fields were left out (`not_counted`), so that an estimate never looks more exact than it is.
"""

from __future__ import annotations

from typing import Any

import attrs

from llm_cost_core.models.chat import Counter, MessagesError, count_messages

CHAT = "/v1/chat/completions"
RESPONSES = "/v1/responses"
EMBEDDINGS = "/v1/embeddings"
COMPLETIONS = "/v1/completions"
ENDPOINTS = (CHAT, RESPONSES, EMBEDDINGS, COMPLETIONS)
# The body field that bounds a request's output tokens, per endpoint, in the order looked at.
MAX_OUTPUT_FIELDS = {
    CHAT: ("max_completion_tokens", "max_tokens"),
    RESPONSES: ("max_output_tokens",),
    COMPLETIONS: ("max_tokens",),
    EMBEDDINGS: (),
}
# Body fields that cost input tokens that are not counted (see the module docstring).
UNCOUNTED_FIELDS = ("tools", "functions", "response_format", "text", "tool_choice")
_TEXT_PARTS = ("text", "input_text", "output_text")


class RequestError(ValueError):
    """A Batch line whose request cannot be counted; the message says which field and why."""


@attrs.frozen
class Request:
    """One Batch request, counted."""

    url: str
    model: str
    tokens: int
    max_output_tokens: int | None  # None when the body sets no bound; 0 for embeddings
    not_counted: tuple[str, ...] = ()


def is_request(obj: dict[str, Any]) -> bool:
    """Whether a JSON line is a Batch API request rather than a record with text in it."""
    return "body" in obj and "url" in obj


def request_model(obj: dict[str, Any]) -> str:
    """The model a Batch line asks for (`body.model`), checked."""
    url = obj.get("url")
    if url not in ENDPOINTS:
        shown = url if isinstance(url, str) else type(url).__name__
        raise RequestError(f"url {shown!r} is not one of {', '.join(ENDPOINTS)}")
    body = obj.get("body")
    if not isinstance(body, dict):
        raise RequestError("'body' is not an object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError("'body.model' is not a model name")
    return model


def count_request(encoding: Counter, obj: dict[str, Any]) -> Request:
    """The prompt tokens of a Batch line (checked with `request_model` first) and its output
    bound."""
    url: str = obj["url"]
    body: dict[str, Any] = obj["body"]
    if url == CHAT:
        tokens = _messages(encoding, body.get("messages"), "body.messages")
    elif url == RESPONSES:
        tokens = _responses(encoding, body)
    else:
        field = "input" if url == EMBEDDINGS else "prompt"
        tokens = _prompt(encoding, body.get(field), f"body.{field}")
    return Request(
        url=url,
        model=body["model"],
        tokens=tokens,
        max_output_tokens=_max_output(body, url),
        not_counted=tuple(name for name in UNCOUNTED_FIELDS if body.get(name)),
    )


def _messages(encoding: Counter, messages: Any, where: str) -> int:
    if not isinstance(messages, list):
        raise RequestError(f"{where!r} is not a messages list")
    try:
        return count_messages(encoding, messages)
    except MessagesError as exc:
        raise RequestError(f"{where!r} is not a messages list: {exc}") from None


def _responses(encoding: Counter, body: dict[str, Any]) -> int:
    """A Responses request: `input` as text or as messages, plus `instructions`."""
    value = body.get("input")
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise RequestError("'body.instructions' is not a string")
    if isinstance(value, str):
        messages: list[Any] = [{"role": "user", "content": value}]
    elif isinstance(value, list):
        messages = [_as_chat_message(item, index) for index, item in enumerate(value)]
    else:
        raise RequestError("'body.input' is not a string or a list of messages")
    if instructions is not None:
        messages.insert(0, {"role": "developer", "content": instructions})
    return _messages(encoding, messages, "body.input")


def _as_chat_message(item: Any, index: int) -> Any:
    """A Responses input item as a chat message: its text parts become `text` parts."""
    if not isinstance(item, dict) or not isinstance(item.get("content"), list):
        return item
    parts = [
        {"type": "text", "text": part.get("text")}
        if isinstance(part, dict) and part.get("type") in _TEXT_PARTS
        else part
        for part in item["content"]
    ]
    return {**item, "content": parts}


def _prompt(encoding: Counter, value: Any, where: str) -> int:
    """A string, a list of strings, a token array or a list of token arrays."""
    if isinstance(value, str):
        return encoding.count(value)
    if isinstance(value, list) and value:
        if all(isinstance(item, str) for item in value):
            return sum(map(encoding.count, value))
        if all(_is_token(item) for item in value):
            return len(value)
        if all(isinstance(item, list) and all(map(_is_token, item)) for item in value):
            return sum(map(len, value))
    raise RequestError(
        f"{where!r} is not a string, a list of strings, a token array or a list of token arrays"
    )


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _max_output(body: dict[str, Any], url: str) -> int | None:
    if url == EMBEDDINGS:
        return 0  # an embedding has no output tokens
    for name in MAX_OUTPUT_FIELDS[url]:
        value = body.get(name)
        if value is None:
            continue
        if not _is_token(value):
            raise RequestError(f"'body.{name}' is not a whole number of tokens")
        return int(value)
    return None
